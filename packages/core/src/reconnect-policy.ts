import { backoffDelay } from './backoff.js';
import { type CloseInfo, classify, type Decision } from './classify.js';
import { LifelineError, messageOf } from './errors.js';
import type { AttemptReason } from './events.js';
import type { ReconnectOptions, ReconnectVerdict } from './options.js';

/** The counters the policy reads and advances; the Lifeline keeps them between closes. */
export interface Counters {
  /** Consecutive failed attempts (a lost connection counts as the first). */
  readonly failures: number;
  /** Whether the last failure was an auth failure that already got its one retry with fresh credentials. */
  readonly authRetried: boolean;
}

/** What the policy needs besides the close: the options and the hooks that can change a decision. */
export interface PolicyContext {
  readonly policy: ReconnectOptions;
  readonly random: () => number;
  readonly shouldReconnect: ((info: CloseInfo, decision: Decision) => ReconnectVerdict) | undefined;
  /** Decides before the close codes when it returns a decision (Node: the HTTP status of a refused upgrade). */
  readonly classify?: ((info: CloseInfo, authRetried: boolean) => Decision | undefined) | undefined;
}

/** Retry after `delay` ms with these counters, or stop with `stop`; `hookError` when `shouldReconnect` threw. */
export type NextAttempt = (
  | { readonly delay: number; readonly reason: AttemptReason; readonly counters: Counters }
  | { readonly stop: LifelineError }
) & { readonly hookError?: LifelineError };

/**
 * Decides what follows a failed attempt or a lost connection: the default classification (close codes,
 * HTTP statuses, server advice), then the application's `shouldReconnect`, then the jittered backoff and
 * the retry budget. Pure: it reads only the random source it is given, and returns the new counters.
 */
export function nextAttempt(info: CloseInfo, counters: Counters, context: PolicyContext): NextAttempt {
  const { policy } = context;
  const failures = counters.failures + 1;
  const base =
    context.classify?.(info, counters.authRetried) ??
    classify(info, counters.authRetried, policy.maxRetryAfter);
  let verdict: ReconnectVerdict;
  let hookError: LifelineError | undefined;
  try {
    verdict = context.shouldReconnect?.(info, base);
  } catch (cause) {
    hookError = new LifelineError(
      'ERR_CONNECT_FAILED',
      `the shouldReconnect hook threw; the default policy applies: ${messageOf(cause)}`,
      { cause },
    );
  }
  const extra = hookError ? { hookError } : {};
  const stop = (code: LifelineError['code'], why: string): NextAttempt => ({
    stop: new LifelineError(code, why, {
      cause: info.error,
      ...(info.response && { response: info.response }),
    }),
    ...extra,
  });
  const override = typeof verdict === 'object' && verdict !== null ? verdict : undefined;
  if (verdict === false && base.retry) return stop('ERR_FATAL_CLOSE', 'shouldReconnect returned false');
  // a stop stands unless the hook overrode it (`false` included: the default's own reason is kept)
  if (!base.retry && !override && verdict !== true) return stop(base.code, base.why);
  if (failures > policy.retries) {
    return {
      stop: new LifelineError(
        'ERR_RETRIES_EXHAUSTED',
        `gave up after ${failures} consecutive failed attempts (reconnect.retries is ${policy.retries})`,
        { cause: info.error },
      ),
      ...extra,
    };
  }
  const refresh = !override && base.retry && base.refreshCredentials;
  const delay = override
    ? override.delay
    : (base.retry ? base.minDelay : 0) + backoffDelay(policy, failures, context.random);
  return {
    delay,
    reason: refresh ? 'auth-failed' : 'reconnect',
    counters: { failures, authRetried: counters.authRetried || refresh },
    ...extra,
  };
}
