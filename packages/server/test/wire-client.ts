import { once } from 'node:events';
import { SESSION_PROTOCOL, type SessionServer, type SessionServerEvents } from '@lifeline/server';
import { onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { startSessionServer as startServer, type TestServerOptions } from '../../../test/sessions/harness.js';

/** The welcome as the client reads it. */
export interface WelcomeFrame {
  sid: string;
  resumed: boolean;
  reason?: string;
  epoch: number;
  gen: string;
  rx: number;
  ttl: number;
  window: { messages: number; bytes: number };
}

/** A server→client frame, parsed. */
export type ServerFrame =
  | { type: 'welcome'; welcome: WelcomeFrame }
  | { type: 'data'; seq: number; ack: number; payload: string | Buffer; isBinary: boolean }
  | { type: 'ack'; ack: number }
  | { type: 'pong'; id: string }
  | { type: 'other'; text: string };

function parse(data: Buffer, isBinary: boolean): ServerFrame {
  const text = isBinary ? '' : data.toString('utf8');
  if (data[0] === 0x64) {
    const newline = data.indexOf(0x0a);
    const [seq, ack] = data.toString('latin1', 1, newline).split(' ').map(Number) as [number, number];
    const body = data.subarray(newline + 1);
    return { type: 'data', seq, ack, payload: isBinary ? body : body.toString('utf8'), isBinary };
  }
  if (text.startsWith('w')) return { type: 'welcome', welcome: JSON.parse(text.slice(1)) };
  if (text.startsWith('a')) return { type: 'ack', ack: Number(text.slice(1)) };
  if (text.startsWith('q')) return { type: 'pong', id: text.slice(1) };
  return { type: 'other', text };
}

/**
 * A session client written by hand on a raw ws socket: it speaks `lifeline.session.v1` frame by frame,
 * so tests can send what a real client never would (gaps, duplicates, early frames).
 */
export class WireClient {
  readonly socket: WebSocket;
  readonly #frames: ServerFrame[] = [];
  #waiters: Array<() => void> = [];
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.#frames.push(parse(data, isBinary));
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    });
    this.closed = once(socket, 'close').then(([code, reason]) => ({ code, reason: String(reason) }));
  }

  /** Opens a socket offering the session protocol (first) and `protocols`; closed when the test finishes. */
  static async connect(
    url: string,
    options: { protocols?: string[]; headers?: Record<string, string> } = {},
  ) {
    const socket = new WebSocket(url, [SESSION_PROTOCOL, ...(options.protocols ?? [])], {
      ...(options.headers ? { headers: options.headers } : {}),
    });
    onTestFinished(() => socket.terminate());
    await once(socket, 'open');
    return new WireClient(socket);
  }

  /** Opens a socket, says hello and returns the welcome. */
  static async open(
    url: string,
    hello: Partial<{ sid: string | null; rx: number; gen: string | null }> = {},
  ) {
    const client = await WireClient.connect(url);
    const welcome = await client.hello(hello);
    return { client, welcome };
  }

  async hello({
    sid = null,
    rx = 0,
    gen = null,
  }: Partial<{ sid: string | null; rx: number; gen: string | null }> = {}) {
    this.send(`h${JSON.stringify({ v: 1, sid, rx, gen })}`);
    const frame = await this.next();
    if (frame.type !== 'welcome') throw new Error(`expected a welcome, got ${JSON.stringify(frame)}`);
    return frame.welcome;
  }

  send(frame: string | Buffer): void {
    this.socket.send(frame);
  }

  /** A data frame with a text payload (a JSON value unless `raw`). */
  data(seq: number, ack: number, value: unknown, raw = false): void {
    this.send(`d${seq} ${ack}\n${raw ? value : JSON.stringify(value)}`);
  }

  /** The next frame from the server, in order. */
  async next(): Promise<ServerFrame> {
    for (;;) {
      const frame = this.#frames.shift();
      if (frame) return frame;
      await new Promise<void>((wake) => this.#waiters.push(wake));
    }
  }

  /** The next `count` data frames, skipping acks. */
  async nextData(count: number): Promise<Array<Extract<ServerFrame, { type: 'data' }>>> {
    const frames: Array<Extract<ServerFrame, { type: 'data' }>> = [];
    while (frames.length < count) {
      const frame = await this.next();
      if (frame.type === 'data') frames.push(frame);
    }
    return frames;
  }

  /** Waits for an ack frame, or a data frame's ack, of at least `seq`. */
  async acked(seq: number): Promise<void> {
    for (;;) {
      const frame = await this.next();
      if ((frame.type === 'ack' || frame.type === 'data') && frame.ack >= seq) return;
    }
  }

  /** Frames received and not yet taken. */
  get pending(): readonly ServerFrame[] {
    return this.#frames;
  }
}

/** The shared harness's session server (127.0.0.1, a free port, closed when the test finishes), with its url apart. */
export async function startSessionServer(
  options: TestServerOptions = {},
): Promise<{ server: SessionServer; url: string }> {
  const server = await startServer(options);
  return { server, url: server.url };
}

/** Resolves with the payload of the next `event` of a session server. */
export function nextServerEvent<K extends keyof SessionServerEvents>(
  server: SessionServer,
  event: K,
): Promise<SessionServerEvents[K][0]> {
  return new Promise((resolve) => {
    server.once(event, ((payload: SessionServerEvents[K][0]) => resolve(payload)) as never);
  });
}

/** A promise with its resolve function outside, for handlers a test releases. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
