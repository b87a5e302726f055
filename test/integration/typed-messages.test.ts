import { type Issues, Lifeline, messages, opened, route, type StandardSchemaV1, stats } from '@lifeline/node';
import * as v from 'valibot';
import { describe, expect, onTestFinished, test } from 'vitest';
import * as z from 'zod';
import * as zm from 'zod/mini';
import { nextEvent, startServer } from '../helpers/server.js';

// the same 2-variant union in three Standard Schema libraries
const schemas: Record<
  string,
  StandardSchemaV1<unknown, { type: 'trade'; price: number } | { type: 'quote'; bid: number }>
> = {
  'zod classic': z.discriminatedUnion('type', [
    z.object({ type: z.literal('trade'), price: z.number() }),
    z.object({ type: z.literal('quote'), bid: z.number() }),
  ]),
  'zod/mini': zm.discriminatedUnion('type', [
    zm.object({ type: zm.literal('trade'), price: zm.number() }),
    zm.object({ type: zm.literal('quote'), bid: zm.number() }),
  ]),
  valibot: v.variant('type', [
    v.object({ type: v.literal('trade'), price: v.number() }),
    v.object({ type: v.literal('quote'), bid: v.number() }),
  ]),
};

describe.each(Object.entries(schemas))('a real server, with %s', (_, schema) => {
  test('valid frames are delivered typed, bad ones reported once and skipped, the connection stays up', async () => {
    const server = await startServer();
    const line = new Lifeline(server.url, { schema, reconnect: { minDelay: 1 } });
    onTestFinished(() => line.close());
    const raw: unknown[] = [];
    const messages: unknown[] = [];
    const invalid: Array<{ data: unknown; issues: Issues }> = [];
    line.addEventListener('message', (event) => raw.push(event.data));
    line.on('message', (message) => messages.push(message));
    line.on('invalid', (info) => invalid.push(info));
    const opens = { count: 0 };
    line.on('open', () => opens.count++);
    const peer = await server.nextConnection();
    await opened(line);

    const frames = [
      '{"type":"trade","price":1}',
      '{"type":"trade","price":"high"}', // fails the schema
      '{"type":"quote",', // does not parse
      '{"type":"candle"}', // no such variant
      '{"type":"quote","bid":2}',
    ];
    const last = new Promise<void>((resolve) => route(line, 'quote', ({ bid }) => bid === 2 && resolve()));
    for (const frame of frames) peer.send(frame);
    await last;

    expect(messages).toEqual([
      { type: 'trade', price: 1 },
      { type: 'quote', bid: 2 },
    ]);
    expect(invalid.map(({ data }) => data)).toEqual([frames[1], frames[2], frames[3]]);
    for (const { issues } of invalid) expect(issues[0]?.message).toEqual(expect.any(String));
    // a path segment is a key, or (valibot) an object carrying it
    const path = invalid[0]?.issues[0]?.path?.map((segment) =>
      typeof segment === 'object' ? segment.key : segment,
    );
    expect(path).toEqual(['price']);
    expect(raw).toEqual(frames);
    expect(line.readyState).toBe(Lifeline.OPEN);
    expect(opens.count).toBe(1);
  });
});

test('sendSchema rejects a bad value before it reaches the server; a good one arrives encoded', async () => {
  const server = await startServer();
  const Subscribe = z.object({ type: z.literal('subscribe'), channel: z.string().min(1) });
  const line = new Lifeline(server.url, { sendSchema: Subscribe, reconnect: { minDelay: 1 } });
  onTestFinished(() => line.close());
  await nextEvent(line, 'open');
  expect(() => line.send({ type: 'subscribe', channel: '' })).toThrow(TypeError);
  expect(() => line.send({ type: 'subscribe', channel: '' })).toThrow(/channel: /);
  line.send({ type: 'subscribe', channel: 'trades' });
  expect(JSON.parse(await server.nextMessage())).toEqual({ type: 'subscribe', channel: 'trades' });
});

test('stats count received text in UTF-8 bytes and binary in bytes; raw events keep the text', async () => {
  const server = await startServer();
  const line = new Lifeline(server.url, { binaryType: 'arraybuffer', reconnect: { minDelay: 1 } });
  onTestFinished(() => line.close());
  const counters = stats(line);
  const raw: unknown[] = [];
  const received = new Promise<void>((resolve) =>
    line.addEventListener('message', (event) => raw.push(event.data) === 2 && resolve()),
  );
  const peer = await server.nextConnection();
  await opened(line);
  peer.send('héllo €'); // 7 characters, 10 UTF-8 bytes
  peer.send(new Uint8Array(5), { binary: true });
  await received;
  expect(raw[0]).toBe('héllo €');
  expect(raw[1]).toBeInstanceOf(ArrayBuffer);
  expect(counters).toMatchObject({ messagesIn: 2, bytesIn: 15 });
});

test('messages() yields schema-checked messages and skips invalid frames', async () => {
  const server = await startServer();
  const Tick = z.object({ n: z.number() });
  const line = new Lifeline(server.url, { schema: Tick, reconnect: { minDelay: 1 } });
  onTestFinished(() => line.close());
  const invalid: unknown[] = [];
  line.on('invalid', ({ data }) => invalid.push(data));
  const peer = await server.nextConnection();
  await opened(line);
  const received: number[] = [];
  const reading = (async () => {
    for await (const tick of messages(line)) {
      received.push(tick.n);
      if (received.length === 2) break;
    }
  })();
  for (const frame of ['{"n":1}', '{"n":"two"}', '{"n":3}']) peer.send(frame);
  await reading;
  expect(received).toEqual([1, 3]);
  expect(invalid).toEqual(['{"n":"two"}']);
});
