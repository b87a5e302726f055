import { type CloseInfo, classify, parseCloseAdvice, parseRetryAfter } from '@lifeline/core';
import { describe, expect, test } from 'vitest';

const MAX_RETRY_AFTER = 300_000;
const NOW = Date.UTC(2026, 0, 1);

const closed = (code: number, reason = ''): CloseInfo => ({
  phase: 'open',
  code,
  reason,
  wasClean: code !== 1006,
  attempt: 0,
});
const refused = (status: number, headers: Record<string, string> = {}): CloseInfo => ({
  phase: 'connect',
  code: 1006,
  reason: '',
  wasClean: false,
  attempt: 1,
  response: { status, headers },
});
const decide = (info: CloseInfo, authRetried = false) => classify(info, authRetried, MAX_RETRY_AFTER, NOW);

describe('classify: close codes', () => {
  test.each([1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014, 3000, 4000, 4499])('%i retries', (code) => {
    expect(decide(closed(code))).toEqual({ retry: true, minDelay: 0, refreshCredentials: false });
  });

  test.each([1002, 1003, 1007, 1009, 1010, 4500, 4700, 4999])('%i stops with ERR_FATAL_CLOSE', (code) => {
    const decision = decide(closed(code));
    expect(decision).toMatchObject({ retry: false, code: 'ERR_FATAL_CLOSE' });
    expect(decision.retry === false && decision.why).toContain(String(code));
  });

  test('1008 retries once with fresh credentials, then stops', () => {
    expect(decide(closed(1008))).toEqual({ retry: true, minDelay: 0, refreshCredentials: true });
    expect(decide(closed(1008), true)).toMatchObject({ retry: false, code: 'ERR_FATAL_CLOSE' });
  });
});

describe('classify: refused upgrades', () => {
  test.each([400, 403, 404, 426, 301, 302, 405, 410, 418])(
    'HTTP %i stops with ERR_HANDSHAKE_REJECTED',
    (status) => {
      const decision = decide(refused(status));
      expect(decision).toMatchObject({ retry: false, code: 'ERR_HANDSHAKE_REJECTED' });
      expect(decision.retry === false && decision.why).toContain(String(status));
    },
  );

  test.each([408, 500, 502, 504])('HTTP %i retries', (status) => {
    expect(decide(refused(status))).toEqual({ retry: true, minDelay: 0, refreshCredentials: false });
  });

  test('HTTP 401 retries once with fresh credentials, then stops', () => {
    expect(decide(refused(401))).toEqual({ retry: true, minDelay: 0, refreshCredentials: true });
    expect(decide(refused(401), true)).toMatchObject({ retry: false, code: 'ERR_HANDSHAKE_REJECTED' });
  });

  test.each([429, 503])('HTTP %i waits at least Retry-After (seconds)', (status) => {
    expect(decide(refused(status, { 'retry-after': '7' }))).toEqual({
      retry: true,
      minDelay: 7000,
      refreshCredentials: false,
    });
    expect(decide(refused(status))).toMatchObject({ retry: true, minDelay: 0 });
  });

  test('Retry-After as an HTTP date counts from now', () => {
    const date = new Date(NOW + 12_000).toUTCString();
    expect(decide(refused(503, { 'retry-after': date }))).toMatchObject({ retry: true, minDelay: 12_000 });
  });

  test('Retry-After is capped by maxRetryAfter', () => {
    expect(decide(refused(429, { 'retry-after': '86400' }))).toMatchObject({ minDelay: MAX_RETRY_AFTER });
    expect(classify(refused(429, { 'retry-after': '60' }), false, 5000, NOW)).toMatchObject({
      minDelay: 5000,
    });
  });
});

describe('classify: server advice in a JSON close reason', () => {
  test('{"reconnect": false} stops, whatever the code', () => {
    expect(decide(closed(1000, '{"reconnect":false}'))).toMatchObject({
      retry: false,
      code: 'ERR_FATAL_CLOSE',
    });
    expect(decide(closed(4000, '{"reconnect": false}'))).toMatchObject({ retry: false });
  });

  test('{"reconnect": true} retries, even after a fatal code', () => {
    expect(decide(closed(1002, '{"reconnect":true}'))).toMatchObject({ retry: true, minDelay: 0 });
    expect(decide(closed(4500, '{"reconnect":true}'))).toMatchObject({ retry: true });
  });

  test('{"retryAfter": ms} retries no sooner than that, capped', () => {
    expect(decide(closed(1001, '{"retryAfter":2500}'))).toEqual({
      retry: true,
      minDelay: 2500,
      refreshCredentials: false,
    });
    expect(decide(closed(4600, '{"retryAfter":100}'))).toMatchObject({ retry: true, minDelay: 100 });
    expect(decide(closed(1001, '{"retryAfter":1e9}'))).toMatchObject({ minDelay: MAX_RETRY_AFTER });
  });

  test('a reason that is not a JSON object gives no advice: the code decides', () => {
    expect(decide(closed(1002, 'reconnect false'))).toMatchObject({ retry: false });
    expect(decide(closed(1002, '{not json'))).toMatchObject({ retry: false });
    expect(decide(closed(1000, '[false]'))).toMatchObject({ retry: true });
  });
});

describe('parseCloseAdvice', () => {
  test('reads reconnect and retryAfter', () => {
    expect(parseCloseAdvice('{"reconnect":false}')).toEqual({ reconnect: false });
    expect(parseCloseAdvice('{"retryAfter":30000,"other":1}')).toEqual({ retryAfter: 30000 });
  });

  test('ignores fields of the wrong type and negative delays', () => {
    expect(parseCloseAdvice('{"reconnect":"no","retryAfter":"5"}')).toEqual({});
    expect(parseCloseAdvice('{"retryAfter":-1}')).toEqual({});
  });

  test.each(['', 'bye', '{', 'null', '{"reconnect":false', '"{}"'])('%j gives no advice', (reason) => {
    expect(parseCloseAdvice(reason)).toEqual({});
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
