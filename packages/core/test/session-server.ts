import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';

/*
 * The smallest server that speaks lifeline.session.v1 (docs/protocol.md), for the client's integration
 * tests: one session at a time, in memory, acks every completed message at once, no auth, no ttl. The real
 * server is @lifeline/server; this one lets the client be tested against a real socket on its own.
 */

const PROTOCOL = 'lifeline.session.v1';
const DATA_HEADER = /^d(\d+) (\d+)\n/;

interface Stored {
  readonly seq: number;
  readonly payload: string;
}

/** A growing list, with a wait for its length: the integration tests wait for counts, never sleep. */
export class Counted<T> {
  readonly items: T[] = [];
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  push(item: T): void {
    this.items.push(item);
    const reached = this.#waiters.filter((waiter) => waiter.count <= this.items.length);
    this.#waiters = this.#waiters.filter((waiter) => waiter.count > this.items.length);
    for (const waiter of reached) waiter.resolve();
  }

  /** Resolves once `count` items are in. */
  reach(count: number): Promise<void> {
    if (count <= this.items.length) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

export interface MiniSessionServer {
  readonly url: string;
  readonly port: number;
  /** Payloads the server completed from the client, in order: each exactly once if the client is right. */
  readonly received: string[];
  /** Hellos seen, in order (their `sid`, `rx`). */
  readonly hellos: Array<{ sid: string | null; rx: number }>;
  /** What each connection carried after its welcome, in order: frames (`e`, `a…`, `d…` headers) and `close <code>`. */
  readonly wire: string[][];
  /** Queues `payload` for the client with the next sequence number, and writes it if a socket is attached. */
  send(payload: string): void;
  /** Forgets the session, as a server that lost its store would (the next hello gets a reset). */
  forget(): void;
  /** Resolves once `count` payloads have been received. */
  receivedCount(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the mini session server on 127.0.0.1 and an OS-chosen port; closed when the test finishes. */
export async function startMiniSessionServer(): Promise<MiniSessionServer> {
  const received = new Counted<string>();
  const hellos: Array<{ sid: string | null; rx: number }> = [];
  const wire: string[][] = [];
  let sid: string | null = null;
  let epoch = 0;
  let outSeq = 0;
  let outbox: Stored[] = [];
  let rx = 0;
  let attached: WebSocket | null = null;

  const write = (socket: WebSocket, entry: Stored) => socket.send(`d${entry.seq} ${rx}\n${entry.payload}`);
  const trim = (ack: number) => {
    outbox = outbox.filter((entry) => entry.seq > ack);
  };
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });
  wss.on('connection', (socket) => {
    socket.on('error', () => {});
    let isWelcomed = false;
    const log: string[] = [];
    wire.push(log);
    socket.on('message', (data, isBinary) => {
      const text = data.toString();
      if (isWelcomed) log.push(text[0] === 'd' ? text.slice(0, text.indexOf('\n')) : text);
      if (!isWelcomed) {
        if (isBinary || text[0] !== 'h') return socket.close(4400, 'hello first');
        const hello = JSON.parse(text.slice(1)) as { sid: string | null; rx: number };
        hellos.push({ sid: hello.sid, rx: hello.rx });
        const isResumed = hello.sid !== null && hello.sid === sid;
        if (!isResumed) {
          sid = randomBytes(16).toString('base64url');
          outSeq = rx = 0;
          outbox = [];
        }
        attached?.terminate();
        attached = socket;
        isWelcomed = true;
        trim(hello.rx);
        const welcome = {
          sid,
          resumed: isResumed,
          ...(!isResumed && hello.sid !== null && { reason: 'expired' }),
          epoch: ++epoch,
          gen: 'mini',
          rx,
          ttl: 60_000,
          window: { messages: 1000, bytes: 1 << 20 },
        };
        socket.send(`w${JSON.stringify(welcome)}`);
        for (const entry of outbox) write(socket, entry);
        return;
      }
      if (text[0] === 'a') return trim(Number(text.slice(1)));
      // the client's final close(): only this ends the session; its close frame follows
      if (text === 'e') {
        sid = null;
        return;
      }
      if (text[0] === 'p') return socket.send(`q${text.slice(1)}`);
      const header = DATA_HEADER.exec(text);
      if (!header) return socket.close(4400, 'malformed');
      const seq = Number(header[1]);
      trim(Number(header[2]));
      if (seq > rx + 1) return socket.close(4500, 'gap');
      if (seq === rx + 1) {
        rx = seq;
        received.push(text.slice(header[0].length));
      }
      socket.send(`a${rx}`);
    });
    socket.on('close', (code) => {
      log.push(`close ${code}`);
      // any close without an end frame only detaches the session
      if (socket === attached) attached = null;
    });
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const { port } = wss.address() as AddressInfo;
  const close = async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
  onTestFinished(close);
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    received: received.items,
    hellos,
    wire,
    send(payload) {
      const entry = { seq: ++outSeq, payload };
      outbox.push(entry);
      if (attached?.readyState === 1) write(attached, entry);
    },
    forget() {
      sid = null;
    },
    receivedCount: (count) => received.reach(count),
    close,
  };
}
