import pRetry, { type Options as PRetryOptions } from 'p-retry';
import { isLifelineError } from './errors.js';
import type { Requester, RequestOptions } from './request.js';

/**
 * How `retrying()` backs off, as p-retry takes it (durations in milliseconds): `retries` (10), `factor`
 * (2), `minTimeout` (1000), `maxTimeout` (Infinity), `randomize` (false), `maxRetryTime` (Infinity),
 * `onFailedAttempt`, `unref`, and a `signal` that stops the retries of every request.
 */
export type RetryingOptions = Pick<
  PRetryOptions,
  | 'retries'
  | 'factor'
  | 'minTimeout'
  | 'maxTimeout'
  | 'randomize'
  | 'maxRetryTime'
  | 'onFailedAttempt'
  | 'unref'
  | 'signal'
>;

/** A failure that another attempt may not repeat: the response, not the request, went missing. */
const isRetryable = (error: unknown) =>
  isLifelineError(error) && (error.code === 'ERR_REQUEST_TIMEOUT' || error.code === 'ERR_CONNECTION_LOST');

/**
 * Retries the requests of `inner` with backoff (p-retry) when they time out or lose their connection;
 * every other failure (`ERR_INVALID_RESPONSE`, `ERR_DROPPED`, `ERR_CLOSED`, an abort, a `TypeError`)
 * rejects at once. Every attempt carries the same id (made once when the value has none), so a server
 * can tell a retry from a new request and answer it once. Only for requests the server may see twice.
 *
 * Aborting `options.signal` or a request's own `signal` stops its retries and rejects with the signal's
 * reason. The pauses between attempts run on the global timers, not on the Lifeline's `timers` option:
 * p-retry schedules them itself. A module of its own, so only bundles that retry carry p-retry.
 * @example
 * const rpc = retrying(requester(line, { timeout: 2000 }), { retries: 3, minTimeout: 200 });
 * const quote = await rpc.request({ type: 'quote', symbol: 'ETH' });
 */
export function retrying<TRequest, TResponse>(
  inner: Requester<TRequest, TResponse>,
  options: RetryingOptions = {},
): Requester<TRequest, TResponse> {
  function request(value: TRequest, requestOptions: RequestOptions<unknown> = {}): Promise<unknown> {
    // the inner requester checks the value, but the id must be fixed before the first attempt
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return Promise.reject(new TypeError(`Lifeline: request() takes an object, got ${String(value)}`));
    }
    const { key } = inner;
    const message = {
      ...value,
      [key]: (value as Record<string, unknown>)[key] ?? inner.nextId(),
    } as TRequest;
    const signals = [options.signal, requestOptions.signal].filter((signal) => signal !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const attemptOptions = signal === undefined ? requestOptions : { ...requestOptions, signal };
    // p-retry turns a rejection that is not an Error into a TypeError; the caller gets the original
    let nonError: { reason: unknown } | undefined;
    const attempt = () =>
      inner.request(message, attemptOptions).catch((error: unknown) => {
        if (!(error instanceof Error)) nonError = { reason: error };
        throw error;
      });
    return pRetry(attempt, {
      ...options,
      signal,
      shouldRetry: ({ error }) => isRetryable(error),
    }).catch((error: unknown) => {
      throw nonError ? nonError.reason : error;
    });
  }

  return {
    request: request as Requester<TRequest, TResponse>['request'],
    get pending() {
      return inner.pending;
    },
    key: inner.key,
    nextId: () => inner.nextId(),
  };
}
