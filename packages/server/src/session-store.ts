import type { Awaitable } from './awaitable.js';
import type { EndReason } from './session-error.js';

/*
 * What the session server keeps in a store, shaped so a shared store (Redis: a Lua script per method)
 * fits without changes: every mutation names the epoch it was made under and fails with
 * `SessionError('ERR_SESSION_FENCED')` when the session was attached again since (fencing a zombie
 * node); expiry is the store's (a TTL), never a client's clock; a generation token tells a store that
 * lost data from one that never had the session.
 */

/** Why a hello that named a session did not resume it (the welcome's `reason`, the client's `reset`). */
export type ResetReason = 'expired' | 'overflow' | 'store-lost' | 'auth-changed' | 'evicted' | 'protocol';

/** A server→client message, persisted before it is sent. */
export interface StoredMessage {
  /** Its server→client sequence number, what the client acknowledges. */
  readonly seq: number;
  /** The encoded payload: text, or bytes sent as a binary frame. */
  readonly data: string | Uint8Array;
  /** Payload bytes (UTF-8 for text). */
  readonly bytes: number;
}

/** A session as the store holds it. */
export interface SessionRecord {
  /** The session id, a secret: whoever holds it can resume the session (log it masked). */
  readonly sid: string;
  /** Who `authenticate()` said opened it; a resume by anyone else is refused (`auth-changed`). */
  readonly principal: string;
  /** The store's generation when the session was made (echoed to the client as `gen`). */
  readonly generation: string;
  /** 1 at creation, +1 on every attach. */
  readonly epoch: number;
  /** The highest client seq whose handler completed (the server's cumulative ack). */
  readonly rx: number;
  /** The highest server seq ever persisted for the session. */
  readonly tx: number;
  /** Persisted server→client messages the client has not acknowledged, in seq order. */
  readonly outbound: readonly StoredMessage[];
  /** How long the session is kept once detached, in milliseconds. */
  readonly ttl: number;
}

/** What `attach()` answers: the record under its new epoch, or why the session cannot be resumed. */
export type AttachOutcome =
  | {
      /** The session, attached under its new epoch. */
      readonly record: SessionRecord;
      /** Absent: the attach succeeded. */
      readonly reason?: undefined;
    }
  | {
      /** Absent: the attach was refused. */
      readonly record?: undefined;
      /** Why the session could not be attached; the client is told and starts a new one. */
      readonly reason: ResetReason;
    };

/**
 * Where sessions live. Methods may return a value or a promise; the server calls each session's
 * mutations in order and waits for `append` before writing the message to the socket.
 */
export interface SessionStore {
  /** Makes an attached session at epoch 1 with nothing sent or received. */
  create(session: {
    readonly sid: string;
    readonly principal: string;
    readonly ttl: number;
  }): Awaitable<SessionRecord>;
  /**
   * Attaches a session again (a resume): atomically adds 1 to its epoch and returns the record, unless
   * it cannot be resumed: `auth-changed` when `principal` is not the session's (then nothing changes),
   * the reason it ended (`overflow`, `evicted`) while that is remembered, `expired` when the store no
   * longer knows it but `generation` is the store's own, and `store-lost` when the generation is not.
   */
  attach(request: {
    readonly sid: string;
    readonly principal: string;
    readonly generation: string | null;
  }): Awaitable<AttachOutcome>;
  /** Persists a server→client message (seq = the session's tx + 1). */
  append(sid: string, epoch: number, message: StoredMessage): Awaitable<void>;
  /** The client acknowledged every seq up to `seq`: forget those messages. */
  acknowledge(sid: string, epoch: number, seq: number): Awaitable<void>;
  /** The handler of client seq `rx` completed (rx only grows): the server's ack after a restart or move. */
  complete(sid: string, epoch: number, rx: number): Awaitable<void>;
  /** The session's socket went away: its time-to-live starts now. */
  detach(sid: string, epoch: number): Awaitable<void>;
  /**
   * Discards the session. With a `reason`, a hello naming it within its ttl hears that reason
   * (`overflow`, `evicted`; others answer `expired`).
   */
  end(sid: string, epoch: number, reason: EndReason | null): Awaitable<void>;
}
