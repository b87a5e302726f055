const settled = Promise.resolve();

/**
 * Calls `callback` once the current synchronous run of code ends, as `queueMicrotask` does, for the
 * per-frame and per-send paths: a settled promise's reaction costs Node a third of its `queueMicrotask`,
 * which makes an `AsyncResource` per call. `callback` must not throw (it would be an unhandled rejection).
 */
export function afterRun(callback: () => void): void {
  settled.then(callback);
}
