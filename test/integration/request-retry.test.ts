import { Lifeline, requester, retrying } from '@lifeline/node';
import { expect, onTestFinished, test } from 'vitest';
import { startServer } from '../helpers/server.js';

type Json = Record<string, unknown>;

test('a request the server ignores once is sent again with the same id and resolves with the answer', async () => {
  const server = await startServer();
  const line = new Lifeline(server.url, { reconnect: { minDelay: 1 } });
  onTestFinished(() => line.close());
  const peer = await server.nextConnection();
  const seen: Json[] = [];
  peer.on('message', (data) => {
    const request = JSON.parse(String(data)) as Json;
    // ignore the first; a server that deduplicates by id would answer the retry once
    if (seen.push(request) === 2) peer.send(JSON.stringify({ id: request.id, answer: 42 }));
  });
  const rpc = retrying(requester(line, { timeout: 50 }), { retries: 2, minTimeout: 1 });
  const reply = await rpc.request({ op: 'quote' });
  expect(seen).toHaveLength(2);
  expect(seen[1]).toEqual(seen[0]);
  expect(reply).toEqual({ id: seen[0]?.id, answer: 42 });
});

test('a request whose connection is lost is sent again on the next connection, with the same id', async () => {
  const server = await startServer();
  const line = new Lifeline(server.url, { reconnect: { minDelay: 1 } });
  onTestFinished(() => line.close());
  const first = await server.nextConnection();
  const seen: Json[] = [];
  first.on('message', (data) => {
    seen.push(JSON.parse(String(data)) as Json);
    first.terminate();
  });
  const rpc = retrying(requester(line), { retries: 2, minTimeout: 1 });
  const reply = rpc.request({ op: 'read' });
  const second = await server.nextConnection();
  second.on('message', (data) => {
    const request = JSON.parse(String(data)) as Json;
    seen.push(request);
    second.send(JSON.stringify({ id: request.id, value: 7 }));
  });
  const value = await reply;
  expect(value).toEqual({ id: seen[0]?.id, value: 7 });
  expect(seen).toHaveLength(2);
  expect(seen[1]).toEqual(seen[0]);
});
