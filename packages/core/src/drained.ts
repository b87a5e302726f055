import { closedError } from './errors.js';
import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import { checkDuration } from './options.js';
import { isDrained, type Outbox } from './outbox.js';

interface Waiter {
  /** Resolve once nothing is queued and the socket holds no more than this many bytes. */
  readonly limit: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The waiters of one line, with the plugin that settles them: attached only while some wait. */
interface Waiters {
  readonly outbox: Outbox;
  list: Waiter[];
  detach: () => void;
}

// by line: a line that never waits carries nothing
const waitersOf = new WeakMap<Lifeline<unknown, unknown>, Waiters>();

/**
 * Resolves when nothing is queued and the socket holds no more than `limit` bytes (default: the line's
 * `lowWaterMark` option); `drained(line, Infinity)` resolves once every queued message was handed to the
 * socket. Rejects if the line closes for good first: with the error that closed it (a fatal close,
 * exhausted retries), or `ERR_CLOSED` after `close()`; and with `ERR_CLOSED` at once while it is closing
 * or closed.
 * @throws RangeError for a `limit` that is not a number >= 0 or Infinity
 * @example for (const chunk of chunks) { line.send(chunk); await drained(line); }
 */
export function drained(line: Lifeline<unknown, unknown>, limit?: number): Promise<void> {
  const outbox = kernel.outbox(line);
  const max = limit ?? outbox.lowWaterMark;
  checkDuration('limit', max, { allowInfinity: true });
  const { state } = line;
  if (state.phase === 'closing' || state.phase === 'closed') return Promise.reject(closedError(state));
  if (isDrained(outbox, max)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let waiters = waitersOf.get(line);
    if (waiters === undefined) {
      waiters = { outbox, list: [], detach: () => {} };
      waitersOf.set(line, waiters);
    }
    if (waiters.list.length === 0) waiters.detach = attach(line, waiters);
    waiters.list.push({ limit: max, resolve, reject });
    outbox.watch(1);
  });
}

function attach(line: Lifeline<unknown, unknown>, waiters: Waiters): () => void {
  const { outbox } = waiters;
  /** Settles the waiters `isDone` picks; the plugin leaves once none waits. */
  const settle = (isDone: (waiter: Waiter) => boolean, settleOne: (waiter: Waiter) => void) => {
    const done: Waiter[] = [];
    const left: Waiter[] = [];
    for (const waiter of waiters.list) (isDone(waiter) ? done : left).push(waiter);
    waiters.list = left;
    if (waiters.list.length === 0) waiters.detach();
    for (const waiter of done) {
      outbox.watch(-1);
      settleOne(waiter);
    }
  };
  const rejectAll = () => {
    // a fatal close or exhausted retries is what the wait ends with; close() is ERR_CLOSED
    const { state } = line;
    const error = (state.phase === 'closed' && state.error) || closedError(state);
    settle(
      () => true,
      (waiter) => waiter.reject(error),
    );
  };
  return kernel.use(line, {
    flushed() {
      // close() empties the queue and lets the socket go: that is no drain
      const { phase } = line.state;
      if (phase === 'closing' || phase === 'closed') rejectAll();
      else
        settle(
          (waiter) => isDrained(outbox, waiter.limit),
          (waiter) => waiter.resolve(),
        );
    },
    closed: rejectAll,
  });
}
