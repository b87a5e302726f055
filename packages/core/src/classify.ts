import type { LifelineError, LifelineErrorCode } from './errors.js';
import type { UpgradeResponse } from './ports.js';

/** Everything known about one socket that closed, or one attempt that failed. */
export interface CloseInfo {
  /** `'connect'`: the attempt never opened; `'open'`: an open connection closed. */
  readonly phase: 'connect' | 'open';
  /**
   * The code the socket reported (1006 for a failed or timed-out attempt, as the standard says); where the
   * platform failed the connection itself on a protocol error, the code it closed with (1009: message too big).
   */
  readonly code: number;
  /** The close reason; a JSON object here is read as server advice ({@link CloseAdvice}). */
  readonly reason: string;
  /** Whether the closing handshake completed; false for a dropped connection or a failed attempt. */
  readonly wasClean: boolean;
  /** Consecutive failed attempts, this one included (0 for the close of a connection that stayed up). */
  readonly attempt: number;
  /** The refused upgrade's HTTP status and headers, where the platform can see them (Node's upgrade status). */
  readonly response?: UpgradeResponse;
  /** Timeouts, provider failures and other failures that are not a close code. */
  readonly error?: LifelineError;
}

/** What to do after a close: retry (maybe not sooner than `minDelay`), or stop with an error code. */
export type Decision =
  | {
      /** Which member of the union this is. */
      readonly retry: true;
      /** Milliseconds the next attempt waits at least, whatever the backoff says (a server's `retryAfter`). */
      readonly minDelay: number;
      /** Whether providers get `'auth-failed'` next, so they can mint fresh credentials. */
      readonly refreshCredentials: boolean;
    }
  | {
      /** Which member of the union this is. */
      readonly retry: false;
      /** The code of the {@link LifelineError} the line closes with. */
      readonly code: LifelineErrorCode;
      /** The error's message: what made the close fatal. */
      readonly why: string;
    };

/** Server advice in a JSON close reason, e.g. `{"reconnect":false}` or `{"retryAfter":30000}`. */
export interface CloseAdvice {
  /** `false`: the close is final, whatever its code; `true`: retry, even after a code that is fatal by default. */
  readonly reconnect?: boolean;
  /** Milliseconds. */
  readonly retryAfter?: number;
}

/** Close codes after which a retry would repeat the failure (RFC 6455 §7.4.1, and 4500-4999 by convention). */
const FATAL_CODES = [1002, 1003, 1007, 1009, 1010];

/** Parses server advice from a close reason; anything that is not a JSON object gives none. */
export function parseCloseAdvice(reason: string): CloseAdvice {
  if (!reason.startsWith('{')) return {};
  try {
    // text starting with '{' parses to an object or throws
    const { reconnect, retryAfter } = JSON.parse(reason) as Record<string, unknown>;
    return {
      ...(typeof reconnect === 'boolean' && { reconnect }),
      ...(typeof retryAfter === 'number' && retryAfter >= 0 && { retryAfter }),
    };
  } catch {
    return {};
  }
}

/**
 * The default policy for close codes and server advice, before the application's `shouldReconnect` hook.
 * A platform decides first where its socket knows more (Node: the HTTP status of a refused upgrade, in
 * @lifeline/node's upgrade-status.ts, through the `classify` plugin hook).
 * @param authRetried whether the previous failure was already an auth failure that got its one retry
 * @param maxRetryAfter cap on a server's requested delay, in milliseconds
 */
export function classify(info: CloseInfo, authRetried: boolean, maxRetryAfter: number): Decision {
  const retry = (minDelay = 0, refreshCredentials = false): Decision => ({
    retry: true,
    minDelay: Math.min(minDelay, maxRetryAfter),
    refreshCredentials,
  });
  // every stop here is a fatal close; platforms' classifiers stop with their own codes
  const stop = (why: string): Decision => ({ retry: false, code: 'ERR_FATAL_CLOSE', why });

  const advice = parseCloseAdvice(info.reason);
  if (advice.reconnect === false) return stop(`the server asked not to reconnect (code ${info.code})`);
  if (advice.reconnect === true || advice.retryAfter !== undefined) return retry(advice.retryAfter);

  if (info.code === 1008) {
    return authRetried
      ? stop('the server closed with 1008 (policy violation) again after fresh credentials')
      : retry(0, true);
  }
  if (FATAL_CODES.includes(info.code) || (info.code >= 4500 && info.code <= 4999)) {
    return stop(`the server closed with code ${info.code}, which a retry would repeat`);
  }
  return retry();
}
