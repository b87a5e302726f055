import type { Timers } from '@lifeline/core';

/**
 * Real timers that count the short ones (under 1 s) still pending, so a test can check that an idle
 * Lifeline leaves nothing polling. Works in Node and in the browser.
 */
export function countingTimers(): Timers & { readonly pendingShort: number } {
  const pending = new Set<unknown>();
  return {
    setTimeout(callback, ms) {
      const handle = globalThis.setTimeout(() => {
        pending.delete(handle);
        callback();
      }, ms);
      if (ms < 1000) pending.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      pending.delete(handle);
      globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
    },
    now: () => Date.now(),
    get pendingShort() {
      return pending.size;
    },
  };
}
