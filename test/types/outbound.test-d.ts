import { drained, Lifeline, sendNowOrDrop, sendSticky, sendWithin, takeQueued } from '@lifeline/node';
import { describe, expectTypeOf, test } from 'vitest';
import * as z from 'zod';

const Command = z.object({ type: z.literal('subscribe'), channel: z.string() });

describe('the send capabilities take what send() takes', () => {
  test('values of the sendSchema, strings and binary data; nothing else', () => {
    const line = new Lifeline('ws://x', { sendSchema: Command });
    expectTypeOf(sendSticky(line, 'sub', { type: 'subscribe', channel: 'trades' })).toEqualTypeOf<boolean>();
    sendWithin(line, 'raw text', 1000);
    sendNowOrDrop(line, new Uint8Array([1]));
    // @ts-expect-error not a Command
    sendSticky(line, 'sub', { type: 'unsubscribe' });
    // @ts-expect-error not a Command
    sendWithin(line, { channel: 'trades' }, 1000);
    // @ts-expect-error not a Command
    sendNowOrDrop(line, 42);
  });

  test('any value without a sendSchema', () => {
    const line = new Lifeline('ws://x');
    sendSticky(line, 'k', { anything: [1, 2] });
    sendNowOrDrop(line, 42);
  });

  test('takeQueued and drained work on any line', () => {
    const line = new Lifeline('ws://x', { sendSchema: Command });
    expectTypeOf(takeQueued(line)).toEqualTypeOf<unknown[]>();
    expectTypeOf(drained(line, 1024)).toEqualTypeOf<Promise<void>>();
  });
});
