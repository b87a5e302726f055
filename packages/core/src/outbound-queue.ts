import type { Outgoing } from './ports.js';

/** Why a message was dropped; every drop emits a `drop` event with one of these. */
export type DropReason =
  /** The queue was full (`maxMessages` or `maxBytes`) and the overflow policy dropped it. */
  | 'overflow'
  /** It was sent with `sendWithin()` and waited in the queue longer than its ttl. */
  | 'expired'
  /** It was sent with `sendNowOrDrop()` and could not go out at once. */
  | 'volatile'
  /** The Lifeline was closed by the application before it could go out. */
  | 'closed'
  /** It alone is larger than `queue.maxBytes`. */
  | 'too-big'
  /** A session sent it and the server did not acknowledge it before the session was reset. */
  | 'reset';

/** Bounds of the outbound queue, which holds sends while the line is down or the socket is backed up. */
export interface QueueOptions {
  /** Most messages held; past it, `overflow` decides. @default 10000 */
  readonly maxMessages: number;
  /** Bytes (UTF-8 for text). @default 16777216 (16 MiB) */
  readonly maxBytes: number;
  /**
   * What to do when a message does not fit: drop the oldest queued messages to make room, drop the new
   * message, or refuse it by throwing `ERR_QUEUE_FULL`, so the caller still holds it and decides.
   * @default 'drop-oldest'
   */
  readonly overflow: 'drop-oldest' | 'drop-newest' | 'reject';
}

/**
 * One message waiting to go out. Each is its own object, so a capability can keep its bookkeeping about
 * the messages it queued (a ttl, a sticky key) in a Map or WeakMap keyed by them.
 */
export interface QueuedMessage {
  /** What the application passed to `send()`. */
  readonly value: unknown;
  /** The encoded frame. */
  readonly data: Outgoing;
  /** The frame's size (UTF-8 bytes for text), counted once for the queue's `maxBytes`. */
  readonly bytes: number;
}

/** What `push` did with a message. */
export type PushResult = 'queued' | 'dropped' | 'full';

/**
 * A bounded FIFO of outgoing messages with byte accounting. It decides what to drop and reports each
 * drop through `onDrop`; the Lifeline decides when to flush.
 */
export class OutboundQueue {
  readonly #options: QueueOptions;
  /** Reports a message dropped from the queue; `takeOut` reports through it too. */
  readonly onDrop: (message: QueuedMessage, reason: DropReason) => void;
  // an array with a moving head: shift() on a large array is O(n), a head index keeps flushing O(1)
  #items: QueuedMessage[] = [];
  #head = 0;
  #bytes = 0;

  constructor(options: QueueOptions, onDrop: (message: QueuedMessage, reason: DropReason) => void) {
    this.#options = options;
    this.onDrop = onDrop;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Total bytes queued. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds a message at the back, applying the bounds and the overflow policy. */
  push(message: QueuedMessage): PushResult {
    const { maxMessages, maxBytes, overflow } = this.#options;
    const fits = () => this.length < maxMessages && this.#bytes + message.bytes <= maxBytes;
    if (!fits()) {
      if (overflow === 'reject') return 'full';
      if (overflow === 'drop-newest') {
        this.onDrop(message, 'overflow');
        return 'dropped';
      }
      while (!fits()) this.onDrop(this.#take(), 'overflow');
    }
    this.#items.push(message);
    this.#bytes += message.bytes;
    return 'queued';
  }

  /** The messages queued, oldest first, without taking them out (a copy: the queue may change meanwhile). */
  values(): QueuedMessage[] {
    return this.#items.slice(this.#head);
  }

  /** Removes and returns the next message. */
  shift(): QueuedMessage | undefined {
    return this.length === 0 ? undefined : this.#take();
  }

  /** Empties the queue, handing the messages back in order without reporting drops. */
  takeAll(): QueuedMessage[] {
    const all = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return all;
  }

  /** Empties the queue, reporting each message as dropped for `reason`. */
  dropAll(reason: DropReason): void {
    for (const message of this.takeAll()) this.onDrop(message, reason);
  }

  #take(): QueuedMessage {
    const message = this.#items[this.#head] as QueuedMessage;
    this.#items[this.#head] = undefined as unknown as QueuedMessage;
    this.#head++;
    this.#bytes -= message.bytes;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      // compact once the dead head dominates, so memory stays proportional to what is queued
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }
}

/**
 * Takes the messages `pick` selects out of `queue`, keeping the others in order; each taken message is
 * reported as dropped for `reason`, or taken out silently without one. Only capabilities take messages out (`removeQueued`), so this is a function a bundle carries
 * only with them, not a method every line's bundle carries.
 * @returns how many were taken out
 */
export function takeOut(
  queue: OutboundQueue,
  pick: (message: QueuedMessage) => boolean,
  reason?: DropReason,
): number {
  const taken: QueuedMessage[] = [];
  // the kept messages fit again as they are: they were in the queue together
  for (const message of queue.takeAll()) {
    if (pick(message)) taken.push(message);
    else queue.push(message);
  }
  // reported once the queue is consistent: a drop listener may send again
  if (reason) for (const message of taken) queue.onDrop(message, reason);
  return taken.length;
}
