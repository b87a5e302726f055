import { Lifeline, requester, retrying } from '@lifeline/node';
import { describe, expectTypeOf, test } from 'vitest';
import * as z from 'zod';

const Quote = z.object({ id: z.number(), bid: z.number() });
const Ack = z.object({ id: z.number(), ok: z.boolean() });

describe('requester', () => {
  test('responses are unknown without a response schema', () => {
    const rpc = requester(new Lifeline('ws://x'));
    expectTypeOf(rpc.request({ op: 'get' })).toEqualTypeOf<Promise<unknown>>();
  });

  test('the requester response schema types every response; a request schema overrides it', () => {
    const rpc = requester(new Lifeline('ws://x'), { response: Quote });
    expectTypeOf(rpc.request({ op: 'quote' })).toEqualTypeOf<Promise<z.infer<typeof Quote>>>();
    expectTypeOf(rpc.request({ op: 'buy' }, { response: Ack })).toEqualTypeOf<Promise<z.infer<typeof Ack>>>();
  });

  test('the request value follows sendSchema, with the id field optional', () => {
    const Command = z.discriminatedUnion('type', [
      z.object({ type: z.literal('get'), id: z.number(), path: z.string() }),
      z.object({ type: z.literal('set'), id: z.number(), path: z.string(), value: z.number() }),
    ]);
    const rpc = requester(new Lifeline('ws://x', { sendSchema: Command }));
    rpc.request({ type: 'get', path: '/a' });
    rpc.request({ type: 'set', path: '/a', value: 1, id: 9 });
    // @ts-expect-error 'set' needs a value
    rpc.request({ type: 'set', path: '/a' });
    // @ts-expect-error not an object
    rpc.request('get /a');
  });

  test('a custom key is the optional one', () => {
    const Command = z.object({ ref: z.string(), op: z.string() });
    const rpc = requester(new Lifeline('ws://x', { sendSchema: Command }), { key: 'ref' });
    rpc.request({ op: 'x' });
    // @ts-expect-error op is still required
    rpc.request({ ref: 'r1' });
  });

  test('options are checked', () => {
    const rpc = requester(new Lifeline('ws://x'));
    rpc.request({}, { timeout: 1000, resend: true, signal: AbortSignal.timeout(5) });
    // @ts-expect-error `retry` is now `resend` (retrying with backoff is `retrying()`)
    rpc.request({}, { retry: true });
    // @ts-expect-error timeout is in milliseconds, a number
    rpc.request({}, { timeout: '1s' });
  });
});

describe('requester on an untyped line', () => {
  const Reply = z.object({ id: z.number(), price: z.number() });

  test('a response is unknown without a schema, and typed by the request response schema', () => {
    const rpc = requester(new Lifeline('ws://x'));
    expectTypeOf(rpc.request({ op: 'get' })).toEqualTypeOf<Promise<unknown>>();
    expectTypeOf(rpc.request({ op: 'get' }, { response: Reply })).toEqualTypeOf<
      Promise<z.infer<typeof Reply>>
    >();
    // @ts-expect-error a request is an object
    rpc.request('get');
  });

  test('a Lifeline with a sendSchema still stands in for a plain Lifeline', () => {
    const line = new Lifeline('ws://x', { sendSchema: z.object({ id: z.number(), op: z.string() }) });
    expectTypeOf(line).toExtend<Lifeline>();
    const plain: Lifeline = line;
    expectTypeOf(requester(plain).request({ anything: true })).toEqualTypeOf<Promise<unknown>>();
  });
});

describe('retrying', () => {
  const Command = z.object({ id: z.number(), op: z.string() });

  test('keeps the request type from sendSchema and the response type, with no type arguments', () => {
    const rpc = retrying(requester(new Lifeline('ws://x', { sendSchema: Command }), { response: Quote }), {
      retries: 3,
      minTimeout: 200,
      signal: AbortSignal.timeout(5000),
    });
    expectTypeOf(rpc.request({ op: 'quote' })).toEqualTypeOf<Promise<z.infer<typeof Quote>>>();
    expectTypeOf(rpc.request({ op: 'buy' }, { response: Ack, resend: true })).toEqualTypeOf<
      Promise<z.infer<typeof Ack>>
    >();
    // @ts-expect-error op is required by sendSchema
    rpc.request({ id: 1 });
  });

  test('what to retry is decided by retrying, not by an option', () => {
    const rpc = requester(new Lifeline('ws://x'));
    // @ts-expect-error only timeouts and lost connections are retried
    retrying(rpc, { shouldRetry: () => true });
    // @ts-expect-error minTimeout is in milliseconds, a number
    retrying(rpc, { minTimeout: '1s' });
  });
});
