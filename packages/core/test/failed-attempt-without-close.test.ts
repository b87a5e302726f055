import { Lifeline, type LifelineEvents } from '@lifeline/core';
import { afterEach, beforeEach, expect, onTestFinished, test, vi } from 'vitest';
import { FakeNetwork } from '../../../test/helpers/fake-network.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

// undici 6 (Node 22's global WebSocket) reports a refused or unreachable attempt with an error event only
// and stays CONNECTING; waiting for a close would cost a whole connectTimeout per attempt
test('an error that leaves the socket CONNECTING fails the attempt at once', async () => {
  const net = new FakeNetwork();
  const line = new Lifeline('ws://fake', {
    WebSocket: net.WebSocket,
    reconnect: { minDelay: 1, jitter: false },
  });
  onTestFinished(() => line.close());
  const closes: LifelineEvents<unknown>['close'][0][] = [];
  line.on('close', (info) => closes.push(info));
  const standardCloses: number[] = [];
  line.addEventListener('close', (event) => standardCloses.push(event.code));

  const socket = await net.nextSocket();
  socket.onerror?.({ type: 'error', message: 'Received network error or non-101 status code.' });
  await vi.advanceTimersByTimeAsync(0);

  expect(closes).toMatchObject([
    { phase: 'connect', code: 1006, willReconnect: true, error: { code: 'ERR_CONNECT_FAILED' } },
  ]);
  expect(standardCloses).toEqual([1006]);
  await vi.advanceTimersByTimeAsync(1);
  expect(net.sockets).toHaveLength(2); // the next attempt, long before connectTimeout (10 s)
});

test('an error on a socket the platform already closed waits for its close event', async () => {
  const net = new FakeNetwork();
  const line = new Lifeline('ws://fake', {
    WebSocket: net.WebSocket,
    reconnect: { minDelay: 1, jitter: false },
  });
  onTestFinished(() => line.close());
  const closes: number[] = [];
  line.on('close', (info) => closes.push(info.code));
  const socket = await net.nextSocket();
  socket.readyState = 3;
  socket.onerror?.({ type: 'error', message: 'refused' });
  await vi.advanceTimersByTimeAsync(0);
  expect(closes).toEqual([]);
  socket.onclose?.({ code: 1006, reason: '', wasClean: false });
  await vi.advanceTimersByTimeAsync(0);
  expect(closes).toEqual([1006]);
});
