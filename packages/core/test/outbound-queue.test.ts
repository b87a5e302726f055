import { describe, expect, test } from 'vitest';
import {
  type DropReason,
  OutboundQueue,
  type QueuedMessage,
  type QueueOptions,
} from '../src/outbound-queue.js';

const message = (value: string, bytes = value.length): QueuedMessage => ({
  value,
  data: value,
  bytes,
  expiresAt: Number.POSITIVE_INFINITY,
});

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

  test('nextExpiry is the earliest expiry queued, and Infinity once the queue is empty', () => {
    const { q } = queue();
    expect(q.nextExpiry).toBe(Number.POSITIVE_INFINITY);
    q.push({ ...message('a'), expiresAt: 300 });
    q.push({ ...message('b'), expiresAt: 100 });
    expect(q.nextExpiry).toBe(100);
    q.dropExpired(150);
    expect(q.nextExpiry).toBe(300);
    q.shift();
    expect(q.nextExpiry).toBe(Number.POSITIVE_INFINITY);
  });

  test('removeSticky takes out, without drop reports, the messages of keys that are still sticky', () => {
    const { q, drops } = queue();
    q.push(message('plain'));
    q.push({ ...message('sub v1'), sticky: 'sub' });
    q.push({ ...message('unstuck'), sticky: 'gone' });
    q.push({ ...message('sub v2'), sticky: 'sub' });
    q.removeSticky(new Map([['sub', null]]));
    expect(q.takeAll().map((m) => m.value)).toEqual(['plain', 'unstuck']);
    expect(drops).toEqual([]);
  });

  test('dropExpired drops what outlived its ttl and keeps the rest in order', () => {
    const { q, drops } = queue();
    q.push({ ...message('old'), expiresAt: 100 });
    q.push(message('keep'));
    q.push({ ...message('later'), expiresAt: 300 });
    q.dropExpired(200);
    expect(drops).toEqual([['old', 'expired']]);
    expect(q.bytes).toBe(9);
    expect(q.takeAll().map((m) => m.value)).toEqual(['keep', 'later']);
  });
});
