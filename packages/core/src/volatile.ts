import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import type { SendData } from './outbox.js';

/**
 * Sends `value` only if it can go at once (open, at or below the high-water mark, nothing queued ahead of
 * it); otherwise drops it with reason `volatile`. Never queues: for data a later message replaces anyway
 * (a cursor, a typing indicator).
 * @returns true when sent, false when dropped (a `drop` event says why)
 * @throws TypeError for a value `sendSchema` rejects or the codec cannot encode
 * @example sendNowOrDrop(line, { type: 'typing' });
 */
export function sendNowOrDrop<TLine extends Lifeline<unknown, unknown>>(
  line: TLine,
  value: SendData<TLine>,
): boolean {
  const outbox = kernel.outbox(line);
  const result = outbox.push(value, outbox.encode(value), false);
  // closed or too big: dropped for that reason already
  if (result === undefined) return outbox.drop(value, 'volatile');
  return result !== false;
}
