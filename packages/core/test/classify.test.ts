import { type CloseInfo, classify, parseCloseAdvice } from '@lifeline/core';
import { describe, expect, test } from 'vitest';

const MAX_RETRY_AFTER = 300_000;

const closed = (code: number, reason = ''): CloseInfo => ({
  phase: 'open',
  code,
  reason,
  wasClean: code !== 1006,
  attempt: 0,
});
// HTTP statuses of a refused upgrade are @lifeline/node's (packages/node/test/upgrade-status.test.ts)
const decide = (info: CloseInfo, authRetried = false) => classify(info, authRetried, MAX_RETRY_AFTER);

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
