import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import type { QueuedMessage } from './outbound-queue.js';
import { removeQueued, type SendData } from './outbox.js';
import type { Outgoing } from './ports.js';

/** The sticky messages of one line: the newest frame of each key, in the order the keys were first used. */
interface Sticky {
  readonly frames: Map<string, Outgoing>;
  // whether copies may sit in the queue: the detach hook looks only then
  hasQueued: boolean;
  detach: (() => void) | null;
}

// by line: a line that never sends sticky messages carries nothing
const stickyOf = new WeakMap<Lifeline<unknown, unknown>, Sticky>();
// the key each queued copy was sent with, shared by every line: each message is its own object
const keyOf = new WeakMap<QueuedMessage, string>();

/**
 * Sends `value` now (or queues it, as `send()` does) and again after every reconnect, until
 * `unstick(line, key)`: subscriptions, auth, presence. Only the newest message of each key is kept; keys
 * replay in the order they were first used, before the queue. While the line is not open, the message
 * waits for that replay instead of the queue, so it goes once.
 * @returns true when sent, queued or kept for the replay; false when dropped (a `drop` event says why),
 * and then it does not replace the key's previous message
 * @throws TypeError for a value `sendSchema` rejects or the codec cannot encode
 * @throws LifelineError `ERR_QUEUE_FULL` with the `'reject'` overflow policy
 * @example sendSticky(line, 'sub:trades', { type: 'subscribe', channel: 'trades' });
 */
export function sendSticky<TLine extends Lifeline<unknown, unknown>>(
  line: TLine,
  key: string,
  value: SendData<TLine>,
): boolean {
  if (typeof key !== 'string')
    throw new TypeError(`Lifeline: sendSticky() takes a string key, got ${String(key)}`);
  const outbox = kernel.outbox(line);
  const frame = outbox.encode(value);
  // while no socket is open a copy in the queue would go twice: once replayed, once flushed
  const result = outbox.push(value, frame, kernel.socket(line) !== null);
  if (result === false) return false;
  let sticky = stickyOf.get(line);
  if (sticky === undefined) {
    sticky = { frames: new Map(), hasQueued: false, detach: null };
    stickyOf.set(line, sticky);
  }
  if (result) {
    keyOf.set(result, key);
    sticky.hasQueued = true;
  }
  sticky.frames.set(key, frame);
  sticky.detach ??= attach(line, sticky);
  return true;
}

/** Stops re-sending the message sent with `key` after reconnects; true if there was one. */
export function unstick(line: Lifeline<unknown, unknown>, key: string): boolean {
  const sticky = stickyOf.get(line);
  if (sticky === undefined || !sticky.frames.delete(key)) return false;
  if (sticky.frames.size === 0) {
    sticky.detach?.();
    sticky.detach = null;
  }
  return true;
}

/** The plugin that replays: attached while some key is sticky. */
function attach(line: Lifeline<unknown, unknown>, sticky: Sticky): () => void {
  const outbox = kernel.outbox(line);
  /** Takes the queued copies of keys still sticky out, silently: the replay sends the newest of each. */
  const removeCopies = () => {
    if (!sticky.hasQueued) return;
    sticky.hasQueued = false;
    removeQueued(outbox, (message) => {
      const key = keyOf.get(message);
      return key !== undefined && sticky.frames.has(key);
    });
  };
  return kernel.use(line, {
    open(socket) {
      // a copy queued while the open was announced (a `state` listener's send) would go twice
      removeCopies();
      // ahead of the queue, which flushes right after the open hooks
      for (const frame of sticky.frames.values()) outbox.writeNow(socket, frame);
    },
    detached: removeCopies,
  });
}
