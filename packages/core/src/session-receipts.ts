import { LifelineError } from './errors.js';
import type { QueuedMessage } from './outbound-queue.js';
import { type Outbox, queuedMessages } from './outbox.js';
import type { Receipt } from './session-replay.js';

/** The client sequence numbers last written and last acknowledged. */
interface Progress {
  readonly sent: number;
  readonly acked: number;
}

/** An `acked()` call: a sequence number to reach, or a queued message whose number is not known yet. */
interface AckWaiter extends Receipt {
  target: number | QueuedMessage;
}

/**
 * The promises that wait on a session's acknowledgements before their messages have a sequence number:
 * `sendAcked()` messages still in the line's queue, and `acked()` calls that wait for the newest queued
 * message. A message the queue drops instead of writing fails its receipt with `ERR_DROPPED`.
 */
export class Receipts {
  readonly #outbox: Outbox;
  // the session's watermarks: a waiter whose message was dropped waits for what was sent before it
  readonly #session: Progress;
  readonly #queued = new Map<QueuedMessage, Receipt>();
  #waiters: AckWaiter[] = [];
  #isSweepDue = false;

  constructor(outbox: Outbox, session: Progress) {
    this.#outbox = outbox;
    this.#session = session;
  }

  /** A `sendAcked()` message waits in the queue: `receipt` settles once it is written and acknowledged. */
  queue(message: QueuedMessage, receipt: Receipt): void {
    this.#queued.set(message, receipt);
  }

  /** The queue wrote `message` as `seq`: its receipt, now to be kept with the sent message. */
  written(message: QueuedMessage, seq: number): Receipt | undefined {
    const receipt = this.#queued.get(message);
    this.#queued.delete(message);
    for (const waiter of this.#waiters) if (waiter.target === message) waiter.target = seq;
    return receipt;
  }

  /** Settles `receipt` once the server acknowledged `target` (at once if it has). */
  wait(target: number | QueuedMessage, receipt: Receipt): void {
    this.#waiters.push({ target, ...receipt });
    this.settle();
  }

  /** The server acknowledged more: the waits it covers resolve. */
  settle(): void {
    if (this.#waiters.length === 0) return;
    const { acked } = this.#session;
    const waiting: AckWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (typeof waiter.target === 'number' && waiter.target <= acked) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#waiters = waiting;
  }

  /** The session ended: waits on its sequence numbers fail; those on queued messages go on (a reset). */
  rejectSent(error: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = waiters.filter((waiter) => typeof waiter.target !== 'number');
    for (const waiter of waiters) if (typeof waiter.target === 'number') waiter.reject(error);
  }

  /** The line closed for good: everything fails. */
  rejectAll(error: unknown): void {
    const receipts = [...this.#queued.values(), ...this.#waiters];
    this.#queued.clear();
    this.#waiters = [];
    for (const receipt of receipts) receipt.reject(error);
  }

  /** The line's `drop` listener: looks, once the drop's run is over and the queue is consistent. */
  readonly dropped = (): void => {
    const isWaiting = this.#waiters.some((waiter) => typeof waiter.target !== 'number');
    if (this.#isSweepDue || (this.#queued.size === 0 && !isWaiting)) return;
    this.#isSweepDue = true;
    queueMicrotask(this.#sweep);
  };

  readonly #sweep = (): void => {
    this.#isSweepDue = false;
    const queued = new Set(queuedMessages(this.#outbox));
    for (const [message, receipt] of this.#queued) {
      if (queued.has(message)) continue;
      this.#queued.delete(message);
      receipt.reject(
        new LifelineError('ERR_DROPPED', 'the message was dropped before it was sent (see the drop event)'),
      );
    }
    const { sent } = this.#session;
    for (const waiter of this.#waiters)
      if (typeof waiter.target !== 'number' && !queued.has(waiter.target)) waiter.target = sent;
    this.settle();
  };
}
