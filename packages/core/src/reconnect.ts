import pRetry from 'p-retry';
import type { CloseInfo } from './classify.js';
import type { Timers } from './ports.js';

/** An attempt that failed, or a connection that closed: what the attempt loop retries on. */
export class AttemptFailed extends Error {
  readonly info: CloseInfo;
  /** Set when the failure was judged final: the error that ends the attempt loop. */
  readonly stop: Error | undefined;

  constructor(info: CloseInfo, stop?: Error) {
    super(info.error?.message ?? `closed with code ${info.code}`);
    this.info = info;
    this.stop = stop;
  }
}

/**
 * Runs `attempt` until it resolves (a connection opened), or until `onFailure` throws (a final decision)
 * or `signal` aborts. The loop lives only while connecting and waiting, so an open connection keeps no
 * suspended promise chain. When that connection is lost, a new loop starts with its failure (`lost`) as
 * the first failed attempt, so it takes the same path as any other: `onFailure`, then the next attempt.
 * p-retry's own schedule is switched off: `onFailure` computes the jittered delay and sleeps it.
 */
export function runAttemptLoop(
  attempt: () => Promise<void>,
  onFailure: (failure: AttemptFailed) => Promise<void>,
  signal: AbortSignal,
  lost?: AttemptFailed,
): Promise<void> {
  return pRetry((attemptNumber) => (attemptNumber === 1 && lost ? Promise.reject(lost) : attempt()), {
    // Lifeline counts retries itself: its counter resets only after a stable connection, p-retry's never
    retries: Number.POSITIVE_INFINITY,
    minTimeout: 0,
    factor: 1,
    signal,
    onFailedAttempt: ({ error }) => onFailure(error as AttemptFailed),
  });
}

/** A backoff sleep that `wake()` ends early and an aborting signal rejects; `Infinity` only ends that way. */
export class Sleep {
  readonly done: Promise<void>;
  #wake: () => void = () => {};

  constructor(timers: Timers, ms: number, signal: AbortSignal) {
    this.done = new Promise((resolve, reject) => {
      // no delay (a manual reconnect, or jitter that drew 0): the next attempt needs no timer turn
      if (ms <= 0) {
        resolve();
        return;
      }
      const finish = () => {
        timers.clearTimeout(handle);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        reject(signal.reason);
      };
      // a timer would fire at once: setTimeout treats Infinity as 0
      const handle = Number.isFinite(ms)
        ? timers.setTimeout(() => {
            finish();
            resolve();
          }, ms)
        : undefined;
      this.#wake = () => {
        finish();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    // the attempt loop awaits `done` a few microtasks after the sleep starts; a close() in between must not
    // count as an unhandled rejection
    this.done.catch(() => {});
  }

  /** Ends the sleep now: the next attempt starts at once. */
  wake(): void {
    this.#wake();
  }
}
