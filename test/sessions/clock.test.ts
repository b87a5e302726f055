import type { Timers } from '@lifeline/core';
import { expect, onTestFinished, test, vi } from 'vitest';
import { eventMatching } from '../helpers/events.js';
import { keepAway, opened, proxiedSession, rawText, recordEvents, serverEnded } from './harness.js';

/*
 * Guarantee 5 of issue #15: expiry is measured by the server's monotonic clock (or the store), never by
 * the client's clock: a client clock skewed by ±24 h, or a wall clock stepped mid-session, changes nothing.
 */

const DAY = 24 * 60 * 60 * 1000;

/** The client's clock, `clock.skew` ms off (a test may step it); its timers are the real ones. */
const skewedTimers = (clock: { skew: number }): Timers => ({
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now() + clock.skew,
});

/**
 * One session through a cut within its ttl and one past it, the client's clock `before` ms off until
 * each cut and `away` ms off while the client is away: what the client heard.
 */
async function resumeThenExpire(before: number, away: number) {
  const clock = { skew: before };
  const { server, proxy, gate, line } = await proxiedSession(
    { ...rawText, ttl: 300 },
    {},
    { timers: skewedTimers(clock) },
  );
  const events = recordEvents(line, ['resumed', 'reset']);
  const received: unknown[] = [];
  line.on('message', (message) => received.push(message));
  const remote = await opened(server, line);

  // within the ttl: a message sent while the client is away arrives after the resume
  await keepAway(server, proxy, gate);
  clock.skew = away;
  const delivered = remote.send('while away');
  gate.open();
  await eventMatching(line, 'resumed');
  await delivered;
  clock.skew = before;

  // past the ttl, as the server's clock says
  const expired = serverEnded(server, 'expired');
  clock.skew = away;
  await keepAway(server, proxy, gate);
  await expired;
  gate.open();
  await eventMatching(line, 'reset');
  return {
    events: events.map(
      ({ name, info }) => `${name}${name === 'reset' ? ` ${(info as { reason: string }).reason}` : ''}`,
    ),
    received,
  };
}

test.each([
  ['in step', 0, 0],
  ['24 h behind', -DAY, -DAY],
  ['24 h ahead', DAY, DAY],
  ['stepped 24 h ahead while away', 0, DAY],
  ['stepped 24 h back while away', 0, -DAY],
])('a client clock %s: resumed within the ttl, expired past it', async (_, before, away) => {
  expect(await resumeThenExpire(before, away)).toEqual({
    events: ['resumed', 'reset expired'],
    received: ['while away'],
  });
});

test('a wall clock stepped a day ahead while the client is away does not expire the session', async () => {
  const { server, proxy, gate, line } = await proxiedSession({ ...rawText, ttl: 60_000 });
  const events = recordEvents(line, ['resumed', 'reset']);
  const remote = await opened(server, line);

  await keepAway(server, proxy, gate);
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + DAY });
  onTestFinished(() => {
    vi.useRealTimers();
  });
  const delivered = remote.send('after the step');
  gate.open();
  await eventMatching(line, 'resumed');
  await delivered;

  expect(events.map(({ name }) => name)).not.toContain('reset');
});
