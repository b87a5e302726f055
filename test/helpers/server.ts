import { type AddressInfo, createServer, type Socket } from 'node:net';
import type { Lifeline, LifelineEvents } from '@lifeline/core';
import { onTestFinished } from 'vitest';
import { type ServerOptions, WebSocket, WebSocketServer } from 'ws';

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly wss: WebSocketServer;
  /** Sockets accepted so far, oldest first. */
  readonly sockets: WebSocket[];
  /** The next accepted socket (or the newest, if one arrived since the last call). */
  nextConnection(): Promise<WebSocket>;
  /** The next text message from any client. */
  nextMessage(): Promise<string>;
  /** Drops every client without a close frame (the client sees 1006). */
  drop(): void;
  /** Stops listening and drops every client; `start()` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real ws server on 127.0.0.1 and an OS-chosen port, closed when the test finishes. With `echo`, it
 * sends every message back.
 */
export async function startServer(
  options: { echo?: boolean; port?: number } & Omit<ServerOptions, 'host' | 'port'> = {},
): Promise<TestServer> {
  const { echo = false, port: wantedPort = 0, ...serverOptions } = options;
  const sockets: WebSocket[] = [];
  const messages: string[] = [];
  let messageWaiters: Array<(text: string) => void> = [];
  let connectionWaiters: Array<(socket: WebSocket) => void> = [];
  let unclaimed: WebSocket[] = [];
  let wss!: WebSocketServer;

  const listen = async (port: number) => {
    wss = new WebSocketServer({ ...serverOptions, host: '127.0.0.1', port });
    wss.on('connection', (socket) => {
      sockets.push(socket);
      socket.on('message', (data, isBinary) => {
        if (echo) socket.send(data, { binary: isBinary });
        if (isBinary) return;
        const text = data.toString();
        const waiter = messageWaiters.shift();
        if (waiter) waiter(text);
        else messages.push(text);
      });
      const waiter = connectionWaiters.shift();
      if (waiter) waiter(socket);
      else unclaimed.push(socket);
    });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return (wss.address() as AddressInfo).port;
  };

  const port = await listen(wantedPort);
  const dropAll = () => {
    for (const socket of wss.clients) socket.terminate();
  };
  const stop = async () => {
    dropAll();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };

  const server: TestServer = {
    url: `ws://127.0.0.1:${port}`,
    port,
    get wss() {
      return wss;
    },
    sockets,
    nextConnection: () => {
      const socket = unclaimed.shift();
      if (socket) return Promise.resolve(socket);
      return new Promise((resolve) => connectionWaiters.push(resolve));
    },
    nextMessage: () => {
      const text = messages.shift();
      if (text !== undefined) return Promise.resolve(text);
      return new Promise((resolve) => messageWaiters.push(resolve));
    },
    drop: dropAll,
    stop,
    start: async () => {
      unclaimed = [];
      await listen(port);
    },
    close: async () => {
      messageWaiters = [];
      connectionWaiters = [];
      await stop();
    },
  };
  onTestFinished(() => server.close());
  return server;
}

/** A loopback port nothing listens on (just released by the OS), for refused connections. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SilentServer {
  readonly url: string;
  /** TCP connections accepted so far, oldest first. */
  readonly sockets: Socket[];
  /** The next accepted TCP connection not yet claimed, in order of arrival. */
  nextConnection(): Promise<Socket>;
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers the upgrade: an attempt to it
 * hangs until the connect timeout. Closed, with its connections, when the test finishes.
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets: Socket[] = [];
  let claimed = 0;
  let waiters: Array<() => void> = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    // read and discard the request, or the client's hang-up would never surface as 'close'
    socket.resume();
    socket.on('error', () => {}); // the client may reset the connection when it gives up
    waiters.shift()?.();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    waiters = [];
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  const claim = () => sockets[claimed++] as Socket;
  return {
    url: `ws://127.0.0.1:${port}`,
    sockets,
    nextConnection: () =>
      claimed < sockets.length
        ? Promise.resolve(claim())
        : new Promise((resolve) => waiters.push(() => resolve(claim()))),
  };
}

/** Resolves with the arguments of the next typed `event` of a Lifeline. */
export function nextEvent<TMessage, K extends keyof LifelineEvents<TMessage>>(
  line: Lifeline<TMessage>,
  event: K,
): Promise<LifelineEvents<TMessage>[K]> {
  return new Promise((resolve) => {
    line.once(event, ((...args: LifelineEvents<TMessage>[K]) => resolve(args)) as never);
  });
}

export { WebSocket };
