import type { Timers } from '@lifeline/core';

/**
 * Timers that fire only when the test says so, on a clock that never moves by itself: pass `timers` as a
 * Lifeline's `timers` option, then `fire(ms)` runs every pending timer that was set for `ms`.
 */
export function manualTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      pending.set(++next, { callback, ms });
      return next;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
    now: () => 0,
  };
  /** Fires the pending timers set for `ms`; returns how many fired. */
  const fire = (ms: number) => {
    let fired = 0;
    for (const [handle, timer] of pending) {
      if (timer.ms !== ms) continue;
      pending.delete(handle);
      fired++;
      timer.callback();
    }
    return fired;
  };
  /** How many timers set for `ms` are pending. */
  const count = (ms: number) => [...pending.values()].filter((timer) => timer.ms === ms).length;
  return { timers, fire, count };
}
