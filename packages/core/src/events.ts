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
  open: [info: { attempt: number; downtime: number; protocol: string }];
  /** A socket closed or an attempt failed; `willReconnect` is false when this close is final. */
  close: [info: CloseInfo & { willReconnect: boolean }];
  /** The next attempt is scheduled `delay` ms from now; `Infinity` while suspended, until resumed. */
  reconnecting: [info: { attempt: number; delay: number; reason: CloseInfo }];
  /** `reconnect.retries` ran out; Lifeline is closed until `reconnect()`. */
  exhausted: [error: LifelineError];
  /** A message was dropped, never silently. */
  drop: [info: { data: unknown; reason: DropReason }];
  /**
   * A frame that failed to decode or validate: `data` is the frame as received, `issues` say why (Standard
   * Schema issues; a codec error is one issue). It is not delivered and the connection stays up.
   */
  invalid: [info: { data: unknown; issues: Issues }];
  /**
   * A runtime failure. With no listener it is not thrown: every failure is also visible as `close`,
   * `reconnecting`, `exhausted` or the state, and a durable client must not crash its process over a
   * transient network error. The last one is kept in `stats.lastError`.
   */
  error: [error: LifelineError];
}
