import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import { takeAllQueued } from './outbox.js';

/**
 * The messages still queued on `line`, handed back in order (as given to `send()`) and removed from the
 * queue, with no `drop` events: to keep them past a `close()`, or to move them to another line. Sticky
 * messages stay sticky: `unstick()` them too to stop their replay.
 * @example const unsent = takeQueued(line); line.close(); save(unsent);
 */
export function takeQueued(line: Lifeline<unknown, unknown>): unknown[] {
  return takeAllQueued(kernel.outbox(line));
}
