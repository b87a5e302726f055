import { type Lifeline, type Session, type SessionOptions, session, type UrlProvider } from '@lifeline/core';
import type { NodeLifelineOptions } from '@lifeline/node';
import { type ServerSession, SessionServer, type SessionServerOptions } from '@lifeline/server';
import { onTestFinished } from 'vitest';
import { eventMatching } from '../helpers/events.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { nodeLifeline } from '../helpers/node-lifeline.js';
import { closedPort } from '../helpers/server.js';

/** Server options without the attachment: the harness listens on 127.0.0.1 and a free port. */
export type TestServerOptions = Omit<
  SessionServerOptions,
  'port' | 'host' | 'wss' | 'server' | 'path' | 'handler'
> &
  Partial<Pick<SessionServerOptions, 'handler'>>;

/** A session server on 127.0.0.1 and a free port, closed when the test finishes. */
export async function startSessionServer(
  options: TestServerOptions = {},
): Promise<SessionServer & { url: string }> {
  const server = new SessionServer({
    handler: () => {},
    ...options,
    port: 0,
    host: '127.0.0.1',
  } as SessionServerOptions);
  onTestFinished(() => server.close());
  await server.listening;
  return server as SessionServer & { url: string };
}

/** Text payloads pass as they are both ways, so a test can put an id at their start. */
export const rawText = {
  decode: (payload: string | Buffer) => payload,
  encode: (value: unknown) => value as string | Uint8Array,
};

/** A client codec that leaves text as it is (the server gets exactly what was sent). */
export const rawCodec = { encode: (value: unknown) => String(value), decode: (data: unknown) => data };

/** A line and the session attached to it. */
export interface SessionClient {
  readonly line: Lifeline;
  readonly session: Session;
}

/**
 * A Node line with a session to `url`, retrying at once (`minDelay: 1`), closed when the test finishes.
 * Its text passes as it is.
 */
export function sessionClient(
  url: UrlProvider,
  sessionOptions: SessionOptions = {},
  lineOptions: Partial<NodeLifelineOptions> = {},
): SessionClient {
  const line = nodeLifeline(url, {
    reconnect: { minDelay: 1, maxDelay: 20, minUptime: 0 },
    binaryType: 'arraybuffer',
    perMessageDeflate: false,
    codec: rawCodec,
    ...lineOptions,
  } as NodeLifelineOptions);
  return { line, session: session(line, sessionOptions) };
}

/**
 * Where a client's attempts go: to `url` while open, to a port nothing listens on (refused at once)
 * while shut, so a test keeps a client away for as long as it needs, however many attempts it makes.
 */
export interface UrlGate {
  readonly url: () => string;
  /** Attempts refused since the gate was made. */
  readonly refused: number;
  shut(): void;
  open(): void;
  /** Sends the next attempts to `url` instead (another server). */
  point(url: string): void;
}

/** A gate in front of `url`, open at first. */
export async function urlGate(url: string): Promise<UrlGate> {
  const nowhere = `ws://127.0.0.1:${await closedPort()}`;
  let target = url;
  let isOpen = true;
  let refused = 0;
  return {
    url: () => {
      if (isOpen) return target;
      refused++;
      return nowhere;
    },
    get refused() {
      return refused;
    },
    shut: () => {
      isOpen = false;
    },
    open: () => {
      isOpen = true;
    },
    point: (next) => {
      target = next;
    },
  };
}

/** A server, a fault proxy in front of it, and a session client through the proxy and a gate. */
export async function proxiedSession(
  serverOptions: TestServerOptions = {},
  sessionOptions: SessionOptions = {},
  lineOptions: Partial<NodeLifelineOptions> = {},
): Promise<{ server: SessionServer; proxy: FaultProxy; gate: UrlGate } & SessionClient> {
  const server = await startSessionServer(serverOptions);
  const proxy = await startFaultProxy(Number(new URL(server.url).port));
  const gate = await urlGate(proxy.url);
  return { server, proxy, gate, ...sessionClient(gate.url, sessionOptions, lineOptions) };
}

/** Resolves with the server's side of `line`'s session once `line` opens (call it before it does). */
export async function opened(server: SessionServer, line: Lifeline): Promise<ServerSession> {
  const serverSession = nextServerSession(server);
  await eventMatching(line, 'open');
  return serverSession;
}

/** Cuts the client's connection and keeps it away (the gate shut) until the server has detached it. */
export async function keepAway(server: SessionServer, proxy: FaultProxy, gate: UrlGate): Promise<void> {
  const detached = new Promise((resolve) => server.once('detached', resolve));
  gate.shut();
  proxy.cut('rst');
  await detached;
}

/** Resolves when the server ends a session for `reason` (e.g. `expired`, as its own clock says). */
export function serverEnded(server: SessionServer, reason: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (info: { reason: string }) => {
      if (info.reason !== reason) return;
      server.off('ended', listener);
      resolve();
    };
    server.on('ended', listener);
  });
}

/** Resolves with the next server-side session (a new one, or the fresh one of a reset). */
export function nextServerSession(server: SessionServer): Promise<ServerSession> {
  return new Promise((resolve) => server.once('session', resolve));
}

/**
 * Every event of `names` on `line`, in order, with its first argument; for checking what a run emitted
 * (and that secrets never appear whole in it).
 */
export function recordEvents(
  line: Lifeline,
  names: readonly string[],
): Array<{ name: string; info: unknown }> {
  const events: Array<{ name: string; info: unknown }> = [];
  for (const name of names)
    line.on(name as 'open', ((info: unknown) => events.push({ name, info })) as never);
  return events;
}

/** A seeded pseudo-random generator (mulberry32): the same seed, the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a randomized test: `SESSION_SEED` from the environment to replay a failure, else a fresh one. */
export function seedOf(): number {
  const given = process.env.SESSION_SEED;
  return given === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(given);
}
