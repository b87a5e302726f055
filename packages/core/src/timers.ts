import type { Timers } from './ports.js';

/*
 * The only module that touches the timer globals. They are looked up at call time, not at import, so
 * fake timers installed after import still take effect, and importing core does no work (Workers, SSR).
 */
export const defaultTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  now: () => Date.now(),
};
