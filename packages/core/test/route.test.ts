import { route } from '@lifeline/core';
import { expect, test } from 'vitest';
import * as z from 'zod/mini';
import { fakeLine, openFakeLine } from './harness.js';

const Message = z.discriminatedUnion('type', [
  z.object({ type: z.literal('trade'), price: z.number() }),
  z.object({ type: z.literal('quote'), bid: z.number() }),
]);

test('route(line, variant) hears that variant only, after plain listeners registered before it', async () => {
  const { line, socket } = await openFakeLine({ schema: Message });
  const log: string[] = [];
  line.on('message', (message) => log.push(`any ${message.type}`));
  route(line, 'trade', (trade) => log.push(`trade ${trade.price}`));
  route(line, 'quote', (quote) => log.push(`quote ${quote.bid}`));
  socket.receive('{"type":"trade","price":1}');
  socket.receive('{"type":"quote","bid":2}');
  expect(log).toEqual(['any trade', 'trade 1', 'any quote', 'quote 2']);
});

test('route(line, variant, fn, { once: true }) waits for a message of that variant, then stops', async () => {
  const { line, socket } = await openFakeLine({ schema: Message });
  const prices: number[] = [];
  route(line, 'trade', (trade) => prices.push(trade.price), { once: true });
  socket.receive('{"type":"quote","bid":2}');
  socket.receive('{"type":"trade","price":3}');
  socket.receive('{"type":"trade","price":4}');
  expect(prices).toEqual([3]);
  expect(line.listenerCount('message')).toBe(0);
});

test('the returned off() removes that route only, and calling it again is harmless', async () => {
  const { line, socket } = await openFakeLine({ schema: Message });
  const seen: string[] = [];
  const listener = (message: { type: string }) => seen.push(message.type);
  const other = (message: { type: string }) => seen.push(`other ${message.type}`);
  const offTrade = route(line, 'trade', listener);
  const offQuote = route(line, 'quote', listener);
  line.on('message', listener);
  route(line, 'quote', other);
  offTrade();
  offQuote();
  offQuote();
  line.off('message', listener);
  socket.receive('{"type":"trade","price":1}');
  socket.receive('{"type":"quote","bid":2}');
  expect(seen).toEqual(['other quote']);
  expect(line.listenerCount('message')).toBe(1);
});

test('the key option routes by another field', async () => {
  const Event = z.union([
    z.object({ kind: z.literal('a'), a: z.number() }),
    z.object({ kind: z.literal('b'), b: z.string() }),
  ]);
  const { line, socket } = await openFakeLine({ schema: Event });
  const received = new Promise((resolve) => route(line, 'b', (event) => resolve(event.b), { key: 'kind' }));
  socket.receive('{"kind":"a","a":1}');
  socket.receive('{"kind":"b","b":"yes"}');
  expect(await received).toBe('yes');
});

test('messages that are not objects, or lack the key, pass by', async () => {
  const { line, socket } = await openFakeLine<{ type: string } | { kind: string } | string | number | null>();
  const seen: unknown[] = [];
  route(line, 'trade', (trade: unknown) => seen.push(trade));
  for (const frame of ['"trade"', 'null', '7', '{"kind":"trade"}', '{"type":"trade"}']) socket.receive(frame);
  expect(seen).toEqual([{ type: 'trade' }]);
});

test('a route added right after new hears the first message of the first connection', async () => {
  const { net, line } = fakeLine({ schema: Message });
  const first = new Promise((resolve) => route(line, 'trade', resolve));
  const socket = await net.nextSocket();
  socket.open();
  socket.receive('{"type":"trade","price":5}');
  expect(await first).toEqual({ type: 'trade', price: 5 });
});

test('a listener that is not a function, or a key that is not a string, throws a TypeError naming it', () => {
  const { line } = fakeLine({ schema: Message });
  expect(() => route(line, 'trade', 'log' as never)).toThrow(/listener function, got log/);
  expect(() => route(line, 'trade', () => {}, { key: 7 as never })).toThrow(/'key' must be a string, got 7/);
  expect(line.listenerCount('message')).toBe(0);
});
