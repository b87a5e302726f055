import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { WebSocketServer } from 'ws';
import { MemorySessionStore } from './memory-store.js';
import type { ServerSession } from './server-session.js';
import type { SessionStore } from './session-store.js';

/** A bound on unacknowledged messages: a count and a size in bytes (UTF-8 for text). */
export interface Bound {
  /** Most messages. */
  readonly messages: number;
  /** Most payload bytes. */
  readonly bytes: number;
}

/** What a handler learns about the message it runs for. */
export interface HandlerContext {
  /** The session the message came on: reply, or read its principal, through it. */
  readonly session: ServerSession;
  /** The client's sequence number of the message (1, 2, …). */
  readonly seq: number;
  /**
   * `<sid>:c:<seq>`: the same for every run of this message, on any node, so a side effect can be made
   * idempotent across a server crash. It holds the whole session id: keep it out of logs.
   */
  readonly key: string;
  /** 1 on the first run, then 2, … up to `maxAttempts`. */
  readonly attempt: number;
}

/**
 * Runs for each client message, one at a time per session, in order. Its settling is the
 * acknowledgement: the client's `sendAcked()` resolves only after it. A rejection is retried.
 */
export type MessageHandler = (message: unknown, context: HandlerContext) => unknown;

/** Who opens a session: a principal (any string), or `false` (or a throw) to refuse the upgrade with 401. */
export type Authenticate = (request: IncomingMessage) => string | false | PromiseLike<string | false>;

/** Where the server listens: exactly one of `wss`, `server` and `port`. */
export type Attachment =
  /** An existing ws server; its `verifyClient` and `handleProtocols` are wrapped, not replaced. */
  | {
      /** The ws server whose upgrades the sessions take. */
      readonly wss: WebSocketServer;
      /** Not with `wss`: one attachment per server. */
      readonly server?: undefined;
      /** Not with `wss`: one attachment per server. */
      readonly port?: undefined;
    }
  /** An existing HTTP(S) server's upgrades, optionally only at `path`. */
  | {
      /** The HTTP(S) server whose upgrade requests the sessions take. */
      readonly server: HttpServer | HttpsServer;
      /** Only upgrades to this path; others are left for other handlers. */
      readonly path?: string;
      /** Not with `server`: one attachment per server. */
      readonly wss?: undefined;
      /** Not with `server`: one attachment per server. */
      readonly port?: undefined;
    }
  /** A new server on `port` (0: any free one) and `host`. */
  | {
      /** The port to listen on; 0 picks a free one (the server's `url` says which once `listening` resolves). */
      readonly port: number;
      /** The interface to listen on, e.g. `127.0.0.1`; Node's default (all) when not given. */
      readonly host?: string;
      /** Not with `port`: one attachment per server. */
      readonly wss?: undefined;
      /** Not with `port`: one attachment per server. */
      readonly server?: undefined;
    };

/** Options of a `SessionServer`; durations in milliseconds, sizes in bytes. */
export type SessionServerOptions = Attachment & {
  /** Runs for each client message; see `MessageHandler`. */
  readonly handler: MessageHandler;
  /** Runs at every upgrade that offers the session protocol: new sessions and every resume. @default () => 'anonymous' */
  readonly authenticate?: Authenticate;
  /** @default a new `MemorySessionStore` */
  readonly store?: SessionStore;
  /** How long a detached session is kept for a resume, measured by the server (or the store). @default 120000 */
  readonly ttl?: number;
  /**
   * The most server→client data a session holds unacknowledged. While connected, `send()` waits for room;
   * a `send()` that finds it full while the client is away ends the session (`overflow`).
   * @default { messages: 1024, bytes: 4194304 }
   */
  readonly replay?: Partial<Bound>;
  /** The most unacknowledged client→server data the server accepts (the welcome's `window`). @default { messages: 1024, bytes: 4194304 } */
  readonly window?: Partial<Bound>;
  /** The most bytes all sessions may hold unacknowledged; over it, the least recently detached are evicted. @default 268435456 */
  readonly maxSessionBytes?: number;
  /** Runs of a rejecting handler before the message is reported as `deadletter` (and acknowledged). @default 3 */
  readonly maxAttempts?: number;
  /** Turns a payload into the handler's message. @default text: `JSON.parse`; binary: the `Buffer` as it is */
  readonly decode?: (payload: string | Buffer, isBinary: boolean) => unknown;
  /** Turns a `send()` value into a payload. @default strings and binary data as they are, others `JSON.stringify` */
  readonly encode?: (value: unknown) => string | Uint8Array;
};

/** The options with every default filled in. */
export interface Settings {
  readonly handler: MessageHandler;
  readonly authenticate: Authenticate;
  readonly store: SessionStore;
  readonly ttl: number;
  readonly replay: Bound;
  readonly window: Bound;
  readonly maxSessionBytes: number;
  readonly maxAttempts: number;
  readonly decode: (payload: string | Buffer, isBinary: boolean) => unknown;
  readonly encode: (value: unknown) => string | Uint8Array;
}

const MIB = 1 << 20;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`SessionServer: ${name} must be a whole number of at least 1, got ${String(value)}`);
  }
  return value;
}

function bound(name: string, value: Partial<Bound> | undefined): Bound {
  return {
    messages: positive(`${name}.messages`, value?.messages, 1024),
    bytes: positive(`${name}.bytes`, value?.bytes, 4 * MIB),
  };
}

function decodeJson(payload: string | Buffer, isBinary: boolean): unknown {
  return isBinary ? payload : JSON.parse(payload as string);
}

function encodeJson(value: unknown): string | Uint8Array {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`SessionServer: cannot encode the ${typeof value} as JSON`);
  return text;
}

/** Checks the options and fills in the defaults. @throws TypeError, RangeError naming the bad option */
export function settingsOf(options: SessionServerOptions): Settings {
  if (typeof options?.handler !== 'function') {
    throw new TypeError(`SessionServer: handler must be a function, got ${typeof options?.handler}`);
  }
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function') {
    throw new TypeError(`SessionServer: authenticate must be a function, got ${typeof options.authenticate}`);
  }
  return {
    handler: options.handler,
    authenticate: options.authenticate ?? (() => 'anonymous'),
    store: options.store ?? new MemorySessionStore(),
    ttl: positive('ttl', options.ttl, 120_000),
    replay: bound('replay', options.replay),
    window: bound('window', options.window),
    maxSessionBytes: positive('maxSessionBytes', options.maxSessionBytes, 256 * MIB),
    maxAttempts: positive('maxAttempts', options.maxAttempts, 3),
    decode: options.decode ?? decodeJson,
    encode: options.encode ?? encodeJson,
  };
}
