import { byteLength } from './byte-length.js';
import { LifelineError } from './errors.js';
import { checkDuration } from './options.js';
import { type DropReason, OutboundQueue, type QueuedMessage, type QueueOptions } from './outbound-queue.js';
import type { Outgoing, Timers, WebSocketLike } from './ports.js';

/** Per-send options. Durations in milliseconds. */
export interface SendOptions {
  /** Drop the message as `expired` once it has waited in the queue longer than this. */
  readonly ttl?: number;
  /** Drop the message as `volatile` unless it can go out at once (open, below the high-water mark). */
  readonly volatile?: boolean;
  /**
   * Re-send this message after every reconnect, until `unstick(key)`. Only the newest message of each
   * key is kept; keys replay in the order they were first used. Cannot be combined with `ttl` or
   * `volatile`.
   */
  readonly sticky?: string;
}

export interface OutboundOptions {
  readonly queue: QueueOptions;
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly timers: Timers;
  readonly onDrop: (value: unknown, reason: DropReason) => void;
  /** Counts the UTF-8 bytes of text. */
  readonly utf8Length: (text: string) => number;
}

interface Waiter {
  /** Resolve once nothing is queued and the socket holds no more than this many bytes. */
  readonly limit: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

// browsers say nothing when bytes leave; while something waits, bufferedAmount is polled, first soon
// (small writes leave within a tick or two) and then backing off to this pace
const POLL_MAX_MS = 10;
// a write this big may not fit the kernel's buffer at once, so it always asks to be called back
const CALLBACK_BYTES = 16 * 1024;

/**
 * The outbound path: sends at once while the socket is open and holds no more than `highWaterMark`,
 * queues otherwise, and flushes in order as the socket drains. Nothing is dropped without `onDrop`.
 */
export class Outbound {
  /** Messages and bytes (UTF-8 for text) handed to sockets, for the Lifeline's stats. */
  messagesOut = 0;
  bytesOut = 0;
  /**
   * Bytes of the messages `send()` dropped as `closed`. The standard counts what is sent after `close()`
   * in `bufferedAmount` for good, so that code watching it sees the data never left.
   */
  closedBytes = 0;
  readonly #options: OutboundOptions;
  // read on every send: kept here rather than one object further away
  readonly #highWaterMark: number;
  readonly #maxBytes: number;
  readonly #utf8Length: (text: string) => number;
  // made when the first message has to wait: a connection that only ever sends at once has none
  #queue: OutboundQueue | null = null;
  // created on first use, like the write callback below: an idle connection has neither
  #sticky: Map<string, QueuedMessage> | null = null;
  #socket: WebSocketLike | null = null;
  #onWritten: (() => void) | null = null;
  // while above 0, a microtask that resets it is pending
  #writtenNow = 0;
  #endTurn: (() => void) | null = null;
  // write callbacks still to come from the current socket: while there are some, nothing polls
  #inFlight = 0;
  #poll: unknown = null;
  #pollDelay = 1;
  #expiry: unknown = null;
  #expiryAt = Infinity;
  #waiters: Waiter[] = [];

  constructor(options: OutboundOptions) {
    this.#options = options;
    this.#highWaterMark = options.highWaterMark;
    this.#maxBytes = options.queue.maxBytes;
    this.#utf8Length = options.utf8Length;
  }

  /** Bytes queued here, not yet handed to a socket. */
  get queuedBytes(): number {
    return this.#queue?.bytes ?? 0;
  }

  /**
   * Bytes written to sockets by code that has not yet yielded to the event loop (reset at the next
   * microtask checkpoint). The standard counts them in `bufferedAmount` until the task ends, but `ws`
   * stops counting a write as soon as the kernel takes it, which on an idle connection is at once.
   * @see https://websockets.spec.whatwg.org/#dom-websocket-bufferedamount
   */
  get writtenNow(): number {
    return this.#writtenNow;
  }

  /** Messages queued. */
  get #queued(): number {
    return this.#queue?.length ?? 0;
  }

  /**
   * Sends, queues or drops one encoded message.
   * @returns true when sent or queued, false when dropped (and `onDrop` was called)
   * @throws LifelineError `ERR_QUEUE_FULL` with the `'reject'` overflow policy
   * @throws RangeError for a bad `ttl`; TypeError for `sticky` with `ttl` or `volatile`
   */
  send(value: unknown, data: Outgoing, options: SendOptions | undefined, isClosed: boolean): boolean {
    // checked before the socket: a socket that is closing would swallow the message without a word
    if (isClosed) {
      this.closedBytes += byteLength(data, this.#utf8Length);
      return this.#drop(value, 'closed');
    }
    const bytes = byteLength(data, this.#utf8Length);
    // on every path, not only when queued, so whether a message fits never depends on timing
    if (bytes > this.#maxBytes) return this.#drop(value, 'too-big');
    // the common case allocates nothing: no options, nothing queued, room in the socket
    if (options === undefined && this.#queued === 0) {
      const buffered = this.#writableAt();
      if (buffered >= 0) {
        this.#write(data, bytes, buffered);
        return true;
      }
    }
    const { ttl, volatile, sticky } = options ?? {};
    if (ttl !== undefined) checkDuration('ttl', ttl);
    if (sticky !== undefined && (ttl !== undefined || volatile)) {
      throw new TypeError(`Lifeline: send option 'sticky' (${sticky}) excludes 'ttl' and 'volatile'`);
    }
    const message: QueuedMessage = {
      value,
      data,
      bytes,
      expiresAt: ttl === undefined ? Infinity : this.#options.timers.now() + ttl,
      sticky,
    };
    let isTaken = true;
    // while disconnected, a sticky message waits for the replay after the next open, not in the queue
    if (this.#socket !== null || sticky === undefined) {
      const buffered = this.#queued === 0 ? this.#writableAt() : -1;
      if (buffered >= 0) {
        this.#write(data, bytes, buffered);
      } else if (volatile) {
        return this.#drop(value, 'volatile');
      } else {
        this.#queue ??= new OutboundQueue(this.#options.queue, (queued, reason) =>
          this.#options.onDrop(queued.value, reason),
        );
        const queue = this.#queue;
        const result = queue.push(message);
        if (result === 'full') {
          throw new LifelineError(
            'ERR_QUEUE_FULL',
            `the outbound queue is full (${queue.length} messages, ${queue.bytes} bytes) and overflow is 'reject'`,
          );
        }
        isTaken = result === 'queued';
        this.#scheduleExpiry();
        this.#watchDrain();
      }
    }
    // a sticky message that was dropped or refused does not replace the one before it
    if (isTaken && sticky !== undefined) {
      this.#sticky ??= new Map();
      this.#sticky.set(sticky, message);
    }
    return isTaken;
  }

  /** Sends at once, ahead of the queue (the `handshake` hook's `send`); `socket` may not be attached yet. */
  sendDirect(socket: WebSocketLike, data: Outgoing): void {
    const bytes = byteLength(data, this.#utf8Length);
    this.messagesOut++;
    this.bytesOut += bytes;
    this.#countWritten(bytes);
    socket.send(data);
  }

  /** Stops re-sending the sticky message with this key; true if there was one. */
  unstick(key: string): boolean {
    return this.#sticky?.delete(key) ?? false;
  }

  /**
   * Starts writing to `socket` (just opened: replays the sticky messages, then flushes the queue), or
   * stops writing (`null`: it closed).
   */
  attach(socket: WebSocketLike | null): void {
    this.#socket = socket;
    this.#stopPolling();
    this.#inFlight = 0;
    this.#onWritten = null;
    const sticky = this.#sticky;
    if (socket === null) {
      // queued copies of sticky messages would go twice: the replay sends the newest of each key
      if (sticky?.size) this.#queue?.removeSticky(sticky);
    } else if (sticky !== null) {
      for (const message of sticky.values()) this.#write(message.data, message.bytes, socket.bufferedAmount);
    }
    this.flush();
  }

  /** Drops what expired, then writes queued messages in order while the socket stays writable. */
  flush(): void {
    const queue = this.#queue;
    if (queue !== null) {
      if (queue.nextExpiry < Infinity) queue.dropExpired(this.#options.timers.now());
      while (queue.length > 0) {
        const buffered = this.#writableAt();
        if (buffered < 0) break;
        const message = queue.shift() as QueuedMessage;
        this.#write(message.data, message.bytes, buffered);
      }
    }
    this.#scheduleExpiry();
    this.#settle();
    this.#watchDrain();
  }

  /** Resolves once nothing is queued and the socket holds no more than `limit` bytes. */
  drained(limit = this.#options.lowWaterMark): Promise<void> {
    checkDuration('limit', limit, { allowInfinity: true });
    if (this.#isDrained(limit)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ limit, resolve, reject });
      this.#watchDrain();
    });
  }

  /** Rejects every `drained()` waiter; used when the Lifeline closes for good. */
  rejectWaiters(error: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /** Empties the queue into the caller's hands, in order, without `drop` events. */
  takeQueued(): unknown[] {
    const taken = (this.#queue?.takeAll() ?? []).map((message) => message.value);
    this.flush();
    return taken;
  }

  /** Empties the queue, reporting each message as dropped for `reason`. */
  dropQueued(reason: DropReason): void {
    this.#queue?.dropAll(reason);
    this.flush();
  }

  #drop(value: unknown, reason: DropReason): false {
    this.#options.onDrop(value, reason);
    return false;
  }

  /**
   * The bytes the socket holds when it can take a message now (open, at or below the high-water mark), or
   * -1 when it cannot: one read of `bufferedAmount` serves both the gate and the write.
   */
  #writableAt(): number {
    const socket = this.#socket;
    // a socket that is no longer OPEN (the server began closing) queues: the next connection sends it
    if (socket === null || socket.readyState !== 1) return -1;
    // the socket's own count, without writtenNow: bytes the kernel took are not congestion, and a gate
    // closed by them would hold a burst back until the next write callback or poll
    const buffered = socket.bufferedAmount;
    return buffered <= this.#highWaterMark ? buffered : -1;
  }

  /** Writes to the attached socket, which holds `buffered` bytes now. */
  #write(data: Outgoing, bytes: number, buffered: number): void {
    const socket = this.#socket as WebSocketLike;
    this.messagesOut++;
    this.bytesOut += bytes;
    this.#countWritten(bytes);
    // the callback says when bytes left the process: the next chance to flush, with no polling. It costs
    // Node a tick, keeps the chunk alive until then and defeats write batching, so only writes that may
    // take the socket over the high-water mark, or that something waits for, ask for one
    if (
      socket.sendWithCallback &&
      (bytes >= CALLBACK_BYTES ||
        buffered + bytes > this.#highWaterMark ||
        this.#queued > 0 ||
        this.#waiters.length > 0)
    ) {
      this.#inFlight++;
      this.#onWritten ??= this.#writtenCallback(socket);
      socket.sendWithCallback(data, this.#onWritten);
    } else {
      socket.send(data);
    }
  }

  /**
   * Counts bytes until the sender yields: one microtask per burst of sends, not per send, and no write
   * callback, which would cost Node a tick per write and break its batching (see #write). Anything the
   * kernel has not taken by then the socket's own `bufferedAmount` still counts.
   */
  #countWritten(bytes: number): void {
    if (this.#writtenNow === 0 && bytes > 0) {
      this.#endTurn ??= () => {
        this.#writtenNow = 0;
      };
      queueMicrotask(this.#endTurn);
    }
    this.#writtenNow += bytes;
  }

  /** What a write to `socket` calls back: the next chance to flush, unless another socket took over since. */
  #writtenCallback(socket: WebSocketLike): () => void {
    return () => {
      if (socket !== this.#socket) return;
      this.#inFlight--;
      if (this.#queued > 0 || this.#waiters.length > 0) this.flush();
    };
  }

  #isDrained(limit: number): boolean {
    return this.#queued === 0 && (this.#socket?.bufferedAmount ?? 0) <= limit;
  }

  #settle(): void {
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!this.#isDrained(waiter.limit)) return true;
      waiter.resolve();
      return false;
    });
  }

  /** One timer at the earliest expiry, so an expired message is reported when it expires, not at the next flush. */
  #scheduleExpiry(): void {
    const at = this.#queue?.nextExpiry ?? Infinity;
    if (at === this.#expiryAt) return;
    const timers = this.#options.timers;
    if (this.#expiry !== null) timers.clearTimeout(this.#expiry);
    this.#expiryAt = at;
    this.#expiry =
      at === Infinity
        ? null
        : timers.setTimeout(() => {
            this.#expiry = null;
            this.#expiryAt = Infinity;
            this.flush();
          }, at - timers.now());
  }

  /**
   * Polls bufferedAmount while a message or a `drained()` waits and no write callback is coming (always,
   * where the platform has none): an idle connection has no timer.
   */
  #watchDrain(): void {
    const socket = this.#socket;
    if (socket === null || this.#poll !== null || (socket.sendWithCallback && this.#inFlight > 0)) return;
    if (this.#queued === 0 && this.#waiters.length === 0) {
      this.#pollDelay = 1;
      return;
    }
    this.#poll = this.#options.timers.setTimeout(() => {
      this.#poll = null;
      this.#pollDelay = Math.min(this.#pollDelay * 2, POLL_MAX_MS);
      this.flush();
    }, this.#pollDelay);
  }

  #stopPolling(): void {
    this.#pollDelay = 1;
    if (this.#poll === null) return;
    this.#options.timers.clearTimeout(this.#poll);
    this.#poll = null;
  }
}
