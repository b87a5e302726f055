import { drained, isLifelineError, kernel, type Lifeline } from '@lifeline/core';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { FAKED_TIMERS, fakeLine, openFakeLine, openNext } from './harness.js';

/** Settles to 'resolved', 'rejected' or 'pending' once the promise's reactions have run. */
async function settled(promise: Promise<unknown>): Promise<string> {
  let outcome = 'pending';
  promise.then(
    () => {
      outcome = 'resolved';
    },
    () => {
      outcome = 'rejected';
    },
  );
  await vi.advanceTimersByTimeAsync(0);
  return outcome;
}

function useFakeTimers(): void {
  vi.useFakeTimers({ toFake: [...FAKED_TIMERS] });
  onTestFinished(() => {
    vi.useRealTimers();
  });
}

describe('drained(line, limit)', () => {
  test('right after new it waits for the first connection to take the queue', async () => {
    const { net, line } = fakeLine();
    line.send('queued');
    const waiting = drained(line);

    const socket = await openNext(net, line);

    await expect(waiting).resolves.toBeUndefined();
    expect(socket.sent).toEqual(['queued']);
  });

  test('resolves at once when nothing is queued and the socket holds no more than the limit', async () => {
    const { line, socket } = await openFakeLine({ lowWaterMark: 100 });
    socket.bufferedAmount = 100;

    await expect(drained(line)).resolves.toBeUndefined();
    await expect(drained(line, 100)).resolves.toBeUndefined();
  });

  test('polls the socket, where it has no write callbacks, until it holds no more than the limit; then stops', async () => {
    useFakeTimers();
    const { line, socket } = await openFakeLine();
    const idle = vi.getTimerCount();
    socket.bufferedAmount = 500;
    const waiting = drained(line, 50);

    expect(await settled(waiting)).toBe('pending');
    expect(vi.getTimerCount()).toBe(idle + 1);
    socket.bufferedAmount = 60;
    await vi.advanceTimersByTimeAsync(20);
    expect(await settled(waiting)).toBe('pending');
    socket.bufferedAmount = 50;
    await vi.advanceTimersByTimeAsync(10);

    expect(await settled(waiting)).toBe('resolved');
    expect(vi.getTimerCount()).toBe(idle);
  });

  test('Infinity resolves once every queued message was handed to the socket, whatever it holds', async () => {
    useFakeTimers();
    const { net, line } = fakeLine();
    line.send('queued');
    const everyMessage = drained(line, Number.POSITIVE_INFINITY);
    const empty = drained(line);
    const socket = await net.nextSocket();
    socket.bufferedAmount = 10_000;

    socket.open();

    expect(await settled(everyMessage)).toBe('resolved');
    expect(socket.sent).toEqual(['queued']);
    // the default limit, lowWaterMark 0, waits for the socket to empty
    expect(await settled(empty)).toBe('pending');
    socket.bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(10);
    expect(await settled(empty)).toBe('resolved');
  });

  test('close() rejects every waiter with ERR_CLOSED; once closing, a new wait rejects at once', async () => {
    useFakeTimers();
    const { line, socket } = await openFakeLine();
    socket.bufferedAmount = 10;
    const first = drained(line);
    const second = drained(line, 5);

    line.close();

    for (const waiting of [first, second]) {
      await expect(waiting).rejects.toSatisfy(
        (error) => isLifelineError(error) && error.code === 'ERR_CLOSED',
      );
    }
    await expect(drained(line)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    // nothing waits, so nothing polls
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a fatal close rejects with its error; a wait after it with ERR_CLOSED caused by it', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 0 } });
    kernel.use(line as Lifeline, {
      classify: () => ({ retry: false, code: 'ERR_HANDSHAKE_REJECTED', why: 'test' }),
    });
    const socket = await net.nextSocket();
    line.send('queued');
    const waiting = drained(line);

    socket.refuse();

    await expect(waiting).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_REJECTED' });
    await expect(drained(line)).rejects.toMatchObject({
      code: 'ERR_CLOSED',
      cause: expect.objectContaining({ code: 'ERR_HANDSHAKE_REJECTED' }),
    });
  });

  test('a limit that is not a number >= 0 or Infinity is a RangeError naming it', () => {
    const { line } = fakeLine({ autoConnect: false });

    expect(() => drained(line, -5)).toThrow(/'limit'.*-5/);
    expect(() => drained(line, Number.NaN)).toThrow(RangeError);
  });
});
