import { randomBytes } from 'node:crypto';
import {
  type AttachOutcome,
  type EndReason,
  mask,
  type ResetReason,
  SessionError,
  type SessionRecord,
  type SessionStore,
  type StoredMessage,
} from '@lifeline/server';
import { createClient } from 'redis';
import { type RedisCommander, ScriptRunner } from './script-runner.js';
import {
  ACKNOWLEDGE,
  APPEND,
  ATTACH,
  COMPLETE,
  CREATE,
  DETACH,
  END,
  type FenceReply,
  KEEP_ALIVE,
} from './scripts.js';
import { decodePayload, encodePayload } from './stored-payload.js';

/** Options shared by both ways of making a `RedisSessionStore`. */
export interface RedisSessionStoreSettings {
  /**
   * Prefix of every key the store writes; stores with different prefixes do not see each other's
   * sessions (and have different generations).
   * @default 'lifeline:'
   */
  readonly prefix?: string;
  /**
   * How often, in milliseconds, the store renews the keys of the sessions attached through it. An
   * attached session's keys expire `ttl + keepAlive` after the last renewal, so the sessions of a node
   * that died without a word are kept for at least `ttl` after it died, then go by Redis's own expiry.
   * @default 10000
   */
  readonly keepAlive?: number;
}

/** Options of `new RedisSessionStore()`: a connected node-redis client the caller owns (and closes). */
export interface RedisSessionStoreOptions extends RedisSessionStoreSettings {
  /** The client the store's commands go through; the store never closes it. */
  readonly client: RedisCommander;
}

/** Options of `RedisSessionStore.connect()`: the store makes its own client, and `close()` closes it. */
export interface RedisConnectOptions extends RedisSessionStoreSettings {
  /** `redis://[[user]:password@]host[:port][/db]` */
  readonly url: string;
  /** Connection errors of the store's client (it reconnects by itself; store calls fail meanwhile). */
  readonly onError?: (error: Error) => void;
}

const RESET_REASONS: ReadonlySet<string> = new Set<ResetReason>([
  'expired',
  'overflow',
  'store-lost',
  'auth-changed',
  'evicted',
  'protocol',
]);
/** Reasons a hello hears while the ttl lasts, as the in-memory store does; any other end answers `expired`. */
const REMEMBERED: ReadonlySet<EndReason> = new Set<EndReason>(['overflow', 'evicted']);
/** Sessions renewed per script call: keeps each call short, so it never holds Redis up for long. */
const KEEP_ALIVE_BATCH = 256;
/** Messages appended per script call at most (Lua's unpack has a stack limit of a few thousand). */
const APPEND_BATCH = 512;

/** A session's appends made in one turn of the event loop, written by one script call. */
interface AppendBatch {
  readonly epoch: number;
  readonly messages: StoredMessage[];
  readonly settles: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

type AttachReply = [Buffer, ...(Buffer | number | Buffer[])[]];

/**
 * Sessions in Redis, shared by every server node that points at the same Redis, so a client resumes on
 * any of them. Each mutation is one Lua script that checks the session's epoch and writes only under the
 * current one, so a node that was frozen or cut off while another took the session over (a zombie)
 * cannot change it: its write fails with `ERR_SESSION_FENCED` and the server lets the session go.
 * Expiry is Redis's own (PEXPIRE); a random generation under a well-known key tells a flushed or
 * restarted Redis (`store-lost`) from a session that merely expired.
 * @example
 * const store = await RedisSessionStore.connect({ url: 'redis://127.0.0.1:6379' });
 * const server = new SessionServer({ port: 8080, store, handler });
 */
export class RedisSessionStore implements SessionStore {
  readonly #scripts: ScriptRunner;
  readonly #prefix: string;
  readonly #keepAliveMs: number;
  /** Closes the client the store made (`connect()`); nothing for a client the caller owns. */
  #closeClient: () => Promise<void> = async () => {};
  /** Sessions attached through this store, with the epoch they hold: the keys it keeps alive. */
  readonly #attached = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  /** Appends not yet sent, per session: a burst of sends costs one round trip, not one each. */
  readonly #appends = new Map<string, AppendBatch>();

  /** @throws TypeError, RangeError for bad options, naming the option and the value */
  constructor(options: RedisSessionStoreOptions) {
    if (typeof options?.client?.sendCommand !== 'function') {
      throw new TypeError(
        `RedisSessionStore: client must be a node-redis client, got ${typeof options?.client}`,
      );
    }
    this.#scripts = new ScriptRunner(options.client, [
      CREATE,
      ATTACH,
      APPEND,
      ACKNOWLEDGE,
      COMPLETE,
      DETACH,
      END,
      KEEP_ALIVE,
    ]);
    this.#prefix = options.prefix ?? 'lifeline:';
    if (typeof this.#prefix !== 'string') {
      throw new TypeError(`RedisSessionStore: prefix must be a string, got ${typeof options.prefix}`);
    }
    const keepAlive = options.keepAlive ?? 10_000;
    if (!Number.isSafeInteger(keepAlive) || keepAlive < 1) {
      throw new RangeError(
        `RedisSessionStore: keepAlive must be a whole number of milliseconds of at least 1, got ${String(keepAlive)}`,
      );
    }
    this.#keepAliveMs = keepAlive;
    // a renewal that fails (Redis unreachable) is tried again next time: each lease outlasts a missed
    // renewal by the session's whole ttl, and a store that cannot reach Redis fails its writes anyway
    this.#timer = setInterval(() => void this.#keepAlive().catch(() => {}), keepAlive);
    // renewing leases must not keep a process alive that has nothing else to do
    this.#timer.unref();
  }

  /**
   * Connects a client of its own to `url` and makes a store on it. Commands fail at once while the
   * connection is down (no offline queue), so a session's connection closes (1011) and its client
   * resumes when Redis is back, instead of waiting on a queue.
   */
  static async connect(options: RedisConnectOptions): Promise<RedisSessionStore> {
    if (typeof options?.url !== 'string') {
      throw new TypeError(`RedisSessionStore: url must be a string, got ${typeof options?.url}`);
    }
    const client = createClient({ url: options.url, disableOfflineQueue: true });
    client.on('error', (error: Error) => options.onError?.(error));
    await client.connect();
    const closeClient = async () => {
      if (client.isOpen) await client.close();
    };
    let store: RedisSessionStore;
    try {
      store = new RedisSessionStore({ ...options, client: client as unknown as RedisCommander });
    } catch (error) {
      await closeClient();
      throw error;
    }
    store.#closeClient = closeClient;
    return store;
  }

  /** Stops renewing leases and, for a store made by `connect()`, closes its client. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#attached.clear();
    await this.#closeClient();
  }

  async create(session: {
    readonly sid: string;
    readonly principal: string;
    readonly ttl: number;
  }): Promise<SessionRecord> {
    const { sid, principal, ttl } = session;
    const generation = await this.#scripts.run<string>(
      CREATE,
      [this.#hash(sid), this.#generationKey()],
      [principal, String(ttl), String(ttl + this.#keepAliveMs), randomBytes(16).toString('base64url')],
    );
    this.#attached.set(sid, 1);
    return { sid, principal, generation, epoch: 1, rx: 0, tx: 0, outbound: [], ttl };
  }

  async attach(request: {
    readonly sid: string;
    readonly principal: string;
    readonly generation: string | null;
  }): Promise<AttachOutcome> {
    const { sid } = request;
    this.#flushAppends(sid);
    const reply = await this.#scripts.run<AttachReply>(
      ATTACH,
      [this.#hash(sid), this.#outbound(sid), this.#ended(sid), this.#generationKey()],
      [request.principal, request.generation ?? '', String(this.#keepAliveMs)],
      true,
    );
    if (String(reply[0]) === 'reason') {
      const reason = String(reply[1]);
      // a remembered end reason outside the reset vocabulary (none is written today) is an expiry
      return { reason: RESET_REASONS.has(reason) ? (reason as ResetReason) : 'expired' };
    }
    const [, principal, generation, epoch, rx, tx, acked, ttl, elements] = reply as [
      Buffer,
      Buffer,
      Buffer,
      number,
      Buffer,
      Buffer,
      Buffer,
      Buffer,
      Buffer[],
    ];
    const first = Number(acked) + 1;
    const outbound: StoredMessage[] = elements.map((element, index) => decodePayload(first + index, element));
    this.#attached.set(sid, epoch);
    return {
      record: {
        sid,
        principal: principal.toString(),
        generation: generation.toString(),
        epoch,
        rx: Number(rx),
        tx: Number(tx),
        outbound,
        ttl: Number(ttl),
      },
    };
  }

  append(sid: string, epoch: number, message: StoredMessage): Promise<void> {
    let batch = this.#appends.get(sid);
    if (batch && (batch.epoch !== epoch || batch.messages.length >= APPEND_BATCH)) {
      this.#flushAppends(sid);
      batch = undefined;
    }
    if (!batch) {
      batch = { epoch, messages: [], settles: [] };
      this.#appends.set(sid, batch);
      queueMicrotask(() => this.#flushAppends(sid));
    }
    batch.messages.push(message);
    const { settles } = batch;
    return new Promise((resolve, reject) => settles.push({ resolve, reject }));
  }

  /** Sends the session's pending appends: before any other write of it, so the store sees them in order. */
  #flushAppends(sid: string): void {
    const batch = this.#appends.get(sid);
    if (!batch) return;
    this.#appends.delete(sid);
    const { epoch, messages, settles } = batch;
    this.#scripts
      .run<FenceReply>(
        APPEND,
        [this.#hash(sid), this.#outbound(sid)],
        [
          String(epoch),
          String((messages[0] as StoredMessage).seq),
          ...messages.map(({ data }) => encodePayload(data)),
        ],
      )
      .then((reply) => this.#fence(sid, epoch, reply))
      .then(
        () => {
          for (const { resolve } of settles) resolve();
        },
        (error: unknown) => {
          for (const { reject } of settles) reject(error);
        },
      );
  }

  async acknowledge(sid: string, epoch: number, seq: number): Promise<void> {
    this.#flushAppends(sid);
    const reply = await this.#scripts.run<FenceReply>(
      ACKNOWLEDGE,
      [this.#hash(sid), this.#outbound(sid)],
      [String(epoch), String(seq)],
    );
    this.#fence(sid, epoch, reply);
  }

  async complete(sid: string, epoch: number, rx: number): Promise<void> {
    this.#flushAppends(sid);
    const reply = await this.#scripts.run<FenceReply>(
      COMPLETE,
      [this.#hash(sid)],
      [String(epoch), String(rx)],
    );
    this.#fence(sid, epoch, reply);
  }

  async detach(sid: string, epoch: number): Promise<void> {
    this.#flushAppends(sid);
    if (this.#attached.get(sid) === epoch) this.#attached.delete(sid);
    const reply = await this.#scripts.run<FenceReply>(
      DETACH,
      [this.#hash(sid), this.#outbound(sid)],
      [String(epoch)],
    );
    this.#fence(sid, epoch, reply);
  }

  async end(sid: string, epoch: number, reason: EndReason | null): Promise<void> {
    this.#flushAppends(sid);
    if (this.#attached.get(sid) === epoch) this.#attached.delete(sid);
    const remembered = reason && REMEMBERED.has(reason) ? reason : '';
    const reply = await this.#scripts.run<FenceReply>(
      END,
      [this.#hash(sid), this.#outbound(sid), this.#ended(sid)],
      [String(epoch), remembered],
    );
    this.#fence(sid, epoch, reply);
  }

  /** Renews the keys of the sessions attached here; forgets those attached elsewhere or gone since. */
  async #keepAlive(): Promise<void> {
    const sessions = [...this.#attached];
    for (let start = 0; start < sessions.length; start += KEEP_ALIVE_BATCH) {
      const batch = sessions.slice(start, start + KEEP_ALIVE_BATCH);
      const lost = await this.#scripts.run<number[]>(
        KEEP_ALIVE,
        batch.flatMap(([sid]) => [this.#hash(sid), this.#outbound(sid)]),
        [String(this.#keepAliveMs), ...batch.map(([, epoch]) => String(epoch))],
      );
      for (const index of lost) {
        const [sid, epoch] = batch[index - 1] as [string, number];
        if (this.#attached.get(sid) === epoch) this.#attached.delete(sid);
      }
    }
  }

  /** Throws the server's fenced error when the script refused the write. */
  #fence(sid: string, epoch: number, reply: FenceReply): void {
    if (reply === 0) return;
    if (this.#attached.get(sid) === epoch) this.#attached.delete(sid);
    const why =
      reply < 0
        ? 'is no longer in the store (it expired, ended, or the store lost it)'
        : `was attached again since (epoch ${reply})`;
    throw new SessionError('ERR_SESSION_FENCED', `session ${mask(sid)} at epoch ${epoch} ${why}`);
  }

  #hash(sid: string): string {
    return `${this.#prefix}{${sid}}`;
  }

  #outbound(sid: string): string {
    return `${this.#prefix}{${sid}}:out`;
  }

  #ended(sid: string): string {
    return `${this.#prefix}{${sid}}:end`;
  }

  #generationKey(): string {
    return `${this.#prefix}generation`;
  }
}
