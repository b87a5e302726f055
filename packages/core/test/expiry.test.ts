import { type DropReason, kernel, type Lifeline, sendWithin, takeQueued } from '@lifeline/core';
import { beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
import { FAKED_TIMERS, fakeLine, openFakeLine, openNext } from './harness.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED_TIMERS] });
  onTestFinished(() => {
    vi.useRealTimers();
  });
});

function recordDrops(line: Lifeline): Array<[unknown, DropReason]> {
  const drops: Array<[unknown, DropReason]> = [];
  line.on('drop', ({ data, reason }) => drops.push([data, reason]));
  return drops;
}

describe('sendWithin(line, value, ttl)', () => {
  test('one timer for the line, at the earliest expiry, and none once the queue is empty', async () => {
    const { net, line } = fakeLine({ autoConnect: false, reconnect: { minDelay: 0 } });
    const drops = recordDrops(line);
    expect(vi.getTimerCount()).toBe(0);

    sendWithin(line, 'a', 300);
    sendWithin(line, 'b', 100);
    line.send('c');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(drops).toEqual([['b', 'expired']]);
    // the next one, for 'a'
    expect(vi.getTimerCount()).toBe(1);

    line.open();
    const socket = await openNext(net, line);

    expect(socket.sent).toEqual(['a', 'c']);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(drops).toEqual([['b', 'expired']]);
  });

  test('right after new, a message sent within its ttl goes on the first open', async () => {
    const { net, line } = fakeLine();
    const drops = recordDrops(line);

    expect(sendWithin(line, { n: 1 }, 5000)).toBe(true);
    const socket = await openNext(net, line);

    expect(socket.sent).toEqual(['{"n":1}']);
    expect(drops).toEqual([]);
  });

  test('while it can go at once it goes, and no timer is set', async () => {
    const { line, socket } = await openFakeLine();
    const timers = vi.getTimerCount();

    expect(sendWithin(line, 'now', 10)).toBe(true);

    expect(socket.sent).toEqual(['now']);
    expect(vi.getTimerCount()).toBe(timers);
  });

  test('expired messages leave the queue at their deadline; the others keep their order', async () => {
    const { line } = fakeLine({ autoConnect: false });
    const drops = recordDrops(line);
    line.send('first');
    sendWithin(line, 'short', 10);
    sendWithin(line, 'long', 1000);
    line.send('last');

    await vi.advanceTimersByTimeAsync(10);

    expect(drops).toEqual([['short', 'expired']]);
    expect(takeQueued(line)).toEqual(['first', 'long', 'last']);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a drop listener may send within a ttl again', async () => {
    const { line } = fakeLine({ autoConnect: false });
    const drops = recordDrops(line);
    let retries = 0;
    line.on('drop', ({ data }) => {
      if (retries++ < 2) sendWithin(line, `${String(data)}+`, 10);
    });

    sendWithin(line, 'x', 10);
    await vi.advanceTimersByTimeAsync(30);

    expect(drops).toEqual([
      ['x', 'expired'],
      ['x+', 'expired'],
      ['x++', 'expired'],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('close() leaves no timer behind', () => {
    const { line } = fakeLine({ autoConnect: false });
    const drops = recordDrops(line);
    sendWithin(line, 'a', 100);

    line.close();

    expect(drops).toEqual([['a', 'closed']]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('closed for good, the queue stays for reconnect() but no timer runs; the open catches up', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 0 } });
    kernel.use(line, { classify: () => ({ retry: false, code: 'ERR_HANDSHAKE_REJECTED', why: 'test' }) });
    const drops = recordDrops(line);
    const first = await net.nextSocket();
    sendWithin(line, 'short', 100);
    sendWithin(line, 'long', 10_000);
    first.refuse();
    expect(line.state.phase).toBe('closed');
    expect(vi.getTimerCount()).toBe(0);

    await vi.advanceTimersByTimeAsync(200);
    expect(drops).toEqual([]);
    line.reconnect();
    const socket = await openNext(net, line);

    expect(drops).toEqual([['short', 'expired']]);
    expect(socket.sent).toEqual(['long']);
  });

  test('a ttl that is not a finite number >= 0 is a RangeError naming it, and nothing is sent', () => {
    const { line } = fakeLine({ autoConnect: false });

    expect(() => sendWithin(line, 'x', -1)).toThrow(/'ttl'.*-1/);
    expect(() => sendWithin(line, 'x', Number.POSITIVE_INFINITY)).toThrow(/Infinity/);
    expect(() => sendWithin(line, 'x', '5' as unknown as number)).toThrow(RangeError);
    expect(takeQueued(line)).toEqual([]);
  });

  test('forgets the messages that left the queue, so thousands of sends keep one timer', async () => {
    const { net, line } = fakeLine({ autoConnect: false, queue: { maxMessages: 10 } });
    const drops = recordDrops(line);

    for (let i = 0; i < 5000; i++) sendWithin(line, String(i), 1000 + i);

    expect(drops).toHaveLength(4990);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(5989);
    expect(drops).toHaveLength(4990);
    // the earliest deadline still queued: 1000 + 4990 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(drops.slice(4990)).toEqual([['4990', 'expired']]);
    line.open();
    expect((await openNext(net, line)).sent).toEqual(Array.from({ length: 9 }, (_, i) => String(4991 + i)));
  });
});
