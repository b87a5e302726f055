import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';

/**
 * Makes no attempt until `resume(line)`, for moments a connection cannot work (a browser offline, a page
 * entering the back/forward cache): drops the current socket at once, closing it with `code` and `reason`
 * when given, then waits with no timer (`waiting`, `delay: Infinity`). The drop is not a failure: it is
 * not classified and does not count against `reconnect.retries`. Does nothing unless connecting, open or
 * waiting.
 * @throws DOMException `InvalidAccessError` or `SyntaxError` for a bad code or reason, as `close()`
 */
export function suspend(line: Lifeline<unknown, unknown>, code?: number, reason?: string): void {
  kernel.hold(line, true, code, reason);
}

/**
 * Ends a suspension and skips a running backoff delay, so the next attempt starts now. Unlike
 * `reconnect()`, it leaves a connecting or open socket alone and keeps the attempt counter.
 */
export function resume(line: Lifeline<unknown, unknown>): void {
  kernel.hold(line, false);
}
