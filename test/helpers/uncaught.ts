import { onTestFinished } from 'vitest';

/**
 * Collects the uncaught exceptions of the rest of the test instead of letting vitest count them as
 * unhandled (Lifeline rethrows a listener's error out of band); vitest's own handlers come back after it.
 */
export function catchUncaught(): unknown[] {
  const reported: unknown[] = [];
  const previous = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', (error) => reported.push(error));
  onTestFinished(() => {
    process.removeAllListeners('uncaughtException');
    for (const listener of previous) process.on('uncaughtException', listener);
  });
  return reported;
}
