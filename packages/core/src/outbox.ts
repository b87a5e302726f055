import { type DropReason, type OutboundQueue, type QueuedMessage, takeOut } from './outbound-queue.js';
import type { Outgoing, WebSocketLike } from './ports.js';

/** What `line.send()` takes: the line's `TSend` values, strings and binary data. */
export type SendData<TLine> = TLine extends {
  /** The line's own `send()`, whose parameter type is read off. */
  send(data: infer TData): boolean;
}
  ? TData
  : unknown;

/**
 * The outbound path as capabilities see it (`kernel.outbox(line)`): the queue, its gate and the drops.
 * Sizes in bytes (UTF-8 for text).
 */
export interface Outbox {
  /** Encodes `value` as `send()` does: strings and binary data as they are, others by `sendSchema` and the codec. @throws TypeError */
  encode(value: unknown): Outgoing;
  /**
   * Sends now or queues, as `send()` does: `null` when written at once, the queued message, `false` when
   * dropped (closed, too big, overflow; each reported). With `canQueue` false, a message that cannot go at
   * once is neither queued nor reported: `undefined`, and the caller decides (drop it, keep it for later).
   * @throws LifelineError `ERR_QUEUE_FULL` with the `'reject'` overflow policy
   */
  push(value: unknown, frame: Outgoing, canQueue?: boolean): QueuedMessage | null | false | undefined;
  /** Messages queued. */
  readonly queued: number;
  /** The `lowWaterMark` option: what `drained()` waits for by default. */
  readonly lowWaterMark: number;
  /** Writes `frame` to `socket` now, ahead of the queue (the handshake hook's sends, the sticky replay). */
  writeNow(socket: WebSocketLike, frame: Outgoing): void;
  /** Reports `value` as dropped for `reason` (a `drop` event); returns false, as `send()` does. */
  drop(value: unknown, reason: DropReason): false;
  /**
   * Opens (`true`) or shuts (`false`) the gate the queue writes through: while shut, sends queue and
   * flushes wait, as if the socket were full (a session's window); opening flushes. Open by default.
   */
  gate(isOpen: boolean): void;
  /**
   * Counted: while watched, writes ask for callbacks and `bufferedAmount` is polled, so the `flushed`
   * hooks run as the socket drains (`drained()` waits this way).
   */
  watch(delta: 1 | -1): void;
  /** The queued messages, in order (`null` until one had to wait): for the functions below. */
  readonly queue: OutboundQueue | null;
  /** The socket written to, while the line is open on it. */
  readonly socket: WebSocketLike | null;
  /** Writes what is queued while the socket takes it, then runs the `flushed` hooks. */
  flush(): void;
}

/*
 * What only some capabilities do with the outbox are functions rather than methods, so a bundle without
 * those capabilities does not carry them.
 */

/**
 * Takes the queued messages `pick` selects out of the queue, in one pass; with `reason` each is reported
 * as dropped. Then flushes, unless it took out none.
 */
export function removeQueued(
  outbox: Outbox,
  pick: (message: QueuedMessage) => boolean,
  reason?: DropReason,
): void {
  if (outbox.queue && takeOut(outbox.queue, pick, reason) > 0) outbox.flush();
}

/** The queued messages, oldest first, left where they are. */
export function queuedMessages(outbox: Outbox): readonly QueuedMessage[] {
  return outbox.queue?.values() ?? [];
}

/** Empties the queue into the caller's hands, in order, without `drop` events. */
export function takeAllQueued(outbox: Outbox): unknown[] {
  const taken = (outbox.queue?.takeAll() ?? []).map((message) => message.value);
  outbox.flush();
  return taken;
}

/** Nothing is queued and the socket holds no more than `limit` bytes. */
export function isDrained(outbox: Outbox, limit: number): boolean {
  return outbox.queued === 0 && (outbox.socket?.bufferedAmount ?? 0) <= limit;
}
