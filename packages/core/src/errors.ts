import type { UpgradeResponse } from './ports.js';
import type { ConnectionState } from './state.js';

/**
 * Stable codes of the runtime failures Lifeline reports. Programmer mistakes are thrown at once as
 * `TypeError`, `RangeError` or the `DOMException` the WebSocket standard names; everything that goes wrong
 * later, on the network or in a provider, arrives as a `LifelineError` carrying one of these codes.
 */
export type LifelineErrorCode =
  /** An attempt failed before the socket opened: refused, reset, DNS, a failed upgrade. */
  | 'ERR_CONNECT_FAILED'
  /** An attempt did not open within `connectTimeout`. */
  | 'ERR_CONNECT_TIMEOUT'
  /** A `url`, `protocols` or `headers` provider threw or rejected; the attempt is retried. */
  | 'ERR_PROVIDER_FAILED'
  /** No pong (or no inbound frame) arrived within the heartbeat timeout. */
  | 'ERR_HEARTBEAT_TIMEOUT'
  /** `reconnect.retries` consecutive attempts failed; Lifeline is closed until `reconnect()`. */
  | 'ERR_RETRIES_EXHAUSTED'
  /** The server closed with a code (or advice) that a retry would only repeat; Lifeline is closed. */
  | 'ERR_FATAL_CLOSE'
  /** The server refused the upgrade with an HTTP status that a retry would only repeat. */
  | 'ERR_HANDSHAKE_REJECTED'
  /** The application's `handshake` hook threw; the connection is closed and retried. */
  | 'ERR_HANDSHAKE_FAILED'
  /** A pending request's connection closed before the response came. */
  | 'ERR_CONNECTION_LOST'
  /** A request got no response within its timeout. */
  | 'ERR_REQUEST_TIMEOUT'
  /** A request's response failed its schema (the issues are the `cause`); it also emitted `invalid`. */
  | 'ERR_INVALID_RESPONSE'
  /** A request's message was dropped before it was sent (the `drop` event says why). */
  | 'ERR_DROPPED'
  /** The operation needs a Lifeline that is not closed. */
  | 'ERR_CLOSED'
  /** The outbound queue is full and its overflow policy is `'reject'`; the message was not taken. */
  | 'ERR_QUEUE_FULL'
  /** No WebSocket constructor was given and the platform package did not supply one. */
  | 'ERR_NO_WEBSOCKET'
  /** A session's server did not select the `lifeline.session.v1` subprotocol; Lifeline is closed. */
  | 'ERR_SESSION_UNSUPPORTED'
  /** The session could not be resumed (a `reset` event says why): what was not yet acknowledged is dropped. */
  | 'ERR_SESSION_RESET'
  /** The server broke the session protocol (a gap, a malformed frame, no welcome): the client resumes. */
  | 'ERR_SESSION_PROTOCOL';

/** A runtime failure with a stable `code`; the underlying error, if any, is its `cause`. */
export class LifelineError extends Error {
  /** Always `'LifelineError'`; {@link isLifelineError} checks it where `instanceof` cannot. */
  override readonly name = 'LifelineError';
  /** What went wrong, stable across versions: branch on it, not on the message. */
  declare readonly code: LifelineErrorCode;
  /** The refused upgrade's HTTP status and headers, for failures caused by one (Node only). */
  declare readonly response?: UpgradeResponse;

  constructor(
    code: LifelineErrorCode,
    message: string,
    options?: ErrorOptions & { response?: UpgradeResponse },
  ) {
    super(message, options);
    this.code = code;
    if (options?.response) this.response = options.response;
  }
}

/** What a thrown value says, for messages: its `message` when it is an Error (anything can be thrown). */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/**
 * True for a `LifelineError`, also one made by another copy of `@lifeline/core` in the same app
 * (two bundled copies each have their own class, so `instanceof` alone would miss it).
 */
export function isLifelineError(value: unknown): value is LifelineError {
  return (
    value instanceof LifelineError ||
    (value instanceof Error &&
      value.name === 'LifelineError' &&
      typeof (value as LifelineError).code === 'string')
  );
}

/**
 * What a wait on a line that is closing or closed for good rejects with (`opened`, `drained`): the cause
 * is the error that closed it, when it was not the application's `close()`.
 */
export function closedError(state: ConnectionState): LifelineError {
  const cause = state.phase === 'closed' ? state.error : undefined;
  return new LifelineError('ERR_CLOSED', 'the Lifeline is closed', { cause });
}
