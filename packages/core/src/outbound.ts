import { byteLength } from './byte-length.js';
import { LifelineError } from './errors.js';
import { type DropReason, OutboundQueue, type QueuedMessage, type QueueOptions } from './outbound-queue.js';
import type { Outgoing, Timers, WebSocketLike } from './ports.js';

/** Per-send options. */
export interface SendOptions {
  /** Drop the message as `expired` if it has waited longer than this many milliseconds. */
  readonly ttl?: number;
  /** Drop the message as `volatile` unless it can go out at once (open, below the high-water mark). */
  readonly volatile?: boolean;
}

export interface OutboundOptions {
  readonly queue: QueueOptions;
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly timers: Timers;
  readonly onDrop: (value: unknown, reason: DropReason) => void;
  readonly onWrite: (bytes: number) => void;
}

// browsers say nothing when bytes leave; while something waits, bufferedAmount is polled at this pace
const POLL_MS = 10;

/**
 * The outbound path: sends at once while the socket is open and holds no more than `highWaterMark`,
 * queues otherwise, and flushes in order as the socket drains. Nothing is dropped without `onDrop`.
 */
export class Outbound {
  readonly #options: OutboundOptions;
  readonly #queue: OutboundQueue;
  #socket: WebSocketLike | null = null;
  #poll: unknown = null;
  #drainWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];

  constructor(options: OutboundOptions) {
    this.#options = options;
    this.#queue = new OutboundQueue(options.queue, (message, reason) =>
      options.onDrop(message.value, reason),
    );
  }

  /** Bytes queued here, not yet handed to a socket. */
  get queuedBytes(): number {
    return this.#queue.bytes;
  }

  get queuedMessages(): number {
    return this.#queue.length;
  }

  /**
   * Sends, queues or drops one encoded message.
   * @returns true when sent or queued, false when dropped (and `onDrop` was called)
   * @throws LifelineError `ERR_QUEUE_FULL` with the `'reject'` overflow policy
   */
  send(value: unknown, data: Outgoing, options: SendOptions | undefined, isClosed: boolean): boolean {
    const socket = this.#socket;
    if (socket !== null && this.#queue.length === 0 && socket.bufferedAmount <= this.#options.highWaterMark) {
      this.#write(socket, data, byteLength(data));
      return true;
    }
    if (isClosed) {
      this.#options.onDrop(value, 'closed');
      return false;
    }
    if (options?.volatile) {
      this.#options.onDrop(value, 'volatile');
      return false;
    }
    const ttl = options?.ttl;
    const expiresAt = ttl === undefined ? Number.POSITIVE_INFINITY : this.#options.timers.now() + ttl;
    const result = this.#queue.push({ value, data, bytes: byteLength(data), expiresAt });
    if (result === 'full') {
      throw new LifelineError(
        'ERR_QUEUE_FULL',
        `the outbound queue is full (${this.#queue.length} messages, ${this.#queue.bytes} bytes) and overflow is 'reject'`,
      );
    }
    if (socket !== null) this.#watchDrain();
    return result === 'queued';
  }

  /** Starts writing to `socket` (just opened), or stops writing (`null`: it closed). Flushes the queue. */
  attach(socket: WebSocketLike | null): void {
    this.#socket = socket;
    this.#stopPolling();
    if (socket !== null) this.flush();
  }

  /** Writes queued messages in order while the socket stays at or below the high-water mark. */
  flush(): void {
    const socket = this.#socket;
    if (socket === null) return;
    this.#queue.dropExpired(this.#options.timers.now());
    while (this.#queue.length > 0 && socket.bufferedAmount <= this.#options.highWaterMark) {
      const message = this.#queue.shift() as QueuedMessage;
      this.#write(socket, message.data, message.bytes);
    }
    this.#settleDrainWaiters();
    if (this.#queue.length > 0 || this.#drainWaiters.length > 0) this.#watchDrain();
  }

  /** Resolves once nothing is queued and the socket holds no more than `lowWaterMark`. */
  drained(): Promise<void> {
    if (this.#isDrained()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#drainWaiters.push({ resolve, reject });
      this.#watchDrain();
    });
  }

  /** Rejects every `drained()` waiter; used when the Lifeline closes for good. */
  rejectWaiters(error: unknown): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /** Empties the queue: into the caller's hands, or reporting each message as dropped. */
  takeQueued(): unknown[] {
    return this.#queue.takeAll().map((message) => message.value);
  }

  dropQueued(reason: DropReason): void {
    this.#queue.dropAll(reason);
    this.#settleDrainWaiters();
  }

  #write(socket: WebSocketLike, data: Outgoing, bytes: number): void {
    this.#options.onWrite(bytes);
    if (socket.sendWithCallback) {
      // the callback says when bytes left the process: the next chance to flush, with no polling
      socket.sendWithCallback(data, () => this.#onWritten(socket));
    } else {
      socket.send(data);
    }
  }

  #onWritten(socket: WebSocketLike): void {
    if (socket !== this.#socket) return;
    if (this.#queue.length > 0) this.flush();
    else this.#settleDrainWaiters();
  }

  #isDrained(): boolean {
    return this.#queue.length === 0 && (this.#socket?.bufferedAmount ?? 0) <= this.#options.lowWaterMark;
  }

  #settleDrainWaiters(): void {
    if (this.#drainWaiters.length === 0 || !this.#isDrained()) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  /** Polls bufferedAmount only where the platform gives no write callback, and only while something waits. */
  #watchDrain(): void {
    const socket = this.#socket;
    if (socket === null || socket.sendWithCallback || this.#poll !== null) return;
    this.#poll = this.#options.timers.setTimeout(() => {
      this.#poll = null;
      this.flush();
    }, POLL_MS);
  }

  #stopPolling(): void {
    if (this.#poll === null) return;
    this.#options.timers.clearTimeout(this.#poll);
    this.#poll = null;
  }
}
