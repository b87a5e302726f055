import { type StandardSchemaV1, takeQueued } from '@lifeline/core';
import * as v from 'valibot';
import { expect, test, vi } from 'vitest';
import * as z from 'zod';
import { fakeLine, openFakeLine } from './harness.js';

const Order = z.object({ type: z.literal('order'), qty: z.number().int().positive() });

test('a value that fails sendSchema throws a TypeError naming the issues, and nothing is queued', () => {
  const { line } = fakeLine({ sendSchema: Order });
  const drop = vi.fn();
  line.on('drop', drop);
  // @ts-expect-error qty must be a number
  expect(() => line.send({ type: 'order', qty: 'ten' })).toThrow(
    new TypeError(
      'Lifeline: sendSchema rejected the value: qty: Invalid input: expected number, received string',
    ),
  );
  expect(takeQueued(line)).toEqual([]);
  expect(line.bufferedAmount).toBe(0);
  expect(drop).not.toHaveBeenCalled();
  line.close();
});

test('the schema output is what gets encoded; strings and binary data skip the schema', async () => {
  const Stamped = v.pipe(
    v.object({ type: v.literal('ping') }),
    v.transform((ping) => ({ ...ping, at: 42 })),
  );
  const { line, socket } = await openFakeLine({ sendSchema: Stamped });
  line.send({ type: 'ping' });
  line.send('raw text');
  line.send(new Uint8Array([1]));
  expect(socket.sent).toEqual(['{"type":"ping","at":42}', 'raw text', new Uint8Array([1])]);
});

test('an asynchronous sendSchema is refused with a TypeError', () => {
  const sendSchema: StandardSchemaV1<{ n: number }> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (value) => ({ value: value as { n: number } }),
    },
  };
  const { line } = fakeLine({ sendSchema, autoConnect: false });
  expect(() => line.send({ n: 1 })).toThrow(/sendSchema must validate synchronously/);
  expect(takeQueued(line)).toEqual([]);
});
