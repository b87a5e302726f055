import { expect, test } from 'vitest';
import * as z from 'zod/mini';
import { openFakeLine } from './harness.js';

const Message = z.discriminatedUnion('type', [
  z.object({ type: z.literal('trade'), price: z.number() }),
  z.object({ type: z.literal('quote'), bid: z.number() }),
]);

test('on(message, variant) hears that variant only, after plain listeners registered before it', async () => {
  const { line, socket } = await openFakeLine({ schema: Message });
  const log: string[] = [];
  line.on('message', (message) => log.push(`any ${message.type}`));
  line.on('message', 'trade', (trade) => log.push(`trade ${trade.price}`));
  line.on('message', 'quote', (quote) => log.push(`quote ${quote.bid}`));
  socket.receive('{"type":"trade","price":1}');
  socket.receive('{"type":"quote","bid":2}');
  expect(log).toEqual(['any trade', 'trade 1', 'any quote', 'quote 2']);
});

test('once(message, variant) waits for a message of that variant, then stops', async () => {
  const { line, socket } = await openFakeLine({ schema: Message });
  const prices: number[] = [];
  line.once('message', 'trade', (trade) => prices.push(trade.price));
  socket.receive('{"type":"quote","bid":2}');
  socket.receive('{"type":"trade","price":3}');
  socket.receive('{"type":"trade","price":4}');
  expect(prices).toEqual([3]);
  expect(line.listenerCount('message')).toBe(0);
});

test('off(message, listener) removes the listener wherever it was added, and nothing else', async () => {
  const { line, socket } = await openFakeLine({ schema: Message });
  const seen: string[] = [];
  const listener = (message: { type: string }) => seen.push(message.type);
  const other = (message: { type: string }) => seen.push(`other ${message.type}`);
  line.on('message', 'trade', listener);
  line.on('message', 'quote', listener);
  line.on('message', listener);
  line.on('message', 'quote', other);
  line.off('message', listener);
  socket.receive('{"type":"trade","price":1}');
  socket.receive('{"type":"quote","bid":2}');
  expect(seen).toEqual(['other quote']);
});

test('the discriminator option routes by another field', async () => {
  const Event = z.union([
    z.object({ kind: z.literal('a'), a: z.number() }),
    z.object({ kind: z.literal('b'), b: z.string() }),
  ]);
  const { line, socket } = await openFakeLine({ schema: Event, discriminator: 'kind' });
  const received = new Promise((resolve) => line.once('message', 'b', (event) => resolve(event.b)));
  socket.receive('{"kind":"a","a":1}');
  socket.receive('{"kind":"b","b":"yes"}');
  expect(await received).toBe('yes');
});
