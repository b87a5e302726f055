import { isLifelineError, Lifeline, requester } from '@lifeline/node';
import { describe, expect, onTestFinished, test } from 'vitest';
import * as z from 'zod';
import { nextEvent, startServer, type WebSocket } from '../helpers/server.js';

type Json = Record<string, unknown>;

/** Answers requests on a server-side socket with `reply(request)`; no answer when it returns undefined. */
function answer(peer: WebSocket, reply: (request: Json) => Json | undefined): void {
  peer.on('message', (data) => {
    const response = reply(JSON.parse(String(data)));
    if (response) peer.send(JSON.stringify(response));
  });
}

/** The next request a server-side socket receives. */
function nextRequest(peer: WebSocket): Promise<Json> {
  return new Promise((resolve) => peer.once('message', (data) => resolve(JSON.parse(String(data)))));
}

async function connected(options: ConstructorParameters<typeof Lifeline>[1] = {}) {
  const server = await startServer();
  const line = new Lifeline(server.url, { reconnect: { minDelay: 1 }, ...(options as object) });
  onTestFinished(() => line.close());
  const peer = await server.nextConnection();
  if (line.readyState !== Lifeline.OPEN) await nextEvent(line, 'open');
  return { server, line, peer };
}

function errorCode(error: unknown): string {
  return isLifelineError(error) ? error.code : String(error);
}

describe('request/response', () => {
  test('matches responses by id, in any order, and keeps them out of on(message)', async () => {
    const { line, peer } = await connected();
    const messages: unknown[] = [];
    const twoPushes = new Promise<void>((resolve) =>
      line.on('message', (message) => messages.push(message) === 2 && resolve()),
    );
    const rpc = requester(line);
    const held: Json[] = [];
    peer.on('message', (data) => {
      held.push(JSON.parse(String(data)));
      if (held.length < 2) return;
      // answer the second first, with an unrelated push in between
      for (const request of [held[1], held[0]] as Json[]) {
        peer.send(JSON.stringify({ id: request.id, echo: request.q }));
        peer.send('{"type":"push"}');
      }
    });
    const [first, second] = await Promise.all([rpc.request({ q: 'a' }), rpc.request({ q: 'b' })]);
    expect(first).toEqual({ id: held[0]?.id, echo: 'a' });
    expect(second).toEqual({ id: held[1]?.id, echo: 'b' });
    expect(held[0]?.id).not.toBe(held[1]?.id);
    expect(rpc.pending).toBe(0);
    await twoPushes;
    expect(messages).toEqual([{ type: 'push' }, { type: 'push' }]);
  });

  test('checks the response against the response schema, not the Lifeline schema', async () => {
    const Push = z.object({ type: z.literal('push') });
    const Price = z.object({ id: z.number(), price: z.number() });
    const { line, peer } = await connected({ schema: Push });
    const invalid: unknown[] = [];
    line.on('invalid', ({ data }) => invalid.push(data));
    const rpc = requester(line, { response: Price });
    answer(peer, (request) => ({ id: request.id, price: request.bad ? 'free' : 1 }));
    await expect(rpc.request({ type: 'price' })).resolves.toEqual({ id: expect.any(Number), price: 1 });
    const failed = await rpc.request({ type: 'price', bad: true }).catch((error: unknown) => error);
    expect(errorCode(failed)).toBe('ERR_INVALID_RESPONSE');
    expect((failed as Error).message).toMatch(/price: /);
    expect(invalid).toHaveLength(1);
  });

  test('uses the configured id key and generator, and keeps an id the caller set', async () => {
    const { line, peer } = await connected();
    let n = 0;
    const rpc = requester(line, { key: 'ref', id: () => `r${++n}` });
    answer(peer, (request) => ({ ref: request.ref, ok: true }));
    await expect(rpc.request({ op: 'a' })).resolves.toEqual({ ref: 'r1', ok: true });
    await expect(rpc.request({ op: 'b', ref: 'mine' })).resolves.toEqual({ ref: 'mine', ok: true });
  });

  test('two requesters on one line each get their own responses', async () => {
    const { line, peer } = await connected();
    const byId = requester(line);
    const byRef = requester(line, { key: 'ref', id: () => 'r' });
    answer(peer, (request) => ({ ...request, answered: true }));
    const [first, second] = await Promise.all([byRef.request({ n: 1 }), byId.request({ n: 2 })]);
    expect(first).toMatchObject({ ref: 'r', n: 1, answered: true });
    expect(second).toMatchObject({ n: 2, answered: true });
    await expect(byId.request({ n: 3 })).resolves.toMatchObject({ n: 3 });
  });

  test('rejects with ERR_REQUEST_TIMEOUT; a late response is then an ordinary message', async () => {
    const { line, peer } = await connected();
    const rpc = requester(line);
    const request = nextRequest(peer);
    const failed = await rpc.request({ q: 'slow' }, { timeout: 20 }).catch((error: unknown) => error);
    expect(errorCode(failed)).toBe('ERR_REQUEST_TIMEOUT');
    expect(rpc.pending).toBe(0);
    const late = nextEvent(line, 'message');
    peer.send(JSON.stringify({ id: (await request).id, late: true }));
    expect((await late)[0]).toEqual({ id: (await request).id, late: true });
  });

  test('abort rejects with the signal reason; an aborted signal sends nothing', async () => {
    const { line, peer } = await connected();
    const rpc = requester(line);
    const seen: Json[] = [];
    peer.on('message', (data) => seen.push(JSON.parse(String(data))));
    const reason = new Error('user left');
    await expect(rpc.request({ q: 1 }, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);

    const controller = new AbortController();
    const pending = rpc.request({ q: 2 }, { signal: controller.signal });
    await nextRequest(peer);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(seen.map(({ q }) => q)).toEqual([2]);
    expect(rpc.pending).toBe(0);
  });

  test('a dropped connection rejects pending requests with ERR_CONNECTION_LOST; resend re-sends them', async () => {
    const { server, line, peer } = await connected();
    const rpc = requester(line);
    const first = nextRequest(peer);
    const lost = rpc.request({ op: 'buy' });
    const kept = rpc.request({ op: 'read' }, { resend: true });
    await first;
    peer.terminate();
    const failed = await lost.catch((error: unknown) => error);
    expect(errorCode(failed)).toBe('ERR_CONNECTION_LOST');

    const again = await server.nextConnection();
    const resent = await nextRequest(again);
    expect(resent.op).toBe('read');
    again.send(JSON.stringify({ id: resent.id, value: 42 }));
    await expect(kept).resolves.toEqual({ id: resent.id, value: 42 });
  });

  test('a request queued while disconnected goes out on the next connection and is not failed', async () => {
    const { server, line } = await connected();
    const rpc = requester(line);
    server.drop();
    await nextEvent(line, 'reconnecting');
    const queued = rpc.request({ op: 'later' });
    const peer = await server.nextConnection();
    const request = await nextRequest(peer);
    peer.send(JSON.stringify({ id: request.id, done: true }));
    await expect(queued).resolves.toEqual({ id: request.id, done: true });
  });

  test('close() fails requests in flight with ERR_CONNECTION_LOST and new ones with ERR_CLOSED', async () => {
    const { line, peer } = await connected();
    const rpc = requester(line);
    const inFlight = rpc.request({ op: 'x' });
    await nextRequest(peer);
    line.close();
    expect(errorCode(await inFlight.catch((error: unknown) => error))).toBe('ERR_CONNECTION_LOST');
    expect(errorCode(await rpc.request({ op: 'y' }).catch((error: unknown) => error))).toBe('ERR_CLOSED');
  });

  test('a request dropped from a full queue rejects with ERR_DROPPED', async () => {
    const server = await startServer();
    const line = new Lifeline(server.url, { autoConnect: false, queue: { maxMessages: 1 } });
    onTestFinished(() => line.close());
    const rpc = requester(line);
    const oldest = rpc.request({ n: 1 });
    void rpc.request({ n: 2 }, { timeout: 50 }).catch(() => {});
    const failed = await oldest.catch((error: unknown) => error);
    expect(errorCode(failed)).toBe('ERR_DROPPED');
    expect((failed as Error).message).toMatch(/overflow/);
  });

  test('a requester made right after new, before the first open, works on the first connection', async () => {
    const server = await startServer();
    const line = new Lifeline(server.url, { reconnect: { minDelay: 1 } });
    onTestFinished(() => line.close());
    const rpc = requester(line);
    const reply = rpc.request({ op: 'first' });
    const peer = await server.nextConnection();
    answer(peer, (request) => ({ ...request, ok: true }));
    await expect(reply).resolves.toEqual({ op: 'first', id: expect.any(Number), ok: true });
    expect(line.readyState).toBe(Lifeline.OPEN);
  });

  test('bad arguments reject with a TypeError naming them', async () => {
    const { line, peer } = await connected();
    const rpc = requester(line);
    await expect(rpc.request('text' as never)).rejects.toThrow(
      new TypeError('Lifeline: request() takes an object, got text'),
    );
    const first = rpc.request({ id: 7 });
    await expect(rpc.request({ id: 7 })).rejects.toThrow(/id 7 is pending/);
    await expect(rpc.request({}, { timeout: -1 })).rejects.toThrow(RangeError);
    peer.send('{"id":7}');
    await expect(first).resolves.toEqual({ id: 7 });
  });
});

describe('requester options', () => {
  test('takes key, id and timeout from the requester options, and types the response from a schema', async () => {
    let n = 0;
    const { line, peer } = await connected();
    const rpc = requester(line, { key: 'ref', id: () => `r${++n}`, timeout: 20 });
    const Ack = z.object({ ref: z.string(), ok: z.boolean() });
    const first = nextRequest(peer);
    // unanswered: the requester's 20 ms timeout applies
    const failed = await rpc.request({ op: 'slow' }).catch((error: unknown) => error);
    expect(errorCode(failed)).toBe('ERR_REQUEST_TIMEOUT');
    expect(await first).toEqual({ op: 'slow', ref: 'r1' });

    answer(peer, (request) => ({ ref: request.ref, ok: request.op === 'buy' }));
    const ack: { ref: string; ok: boolean } = await rpc.request({ op: 'buy' }, { response: Ack });
    expect(ack).toEqual({ ref: 'r2', ok: true });
  });

  test('two requesters share the line: each gets its own responses; a drop rejects with ERR_CONNECTION_LOST', async () => {
    const { line, peer } = await connected();
    const byId = requester(line);
    const byRef = requester(line, { key: 'ref', id: () => 'r' });
    const held: Json[] = [];
    const both = new Promise<void>((resolve) =>
      peer.on('message', (data) => held.push(JSON.parse(String(data))) === 2 && resolve()),
    );
    const viaId = byId.request({ n: 1 });
    const viaRef = byRef.request({ n: 2 });
    await both;
    peer.send(JSON.stringify({ ...held[1], answered: true }));
    await expect(viaRef).resolves.toEqual({ ref: 'r', n: 2, answered: true });
    peer.terminate();
    expect(errorCode(await viaId.catch((error: unknown) => error))).toBe('ERR_CONNECTION_LOST');
  });

  test('a bad timeout is a RangeError when the requester is made, naming it', () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    expect(() => requester(line, { timeout: -5 })).toThrow(RangeError);
    expect(() => requester(line, { timeout: -5 })).toThrow(/timeout.*-5/);
  });
});
