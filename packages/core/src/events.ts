import type { CloseInfo } from './classify.js';
import type { LifelineError } from './errors.js';
import type { DropReason } from './outbound-queue.js';
import type { Issues } from './schema.js';
import type { ConnectionState } from './state.js';

/** Why an attempt is being made; providers get it, so `'auth-failed'` can mint a fresh token. */
export type AttemptReason = 'initial' | 'reconnect' | 'auth-failed' | 'manual';

/**
 * The typed extension events, for `on`/`once`/`off`. The standard events (`open`, `message`, `close`,
 * `error` as `Event` objects) go to `addEventListener` and the `on*` attributes instead.
 */
export interface LifelineEvents<TMessage> {
  /** A decoded message (and schema-checked, when a schema is given). */
  message: [message: TMessage];
  /** The phase changed. */
  state: [state: ConnectionState, previous: ConnectionState];
  /** A connection opened (after the `handshake` hook and the queue flush). */
  open: [
    info: {
      /** The attempt that opened, counted as {@link AttemptContext.attempt} is. */
      attempt: number;
      /** Milliseconds since the previous connection was lost; 0 for the first connection. */
      downtime: number;
      /** The subprotocol the server selected, `''` when none. */
      protocol: string;
    },
  ];
  /** A socket closed or an attempt failed; `willReconnect` is false when this close is final. */
  close: [
    info: CloseInfo & {
      /** Whether an attempt follows; false when the line is closed for good. */
      willReconnect: boolean;
    },
  ];
  /** The next attempt is scheduled `delay` ms from now; `Infinity` while suspended, until resumed. */
  reconnecting: [
    info: {
      /** The number the coming attempt will have, counted as {@link AttemptContext.attempt} is. */
      attempt: number;
      /** Milliseconds until it starts. */
      delay: number;
      /** The close or failure that made it necessary. */
      reason: CloseInfo;
    },
  ];
  /** `reconnect.retries` ran out; Lifeline is closed until `reconnect()`. */
  exhausted: [error: LifelineError];
  /** A message was dropped, never silently. */
  drop: [
    info: {
      /** What the application passed to `send()`, so it can be stored or retried elsewhere. */
      data: unknown;
      /** Why it was dropped. */
      reason: DropReason;
    },
  ];
  /**
   * A frame that failed to decode or validate: `data` is the frame as received, `issues` say why (Standard
   * Schema issues; a codec error is one issue). It is not delivered and the connection stays up.
   */
  invalid: [
    info: {
      /** The frame as received, for logging. */
      data: unknown;
      /** Why it was refused. */
      issues: Issues;
    },
  ];
  /**
   * A runtime failure. With no listener it is not thrown: every failure is also visible as `close`,
   * `reconnecting`, `exhausted` or the state, and a durable client must not crash its process over a
   * transient network error. The last one is kept in `stats.lastError`.
   */
  error: [error: LifelineError];
  /** A session (`session(line)`) resumed after a reconnect: nothing was lost either way. */
  resumed: [info: SessionInfo];
  /**
   * A session could not be resumed and a new one started: every unacknowledged send was dropped (a `drop`
   * event each, reason `'reset'`), and the application resyncs from its source of truth.
   */
  reset: [
    info: SessionInfo & {
      /** Why the old session could not be resumed. */
      readonly reason: SessionResetReason;
      /** How many unacknowledged sends were dropped with it. */
      readonly dropped: number;
    },
  ];
  /** The session's `handler` rejected a message `attempts` times; the message is acknowledged all the same. */
  deadletter: [
    info: {
      /** The decoded message the handler kept rejecting. */
      readonly message: unknown;
      /** Its server→client sequence number. */
      readonly seq: number;
      /** How many times the handler was called with it (`maxAttempts`). */
      readonly attempts: number;
      /** What the last call threw or rejected with. */
      readonly error: unknown;
    },
  ];
}

/**
 * Why a session was not resumed: its ttl ran out, its buffer overflowed while disconnected, the server's
 * store lost it, another principal resumed it, the server evicted it under its memory cap, or the server
 * does not speak the session protocol (`fallback: 'plain'`).
 */
export type SessionResetReason =
  | 'expired'
  | 'overflow'
  | 'store-lost'
  | 'auth-changed'
  | 'evicted'
  | 'protocol';

/**
 * Where a session stands. Sequence numbers count per direction from 1; 0 means none yet.
 */
export interface SessionInfo {
  /** The session id, masked (its first 4 characters and `…`): ids are secrets and never shown whole. */
  readonly id: string;
  /** Increases on every attach on the server (fencing). */
  readonly epoch: number;
  /** The last client→server sequence number written. */
  readonly sent: number;
  /** The last client→server sequence number the server completed (acknowledged). */
  readonly acked: number;
  /** The last server→client sequence number received. */
  readonly received: number;
  /** The last server→client sequence number completed here (what the next hello acknowledges). */
  readonly completed: number;
}
