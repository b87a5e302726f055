/**
 * Stable codes of the failures the session server reports, through `send()` rejections and `error`
 * events. Programmer mistakes (bad options, a value that cannot be encoded) throw `TypeError` or
 * `RangeError` at once instead.
 */
export type SessionErrorCode =
  /** The session ended before the client completed the message; `reason` says how. */
  | 'ERR_SESSION_ENDED'
  /** The store refused a write: another connection (maybe on another node) attached the session since. */
  | 'ERR_SESSION_FENCED'
  /** The store failed; the client resumes and the store decides what survived. */
  | 'ERR_STORE_FAILED'
  /** The server was closed or drained before the client completed the message. */
  | 'ERR_SERVER_CLOSED';

/** Why a session ended on this server. */
export type EndReason =
  | 'closed'
  | 'expired'
  | 'overflow'
  | 'evicted'
  | 'store-lost'
  | 'fenced'
  | 'store-failed'
  | 'server-closed';

/** A runtime failure of the session server with a stable `code`; the underlying error, if any, is its `cause`. */
export class SessionError extends Error {
  /** Always `'SessionError'`, for checks across copies of the package where `instanceof` fails. */
  override readonly name = 'SessionError';
  /** What went wrong, stable across versions: branch on it, not on the message. */
  declare readonly code: SessionErrorCode;
  /** For `ERR_SESSION_ENDED`: why the session ended. */
  declare readonly reason?: EndReason;

  constructor(code: SessionErrorCode, message: string, options?: ErrorOptions & { reason?: EndReason }) {
    super(message, options);
    this.code = code;
    if (options?.reason) this.reason = options.reason;
  }
}

/** True for a `SessionError`, also one made by another copy of this package in the same process. */
export function isSessionError(value: unknown): value is SessionError {
  return (
    value instanceof SessionError ||
    (value instanceof Error &&
      value.name === 'SessionError' &&
      typeof (value as SessionError).code === 'string')
  );
}
