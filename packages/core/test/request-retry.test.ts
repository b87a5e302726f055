import { isLifelineError, requester, retrying } from '@lifeline/core';
import { expect, test } from 'vitest';
import * as z from 'zod';
import type { FakeSocket } from '../../../test/helpers/fake-network.js';
import { manualTimers } from '../../../test/helpers/manual-timers.js';
import { nextEvent } from '../../../test/helpers/server.js';
import { fakeLine, openFakeLine, openNext } from './harness.js';

/*
 * Request timeouts run on the line's manual timers; p-retry's pauses between attempts run on the real
 * global timers, so they are kept at 1 ms and the tests wait for the next frame rather than fake them.
 */

type Json = Record<string, unknown>;

/** Resolves with the `n`th value (from 1) `socket` sends, once it has sent it. */
function nthSent(socket: FakeSocket, n: number): Promise<Json> {
  return new Promise((resolve) => {
    const check = () => {
      if (socket.sent.length < n) return false;
      resolve(JSON.parse(socket.sent[n - 1] as string) as Json);
      return true;
    };
    if (check()) return;
    const send = socket.send;
    socket.send = (data) => {
      send.call(socket, data);
      if (check()) socket.send = send;
    };
  });
}

function errorCode(error: unknown): string {
  return isLifelineError(error) ? error.code : String(error);
}

test('retries a timed-out request with the same id, and resolves with the response to a retry', async () => {
  const { timers, fire } = manualTimers();
  const { line, socket } = await openFakeLine({ timers });
  const failures: number[] = [];
  const rpc = retrying(requester(line, { timeout: 250 }), {
    retries: 3,
    minTimeout: 1,
    onFailedAttempt: ({ attemptNumber }) => void failures.push(attemptNumber),
  });
  const reply = rpc.request({ q: 'price' });
  const first = await nthSent(socket, 1);
  fire(250);
  const second = await nthSent(socket, 2);
  fire(250);
  const third = await nthSent(socket, 3);
  expect(second).toEqual(first);
  expect(third).toEqual(first);
  socket.receive(JSON.stringify({ id: first.id, price: 1 }));
  await expect(reply).resolves.toEqual({ id: first.id, price: 1 });
  expect(failures).toEqual([1, 2]);
  expect(rpc.pending).toBe(0);
});

test("keeps an id the value carries, and makes a missing one once with the requester's generator", async () => {
  const { timers, fire } = manualTimers();
  const { line, socket } = await openFakeLine({ timers });
  let made = 0;
  const rpc = retrying(requester(line, { timeout: 250, key: 'ref', id: () => `r${++made}` }), {
    minTimeout: 1,
  });
  expect(rpc.key).toBe('ref');
  const mine = rpc.request({ ref: 'mine' });
  await nthSent(socket, 1);
  fire(250);
  expect(await nthSent(socket, 2)).toEqual({ ref: 'mine' });
  socket.receive('{"ref":"mine","ok":true}');
  await expect(mine).resolves.toEqual({ ref: 'mine', ok: true });

  const fresh = rpc.request({ op: 'x' });
  await nthSent(socket, 3);
  fire(250);
  await nthSent(socket, 4);
  fire(250);
  expect(await nthSent(socket, 5)).toEqual({ op: 'x', ref: 'r1' });
  expect(socket.sent.slice(2).map((frame) => JSON.parse(frame as string).ref)).toEqual(['r1', 'r1', 'r1']);
  expect(made).toBe(1);
  socket.receive('{"ref":"r1","ok":true}');
  await expect(fresh).resolves.toEqual({ ref: 'r1', ok: true });
});

test('retries a request whose connection was lost on the next connection, with the same id', async () => {
  const { timers, fire } = manualTimers();
  const { net, line } = fakeLine({ timers, reconnect: { minDelay: 7, jitter: false } });
  const first = await openNext(net, line);
  const rpc = retrying(requester(line), { minTimeout: 1 });
  const reply = rpc.request({ op: 'read' });
  const sent = await nthSent(first, 1);
  const reconnecting = nextEvent(line, 'reconnecting');
  first.serverClose(1006);
  await reconnecting;
  fire(7);
  const second = await openNext(net, line);
  expect(await nthSent(second, 1)).toEqual(sent);
  second.receive(JSON.stringify({ ...sent, value: 42 }));
  await expect(reply).resolves.toEqual({ ...sent, value: 42 });
});

test('does not retry a response that fails its schema', async () => {
  const { line, socket } = await openFakeLine();
  const failures: string[] = [];
  const Price = z.object({ id: z.number(), price: z.number() });
  const rpc = retrying(requester(line, { response: Price }), {
    minTimeout: 1,
    onFailedAttempt: ({ error }) => void failures.push(errorCode(error)),
  });
  const reply = rpc.request({ op: 'price' }).catch((error: unknown) => error);
  const sent = await nthSent(socket, 1);
  socket.receive(JSON.stringify({ id: sent.id, price: 'free' }));
  // the promise settles only once p-retry has decided not to retry
  expect(errorCode(await reply)).toBe('ERR_INVALID_RESPONSE');
  expect(failures).toEqual(['ERR_INVALID_RESPONSE']);
  expect(socket.sent).toHaveLength(1);
});

test("does not retry an abort: rejects with the signal's reason, even one that is not an Error", async () => {
  const { line, socket } = await openFakeLine();
  const rpc = retrying(requester(line), { minTimeout: 1 });
  const controller = new AbortController();
  const reply = rpc.request({ q: 1 }, { signal: controller.signal });
  await nthSent(socket, 1);
  controller.abort('user left');
  await expect(reply).rejects.toBe('user left');
  expect(socket.sent).toHaveLength(1);
  expect(rpc.pending).toBe(0);
  await expect(rpc.request({ q: 2 }, { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
  expect(socket.sent).toHaveLength(1);
});

test("aborting the retrying options' signal stops the pause between attempts", async () => {
  const { timers, fire } = manualTimers();
  const { line, socket } = await openFakeLine({ timers });
  const controller = new AbortController();
  let failed!: () => void;
  const firstFailure = new Promise<void>((resolve) => {
    failed = resolve;
  });
  // a pause far longer than the test may take: only the abort can end it
  const rpc = retrying(requester(line, { timeout: 250 }), {
    minTimeout: 60_000,
    signal: controller.signal,
    onFailedAttempt: () => failed(),
  });
  const reply = rpc.request({ q: 1 });
  await nthSent(socket, 1);
  fire(250);
  await firstFailure;
  const reason = new Error('shutting down');
  controller.abort(reason);
  await expect(reply).rejects.toBe(reason);
  expect(socket.sent).toHaveLength(1);
});

test('rejects with the last error once the retries are exhausted', async () => {
  const { timers, fire } = manualTimers();
  const { line, socket } = await openFakeLine({ timers, reconnect: { minDelay: 7, jitter: false } });
  const errors: Error[] = [];
  const rpc = retrying(requester(line, { timeout: 250 }), {
    retries: 2,
    minTimeout: 1,
    onFailedAttempt: ({ error }) => void errors.push(error),
  });
  const reply = rpc.request({ q: 1 }).catch((error: unknown) => error);
  await nthSent(socket, 1);
  fire(250);
  await nthSent(socket, 2);
  fire(250);
  await nthSent(socket, 3);
  socket.serverClose(1006);
  const error = await reply;
  expect(errors.map(errorCode)).toEqual([
    'ERR_REQUEST_TIMEOUT',
    'ERR_REQUEST_TIMEOUT',
    'ERR_CONNECTION_LOST',
  ]);
  expect(error).toBe(errors[2]);
  expect(new Set(socket.sent).size).toBe(1);
});

test('a value that is not an object is a TypeError, not retried', async () => {
  const { line, socket } = await openFakeLine();
  const rpc = retrying(requester(line), { minTimeout: 1 });
  await expect(rpc.request('text' as never)).rejects.toThrow(
    new TypeError('Lifeline: request() takes an object, got text'),
  );
  expect(socket.sent).toHaveLength(0);
});
