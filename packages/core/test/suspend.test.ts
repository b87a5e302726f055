import { type AttemptContext, Lifeline, type LifelineOptions, resume, suspend } from '@lifeline/core';
import { expect, onTestFinished, test, vi } from 'vitest';
import { FakeNetwork } from '../../../test/helpers/fake-network.js';

/*
 * suspend(line) / resume(line): the gate platform packages drive (a browser going
 * offline, a page entering the back/forward cache). Fake time proves that a suspension leaves no timer
 * behind, so nothing but resume() can start an attempt.
 */

function setup(
  options: LifelineOptions = {},
  url: ConstructorParameters<typeof Lifeline>[0] = 'ws://fake.test',
) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  onTestFinished(() => {
    vi.useRealTimers();
  });
  const net = new FakeNetwork();
  const line = new Lifeline(url, {
    WebSocket: net.WebSocket,
    reconnect: { minDelay: 100, maxDelay: 100, jitter: false },
    ...options,
  });
  onTestFinished(() => line.close());
  const log: string[] = [];
  line.on('close', ({ code, willReconnect }) =>
    log.push(`close:${code}:${willReconnect ? 'retry' : 'final'}`),
  );
  line.on('reconnecting', ({ attempt, delay }) => log.push(`reconnecting:${attempt}:${delay}`));
  line.on('error', (error) => log.push(`error:${error.code}`));
  line.addEventListener('close', (event) => log.push(`onclose:${event.code}:${event.reason}`));
  return { net, line, log };
}

const HOUR = 3_600_000;

test('suspend drops an open socket at once and leaves no timer until resume', async () => {
  const { net, line, log } = setup();
  const first = await net.nextSocket();
  first.open();
  await vi.advanceTimersByTimeAsync(0);
  expect(line.state.phase).toBe('open');

  suspend(line);
  expect(first.closeCalls).toEqual([[undefined, undefined]]);
  // settled at once: the close event already sees the endless wait
  expect(log).toEqual(['onclose:1006:', 'close:1006:retry', 'reconnecting:1:Infinity']);
  await vi.advanceTimersByTimeAsync(0);
  expect(line.state).toEqual({ phase: 'waiting', attempt: 1, delay: Number.POSITIVE_INFINITY });
  expect(vi.getTimerCount()).toBe(0);
  await vi.advanceTimersByTimeAsync(HOUR);
  expect(net.sockets).toHaveLength(1);

  resume(line);
  const second = await net.nextSocket();
  second.open();
  await vi.advanceTimersByTimeAsync(0);
  expect(line.state.phase).toBe('open');
  // the drop was not a failure: not classified, not reported, not counted
  expect(log).toEqual(['onclose:1006:', 'close:1006:retry', 'reconnecting:1:Infinity']);
});

test('suspend sends its close code and reason, without asking shouldReconnect', async () => {
  const shouldReconnect = vi.fn(() => false);
  const { net, line, log } = setup({ shouldReconnect });
  const first = await net.nextSocket();
  first.open();
  await vi.advanceTimersByTimeAsync(0);
  suspend(line, 4001, 'page hidden');
  expect(first.closeCalls).toEqual([[4001, 'page hidden']]);
  await vi.advanceTimersByTimeAsync(0);
  expect(log).toEqual(['onclose:4001:page hidden', 'close:4001:retry', 'reconnecting:1:Infinity']);
  expect(shouldReconnect).not.toHaveBeenCalled();
  expect(line.readyState).toBe(Lifeline.CONNECTING);
});

test('suspend while waiting cancels the running delay; resume starts the next attempt now', async () => {
  const { net, line, log } = setup();
  (await net.nextSocket()).refuse();
  await vi.advanceTimersByTimeAsync(0);
  expect(line.state).toEqual({ phase: 'waiting', attempt: 2, delay: 100 });

  suspend(line);
  await vi.advanceTimersByTimeAsync(HOUR);
  expect(net.sockets).toHaveLength(1);
  expect(line.state).toEqual({ phase: 'waiting', attempt: 2, delay: Number.POSITIVE_INFINITY });

  resume(line);
  await vi.advanceTimersByTimeAsync(0);
  expect(net.sockets).toHaveLength(2);
  // the failure before the suspension still counts: the next delay keeps growing from it
  expect(line.state).toEqual({ phase: 'connecting', attempt: 2 });
  expect(log).toEqual([
    'onclose:1006:',
    'error:ERR_CONNECT_FAILED',
    'close:1006:retry',
    'reconnecting:2:100',
    'reconnecting:2:Infinity',
  ]);
});

test('resume skips a running delay, and leaves a connecting or open socket alone', async () => {
  const { net, line } = setup({ reconnect: { minDelay: HOUR, maxDelay: HOUR, jitter: false } });
  const first = await net.nextSocket();
  resume(line);
  expect(first.closeCalls).toEqual([]);
  first.open();
  await vi.advanceTimersByTimeAsync(0);
  resume(line);
  await vi.advanceTimersByTimeAsync(0);
  expect(first.closeCalls).toEqual([]);
  expect(line.state.phase).toBe('open');

  first.serverClose(1006);
  await vi.advanceTimersByTimeAsync(0);
  expect(line.state).toEqual({ phase: 'waiting', attempt: 2, delay: HOUR });
  resume(line);
  await vi.advanceTimersByTimeAsync(0);
  expect(net.sockets).toHaveLength(2);
});

test('reconnect() lifts a suspension', async () => {
  const { net, line } = setup();
  (await net.nextSocket()).open();
  await vi.advanceTimersByTimeAsync(0);
  suspend(line);
  await vi.advanceTimersByTimeAsync(0);
  line.reconnect();
  await vi.advanceTimersByTimeAsync(0);
  expect(net.sockets).toHaveLength(2);
  expect(line.state.phase).toBe('connecting');
});

test('an attempt resolving its URL when suspended opens no socket', async () => {
  let resolveUrl: (url: string) => void = () => {};
  const url = vi.fn((_context: AttemptContext) => new Promise<string>((resolve) => (resolveUrl = resolve)));
  const { net, line } = setup({}, url);
  expect(line.state.phase).toBe('connecting');
  suspend(line);
  resolveUrl('ws://fake.test/a');
  await vi.advanceTimersByTimeAsync(HOUR);
  expect(net.sockets).toHaveLength(0);
  expect(line.state).toEqual({ phase: 'waiting', attempt: 1, delay: Number.POSITIVE_INFINITY });

  resume(line);
  await vi.advanceTimersByTimeAsync(0);
  resolveUrl('ws://fake.test/b');
  expect((await net.nextSocket()).url).toBe('ws://fake.test/b');
  // the same attempt again: it was held, not failed
  expect(url.mock.calls).toEqual([[{ attempt: 1, reason: 'initial' }], [{ attempt: 1, reason: 'initial' }]]);
});

test('suspend does nothing before the start or after close(), and checks its arguments as close() does', async () => {
  const { net, line } = setup({ autoConnect: false });
  suspend(line);
  line.open();
  expect(line.state.phase).toBe('connecting');
  const socket = await net.nextSocket();

  expect(() => suspend(line, 1001)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
  expect(() => suspend(line, 4001, 'x'.repeat(124))).toThrow(
    expect.objectContaining({ name: 'SyntaxError' }),
  );
  line.close();
  socket.serverClose(1006);
  expect(line.state.phase).toBe('closed');
  suspend(line);
  resume(line);
  await vi.advanceTimersByTimeAsync(HOUR);
  expect(line.state.phase).toBe('closed');
  expect(net.sockets).toHaveLength(1);
});
