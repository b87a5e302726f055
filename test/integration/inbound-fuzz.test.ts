// Property-based: arbitrary frames from a real server never break a connected Lifeline. Every frame
// either arrives as a message or yields exactly one `invalid`, as an oracle computed here predicts.
import { type Codec, type Issues, Lifeline, opened, type StandardSchemaV1 } from '@lifeline/node';
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, onTestFinished, test } from 'vitest';
import * as z from 'zod';
import { startServer, type WebSocket } from '../helpers/server.js';

const RUNS = 200;
const TIME_LIMIT_MS = 20_000;

const Market = z.discriminatedUnion('type', [
  z.object({ type: z.literal('trade'), price: z.number() }),
  z.object({ type: z.literal('quote'), bid: z.number(), ask: z.number() }),
  z.object({ type: z.literal('status'), up: z.boolean() }),
  z.object({ type: z.literal('end'), run: z.number() }),
]);

type Frame = { text: string } | { binary: Uint8Array };

const loneSurrogates = fc.string({
  unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
});
const validMessage = fc.oneof(
  fc.record({ type: fc.constant('trade'), price: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
  fc.record({ type: fc.constant('quote'), bid: fc.integer(), ask: fc.integer() }),
  fc.record({ type: fc.constant('status'), up: fc.boolean() }),
);
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'binary-ascii', maxLength: 200 }),
  loneSurrogates,
  fc.json({ maxDepth: 3 }),
  validMessage.map((message) => JSON.stringify(message)),
  // near misses: valid JSON of the right shape with one field wrong
  validMessage.chain((message) =>
    fc
      .constantFrom('price', 'bid', 'up', 'type')
      .map((field) => JSON.stringify({ ...message, [field]: 'x' })),
  ),
);
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 4, arbitrary: text.map((value) => ({ text: value })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((value) => ({ binary: value })) },
);

/** What the client should make of a frame: the value it delivers, or undefined for an `invalid`. */
type Oracle = (frame: Frame) => { value: unknown } | undefined;

interface Observed {
  messages: unknown[];
  invalid: Array<{ data: unknown; issues: Issues }>;
  raw: number;
}

/**
 * Connects a Lifeline with `options` to a real server and returns a function that sends a batch of frames
 * and resolves once the client has taken all of them (an `end` sentinel closes each batch).
 */
async function harness(options: { schema: StandardSchemaV1<unknown, unknown>; codec?: Codec }) {
  const server = await startServer();
  const line = new Lifeline(server.url, {
    ...options,
    binaryType: 'arraybuffer',
    reconnect: { minDelay: 1 },
  });
  onTestFinished(() => line.close());
  let opens = 0;
  const errors: unknown[] = [];
  line.on('open', () => opens++);
  line.on('error', (error) => errors.push(error));
  let observed: Observed = { messages: [], invalid: [], raw: 0 };
  let endOfBatch: ((run: number) => void) | null = null;
  line.addEventListener('message', () => observed.raw++);
  line.on('message', (message) => {
    const end = message as { type?: string; run?: number };
    if (end.type === 'end') endOfBatch?.(end.run as number);
    else observed.messages.push(message);
  });
  line.on('invalid', (info) => observed.invalid.push(info));
  const peer: WebSocket = await server.nextConnection();
  await opened(line);

  let run = 0;
  return {
    line,
    state: () => ({ opens, errors }),
    async send(frames: Frame[], sentinel: (run: number) => Frame): Promise<Observed> {
      observed = { messages: [], invalid: [], raw: 0 };
      const thisRun = ++run;
      const done = new Promise<void>((resolve) => {
        endOfBatch = (ended) => ended === thisRun && resolve();
      });
      for (const each of [...frames, sentinel(thisRun)]) {
        if ('text' in each) peer.send(each.text);
        else peer.send(each.binary, { binary: true });
      }
      await done;
      return observed;
    },
  };
}

/** Checks one batch against the oracle: each frame is one message or one invalid, in order. */
function expectBatch(frames: Frame[], observed: Observed, oracle: Oracle): void {
  const expected = frames.map(oracle);
  const good = expected.filter((outcome) => outcome !== undefined).map((outcome) => outcome.value);
  expect(observed.raw).toBe(frames.length + 1);
  expect(observed.messages).toEqual(good);
  expect(observed.invalid).toHaveLength(frames.length - good.length);
  for (const { issues } of observed.invalid) expect(issues.length).toBeGreaterThan(0);
}

/** The text the client receives for a string the server sends: UTF-8 turns lone surrogates into U+FFFD. */
const overTheWire = (value: string) => new TextDecoder().decode(new TextEncoder().encode(value));

function parseWith(schema: StandardSchemaV1, decode: () => unknown): { value: unknown } | undefined {
  let value: unknown;
  try {
    value = decode();
  } catch {
    return undefined;
  }
  const result = schema['~standard'].validate(value) as StandardSchemaV1.Result<unknown>;
  return result.issues ? undefined : { value: result.value };
}

describe('arbitrary frames from a real server', () => {
  test(
    'JSON codec with a zod schema: no exception escapes, the connection stays open, one invalid per bad frame',
    async () => {
      const client = await harness({ schema: Market });
      const oracle: Oracle = (each) =>
        'text' in each ? parseWith(Market, () => JSON.parse(overTheWire(each.text))) : undefined;
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 20 }), async (frames) => {
          const observed = await client.send(frames, (run) => ({
            text: JSON.stringify({ type: 'end', run }),
          }));
          expectBatch(frames, observed, oracle);
          expect(client.line.readyState).toBe(Lifeline.OPEN);
        }),
        { numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] },
      );
      expect(client.state()).toEqual({ opens: 1, errors: [] });
    },
    TIME_LIMIT_MS * 2,
  );

  test(
    'binary codec with a valibot schema: arbitrary bytes and text are decoded or reported, never fatal',
    async () => {
      // UTF-8 JSON in binary frames; a fatal decoder turns malformed UTF-8 into a decode failure
      const codec: Codec = {
        binary: true,
        encode: (value) => new TextEncoder().encode(JSON.stringify(value)),
        decode: (data) =>
          JSON.parse(
            typeof data === 'string'
              ? data
              : new TextDecoder('utf-8', { fatal: true }).decode(data as ArrayBuffer),
          ),
      };
      const Event = v.variant('type', [
        v.object({ type: v.literal('trade'), price: v.number() }),
        v.object({ type: v.literal('quote'), bid: v.number(), ask: v.number() }),
        v.object({ type: v.literal('status'), up: v.boolean() }),
        v.object({ type: v.literal('end'), run: v.number() }),
      ]);
      const client = await harness({ schema: Event, codec });
      const oracle: Oracle = (each) =>
        parseWith(Event, () =>
          'text' in each ? JSON.parse(overTheWire(each.text)) : codec.decode(each.binary),
        );
      const encoded = validMessage.map((message) => ({
        binary: new TextEncoder().encode(JSON.stringify(message)),
      }));
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(frame, encoded), { minLength: 1, maxLength: 20 }),
          async (frames) => {
            const observed = await client.send(frames, (run) => ({
              binary: new TextEncoder().encode(JSON.stringify({ type: 'end', run })),
            }));
            expectBatch(frames, observed, oracle);
            expect(client.line.readyState).toBe(Lifeline.OPEN);
          },
        ),
        { numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] },
      );
      expect(client.state()).toEqual({ opens: 1, errors: [] });
    },
    TIME_LIMIT_MS * 2,
  );
});
