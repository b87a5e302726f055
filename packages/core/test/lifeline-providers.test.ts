import { type AttemptContext, isLifelineError, type LifelineError } from '@lifeline/core';
import { describe, expect, test, vi } from 'vitest';
import { FakeNetwork } from '../../../test/helpers/fake-network.js';
import { nextEvent } from '../../../test/helpers/server.js';
import { FAKE_URL, fakeLine } from './harness.js';

// No backoff arithmetic here: every retry is immediate, and the tests wait for sockets and events
const immediate = { reconnect: { minDelay: 0 } } as const;

describe('url and protocols providers', () => {
  test('a sync url provider is called before every attempt with {attempt, reason}', async () => {
    const url = vi.fn(({ attempt }: AttemptContext) => `ws://fake.test/a${attempt}`);
    const { net, line } = fakeLine(immediate, url);
    expect(line.url).toBe('');
    const first = await net.nextSocket();
    expect(first.url).toBe('ws://fake.test/a1');
    expect(line.url).toBe('ws://fake.test/a1');
    first.refuse();
    const second = await net.nextSocket();
    expect(second.url).toBe('ws://fake.test/a2');
    const announced = nextEvent(line, 'open');
    second.open();
    await announced;
    line.reconnect();
    second.serverClose(1000);
    await net.nextSocket();
    expect(url.mock.calls.map(([context]) => context)).toEqual([
      { attempt: 1, reason: 'initial' },
      { attempt: 2, reason: 'reconnect' },
      { attempt: 1, reason: 'manual' },
    ]);
  });

  test('an async url provider is awaited; URL objects and http(s) URLs work', async () => {
    const { net, line } = fakeLine(immediate, async () => new URL('https://fake.test/x?token=1'));
    const socket = await net.nextSocket();
    expect(socket.url).toBe('wss://fake.test/x?token=1');
    expect(line.url).toBe('wss://fake.test/x?token=1');
  });

  test('a sync protocols provider is called with the same context', async () => {
    const protocols = vi.fn(() => ['v2', 'v1']);
    const { net } = fakeLine(immediate, FAKE_URL, protocols);
    expect((await net.nextSocket()).protocols).toEqual(['v2', 'v1']);
    expect(protocols).toHaveBeenCalledWith({ attempt: 1, reason: 'initial' });
  });

  test('an async protocols provider is awaited before every attempt', async () => {
    const { net } = fakeLine(immediate, FAKE_URL, async ({ attempt }: AttemptContext) => `v${attempt}`);
    const first = await net.nextSocket();
    expect(first.protocols).toEqual(['v1']);
    first.refuse();
    expect((await net.nextSocket()).protocols).toEqual(['v2']);
  });

  test('static url and protocols are checked at construction, as the standard constructor does', () => {
    expect(() => fakeLine({}, 'ftp://fake.test/')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => fakeLine({}, FAKE_URL, ['a', 'A'])).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    );
  });
});

describe('a provider that fails is reported and retried, never an unhandled rejection', () => {
  /** The errors reported and the provider calls seen, until the second socket exists. */
  async function failOnce(url: (context: AttemptContext) => string | Promise<string>) {
    const { net, line } = fakeLine(immediate, url);
    const errors: LifelineError[] = [];
    line.on('error', (error) => errors.push(error));
    const closes: unknown[] = [];
    line.addEventListener('close', (event) => closes.push(event));
    const reconnecting = nextEvent(line, 'reconnecting');
    const socket = await net.nextSocket();
    return { line, errors, closes, socket, reconnecting: (await reconnecting)[0] };
  }

  test('a sync provider that throws', async () => {
    let calls = 0;
    const { errors, closes, socket, reconnecting } = await failOnce(() => {
      calls++;
      if (calls === 1) throw new Error('token service down');
      return 'ws://fake.test/ok';
    });
    expect(socket.url).toBe('ws://fake.test/ok');
    expect(errors.map((error) => error.code)).toEqual(['ERR_PROVIDER_FAILED']);
    expect(errors[0]?.message).toBe(
      'attempt 1: a url, protocols or socket options provider failed: token service down',
    );
    expect(errors[0]?.cause).toMatchObject({ message: 'token service down' });
    expect(reconnecting).toMatchObject({ attempt: 2, reason: { phase: 'connect', code: 1006, attempt: 1 } });
    // no socket was made, so there is no socket close event to dispatch
    expect(closes).toEqual([]);
  });

  test('an async provider that rejects', async () => {
    let calls = 0;
    const { errors, socket } = await failOnce(async () => {
      calls++;
      if (calls === 1) throw new Error('401 from the token endpoint');
      return 'ws://fake.test/ok';
    });
    expect(socket.url).toBe('ws://fake.test/ok');
    expect(errors.map((error) => error.code)).toEqual(['ERR_PROVIDER_FAILED']);
  });

  test('a provider that returns a URL the standard refuses', async () => {
    let calls = 0;
    const { errors } = await failOnce(() => (++calls === 1 ? 'ws://fake.test/#fragment' : FAKE_URL));
    expect(errors[0]?.code).toBe('ERR_PROVIDER_FAILED');
    expect(errors[0]?.cause).toMatchObject({ name: 'SyntaxError' });
  });

  test('a protocols provider that returns duplicates', async () => {
    let calls = 0;
    const { net, line } = fakeLine(immediate, FAKE_URL, () => (++calls === 1 ? ['a', 'A'] : ['a']));
    const error = nextEvent(line, 'error');
    const socket = await net.nextSocket();
    expect((await error)[0]).toMatchObject({ code: 'ERR_PROVIDER_FAILED', cause: { name: 'SyntaxError' } });
    expect(socket.protocols).toEqual(['a']);
  });

  test('a provider that always fails keeps being retried with backoff, and can be exhausted', async () => {
    const url = vi.fn(() => Promise.reject(new Error('offline')));
    const { line } = fakeLine({ reconnect: { minDelay: 0, retries: 3 } }, url);
    const [error] = await nextEvent(line, 'exhausted');
    expect(url).toHaveBeenCalledTimes(4);
    expect(isLifelineError(error.cause) && error.cause.code).toBe('ERR_PROVIDER_FAILED');
    expect(line.readyState).toBe(line.CLOSED);
  });

  test('a WebSocket constructor that throws is a failed attempt, retried', async () => {
    const net = new FakeNetwork();
    let calls = 0;
    const Blocked = class extends net.WebSocket {
      constructor(...args: ConstructorParameters<typeof net.WebSocket>) {
        if (++calls === 1) throw new DOMException('blocked', 'SecurityError');
        super(...args);
      }
    };
    const { line } = fakeLine({ ...immediate, WebSocket: Blocked });
    const error = nextEvent(line, 'error');
    expect((await error)[0]).toMatchObject({ code: 'ERR_CONNECT_FAILED', cause: { name: 'SecurityError' } });
    await net.nextSocket();
    expect(calls).toBe(2);
  });
});
