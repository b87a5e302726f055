import {
  type CloseInfo,
  type Decision,
  defaults,
  kernel,
  type Lifeline,
  LifelineError,
  type Plugin,
  redact,
  type UpgradeResponse,
  type WebSocketLike,
} from '@lifeline/core';
import type { LifelinePort } from './socket.js';

/** Options of `upgradeStatus`. Durations in milliseconds. */
export interface UpgradeStatusOptions {
  /** Cap on a server's Retry-After. @default 300000 (5 minutes), as `reconnect.maxRetryAfter` */
  readonly maxRetryAfter?: number;
}

/** Upgrade statuses that mean "this request will never succeed". */
const FATAL_STATUSES = new Set([400, 403, 404, 426]);

/**
 * Lets the reconnect policy see what only ws's sockets know: the HTTP status and headers of a refused
 * upgrade (401 is retried once with fresh credentials, 429 and 503 no sooner than their Retry-After,
 * other refusals but 408 and 5xx stop), and the close code ws sent when it failed the connection on a
 * protocol error (1009 for a message over `maxPayload`), which its close event reports as 1006.
 * `@lifeline/node`'s Lifeline attaches it by itself when its sockets are ws sockets.
 * @returns detaches it
 */
export function upgradeStatus(
  line: Lifeline<unknown, unknown>,
  { maxRetryAfter = defaults.reconnect.maxRetryAfter }: UpgradeStatusOptions = {},
): () => void {
  let plugin = plugins.get(maxRetryAfter);
  if (plugin === undefined) {
    plugin = {
      describe: (socket, info, line) => describe(line, socket, info),
      classify: (info, authRetried, line) =>
        info.response && decide(info.response, authRetried, maxRetryAfter, kernel.timers(line).now()),
    };
    plugins.set(maxRetryAfter, plugin);
  }
  return kernel.use(line, plugin);
}

/** One plugin per cap, shared by the lines that use it: a process may hold thousands of lines. */
const plugins = new Map<number, Plugin>();

/** Adds the refused upgrade's response and ws's own close code to what the close event says. */
function describe(line: Lifeline<unknown, unknown>, socket: WebSocketLike, info: CloseInfo): CloseInfo {
  const { upgradeResponse: response, failCode } = socket as Partial<LifelinePort>;
  if (response === undefined && failCode === undefined) return info;
  const { error } = info;
  return {
    ...info,
    ...(failCode !== undefined && { code: failCode }),
    ...(response && {
      response,
      // the attempt's error (ERR_CONNECT_FAILED) carries the response too, and says what happened
      ...(error && {
        error: new LifelineError(
          error.code,
          `attempt ${info.attempt} to ${redact(line.url)} was refused with HTTP ${response.status}`,
          { cause: error.cause, response },
        ),
      }),
    }),
  };
}

/**
 * The policy for a refused upgrade, ahead of the close codes (a refused upgrade closes with 1006).
 * @param authRetried whether the previous failure was already an auth failure that got its one retry
 * @param maxRetryAfter cap on Retry-After, in milliseconds
 * @param now the line's clock, which an HTTP-date Retry-After counts from
 */
function decide(
  response: UpgradeResponse,
  authRetried: boolean,
  maxRetryAfter: number,
  now: number,
): Decision {
  const { status } = response;
  const stop = (why: string): Decision => ({ retry: false, code: 'ERR_HANDSHAKE_REJECTED', why });
  const retry = (minDelay = 0, refreshCredentials = false): Decision => ({
    retry: true,
    minDelay: Math.min(minDelay, maxRetryAfter),
    refreshCredentials,
  });
  if (status === 401) {
    return authRetried
      ? stop('the server refused the upgrade with HTTP 401 again after fresh credentials')
      : retry(0, true);
  }
  if (status === 429 || status === 503) return retry(parseRetryAfter(response.headers['retry-after'], now));
  if (FATAL_STATUSES.has(status) || (status >= 300 && status < 500 && status !== 408)) {
    return stop(`the server refused the upgrade with HTTP ${status}`);
  }
  return retry();
}

/** A Retry-After header (delay-seconds or an HTTP date) in milliseconds from `now`, or undefined. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
