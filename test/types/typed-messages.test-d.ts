import { Lifeline as BrowserLifeline } from '@lifeline/browser';
import {
  Lifeline as CoreLifeline,
  type Issues,
  messages,
  route,
  stream,
  type WebSocketConstructor,
} from '@lifeline/core';
import { Lifeline } from '@lifeline/node';
import * as v from 'valibot';
import { describe, expectTypeOf, test } from 'vitest';
import * as z from 'zod';
import * as zm from 'zod/mini';

const Trade = z.object({ type: z.literal('trade'), price: z.number() });
const Quote = z.object({ type: z.literal('quote'), bid: z.number(), ask: z.number() });
const Market = z.discriminatedUnion('type', [Trade, Quote]);
type Trade = z.infer<typeof Trade>;
type Quote = z.infer<typeof Quote>;
type Market = Trade | Quote;

declare const WebSocket: WebSocketConstructor;

describe('message type inferred from the schema option', () => {
  test('zod classic, in every constructor form with options', () => {
    const a = new Lifeline('ws://x', { schema: Market });
    const b = new Lifeline('ws://x', 'v1', { schema: Market });
    const c = new Lifeline('ws://x', null, { schema: Market });
    const d = new Lifeline(() => 'ws://x', ['v1', 'v2'], { schema: Market });
    for (const line of [a, b, c, d]) {
      line.on('message', (message) => expectTypeOf(message).toEqualTypeOf<Market>());
    }
  });

  test('zod/mini and valibot', () => {
    const mini = new Lifeline('ws://x', {
      schema: zm.object({ n: zm.number(), tags: zm.array(zm.string()) }),
    });
    mini.on('message', (message) => expectTypeOf(message).toEqualTypeOf<{ n: number; tags: string[] }>());
    const valibot = new Lifeline('ws://x', {
      schema: v.object({ id: v.string(), at: v.optional(v.number()) }),
    });
    valibot.on('message', (message) =>
      expectTypeOf(message).toEqualTypeOf<{ id: string; at?: number | undefined }>(),
    );
  });

  test('the output type, after transforms, is what listeners get', () => {
    const Stamp = z.object({ at: z.string() }).transform(({ at }) => new Date(at));
    const line = new Lifeline('ws://x', { schema: Stamp });
    line.on('message', (message) => expectTypeOf(message).toEqualTypeOf<Date>());
  });

  test('the browser and core classes infer the same way', () => {
    const browser = new BrowserLifeline('ws://x', { schema: Market });
    browser.on('message', (message) => expectTypeOf(message).toEqualTypeOf<Market>());
    const core = new CoreLifeline('ws://x', { WebSocket, schema: Market });
    core.on('message', (message) => expectTypeOf(message).toEqualTypeOf<Market>());
  });

  test('without a schema messages are unknown, unless a type is given', () => {
    const raw = new Lifeline('ws://x');
    raw.on('message', (message) => expectTypeOf(message).toBeUnknown());
    const asserted = new Lifeline<Market>('ws://x');
    asserted.on('message', (message) => expectTypeOf(message).toEqualTypeOf<Market>());
  });

  test('a schema that does not produce the given type is an error', () => {
    // @ts-expect-error Quote is not a Trade
    new Lifeline<Trade>('ws://x', { schema: Quote });
  });

  test('invalid carries the frame and Standard Schema issues', () => {
    const line = new Lifeline('ws://x', { schema: Market });
    line.on('invalid', (info) => {
      expectTypeOf(info.data).toBeUnknown();
      expectTypeOf(info.issues).toEqualTypeOf<Issues>();
      expectTypeOf(info.issues[0]?.message).toEqualTypeOf<string | undefined>();
    });
  });

  test('a typed Lifeline is still a Lifeline', () => {
    const line = new Lifeline('ws://x', { schema: Market });
    expectTypeOf(line).toExtend<CoreLifeline>();
    const custom = new Lifeline('ws://x', { schema: z.object({ kind: z.literal('a') }) });
    expectTypeOf(custom).toExtend<CoreLifeline>();
  });
});

describe('async iteration and streams typed from the schema', () => {
  test('messages() yields the schema output', async () => {
    const line = new Lifeline('ws://x', { schema: Market });
    for await (const message of messages(line)) expectTypeOf(message).toEqualTypeOf<Market>();
    const browser = new BrowserLifeline('ws://x', { schema: Market });
    for await (const message of messages(browser, { highWaterMark: 10 })) {
      expectTypeOf(message).toEqualTypeOf<Market>();
    }
    for await (const message of messages(new Lifeline('ws://x'))) expectTypeOf(message).toBeUnknown();
  });

  test('stream() reads the schema output, also with another discriminating field', () => {
    expectTypeOf(stream(new Lifeline('ws://x', { schema: Market })).readable).toEqualTypeOf<
      ReadableStream<Market>
    >();
    const Event = z.object({ kind: z.literal('a'), n: z.number() });
    const line = new BrowserLifeline('ws://x', { schema: Event });
    expectTypeOf(stream(line).readable).toEqualTypeOf<ReadableStream<{ kind: 'a'; n: number }>>();
  });
});

describe('routing by a discriminating field', () => {
  test('route(line, variant) narrows to that member of the union', () => {
    const line = new Lifeline('ws://x', { schema: Market });
    route(line, 'trade', (trade) => expectTypeOf(trade).toEqualTypeOf<Trade>());
    route(line, 'quote', (quote) => expectTypeOf(quote).toEqualTypeOf<Quote>(), { once: true });
    expectTypeOf(route(line, 'trade', () => {})).toEqualTypeOf<() => void>();
    // @ts-expect-error not a variant of the union
    route(line, 'candle', () => {});
    // @ts-expect-error the listener of 'trade' gets no Quote
    route(line, 'trade', (quote: Quote) => quote.bid);
  });

  test('the browser and core classes route the same way', () => {
    const browser = new BrowserLifeline('ws://x', { schema: Market });
    route(browser, 'quote', (quote) => expectTypeOf(quote).toEqualTypeOf<Quote>());
    const core = new CoreLifeline('ws://x', { WebSocket, schema: Market });
    route(core, 'trade', (trade) => expectTypeOf(trade).toEqualTypeOf<Trade>());
  });

  test('the key option changes the field, inferred from the option', () => {
    const Event = z.union([
      z.object({ kind: z.literal('joined'), user: z.string() }),
      z.object({ kind: z.literal('left'), user: z.string(), after: z.number() }),
    ]);
    const line = new Lifeline('ws://x', { schema: Event });
    route(line, 'left', (left) => expectTypeOf(left.after).toBeNumber(), { key: 'kind' });
    // @ts-expect-error routing is by kind, and there is no kind 'trade'
    route(line, 'trade', () => {}, { key: 'kind' });
    // @ts-expect-error without the key option routing is by type, which Event lacks
    route(line, 'left', () => {});
  });

  test('numeric and boolean discriminators route too', () => {
    const Result = z.union([
      z.object({ ok: z.literal(true), value: z.string() }),
      z.object({ ok: z.literal(false), error: z.string() }),
    ]);
    const line = new Lifeline('ws://x', { schema: Result });
    route(line, false, (failed) => expectTypeOf(failed.error).toBeString(), { key: 'ok' });
  });

  test('without a union type there is nothing to route by', () => {
    const line = new Lifeline('ws://x');
    // @ts-expect-error unknown messages have no variants
    route(line, 'trade', () => {});
  });
});

describe('send typed from sendSchema', () => {
  test('send takes the schema input, or a raw frame', () => {
    const Order = z.object({ type: z.literal('order'), qty: z.number() });
    const line = new Lifeline('ws://x', { sendSchema: Order });
    expectTypeOf(line.send)
      .parameter(0)
      .toEqualTypeOf<z.input<typeof Order> | string | ArrayBuffer | ArrayBufferView | Blob>();
    line.send({ type: 'order', qty: 1 });
    line.send('{"raw":true}');
    // @ts-expect-error qty must be a number
    line.send({ type: 'order', qty: '1' });
  });

  test('without sendSchema send takes anything', () => {
    const line = new Lifeline('ws://x', { schema: Market });
    expectTypeOf(line.send).parameter(0).toBeUnknown();
  });
});
