import { afterRun } from './after-run.js';
import { byteLength } from './byte-length.js';
import { LifelineError } from './errors.js';
import type { Plugin } from './kernel.js';
import { type DropReason, OutboundQueue, type QueuedMessage, type QueueOptions } from './outbound-queue.js';
import type { Outbox } from './outbox.js';
import type { Outgoing, Timers, WebSocketLike } from './ports.js';

// the interface lives apart so capabilities import only types; re-exported for the seam (kernel.ts)
export type { Outbox } from './outbox.js';

/** What a line's outbound path is set up with; lines with the same options share one. */
export interface OutboundSettings {
  readonly queue: QueueOptions;
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly timers: Timers;
  /** Counts the UTF-8 bytes of text. */
  readonly utf8Length: (text: string) => number;
}

/**
 * What the outbound path asks of its line. One object serves every line (each call names its line), so
 * a connection carries no closures for them.
 */
export interface OutboundHooks<TLine> {
  readonly encode: (line: TLine, value: unknown) => Outgoing;
  /** Whether the line is closing or closed for good: what capabilities `push` then is dropped as `closed`. */
  readonly isClosed: (line: TLine) => boolean;
  readonly dropped: (line: TLine, value: unknown, reason: DropReason) => void;
  /** A frame of `bytes` bytes was handed to a socket. */
  readonly wrote: (line: TLine, bytes: number) => void;
  /** The queue flushed what it could, or the socket drained. */
  readonly flushed: (line: TLine) => void;
}

type WriteHook = (
  frame: Outgoing,
  bytes: number,
  value: unknown,
  queued: QueuedMessage | undefined,
  line: unknown,
) => Outgoing;

// browsers say nothing when bytes leave; while something waits, bufferedAmount is polled, first soon
// (small writes leave within a tick or two) and then backing off to this pace
const POLL_MAX_MS = 10;
// a write this big may not fit the kernel's buffer at once, so it always asks to be called back
const CALLBACK_BYTES = 16 * 1024;

/**
 * The outbound path: sends at once while the socket is open and holds no more than `highWaterMark`,
 * queues otherwise, and flushes in order as the socket drains. Nothing is dropped without a `dropped` hook.
 */
export class Outbound<TLine = unknown> implements Outbox {
  /**
   * Bytes of the messages `send()` dropped as `closed`. The standard counts what is sent after `close()`
   * in `bufferedAmount` for good, so that code watching it sees the data never left.
   */
  closedBytes = 0;
  /** The plugin that wraps the queue path's frames (its `write` hook), set by the line as plugins come and go. */
  wrapper: Plugin | undefined = undefined;
  readonly #settings: OutboundSettings;
  readonly #hooks: OutboundHooks<TLine>;
  readonly #line: TLine;
  // read on every send: kept here rather than one object further away
  readonly #highWaterMark: number;
  readonly #maxBytes: number;
  readonly #utf8Length: (text: string) => number;
  /** The messages waiting, in order; made when the first has to wait (a connection that only ever sends at once has none). */
  queue: OutboundQueue | null = null;
  /** The socket written to, while the line is open on it. */
  socket: WebSocketLike | null = null;
  // Outbox.gate: while shut, the queue path writes nothing
  #isGateShut = false;
  // created on first use: an idle connection has none
  #onWritten: (() => void) | null = null;
  // while above 0, a microtask that resets it is pending
  #writtenNow = 0;
  #endTurn: (() => void) | null = null;
  // write callbacks still to come from the current socket: while there are some, nothing polls
  #inFlight = 0;
  #poll: unknown = null;
  #pollDelay = 1;
  // capabilities waiting for the socket to drain (`watch`)
  #watchers = 0;

  constructor(settings: OutboundSettings, hooks: OutboundHooks<TLine>, line: TLine) {
    this.#settings = settings;
    this.#hooks = hooks;
    this.#line = line;
    this.#highWaterMark = settings.highWaterMark;
    this.#maxBytes = settings.queue.maxBytes;
    this.#utf8Length = settings.utf8Length;
  }

  /** Bytes queued here, not yet handed to a socket. */
  get queuedBytes(): number {
    return this.queue?.bytes ?? 0;
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

  get queued(): number {
    return this.queue?.length ?? 0;
  }

  get lowWaterMark(): number {
    return this.#settings.lowWaterMark;
  }

  /**
   * Sends, queues or drops one encoded message: `send()`'s path, which passes `isClosed` so that the common
   * case calls no hook.
   * @throws LifelineError `ERR_QUEUE_FULL` with the `'reject'` overflow policy
   */
  push(
    value: unknown,
    frame: Outgoing,
    canQueue = true,
    isClosed = this.#hooks.isClosed(this.#line),
  ): QueuedMessage | null | false | undefined {
    // checked before the socket: a socket that is closing would swallow the message without a word
    if (isClosed) return this.#dropClosed(value, frame);
    const bytes = byteLength(frame, this.#utf8Length);
    // on every path, not only when queued, so whether a message fits never depends on timing
    if (bytes > this.#maxBytes) return this.drop(value, 'too-big');
    // the common case allocates nothing: nothing queued, room in the socket
    const buffered = this.queued === 0 ? this.#writableAt() : -1;
    if (buffered >= 0) {
      this.#write(frame, bytes, buffered, value, undefined);
      return null;
    }
    return canQueue ? this.#enqueue(value, frame, bytes) : undefined;
  }

  encode(value: unknown): Outgoing {
    return this.#hooks.encode(this.#line, value);
  }

  writeNow(socket: WebSocketLike, frame: Outgoing): void {
    const bytes = byteLength(frame, this.#utf8Length);
    this.#countWritten(bytes);
    this.#hooks.wrote(this.#line, bytes);
    socket.send(frame);
  }

  drop(value: unknown, reason: DropReason): false {
    this.#hooks.dropped(this.#line, value, reason);
    return false;
  }

  gate(isOpen: boolean): void {
    this.#isGateShut = !isOpen;
    if (isOpen) this.flush();
  }

  watch(delta: 1 | -1): void {
    this.#watchers += delta;
    if (delta > 0) this.#watchDrain();
    else if (this.#watchers === 0 && this.queued === 0) this.#stopPolling();
  }

  /** Starts writing to `socket` (just opened: flushes the queue into it), or stops writing (`null`: it closed). */
  attach(socket: WebSocketLike | null): void {
    this.socket = socket;
    this.#stopPolling();
    this.#inFlight = 0;
    this.#onWritten = null;
    this.flush();
  }

  /**
   * Empties the queue, reporting each message as dropped for `reason`. Call it once the line is `closing`:
   * the `flushed` hooks that follow must see that a dropped message did not drain.
   */
  dropQueued(reason: DropReason): void {
    this.queue?.dropAll(reason);
    this.flush();
  }

  #dropClosed(value: unknown, frame: Outgoing): false {
    this.closedBytes += byteLength(frame, this.#utf8Length);
    return this.drop(value, 'closed');
  }

  #enqueue(value: unknown, data: Outgoing, bytes: number): QueuedMessage | false {
    const message: QueuedMessage = { value, data, bytes };
    this.queue ??= new OutboundQueue(this.#settings.queue, (queued, reason) =>
      this.#hooks.dropped(this.#line, queued.value, reason),
    );
    const queue = this.queue;
    const result = queue.push(message);
    if (result === 'full') {
      throw new LifelineError(
        'ERR_QUEUE_FULL',
        `the outbound queue is full (${queue.length} messages, ${queue.bytes} bytes) and overflow is 'reject'`,
      );
    }
    this.#watchDrain();
    return result === 'queued' ? message : false;
  }

  /** Writes queued messages in order while the socket stays writable, then runs the `flushed` hooks. */
  flush(): void {
    const queue = this.queue;
    if (queue !== null) {
      while (queue.length > 0) {
        const buffered = this.#writableAt();
        if (buffered < 0) break;
        const message = queue.shift() as QueuedMessage;
        this.#write(message.data, message.bytes, buffered, message.value, message);
      }
    }
    this.#hooks.flushed(this.#line);
    this.#watchDrain();
  }

  /**
   * The bytes the socket holds when it can take a message now (open, at or below the high-water mark), or
   * -1 when it cannot: one read of `bufferedAmount` serves both the gate and the write.
   */
  #writableAt(): number {
    const socket = this.socket;
    // a socket that is no longer OPEN (the server began closing) queues: the next connection sends it
    if (socket === null || this.#isGateShut || socket.readyState !== 1) return -1;
    // the socket's own count, without writtenNow: bytes the kernel took are not congestion, and a gate
    // closed by them would hold a burst back until the next write callback or poll
    const buffered = socket.bufferedAmount;
    return buffered <= this.#highWaterMark ? buffered : -1;
  }

  /** Writes to the attached socket, which holds `buffered` bytes now. */
  #write(
    frame: Outgoing,
    bytes: number,
    buffered: number,
    value: unknown,
    queued: QueuedMessage | undefined,
  ): void {
    const socket = this.socket as WebSocketLike;
    const wrapper = this.wrapper;
    // the line is the plugin's `Lifeline`: the same object, seen through the kernel's type
    const data = wrapper ? (wrapper.write as WriteHook)(frame, bytes, value, queued, this.#line) : frame;
    this.#countWritten(bytes);
    this.#hooks.wrote(this.#line, bytes);
    // the callback says when bytes left the process: the next chance to flush, with no polling. It costs
    // Node a tick, keeps the chunk alive until then and defeats write batching, so only writes that may
    // take the socket over the high-water mark, or that something waits for, ask for one
    if (
      socket.sendWithCallback &&
      (bytes >= CALLBACK_BYTES ||
        buffered + bytes > this.#highWaterMark ||
        this.queued > 0 ||
        this.#watchers > 0)
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
   * kernel has not taken by then the socket's own `bufferedAmount` still counts. afterRun, not
   * queueMicrotask: an echo's burst is a frame or a few, and Node makes an AsyncResource per queueMicrotask.
   */
  #countWritten(bytes: number): void {
    if (this.#writtenNow === 0 && bytes > 0) {
      this.#endTurn ??= () => {
        this.#writtenNow = 0;
      };
      afterRun(this.#endTurn);
    }
    this.#writtenNow += bytes;
  }

  /** What a write to `socket` calls back: the next chance to flush, unless another socket took over since. */
  #writtenCallback(socket: WebSocketLike): () => void {
    return () => {
      if (socket !== this.socket) return;
      this.#inFlight--;
      if (this.queued > 0 || this.#watchers > 0) this.flush();
    };
  }

  /**
   * Polls bufferedAmount while a message waits or something watches and no write callback is coming
   * (always, where the platform has none): an idle connection has no timer.
   */
  #watchDrain(): void {
    const socket = this.socket;
    if (socket === null || this.#poll !== null || (socket.sendWithCallback && this.#inFlight > 0)) return;
    // behind a shut gate the queue waits for the gate, not for the socket
    if ((this.queued === 0 || this.#isGateShut) && this.#watchers === 0) {
      this.#pollDelay = 1;
      return;
    }
    this.#poll = this.#settings.timers.setTimeout(() => {
      this.#poll = null;
      this.#pollDelay = Math.min(this.#pollDelay * 2, POLL_MAX_MS);
      this.flush();
    }, this.#pollDelay);
  }

  #stopPolling(): void {
    this.#pollDelay = 1;
    if (this.#poll === null) return;
    this.#settings.timers.clearTimeout(this.#poll);
    this.#poll = null;
  }
}
