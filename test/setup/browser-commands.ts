import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { BrowserCommandContext } from 'vitest/node';
import { WebSocketServer } from 'ws';

/*
 * Commands the Chromium tests call through `commands` from 'vitest/browser'. They run in Node, next to
 * Playwright: they switch the page's network off and on, and drive loopback echo servers the page
 * cannot control itself (stop, listen again on the same port, drop every client).
 */

/** What a controlled server saw, in order: every server-side fact a browser test asserts on. */
export type ServerEvent =
  | { readonly kind: 'connection' }
  | { readonly kind: 'message'; readonly data: string }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string };

interface ControlledServer {
  port: number;
  /** Milliseconds each echo waits: a slow server, for heartbeat deadlines. */
  echoDelay: number;
  wss: WebSocketServer | null;
  readonly log: ServerEvent[];
  /** Called after every new event; each checks its own condition. */
  readonly watchers: Set<() => void>;
}

const servers = new Map<string, ControlledServer>();
let lastId = 0;

function serverById(id: string): ControlledServer {
  const server = servers.get(id);
  if (!server) throw new Error(`no controlled server ${id}`);
  return server;
}

function record(server: ControlledServer, event: ServerEvent): void {
  server.log.push(event);
  for (const watcher of server.watchers) watcher();
}

async function listen(server: ControlledServer): Promise<void> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: server.port });
  wss.on('connection', (socket) => {
    record(server, { kind: 'connection' });
    socket.on('message', (data, isBinary) => {
      const echo = () => socket.send(data, { binary: isBinary });
      if (server.echoDelay > 0) setTimeout(echo, server.echoDelay);
      else echo();
      if (!isBinary) record(server, { kind: 'message', data: data.toString() });
    });
    socket.on('close', (code, reason) => record(server, { kind: 'close', code, reason: reason.toString() }));
  });
  await once(wss, 'listening');
  server.port = (wss.address() as AddressInfo).port;
  server.wss = wss;
}

/** Drops every client without a closing handshake (the page sees 1006). */
function dropClients(server: ControlledServer): void {
  for (const socket of server.wss?.clients ?? []) socket.terminate();
}

async function stopListening(server: ControlledServer): Promise<void> {
  const { wss } = server;
  if (!wss) return;
  server.wss = null;
  for (const socket of wss.clients) socket.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

export const browserCommands = {
  /**
   * Takes the page's network down until the page sets `globalThis[flag] = true`, then brings it back.
   * One command spans the whole outage because a command cannot answer while the page is offline; the
   * flag is read through Playwright's own channel, which the outage does not cut. Open sockets survive
   * Chromium's emulated outage; new ones fail at once with 1006.
   */
  offlineUntil: async ({ context, frame }: BrowserCommandContext, flag: string): Promise<void> => {
    await context.setOffline(true);
    try {
      await (await frame()).waitForFunction(
        (name) => (globalThis as Record<string, unknown>)[name] === true,
        flag,
        { polling: 10, timeout: 30_000 },
      );
    } finally {
      await context.setOffline(false);
    }
  },

  /** Starts an echo server on 127.0.0.1 and an OS-chosen port; the test closes it with `serverClose`. */
  serverStart: async (_: BrowserCommandContext): Promise<{ id: string; url: string }> => {
    const id = String(++lastId);
    const server: ControlledServer = { port: 0, echoDelay: 0, wss: null, log: [], watchers: new Set() };
    await listen(server);
    servers.set(id, server);
    return { id, url: `ws://127.0.0.1:${server.port}` };
  },

  /** Stops listening and drops every client: attempts are refused until `serverListen`. */
  serverStop: (_: BrowserCommandContext, id: string) => stopListening(serverById(id)),

  /** Listens again, on the same port. */
  serverListen: (_: BrowserCommandContext, id: string) => listen(serverById(id)),

  serverDrop: (_: BrowserCommandContext, id: string) => dropClients(serverById(id)),

  /** Makes every later echo wait `ms` milliseconds. */
  serverEchoDelay: (_: BrowserCommandContext, id: string, ms: number) => {
    serverById(id).echoDelay = ms;
  },

  serverLog: (_: BrowserCommandContext, id: string): ServerEvent[] => serverById(id).log,

  /** Resolves with the log once it holds at least `count` events of `kind`. */
  serverWaitFor: (
    _: BrowserCommandContext,
    id: string,
    kind: ServerEvent['kind'],
    count = 1,
  ): Promise<ServerEvent[]> => {
    const server = serverById(id);
    return new Promise((resolve) => {
      const watcher = () => {
        if (server.log.filter((event) => event.kind === kind).length < count) return;
        server.watchers.delete(watcher);
        resolve(server.log);
      };
      server.watchers.add(watcher);
      watcher();
    });
  },

  serverClose: async (_: BrowserCommandContext, id: string): Promise<void> => {
    const server = servers.get(id);
    if (!server) return;
    servers.delete(id);
    server.watchers.clear();
    await stopListening(server);
  },
};

/** The commands as the page calls them: without the context, and always asynchronous. */
type PageSide<T> = {
  [K in keyof T]: T[K] extends (context: BrowserCommandContext, ...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

declare module 'vitest/browser' {
  interface BrowserCommands extends PageSide<typeof browserCommands> {}
}
