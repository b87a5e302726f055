const settled = Promise.resolve();

/**
 * Calls `callback` once the current synchronous run of code ends, as `queueMicrotask` does, for the
 * per-frame and per-send paths: a settled promise's reaction costs Node a third of its `queueMicrotask`,
 * which makes an `AsyncResource` per call. `callback` must not throw (it would be an unhandled rejection).
 */
export function afterRun(callback: () => void): void {
  settled.then(callback);
}

let run = 0;
let isEndScheduled = false;
const endRun = (): void => {
  run++;
  isEndScheduled = false;
};

/**
 * A number that stays the same through the current synchronous run of code and changes once it ends:
 * work done once per run compares it, with no callback of its own per object (an idle connection
 * would carry that closure for its whole life).
 */
export function currentRun(): number {
  if (!isEndScheduled) {
    isEndScheduled = true;
    afterRun(endRun);
  }
  return run;
}
