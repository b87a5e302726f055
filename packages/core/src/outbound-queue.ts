import type { Outgoing } from './ports.js';

/** Why a message was dropped; every drop emits a `drop` event with one of these. */
export type DropReason =
  /** The queue was full (`maxMessages` or `maxBytes`) and the overflow policy dropped it. */
  | 'overflow'
  /** It waited longer than its `ttl`. */
  | 'expired'
  /** It was sent `volatile` and could not go out at once. */
  | 'volatile'
  /** The Lifeline was closed by the application before it could go out. */
  | 'closed'
  /** It alone is larger than `queue.maxBytes`. */
  | 'too-big';

export interface QueueOptions {
  /** @default 10000 */
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

/** One message waiting to go out. */
export interface QueuedMessage {
  /** What the application passed to `send()`. */
  readonly value: unknown;
  /** The encoded frame. */
  readonly data: Outgoing;
  readonly bytes: number;
  /** Clock time after which it is dropped as `expired`; Infinity for no ttl. */
  readonly expiresAt: number;
  /** The `sticky` key it was sent with, if any. */
  readonly sticky?: string | undefined;
}

/** What `push` did with a message. */
export type PushResult = 'queued' | 'dropped' | 'full';

/**
 * A bounded FIFO of outgoing messages with byte accounting. It decides what to drop and reports each
 * drop through `onDrop`; the Lifeline decides when to flush.
 */
export class OutboundQueue {
  readonly #options: QueueOptions;
  readonly #onDrop: (message: QueuedMessage, reason: DropReason) => void;
  // an array with a moving head: shift() on a large array is O(n), a head index keeps flushing O(1)
  #items: QueuedMessage[] = [];
  #head = 0;
  #bytes = 0;
  // no later than the earliest expiry queued (it may be earlier: a shift does not recompute it), so
  // dropExpired costs nothing until something may really have expired
  #nextExpiry = Infinity;

  constructor(options: QueueOptions, onDrop: (message: QueuedMessage, reason: DropReason) => void) {
    this.#options = options;
    this.#onDrop = onDrop;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Total bytes queued. */
  get bytes(): number {
    return this.#bytes;
  }

  /** When the next message may expire (clock time); Infinity when nothing queued has a ttl. */
  get nextExpiry(): number {
    return this.#nextExpiry;
  }

  /** Adds a message at the back, applying the bounds and the overflow policy. */
  push(message: QueuedMessage): PushResult {
    const { maxMessages, maxBytes, overflow } = this.#options;
    const fits = () => this.length < maxMessages && this.#bytes + message.bytes <= maxBytes;
    if (!fits()) {
      if (overflow === 'reject') return 'full';
      if (overflow === 'drop-newest') {
        this.#onDrop(message, 'overflow');
        return 'dropped';
      }
      while (!fits()) this.#onDrop(this.#take(), 'overflow');
    }
    this.#items.push(message);
    this.#bytes += message.bytes;
    if (message.expiresAt < this.#nextExpiry) this.#nextExpiry = message.expiresAt;
    return 'queued';
  }

  /** Removes and returns the next message. */
  shift(): QueuedMessage | undefined {
    return this.length === 0 ? undefined : this.#take();
  }

  /** Drops every message whose ttl has passed by `now`. */
  dropExpired(now: number): void {
    if (now < this.#nextExpiry) return;
    this.#filter((message) => message.expiresAt > now, 'expired');
  }

  /**
   * Takes out the messages sent with a key that is still sticky, without reporting drops: after a
   * disconnect the newest message of each such key is replayed anyway, and must not go twice.
   */
  removeSticky(keys: ReadonlyMap<string, unknown>): void {
    this.#filter((message) => message.sticky === undefined || !keys.has(message.sticky));
  }

  /** Empties the queue, handing the messages back in order without reporting drops. */
  takeAll(): QueuedMessage[] {
    const all = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#nextExpiry = Infinity;
    return all;
  }

  /** Empties the queue, reporting each message as dropped for `reason`. */
  dropAll(reason: DropReason): void {
    for (const message of this.takeAll()) this.#onDrop(message, reason);
  }

  /** Keeps the messages `keep` accepts, in order; the others are dropped for `reason`, or silently taken out. */
  #filter(keep: (message: QueuedMessage) => boolean, reason?: DropReason): void {
    const all = this.takeAll();
    const dropped: QueuedMessage[] = [];
    for (const message of all) {
      if (!keep(message)) {
        dropped.push(message);
        continue;
      }
      this.#items.push(message);
      this.#bytes += message.bytes;
      if (message.expiresAt < this.#nextExpiry) this.#nextExpiry = message.expiresAt;
    }
    // reported once the queue is consistent: a drop listener may send again
    if (reason) for (const message of dropped) this.#onDrop(message, reason);
  }

  #take(): QueuedMessage {
    const message = this.#items[this.#head] as QueuedMessage;
    this.#items[this.#head] = undefined as unknown as QueuedMessage;
    this.#head++;
    this.#bytes -= message.bytes;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
      this.#nextExpiry = Infinity;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      // compact once the dead head dominates, so memory stays proportional to what is queued
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }
}
