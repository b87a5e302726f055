import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import { checkDuration } from './options.js';
import type { QueuedMessage } from './outbound-queue.js';
import { type Outbox, queuedMessages, removeQueued, type SendData } from './outbox.js';
import type { Timers } from './ports.js';

/** The queued messages of one line that have a ttl, with the one timer that expires them. */
interface Expiry {
  readonly outbox: Outbox;
  readonly timers: Timers;
  // clock time after which each is dropped; it may hold messages that already left the queue, which the
  // pruning passes forget (see `forgetGone`)
  readonly deadlines: Map<QueuedMessage, number>;
  timer: unknown;
  /** When the timer fires; Infinity when none runs. */
  timerAt: number;
  detach: (() => void) | null;
}

// by line: a line that never sends with a ttl carries nothing
const expiryOf = new WeakMap<Lifeline<unknown, unknown>, Expiry>();

/**
 * Sends `value` now, or queues it as `send()` does for at most `ttl` milliseconds: a message still queued
 * then is dropped with reason `expired`, reported when it expires. For data that is worthless when late
 * (a cursor position, a price quote).
 * @returns true when sent or queued, false when dropped (a `drop` event says why)
 * @throws RangeError for a `ttl` that is not a finite number >= 0; nothing is sent then
 * @throws TypeError for a value `sendSchema` rejects or the codec cannot encode
 * @throws LifelineError `ERR_QUEUE_FULL` with the `'reject'` overflow policy
 * @example sendWithin(line, { type: 'cursor', x, y }, 1000);
 */
export function sendWithin<TLine extends Lifeline<unknown, unknown>>(
  line: TLine,
  value: SendData<TLine>,
  ttl: number,
): boolean {
  checkDuration('ttl', ttl);
  const outbox = kernel.outbox(line);
  const result = outbox.push(value, outbox.encode(value));
  if (result === false) return false;
  // written at once: nothing to expire
  if (!result) return true;
  let expiry = expiryOf.get(line);
  if (expiry === undefined) {
    expiry = {
      outbox,
      timers: kernel.timers(line),
      deadlines: new Map(),
      timer: null,
      timerAt: Number.POSITIVE_INFINITY,
      detach: null,
    };
    expiryOf.set(line, expiry);
  }
  const at = expiry.timers.now() + ttl;
  expiry.deadlines.set(result, at);
  expiry.detach ??= attach(line, expiry);
  // most of them may have left meanwhile (flushed, dropped as overflow): forget those, a pass now and then
  if (expiry.deadlines.size > 2 * outbox.queued + 16) forgetGone(expiry);
  schedule(expiry, at);
  return true;
}

function attach(line: Lifeline<unknown, unknown>, expiry: Expiry): () => void {
  const { outbox } = expiry;
  return kernel.use(line, {
    // before the queue flushes into the new socket: a late timer must not let an expired message go
    open() {
      expire(expiry);
    },
    flushed() {
      if (outbox.queued === 0) clear(expiry);
      else if (expiry.deadlines.size > 2 * outbox.queued + 16) forgetGone(expiry);
    },
    // the queue stays for `reconnect()`, but no timer runs for a line closed for good; `open` catches up
    closed() {
      stop(expiry);
      if (outbox.queued === 0) clear(expiry);
    },
  });
}

/** Drops what has expired, then sets the timer for the earliest deadline left. */
function expire(expiry: Expiry): void {
  stop(expiry);
  const now = expiry.timers.now();
  const expired = new Set<QueuedMessage>();
  let next = Number.POSITIVE_INFINITY;
  for (const [message, at] of expiry.deadlines) {
    if (at <= now) expired.add(message);
    else if (at < next) next = at;
  }
  for (const message of expired) expiry.deadlines.delete(message);
  if (expiry.deadlines.size === 0) clear(expiry);
  else schedule(expiry, next);
  // last: its drop listeners and flush hooks may send again, or empty the queue
  if (expired.size > 0) removeQueued(expiry.outbox, (message) => expired.has(message), 'expired');
}

/** One timer per line, at the earliest deadline: moved only to an earlier one. */
function schedule(expiry: Expiry, at: number): void {
  if (at >= expiry.timerAt) return;
  stop(expiry);
  const { timers } = expiry;
  expiry.timerAt = at;
  expiry.timer = timers.setTimeout(() => {
    expiry.timer = null;
    expiry.timerAt = Number.POSITIVE_INFINITY;
    expire(expiry);
  }, at - timers.now());
}

function stop(expiry: Expiry): void {
  if (expiry.timer !== null) expiry.timers.clearTimeout(expiry.timer);
  expiry.timer = null;
  expiry.timerAt = Number.POSITIVE_INFINITY;
}

/** Nothing with a ttl is queued any more: no timer, no hooks. */
function clear(expiry: Expiry): void {
  stop(expiry);
  expiry.deadlines.clear();
  expiry.detach?.();
  expiry.detach = null;
}

/** Forgets the messages that left the queue, in one read-only pass over it. */
function forgetGone(expiry: Expiry): void {
  const { deadlines } = expiry;
  const queued = new Map<QueuedMessage, number>();
  for (const message of queuedMessages(expiry.outbox)) {
    const at = deadlines.get(message);
    if (at !== undefined) queued.set(message, at);
  }
  deadlines.clear();
  let next = Number.POSITIVE_INFINITY;
  for (const [message, at] of queued) {
    deadlines.set(message, at);
    if (at < next) next = at;
  }
  if (deadlines.size === 0) clear(expiry);
  else if (next > expiry.timerAt) {
    // the timer was for a message that left: move it to the earliest one still queued
    stop(expiry);
    schedule(expiry, next);
  }
}
