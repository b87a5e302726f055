import { describe, expect, test } from 'vitest';
import {
  type DropReason,
  OutboundQueue,
  type QueuedMessage,
  type QueueOptions,
  takeOut,
} from '../src/outbound-queue.js';

const message = (value: string, bytes = value.length): QueuedMessage => ({ value, data: value, bytes });

function queue(options: Partial<QueueOptions> = {}) {
  const drops: Array<[unknown, DropReason]> = [];
  const q = new OutboundQueue(
    { maxMessages: 100, maxBytes: 1000, overflow: 'drop-oldest', ...options },
    (dropped, reason) => drops.push([dropped.value, reason]),
  );
  return { q, drops };
}

describe('OutboundQueue', () => {
  test('is first in, first out, and counts bytes', () => {
    const { q } = queue();
    for (const value of ['a', 'bb', 'ccc']) expect(q.push(message(value))).toBe('queued');
    expect(q.length).toBe(3);
    expect(q.bytes).toBe(6);
    expect([q.shift()?.value, q.shift()?.value]).toEqual(['a', 'bb']);
    expect(q.bytes).toBe(3);
    expect(q.shift()?.value).toBe('ccc');
    expect(q.shift()).toBeUndefined();
    expect(q.bytes).toBe(0);
  });

  test('keeps order and byte count through many pushes and shifts (head compaction)', () => {
    const { q } = queue({ maxMessages: 10_000, maxBytes: 1_000_000 });
    for (let i = 0; i < 5000; i++) q.push(message(String(i), 1));
    const out: unknown[] = [];
    for (let i = 0; i < 3000; i++) out.push(q.shift()?.value);
    for (let i = 5000; i < 6000; i++) q.push(message(String(i), 1));
    while (q.length > 0) out.push(q.shift()?.value);
    expect(out).toEqual(Array.from({ length: 6000 }, (_, i) => String(i)));
    expect(q.bytes).toBe(0);
  });

  test('takeAll hands back everything in order without drop reports', () => {
    const { q, drops } = queue();
    q.push(message('a'));
    q.push(message('b'));
    expect(q.takeAll().map((m) => m.value)).toEqual(['a', 'b']);
    expect([q.length, q.bytes, drops.length]).toEqual([0, 0, 0]);
  });

  test('dropAll reports each message with the reason', () => {
    const { q, drops } = queue();
    q.push(message('a'));
    q.push(message('b'));
    q.dropAll('closed');
    expect(drops).toEqual([
      ['a', 'closed'],
      ['b', 'closed'],
    ]);
    expect(q.length).toBe(0);
  });

  test("'drop-oldest' makes room by dropping from the front", () => {
    const { q, drops } = queue({ maxMessages: 2 });
    q.push(message('a'));
    q.push(message('b'));
    expect(q.push(message('c'))).toBe('queued');
    expect(drops).toEqual([['a', 'overflow']]);
    expect(q.takeAll().map((m) => m.value)).toEqual(['b', 'c']);
  });

  test("maxBytes counts bytes: 'drop-oldest' drops as many as it takes to make room", () => {
    const { q, drops } = queue({ maxBytes: 10 });
    for (const value of ['a', 'b', 'c']) q.push(message(value, 4));
    expect(q.push(message('big', 9))).toBe('queued');
    expect(drops).toEqual([
      ['a', 'overflow'],
      ['b', 'overflow'],
      ['c', 'overflow'],
    ]);
    expect(q.bytes).toBe(9);
  });

  test("'drop-newest' drops the new message; 'reject' reports it full and drops nothing", () => {
    const newest = queue({ maxMessages: 1, overflow: 'drop-newest' });
    newest.q.push(message('a'));
    expect(newest.q.push(message('b'))).toBe('dropped');
    expect(newest.drops).toEqual([['b', 'overflow']]);

    const reject = queue({ maxMessages: 1, overflow: 'reject' });
    reject.q.push(message('a'));
    expect(reject.q.push(message('b'))).toBe('full');
    expect(reject.drops).toEqual([]);
    expect(reject.q.takeAll().map((m) => m.value)).toEqual(['a']);
  });

  test('remove takes out, without drop reports, the messages it picks', () => {
    const { q, drops } = queue();
    const sticky = new Map<QueuedMessage, string>();
    const push = (value: string, key?: string) => {
      const queued = message(value);
      if (key) sticky.set(queued, key);
      q.push(queued);
    };
    push('plain');
    push('sub v1', 'sub');
    push('unstuck', 'gone');
    push('sub v2', 'sub');
    expect(takeOut(q, (queued) => sticky.get(queued) === 'sub')).toBe(2);
    expect(q.takeAll().map((m) => m.value)).toEqual(['plain', 'unstuck']);
    expect(drops).toEqual([]);
  });

  test('remove that picks nothing leaves the queue as it was', () => {
    const { q, drops } = queue();
    for (const value of ['a', 'b']) q.push(message(value));
    expect(takeOut(q, () => false, 'expired')).toBe(0);
    expect([q.length, q.bytes, drops.length]).toEqual([2, 2, 0]);
    expect(q.takeAll().map((m) => m.value)).toEqual(['a', 'b']);
  });

  test('remove with a reason reports what it picks and keeps the rest in order', () => {
    const { q, drops } = queue();
    const deadlines = new Map<QueuedMessage, number>();
    const push = (value: string, expiresAt = Number.POSITIVE_INFINITY) => {
      const queued = message(value);
      deadlines.set(queued, expiresAt);
      q.push(queued);
    };
    push('old', 100);
    push('keep');
    push('later', 300);
    takeOut(q, (queued) => (deadlines.get(queued) ?? 0) <= 200, 'expired');
    expect(drops).toEqual([['old', 'expired']]);
    expect(q.bytes).toBe(9);
    expect(q.takeAll().map((m) => m.value)).toEqual(['keep', 'later']);
  });

  test('remove keeps order and byte count after shifts moved the head', () => {
    const { q, drops } = queue();
    for (const value of ['a', 'bb', 'ccc', 'dddd']) q.push(message(value));
    q.shift();
    takeOut(q, (queued) => queued.value === 'ccc', 'expired');
    expect(drops).toEqual([['ccc', 'expired']]);
    expect(q.bytes).toBe(6);
    expect([q.shift()?.value, q.shift()?.value, q.shift()]).toEqual(['bb', 'dddd', undefined]);
  });
});
