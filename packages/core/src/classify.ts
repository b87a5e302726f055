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
  readonly reason: string;
  readonly wasClean: boolean;
  /** Consecutive failed attempts, this one included (0 for the close of a connection that stayed up). */
  readonly attempt: number;
  /** The refused upgrade's HTTP status and headers, where the platform can see them (Node). */
  readonly response?: UpgradeResponse;
  /** Timeouts, provider failures and other failures that are not a close code. */
  readonly error?: LifelineError;
}

/** What to do after a close: retry (maybe not sooner than `minDelay`), or stop with an error code. */
export type Decision =
  | { readonly retry: true; readonly minDelay: number; readonly refreshCredentials: boolean }
  | { readonly retry: false; readonly code: LifelineErrorCode; readonly why: string };

/** Server advice in a JSON close reason, e.g. `{"reconnect":false}` or `{"retryAfter":30000}`. */
export interface CloseAdvice {
  readonly reconnect?: boolean;
  /** Milliseconds. */
  readonly retryAfter?: number;
}

/** Close codes after which a retry would repeat the failure (RFC 6455 §7.4.1, and 4500-4999 by convention). */
const FATAL_CODES = new Set([1002, 1003, 1007, 1009, 1010]);
/** Upgrade statuses that mean "this request will never succeed". */
const FATAL_STATUSES = new Set([400, 403, 404, 426]);

/** Parses server advice from a close reason; anything that is not a JSON object gives none. */
export function parseCloseAdvice(reason: string): CloseAdvice {
  if (!reason.startsWith('{')) return {};
  try {
    const value: unknown = JSON.parse(reason);
    if (typeof value !== 'object' || value === null) return {};
    const { reconnect, retryAfter } = value as Record<string, unknown>;
    return {
      ...(typeof reconnect === 'boolean' && { reconnect }),
      ...(typeof retryAfter === 'number' && retryAfter >= 0 && { retryAfter }),
    };
  } catch {
    return {};
  }
}

/** A Retry-After header (delay-seconds or an HTTP date) in milliseconds from `now`, or undefined. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The default policy, before the application's `shouldReconnect` hook.
 * @param authRetried whether the previous failure was already an auth failure that got its one retry
 * @param maxRetryAfter cap on a server's requested delay, in milliseconds
 */
export function classify(
  info: CloseInfo,
  authRetried: boolean,
  maxRetryAfter: number,
  now: number,
): Decision {
  const retry = (minDelay = 0, refreshCredentials = false): Decision => ({
    retry: true,
    minDelay: Math.min(minDelay, maxRetryAfter),
    refreshCredentials,
  });
  const stop = (code: LifelineErrorCode, why: string): Decision => ({ retry: false, code, why });

  const status = info.response?.status;
  if (status !== undefined) {
    if (status === 401) {
      return authRetried
        ? stop(
            'ERR_HANDSHAKE_REJECTED',
            'the server refused the upgrade with HTTP 401 again after fresh credentials',
          )
        : retry(0, true);
    }
    if (status === 429 || status === 503) {
      return retry(parseRetryAfter(info.response?.headers['retry-after'], now) ?? 0);
    }
    if (FATAL_STATUSES.has(status) || (status >= 300 && status < 500 && status !== 408)) {
      return stop('ERR_HANDSHAKE_REJECTED', `the server refused the upgrade with HTTP ${status}`);
    }
    return retry();
  }

  const advice = parseCloseAdvice(info.reason);
  if (advice.reconnect === false)
    return stop('ERR_FATAL_CLOSE', `the server asked not to reconnect (code ${info.code})`);
  if (advice.reconnect === true || advice.retryAfter !== undefined) return retry(advice.retryAfter);

  if (info.code === 1008) {
    return authRetried
      ? stop(
          'ERR_FATAL_CLOSE',
          'the server closed with 1008 (policy violation) again after fresh credentials',
        )
      : retry(0, true);
  }
  if (FATAL_CODES.has(info.code) || (info.code >= 4500 && info.code <= 4999)) {
    return stop('ERR_FATAL_CLOSE', `the server closed with code ${info.code}, which a retry would repeat`);
  }
  return retry();
}
