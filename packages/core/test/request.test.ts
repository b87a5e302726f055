import { isLifelineError, type Timers } from '@lifeline/core';
import { expect, test } from 'vitest';
import { openFakeLine } from './harness.js';

/** Timers that fire only when the test says so, on a clock that never moves by itself. */
function manualTimers() {
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
  /** Fires the pending timers set for `ms`. */
  const fire = (ms: number) => {
    for (const [handle, timer] of pending) {
      if (timer.ms !== ms) continue;
      pending.delete(handle);
      timer.callback();
    }
  };
  return { timers, fire, pending };
}

test("a request's timeout runs on the Lifeline's timers option, like its other timers", async () => {
  const { timers, fire, pending } = manualTimers();
  const { line, socket } = await openFakeLine({ timers });
  const answered = line.request({ q: 'fast' }, { timeout: 250 });
  const unanswered = line.request({ q: 'slow' }, { timeout: 250 }).catch((error: unknown) => error);
  expect([...pending.values()].filter((timer) => timer.ms === 250)).toHaveLength(2);

  socket.receive(JSON.stringify({ id: JSON.parse(socket.sent[0] as string).id, a: 1 }));
  await expect(answered).resolves.toMatchObject({ a: 1 });
  expect([...pending.values()].filter((timer) => timer.ms === 250)).toHaveLength(1);
  fire(250);
  const error = await unanswered;
  expect(isLifelineError(error) && error.code).toBe('ERR_REQUEST_TIMEOUT');
});
