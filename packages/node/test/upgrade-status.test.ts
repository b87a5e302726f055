import { type CloseInfo, type Decision, Lifeline, type LifelineError } from '@lifeline/core';
import { parseRetryAfter, type UpgradeStatusOptions, upgradeStatus } from '@lifeline/node';
import { describe, expect, onTestFinished, test } from 'vitest';
import { FakeNetwork, type FakeSocket } from '../../../test/helpers/fake-network.js';

/*
 * upgradeStatus on a core Lifeline over a FakeNetwork: the sockets carry what ws's port would record
 * (`upgradeResponse`, `failCode`), and `shouldReconnect` reads the default decision the plugin made.
 * The same policy against real ws servers is in handshake.test.ts.
 */

const NOW = Date.UTC(2026, 0, 1);
const FAKE_URL = 'ws://fake.test/socket?token=s3cr3t';

function statusLine(options?: UpgradeStatusOptions, withPlugin = true) {
  const net = new FakeNetwork();
  const decisions: Decision[] = [];
  const closes: CloseInfo[] = [];
  const errors: LifelineError[] = [];
  const line = new Lifeline(FAKE_URL, {
    WebSocket: net.WebSocket,
    reconnect: { minDelay: 1, maxDelay: 1, jitter: false },
    // the clock an HTTP-date Retry-After counts from
    timers: {
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      now: () => NOW,
    },
    shouldReconnect: (_info, decision) => {
      decisions.push(decision);
      return undefined;
    },
  });
  onTestFinished(() => line.close());
  line.on('close', (info) => closes.push(info));
  line.on('error', (error) => errors.push(error));
  if (withPlugin) upgradeStatus(line, options);
  return { net, line, decisions, closes, errors };
}

/** The next attempt is refused with `status`, as ws's port records a refused upgrade. */
async function refuse(net: FakeNetwork, status: number, headers: Record<string, string> = {}) {
  const socket = await net.nextSocket();
  Object.assign(socket, { upgradeResponse: { status, headers } });
  socket.refuse();
}

/** The decision for one refused upgrade. */
async function decisionFor(status: number, headers?: Record<string, string>, options?: UpgradeStatusOptions) {
  const { net, decisions } = statusLine(options);
  await refuse(net, status, headers);
  expect(decisions).toHaveLength(1);
  return decisions[0];
}

describe('refused upgrades', () => {
  test.each([400, 403, 404, 426, 301, 302, 405, 410, 418])(
    'HTTP %i stops with ERR_HANDSHAKE_REJECTED',
    async (status) => {
      const decision = await decisionFor(status);
      expect(decision).toMatchObject({ retry: false, code: 'ERR_HANDSHAKE_REJECTED' });
      expect(decision?.retry === false && decision.why).toContain(String(status));
    },
  );

  test.each([408, 500, 502, 504])('HTTP %i retries', async (status) => {
    expect(await decisionFor(status)).toEqual({ retry: true, minDelay: 0, refreshCredentials: false });
  });

  test('HTTP 401 retries once with fresh credentials, then stops', async () => {
    const { net, line, decisions } = statusLine();
    await refuse(net, 401);
    await refuse(net, 401);
    expect(decisions).toEqual([
      { retry: true, minDelay: 0, refreshCredentials: true },
      expect.objectContaining({ retry: false, code: 'ERR_HANDSHAKE_REJECTED' }),
    ]);
    expect(line.state).toMatchObject({ phase: 'closed', error: { code: 'ERR_HANDSHAKE_REJECTED' } });
  });

  test.each([429, 503])('HTTP %i waits at least Retry-After (seconds)', async (status) => {
    expect(await decisionFor(status, { 'retry-after': '7' })).toEqual({
      retry: true,
      minDelay: 7000,
      refreshCredentials: false,
    });
    expect(await decisionFor(status)).toMatchObject({ retry: true, minDelay: 0 });
  });

  test('Retry-After as an HTTP date counts from the line clock', async () => {
    const date = new Date(NOW + 12_000).toUTCString();
    expect(await decisionFor(503, { 'retry-after': date })).toMatchObject({ retry: true, minDelay: 12_000 });
  });

  test('Retry-After is capped by maxRetryAfter (default 5 minutes)', async () => {
    expect(await decisionFor(429, { 'retry-after': '86400' })).toMatchObject({ minDelay: 300_000 });
    expect(await decisionFor(429, { 'retry-after': '60' }, { maxRetryAfter: 5000 })).toMatchObject({
      minDelay: 5000,
    });
  });

  test('the close and the attempt error carry the response; the error says the upgrade was refused', async () => {
    const { net, closes, errors } = statusLine();
    await refuse(net, 403, { 'x-reason': 'banned' });
    expect(closes).toMatchObject([
      { phase: 'connect', code: 1006, response: { status: 403, headers: { 'x-reason': 'banned' } } },
    ]);
    expect(errors.map((error) => [error.code, error.response?.status])).toEqual([
      ['ERR_CONNECT_FAILED', 403],
      ['ERR_HANDSHAKE_REJECTED', 403],
    ]);
    // the URL is redacted as in every other message
    expect(errors[0]?.message).toBe('attempt 1 to ws://fake.test/socket?token=*** was refused with HTTP 403');
  });

  test('without the plugin a status means nothing to core: the attempt is retried as a 1006', async () => {
    const { net, decisions, closes } = statusLine(undefined, false);
    await refuse(net, 403);
    expect(decisions).toEqual([{ retry: true, minDelay: 0, refreshCredentials: false }]);
    expect(closes[0]?.response).toBeUndefined();
  });

  test('detaching the plugin stops it', async () => {
    const net = new FakeNetwork();
    const line = new Lifeline(FAKE_URL, {
      WebSocket: net.WebSocket,
      reconnect: { minDelay: 1, jitter: false },
    });
    onTestFinished(() => line.close());
    const detach = upgradeStatus(line);
    detach();
    await refuse(net, 403);
    expect(line.state.phase).toBe('waiting');
  });

  test('lines with the same cap share one plugin; detaching it from one leaves the other as it was', async () => {
    const lines = [new FakeNetwork(), new FakeNetwork()].map((net) => {
      // a delay no test waits out: the line that retries is still waiting when it is checked
      const line = new Lifeline(FAKE_URL, {
        WebSocket: net.WebSocket,
        reconnect: { minDelay: 60_000, jitter: false },
      });
      onTestFinished(() => line.close());
      return { net, line, detach: upgradeStatus(line) };
    });
    const [kept, detached] = lines as [(typeof lines)[0], (typeof lines)[0]];
    detached.detach();
    await refuse(detached.net, 403);
    await refuse(kept.net, 403);
    expect([detached.line.state.phase, kept.line.state.phase]).toEqual(['waiting', 'closed']);
  });
});

describe("ws's own close code after a protocol error", () => {
  test('replaces the 1006 of the close event, so 1009 (message too big) stops as a fatal close', async () => {
    const { net, line, decisions, closes } = statusLine();
    const socket: FakeSocket = await net.nextSocket();
    socket.open();
    Object.assign(socket, { failCode: 1009 });
    socket.serverClose(1006);
    expect(closes).toMatchObject([{ phase: 'open', code: 1009 }]);
    expect(decisions).toMatchObject([{ retry: false, code: 'ERR_FATAL_CLOSE' }]);
    expect(line.state).toMatchObject({ phase: 'closed', code: 1009 });
  });

  test('a socket with neither keeps the close as it was', async () => {
    const { net, closes } = statusLine();
    const socket = await net.nextSocket();
    socket.open();
    socket.serverClose(1006);
    expect(closes).toMatchObject([{ phase: 'open', code: 1006, wasClean: false }]);
    expect(closes[0]).not.toHaveProperty('response');
  });
});

describe('parseRetryAfter', () => {
  test('delay-seconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
  });

  test('an HTTP date, never negative', () => {
    expect(parseRetryAfter(new Date(NOW + 3000).toUTCString(), NOW)).toBe(3000);
    expect(parseRetryAfter(new Date(NOW - 3000).toUTCString(), NOW)).toBe(0);
  });

  test('absent or garbage gives undefined', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});
