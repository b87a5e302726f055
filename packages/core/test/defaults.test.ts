import { heartbeat, type LifelineError } from '@lifeline/core';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { FAKED_TIMERS, fakeLine, openNext } from './harness.js';

// The defaults the README promises, observed through behaviour rather than read off the `defaults` object

beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED_TIMERS] });
});
afterEach(() => {
  vi.useRealTimers();
});

test('connectTimeout: an attempt that never opens fails after 10 s, not before', async () => {
  const { net, line } = fakeLine();
  const errors: LifelineError[] = [];
  line.on('error', (error) => errors.push(error));
  const socket = await net.nextSocket();

  await vi.advanceTimersByTimeAsync(9_999);
  expect(errors).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(errors.map((error) => error.code)).toEqual(['ERR_CONNECT_TIMEOUT']);
  expect(socket.closeCalls).toHaveLength(1);
});

test('minUptime: a connection open 5 s resets the attempt counter; one open 4.999 s does not', async () => {
  const { net, line } = fakeLine({ reconnect: { minDelay: 1, jitter: false } });
  const attempts: number[] = [];
  line.on('reconnecting', ({ attempt }) => attempts.push(attempt));

  for (const uptime of [4_999, 4_999, 5_000]) {
    const socket = await openNext(net, line);
    await vi.advanceTimersByTimeAsync(uptime);
    socket.serverClose();
    await vi.advanceTimersByTimeAsync(10); // past the backoff: 1 or 2 ms, no jitter
  }

  // short connections count on (2, 3); the drop after one that stayed up 5 s starts over at 2
  expect(attempts).toEqual([2, 3, 2]);
});

test('heartbeat: a ping after 15 s of silence, and the socket dropped 10 s after an unanswered one', async () => {
  const { net, line } = fakeLine();
  heartbeat(line, { mode: 'message', ping: 'ping', isPong: (data) => data === 'pong' });
  const errors: LifelineError[] = [];
  line.on('error', (error) => errors.push(error));
  const socket = await openNext(net, line);

  await vi.advanceTimersByTimeAsync(14_999);
  expect(socket.sent).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(socket.sent).toEqual(['ping']);
  await vi.advanceTimersByTimeAsync(9_999);
  expect(errors).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
});
