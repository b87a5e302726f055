import type { IncomingMessage } from 'node:http';
import { type AttemptContext, Lifeline, type LifelineError, type LifelineEvents } from '@lifeline/node';
import { expect, test } from 'vitest';
import { eventMatching, finalClose } from '../../../test/helpers/events.js';
import { startServer } from '../../../test/helpers/server.js';
import { openLine } from './open-line.js';
import { wsClasses } from './ws-classes.js';

type Answer = { status: number; headers?: Record<string, string> } | 'accept';

/** A ws server that answers each upgrade from `answers` in turn (then accepts), recording its headers. */
async function serverAnswering(...answers: Answer[]) {
  const requests: IncomingMessage['headers'][] = [];
  const server = await startServer({
    verifyClient: ({ req }, callback) => {
      requests.push(req.headers);
      const answer = answers.shift() ?? 'accept';
      if (answer === 'accept') callback(true);
      else callback(false, answer.status, undefined, answer.headers);
    },
  });
  return { server, requests };
}

function record(line: Lifeline) {
  const seen = {
    reconnecting: [] as LifelineEvents<unknown>['reconnecting'][0][],
    close: [] as LifelineEvents<unknown>['close'][0][],
    errors: [] as LifelineError[],
  };
  line.on('reconnecting', (info) => seen.reconnecting.push(info));
  line.on('close', (info) => seen.close.push(info));
  line.on('error', (error) => seen.errors.push(error));
  return seen;
}

test('401: the providers are called again with reason auth-failed, then a second 401 stops', async () => {
  const { server, requests } = await serverAnswering(
    { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
    { status: 401 },
  );
  const contexts: AttemptContext[] = [];
  const line = openLine(server.url, {
    headers: (context) => {
      contexts.push(context);
      return { authorization: `Bearer token-${contexts.length}` };
    },
  });
  const seen = record(line);
  await finalClose(line);

  expect(contexts).toEqual([
    { attempt: 1, reason: 'initial' },
    { attempt: 2, reason: 'auth-failed' },
  ]);
  expect(requests.map((headers) => headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  expect(seen.reconnecting).toMatchObject([
    { attempt: 2, reason: { response: { status: 401, headers: { 'www-authenticate': 'Bearer' } } } },
  ]);
  const final = seen.errors.at(-1);
  expect(final?.code).toBe('ERR_HANDSHAKE_REJECTED');
  expect(final?.response?.status).toBe(401);
  expect(seen.close.map((info) => [info.response?.status, info.willReconnect])).toEqual([
    [401, true],
    [401, false],
  ]);
  expect(line.readyState).toBe(Lifeline.CLOSED);
});

test('401 then fresh credentials accepted: connected', async () => {
  const { server, requests } = await serverAnswering({ status: 401 });
  const line = openLine(server.url, {
    headers: ({ reason }) => ({ authorization: reason === 'auth-failed' ? 'Bearer fresh' : 'Bearer stale' }),
  });
  await eventMatching(line, 'open');
  expect(requests.map((headers) => headers.authorization)).toEqual(['Bearer stale', 'Bearer fresh']);
});

test.each(wsClasses)(
  '403 stops at once, with the status and (masked) headers in the close and error events: $name',
  async ({ options }) => {
    const { server, requests } = await serverAnswering({
      status: 403,
      headers: { 'X-Reason': 'banned', 'Set-Cookie': 'session=s3cr3t' },
    });
    const line = openLine(server.url, options);
    const seen = record(line);
    await finalClose(line);

    expect(requests).toHaveLength(1);
    expect(seen.reconnecting).toEqual([]);
    expect(seen.close).toMatchObject([
      { phase: 'connect', code: 1006, willReconnect: false, response: { status: 403 } },
    ]);
    const headers = seen.close[0]?.response?.headers;
    expect(headers?.['x-reason']).toBe('banned');
    expect(headers?.['set-cookie']).toBe('***');
    expect(seen.errors.map((error) => [error.code, error.response?.status])).toEqual([
      ['ERR_CONNECT_FAILED', 403],
      ['ERR_HANDSHAKE_REJECTED', 403],
    ]);
  },
);

test.each([400, 404, 426])('%i stops at once', async (status) => {
  const { server, requests } = await serverAnswering({ status });
  const line = openLine(server.url);
  const seen = record(line);
  await finalClose(line);
  expect(requests).toHaveLength(1);
  expect(seen.errors.at(-1)?.code).toBe('ERR_HANDSHAKE_REJECTED');
});

test('429 with Retry-After (seconds): the next attempt is scheduled no sooner, and then connects', async () => {
  const { server } = await serverAnswering({ status: 429, headers: { 'Retry-After': '1' } });
  const line = openLine(server.url);
  const seen = record(line);
  await eventMatching(line, 'open');

  expect(seen.reconnecting).toHaveLength(1);
  expect(seen.reconnecting[0]?.delay).toBeGreaterThanOrEqual(1000);
  expect(seen.reconnecting[0]?.reason.response).toMatchObject({
    status: 429,
    headers: { 'retry-after': '1' },
  });
  expect(seen.errors[0]?.response?.status).toBe(429);
});

test.each(wsClasses)('429 with Retry-After: 2 puts the next attempt 2 s off: $name', async ({ options }) => {
  const { server } = await serverAnswering({ status: 429, headers: { 'Retry-After': '2' } });
  const line = openLine(server.url, options);
  const [info] = await eventMatching(line, 'reconnecting');
  // the schedule is what is under test: the line is closed at the end, without waiting it out
  expect(info.delay).toBeGreaterThanOrEqual(2000);
  expect(info.reason.response?.status).toBe(429);
});

test('503 with Retry-After as an HTTP date, and a Retry-After beyond maxRetryAfter is capped', async () => {
  const inThreeSeconds = new Date(Date.now() + 3000).toUTCString();
  const { server } = await serverAnswering(
    { status: 503, headers: { 'Retry-After': inThreeSeconds } },
    { status: 503, headers: { 'Retry-After': '3600' } },
  );
  const line = openLine(server.url, { reconnect: { minDelay: 1, maxDelay: 5, maxRetryAfter: 10_000 } });
  const seen = record(line);

  const [first] = await eventMatching(line, 'reconnecting');
  // an HTTP date has whole seconds: "3 s from now" is between 2 and 3 s away
  expect(first.delay).toBeGreaterThanOrEqual(2000);
  expect(first.delay).toBeLessThanOrEqual(3005);
  line.reconnect(); // skip the wait: the schedule is what is under test
  const [second] = await eventMatching(line, 'reconnecting');
  expect(second.delay).toBeGreaterThanOrEqual(10_000);
  expect(second.delay).toBeLessThanOrEqual(10_005);
  line.reconnect();
  await eventMatching(line, 'open');
  expect(seen.reconnecting.map((info) => info.reason.response?.status)).toEqual([503, 503]);
});

test('503 and other 5xx are retried until the server recovers', async () => {
  const { server, requests } = await serverAnswering({ status: 503 }, { status: 500 }, { status: 502 });
  const line = openLine(server.url);
  const seen = record(line);
  await eventMatching(line, 'open');
  expect(requests).toHaveLength(4);
  expect(seen.reconnecting.map((info) => info.reason.response?.status)).toEqual([503, 500, 502]);
  expect(line.readyState).toBe(Lifeline.OPEN);
});

test('every attempt gets fresh headers from the provider', async () => {
  const { server, requests } = await serverAnswering({ status: 503 });
  let minted = 0;
  const contexts: AttemptContext[] = [];
  const line = openLine(server.url, {
    headers: async (context) => {
      contexts.push(context);
      await Promise.resolve(); // an async provider, as a token service would be
      return { authorization: `Bearer token-${++minted}` };
    },
  });
  await eventMatching(line, 'open');
  server.drop();
  await eventMatching(line, 'open');

  expect(requests.map((headers) => headers.authorization)).toEqual([
    'Bearer token-1',
    'Bearer token-2',
    'Bearer token-3',
  ]);
  expect(contexts.map((context) => context.reason)).toEqual(['initial', 'reconnect', 'reconnect']);
});

test.each(wsClasses)('static headers go with every attempt: $name', async ({ options }) => {
  const { server, requests } = await serverAnswering({ status: 503 });
  const line = openLine(server.url, { ...options, headers: { 'x-client': 'lifeline' } });
  await eventMatching(line, 'open');
  expect(requests.map((headers) => headers['x-client'])).toEqual(['lifeline', 'lifeline']);
});

test('a redirect is not followed by default: it stops, with the location redacted', async () => {
  const { server } = await serverAnswering({
    status: 302,
    headers: { Location: 'ws://127.0.0.1:1/elsewhere?token=s3cr3t' },
  });
  const line = openLine(server.url);
  const seen = record(line);
  await finalClose(line);
  expect(seen.close[0]?.response?.headers.location).toBe('ws://127.0.0.1:1/elsewhere?token=***');
  expect(seen.errors.at(-1)?.code).toBe('ERR_HANDSHAKE_REJECTED');
});
