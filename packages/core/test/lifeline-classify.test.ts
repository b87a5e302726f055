import type { CloseInfo, Decision } from '@lifeline/core';
import { describe, expect, test, vi } from 'vitest';
import { nextEvent } from '../../../test/helpers/server.js';
import { fakeLine, finalError, openFakeLine, openNext, record } from './harness.js';

// Classification decides retry or stop; delays are the backoff tests' business, so retries are immediate
const immediate = { reconnect: { minDelay: 0 } } as const;

/** Opens a Lifeline, lets the server close with `code` and `reason`, and says what followed. */
async function serverCloses(code: number, reason = '', options = {}) {
  const { net, line, socket } = await openFakeLine({ ...immediate, ...options });
  const closed = nextEvent(line, 'close');
  socket.serverClose(code, reason);
  const [info] = await closed;
  return { net, line, info };
}

describe('the default classification, applied on close', () => {
  test.each([1000, 1001, 1005, 1006, 1011, 1012, 1013, 4000, 4499])('%i: reconnects', async (code) => {
    const { net, line, info } = await serverCloses(code);
    expect(info).toMatchObject({ code, willReconnect: true });
    await net.nextSocket();
    expect(line.state.phase).toBe('connecting');
  });

  test.each([1002, 1003, 1007, 1009, 1010, 4500, 4999])('%i: stops with ERR_FATAL_CLOSE', async (code) => {
    const { line, info } = await serverCloses(code);
    expect(info).toMatchObject({ code, willReconnect: false });
    expect(line.readyState).toBe(line.CLOSED);
    expect(finalError(line)?.code).toBe('ERR_FATAL_CLOSE');
  });

  test('a JSON close reason {"reconnect": false} stops, even after 1001', async () => {
    const { line, info } = await serverCloses(1001, '{"reconnect":false}');
    expect(info.willReconnect).toBe(false);
    expect(finalError(line)?.message).toBe('the server asked not to reconnect (code 1001)');
  });

  test('a JSON close reason {"reconnect": true} overrides a fatal code', async () => {
    const { net, info } = await serverCloses(4500, '{"reconnect":true}');
    expect(info.willReconnect).toBe(true);
    await net.nextSocket();
  });

  test('a bare error event is never classified: only the close that follows counts', async () => {
    const { line, socket } = await openFakeLine(immediate);
    const log: string[] = [];
    line.on('close', () => log.push('close'));
    line.on('reconnecting', () => log.push('reconnecting'));
    socket.onerror?.({ type: 'error', message: 'frame too big' });
    expect(log).toEqual([]);
    expect(line.readyState).toBe(line.OPEN);
    socket.serverClose(1009);
    expect(log).toEqual(['close']);
  });
});

describe('shouldReconnect', () => {
  test('gets the close info and the default decision', async () => {
    const hook = vi.fn((_info: CloseInfo, _decision: Decision) => undefined);
    await serverCloses(4000, 'bye', { shouldReconnect: hook });
    expect(hook).toHaveBeenCalledWith(
      { phase: 'open', code: 4000, reason: 'bye', wasClean: true, attempt: 0 },
      { retry: true, minDelay: 0, refreshCredentials: false },
    );
  });

  test('false stops a close the default would retry, with ERR_FATAL_CLOSE', async () => {
    const { net, line, info } = await serverCloses(1001, '', { shouldReconnect: () => false });
    expect(info.willReconnect).toBe(false);
    expect(line.readyState).toBe(line.CLOSED);
    expect(finalError(line)).toMatchObject({
      code: 'ERR_FATAL_CLOSE',
      message: 'shouldReconnect returned false',
    });
    expect(net.sockets).toHaveLength(1);
  });

  test('false on a fatal close keeps the default error', async () => {
    const { line } = await serverCloses(1002, '', { shouldReconnect: () => false });
    expect(finalError(line)?.message).toContain('1002');
  });

  test('true retries a close the default would stop, with the normal backoff', async () => {
    const { net, line, socket } = await openFakeLine({
      reconnect: { minDelay: 0 },
      shouldReconnect: () => true,
    });
    const log = record(line);
    socket.serverClose(1002);
    expect(log.slice(-2)).toEqual(['close:1002:retry', 'reconnecting:2:0']);
    await net.nextSocket();
    expect(line.state).toMatchObject({ phase: 'connecting', attempt: 2 });
  });

  test('{ delay } retries after exactly that delay, even a close the default would stop', async () => {
    const { net, line, socket } = await openFakeLine({ shouldReconnect: () => ({ delay: 0 }) });
    const log = record(line);
    socket.serverClose(4500);
    expect(log.slice(-2)).toEqual(['close:4500:retry', 'reconnecting:2:0']);
    await net.nextSocket();
  });

  test('undefined keeps the default decision', async () => {
    const { line } = await serverCloses(4500, '', { shouldReconnect: () => undefined });
    expect(line.readyState).toBe(line.CLOSED);
  });

  test('a hook that throws is reported as an error, and the default decision applies', async () => {
    const { net, line } = fakeLine({
      ...immediate,
      shouldReconnect: () => {
        throw new Error('hook bug');
      },
    });
    const socket = await openNext(net, line);
    const error = nextEvent(line, 'error');
    socket.serverClose(1001);
    expect((await error)[0]).toMatchObject({
      message: 'the shouldReconnect hook threw; the default policy applies: hook bug',
    });
    await net.nextSocket();
  });

  test('the retry budget still applies to what the hook retries', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 0, retries: 1 }, shouldReconnect: () => true });
    const exhausted = nextEvent(line, 'exhausted');
    (await net.nextSocket()).refuse();
    (await net.nextSocket()).refuse();
    expect((await exhausted)[0].code).toBe('ERR_RETRIES_EXHAUSTED');
  });
});
