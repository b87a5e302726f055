import { type Codec, isLifelineError, jsonCodec, requester } from '@lifeline/core';
import { expect, test } from 'vitest';
import type { FakeSocket } from '../../../test/helpers/fake-network.js';
import { manualTimers } from '../../../test/helpers/manual-timers.js';
import { nextEvent } from '../../../test/helpers/server.js';
import { fakeLine, openFakeLine, openNext } from './harness.js';

type Json = Record<string, unknown>;

const sentValues = (socket: FakeSocket) => socket.sent.map((frame) => JSON.parse(frame as string) as Json);

function errorCode(error: unknown): string {
  return isLifelineError(error) ? error.code : String(error);
}

test("a request's timeout runs on the Lifeline's timers option, like its other timers", async () => {
  const { timers, fire, count } = manualTimers();
  const { line, socket } = await openFakeLine({ timers });
  const rpc = requester(line);
  const answered = rpc.request({ q: 'fast' }, { timeout: 250 });
  const unanswered = rpc.request({ q: 'slow' }, { timeout: 250 }).catch((error: unknown) => error);
  expect(count(250)).toBe(2);

  socket.receive(JSON.stringify({ id: sentValues(socket)[0]?.id, a: 1 }));
  await expect(answered).resolves.toMatchObject({ a: 1 });
  expect(count(250)).toBe(1);
  fire(250);
  const error = await unanswered;
  expect(isLifelineError(error) && error.code).toBe('ERR_REQUEST_TIMEOUT');
});

test('a requester made right after new, before the first open, works on the first connection', async () => {
  const { net, line } = fakeLine();
  const rpc = requester(line);
  const early = rpc.request({ q: 'early' }); // queued: no socket is open yet
  const socket = await openNext(net, line);
  const late = rpc.request({ q: 'late' });
  expect(sentValues(socket).map(({ q }) => q)).toEqual(['early', 'late']);
  for (const request of sentValues(socket)) socket.receive(JSON.stringify({ ...request, ok: true }));
  await expect(early).resolves.toMatchObject({ q: 'early', ok: true });
  await expect(late).resolves.toMatchObject({ q: 'late', ok: true });
  expect(rpc.pending).toBe(0);
});

test('the connection a queued request went out on is the one whose loss fails it; resend: true sends it again', async () => {
  const { timers, fire } = manualTimers();
  const { net, line } = fakeLine({ timers, reconnect: { minDelay: 7, jitter: false } });
  const rpc = requester(line);
  const lost = rpc.request({ op: 'buy' }).catch((error: unknown) => error);
  const kept = rpc.request({ op: 'read' }, { resend: true });
  const first = await openNext(net, line);
  const [buy, read] = sentValues(first);
  const reconnecting = nextEvent(line, 'reconnecting');
  first.serverClose(1006);
  expect(errorCode(await lost)).toBe('ERR_CONNECTION_LOST');
  await reconnecting;

  // a request made while waiting is carried by the next connection, so it survives the loss before it
  const waiting = rpc.request({ op: 'later' });
  fire(7);
  const second = await openNext(net, line);
  expect(sentValues(second)).toEqual([read, { op: 'later', id: expect.anything() }]);
  expect(buy?.id).not.toBe(read?.id);
  for (const request of sentValues(second)) second.receive(JSON.stringify({ ...request, done: true }));
  await expect(kept).resolves.toEqual({ ...read, done: true });
  await expect(waiting).resolves.toMatchObject({ op: 'later', done: true });
});

test('an idle requester costs nothing per frame: frames are decoded only while a request is pending', async () => {
  let decoded = 0;
  const codec: Codec = {
    ...jsonCodec,
    decode(data) {
      decoded++;
      return jsonCodec.decode(data);
    },
  };
  const { line, socket } = await openFakeLine({ codec });
  const rpc = requester(line);
  socket.receive('{"id":"nobody asked"}');
  expect(decoded).toBe(0);

  const answered = rpc.request({ q: 1 });
  socket.receive(JSON.stringify({ id: sentValues(socket)[0]?.id, a: 1 }));
  await expect(answered).resolves.toMatchObject({ a: 1 });
  expect(decoded).toBe(1);
  socket.receive('{"id":"after"}');
  expect(decoded).toBe(1);
});
