import { type LifelineError, type LifelineOptions, stats } from '@lifeline/core';
import { beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
import { nextEvent } from '../../../test/helpers/server.js';
import { FAKED_TIMERS, fakeLine, openNext, record } from './harness.js';

// Fake timers here only move the backoff clock; sockets are FakeNetwork sockets the test drives
beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED_TIMERS] });
  onTestFinished(() => {
    vi.useRealTimers();
  });
});

/** Refuses `count` attempts in a row, letting each backoff delay elapse, and returns the delays announced. */
async function refuseInARow(options: LifelineOptions, count: number) {
  const { net, line } = fakeLine(options);
  const delays: number[] = [];
  line.on('reconnecting', ({ delay }) => delays.push(delay));
  for (let i = 0; i < count; i++) {
    (await net.nextSocket()).refuse();
    await vi.advanceTimersByTimeAsync(delays.at(-1) ?? 0);
  }
  return { net, line, delays };
}

describe('backoff schedule', () => {
  test('without jitter: 50, 100, 200 ms after consecutive refused attempts', async () => {
    const { delays } = await refuseInARow({ reconnect: { minDelay: 50, factor: 2, jitter: false } }, 3);
    expect(delays).toEqual([50, 100, 200]);
  });

  test('the next attempt starts when the delay has elapsed, not before', async () => {
    const { net } = fakeLine({ reconnect: { minDelay: 50, jitter: false } });
    (await net.nextSocket()).refuse();
    await vi.advanceTimersByTimeAsync(49);
    expect(net.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await net.nextSocket();
    (net.sockets[1] ?? expect.fail('no second attempt')).refuse();
    await vi.advanceTimersByTimeAsync(99);
    expect(net.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await net.nextSocket();
    expect(net.sockets).toHaveLength(3);
  });

  test("'full' jitter draws from [0, window) with the injected random", async () => {
    const { delays } = await refuseInARow(
      { reconnect: { minDelay: 50, jitter: 'full' }, random: () => 0.5 },
      4,
    );
    expect(delays).toEqual([25, 50, 100, 200]);
  });

  test("'full' jitter reaches 0 and stays under the window", async () => {
    const low = await refuseInARow({ reconnect: { minDelay: 50 }, random: () => 0 }, 2);
    expect(low.delays).toEqual([0, 0]);
    const high = await refuseInARow({ reconnect: { minDelay: 50 }, random: () => 0.999_999 }, 2);
    expect(high.delays).toEqual([49, 99]);
  });

  test("'equal' jitter draws from [window/2, window)", async () => {
    const { delays } = await refuseInARow(
      { reconnect: { minDelay: 100, jitter: 'equal' }, random: () => 0 },
      3,
    );
    expect(delays).toEqual([50, 100, 200]);
    const mid = await refuseInARow({ reconnect: { minDelay: 100, jitter: 'equal' }, random: () => 0.5 }, 2);
    expect(mid.delays).toEqual([75, 150]);
  });

  test('the cap comes first, then the jitter', async () => {
    const { delays } = await refuseInARow(
      { reconnect: { minDelay: 50, maxDelay: 120, jitter: 'full' }, random: () => 0.5 },
      5,
    );
    expect(delays).toEqual([25, 50, 60, 60, 60]);
  });

  test('the default policy: first delay within 1000 ms, the window doubling to a 30 s cap', async () => {
    const { delays } = await refuseInARow({ random: () => 0.999_999 }, 7);
    expect(delays).toEqual([999, 1999, 3999, 7999, 15_999, 29_999, 29_999]);
  });
});

describe('minUptime', () => {
  const policy = { reconnect: { minDelay: 100, jitter: false, minUptime: 1000 } } as const;

  /** A failed attempt, then a connection that stays open `uptime` ms before the server drops it. */
  async function dropAfter(uptime: number) {
    const { net, line } = fakeLine(policy);
    const announced = nextEvent(line, 'reconnecting');
    (await net.nextSocket()).refuse();
    expect((await announced)[0]).toMatchObject({ attempt: 2, delay: 100 });
    await vi.advanceTimersByTimeAsync(100);
    const socket = await net.nextSocket();
    const opened = nextEvent(line, 'open');
    socket.open();
    await opened;
    await vi.advanceTimersByTimeAsync(uptime);
    const next = nextEvent(line, 'reconnecting');
    socket.serverClose(1001);
    return (await next)[0];
  }

  test('a connection shorter than minUptime does not reset the counter: the backoff keeps growing', async () => {
    expect(await dropAfter(999)).toMatchObject({ attempt: 3, delay: 200 });
  });

  test('a connection that stayed up minUptime resets the counter', async () => {
    expect(await dropAfter(1000)).toMatchObject({ attempt: 2, delay: 100 });
  });

  test('an accept-then-close server cannot cause a reconnect storm', async () => {
    const { net, line } = fakeLine(policy);
    const delays: number[] = [];
    line.on('reconnecting', ({ delay }) => delays.push(delay));
    for (let i = 0; i < 4; i++) {
      const socket = await net.nextSocket();
      socket.open();
      await vi.advanceTimersByTimeAsync(0);
      socket.serverClose(1000);
      await vi.advanceTimersByTimeAsync(delays.at(-1) ?? 0);
    }
    expect(delays).toEqual([100, 200, 400, 800]);
  });
});

describe('retries', () => {
  test('running out emits exhausted with ERR_RETRIES_EXHAUSTED and closes; reconnect() starts again', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 10, jitter: false, retries: 2 } });
    const log = record(line);
    const exhausted = nextEvent(line, 'exhausted');
    for (const delay of [10, 20]) {
      (await net.nextSocket()).refuse();
      await vi.advanceTimersByTimeAsync(delay);
    }
    (await net.nextSocket()).refuse();
    const [error] = await exhausted;
    expect(error.code).toBe('ERR_RETRIES_EXHAUSTED');
    expect(error.message).toContain('3 consecutive failed attempts');
    expect((error.cause as LifelineError).code).toBe('ERR_CONNECT_FAILED');
    expect(line.readyState).toBe(line.CLOSED);
    expect(line.state).toMatchObject({ phase: 'closed', code: 1006 });
    expect(log.slice(-7)).toEqual([
      'onerror@3',
      'state:closed',
      'onclose:1006:false@3',
      'error:ERR_CONNECT_FAILED',
      'exhausted',
      'error:ERR_RETRIES_EXHAUSTED',
      'close:1006:final',
    ]);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(net.sockets).toHaveLength(3);

    line.reconnect();
    const _socket = await openNext(net, line);
    expect(line.readyState).toBe(line.OPEN);
    expect(net.sockets).toHaveLength(4);
  });

  test('reconnect() from an exhausted listener starts a fresh loop', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 10, retries: 0 } });
    line.once('exhausted', () => line.reconnect());
    (await net.nextSocket()).refuse();
    const socket = await net.nextSocket();
    expect(line.state).toMatchObject({ phase: 'connecting', attempt: 1 });
    const announced = nextEvent(line, 'open');
    socket.open();
    await announced;
    expect(line.readyState).toBe(line.OPEN);
  });

  test('retries: 0 gives up after the first failure', async () => {
    const { net, line } = fakeLine({ reconnect: { retries: 0 } });
    const exhausted = nextEvent(line, 'exhausted');
    (await net.nextSocket()).refuse();
    await exhausted;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(net.sockets).toHaveLength(1);
  });
});

describe('connectTimeout', () => {
  test('an attempt that does not open in time fails with ERR_CONNECT_TIMEOUT and 1006, and is retried', async () => {
    const { net, line } = fakeLine({ connectTimeout: 500, reconnect: { minDelay: 10, jitter: false } });
    const counters = stats(line);
    const log = record(line);
    const socket = await net.nextSocket();
    await vi.advanceTimersByTimeAsync(499);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual([
      'state:waiting',
      'onclose:1006:false@3',
      'error:ERR_CONNECT_TIMEOUT',
      'close:1006:retry',
      'reconnecting:2:10',
    ]);
    expect(counters.lastError?.message).toBe('attempt 1 to ws://fake.test/socket timed out after 500 ms');
    expect(socket.closeCalls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    await net.nextSocket();
  });

  test('an open socket is not timed out', async () => {
    const { net, line } = fakeLine({ connectTimeout: 500 });
    const socket = await net.nextSocket();
    socket.open();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(line.readyState).toBe(line.OPEN);
    expect(socket.closeCalls).toEqual([]);
  });
});

describe('delays the classification asks for', () => {
  test('a JSON close reason {"retryAfter": ms} waits that long plus the backoff', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 50, jitter: false } });
    const socket = await net.nextSocket();
    socket.open();
    const next = nextEvent(line, 'reconnecting');
    socket.serverClose(4000, '{"retryAfter":300}');
    expect((await next)[0]).toMatchObject({ delay: 350 });
    await vi.advanceTimersByTimeAsync(349);
    expect(net.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await net.nextSocket();
  });

  test('shouldReconnect returning { delay } sets the delay exactly', async () => {
    const { net, line } = fakeLine({ shouldReconnect: () => ({ delay: 1234 }) });
    const next = nextEvent(line, 'reconnecting');
    (await net.nextSocket()).refuse();
    expect((await next)[0]).toMatchObject({ attempt: 2, delay: 1234 });
    await vi.advanceTimersByTimeAsync(1233);
    expect(net.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await net.nextSocket();
  });
});

describe('stats(line)', () => {
  test('uptime counts milliseconds open, and is 0 when not open', async () => {
    const { net, line } = fakeLine();
    const counters = stats(line);
    const socket = await net.nextSocket();
    expect(counters.uptime).toBe(0);
    const announced = nextEvent(line, 'open');
    socket.open();
    await announced;
    await vi.advanceTimersByTimeAsync(1500);
    expect(counters.uptime).toBe(1500);
    socket.serverClose(1001);
    expect(counters.uptime).toBe(0);
    expect(counters).toMatchObject({ connects: 1, attempts: 1 });
  });
});
