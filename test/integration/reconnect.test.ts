import type { AttemptContext, LifelineError, LifelineOptions } from '@lifeline/node';
import { opened, stats } from '@lifeline/node';
import { describe, expect, test } from 'vitest';
import { nodeLifeline } from '../helpers/node-lifeline.js';
import { closedPort, nextEvent, startServer, startSilentServer } from '../helpers/server.js';

// small delays keep real-time retries quick; the tests wait for events, never for time
const fast = { reconnect: { minDelay: 5, maxDelay: 50 } } satisfies LifelineOptions;

describe('server restart', () => {
  test('rides through a restart on the same port, and sends what was queued while it was down', async () => {
    const server = await startServer();
    const line = nodeLifeline(server.url, fast);
    const counters = stats(line);
    await opened(line);
    const down = nextEvent(line, 'reconnecting');
    await server.stop();
    await down;
    expect(line.send('queued while down')).toBe(true);
    expect(line.readyState).toBe(line.CONNECTING);
    expect(line.bufferedAmount).toBe(17);
    const reopened = nextEvent(line, 'open');
    await server.start();
    const [{ downtime }] = await reopened;
    expect(downtime).toBeGreaterThan(0);
    expect(await server.nextMessage()).toBe('queued while down');
    expect(counters.connects).toBe(2);
    expect(line.readyState).toBe(line.OPEN);
  });

  test('rides through several restarts in a row', async () => {
    const server = await startServer({ echo: true });
    const line = nodeLifeline(server.url, fast);
    const counters = stats(line);
    for (let round = 1; round <= 3; round++) {
      await opened(line);
      const echoed = nextEvent(line, 'message');
      line.send({ round });
      expect((await echoed)[0]).toEqual({ round });
      // a send before the client has noticed the drop would go to the dead socket (at-most-once)
      const noticed = nextEvent(line, 'reconnecting');
      await server.stop();
      await noticed;
      await server.start();
    }
    await opened(line);
    expect(counters.connects).toBe(4);
  });
});

describe('close codes from the server', () => {
  /** A Lifeline open on a fresh server, and the server's side of the connection. */
  async function connected() {
    const server = await startServer();
    const line = nodeLifeline(server.url, fast);
    const socket = await server.nextConnection();
    await opened(line);
    return { server, line, socket };
  }

  test.each([1000, 1001, 1011, 4000])('%i: reconnects', async (code) => {
    const { server, line, socket } = await connected();
    const closed = nextEvent(line, 'close');
    const reopened = nextEvent(line, 'open');
    socket.close(code, 'see you');
    expect((await closed)[0]).toMatchObject({ code, reason: 'see you', wasClean: true, willReconnect: true });
    await reopened;
    await server.nextConnection();
  });

  test.each([1002, 4500])('%i: stops with ERR_FATAL_CLOSE, and reconnect() starts again', async (code) => {
    const { server, line, socket } = await connected();
    const error = nextEvent(line, 'error');
    const closed = nextEvent(line, 'close');
    socket.close(code);
    expect((await closed)[0]).toMatchObject({ code, willReconnect: false });
    expect((await error)[0].code).toBe('ERR_FATAL_CLOSE');
    expect(line.state).toEqual({ phase: 'closed', code, reason: '', error: (await error)[0] });
    line.reconnect();
    await opened(line);
    expect(server.sockets).toHaveLength(2);
  });

  test('server advice {"reconnect": false} in the close reason stops', async () => {
    const { line, socket } = await connected();
    const closed = nextEvent(line, 'close');
    socket.close(1001, JSON.stringify({ reconnect: false }));
    expect((await closed)[0]).toMatchObject({ code: 1001, willReconnect: false });
    expect(line.readyState).toBe(line.CLOSED);
  });
});

describe('attempts that fail', () => {
  test('a refused connection: error then close 1006, retried until a server listens on the port', async () => {
    const port = await closedPort();
    const line = nodeLifeline(`ws://127.0.0.1:${port}`, fast);
    const counters = stats(line);
    const events: string[] = [];
    line.onerror = () => events.push('error');
    line.onclose = (event) => events.push(`close:${event.code}:${event.wasClean}`);
    const [error] = await nextEvent(line, 'error');
    expect(error.code).toBe('ERR_CONNECT_FAILED');
    expect(error.message).toBe(`attempt 1 to ws://127.0.0.1:${port}/ failed (code 1006)`);
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(events.slice(0, 2)).toEqual(['error', 'close:1006:false']);
    await nextEvent(line, 'reconnecting');
    await startServer({ port });
    await opened(line);
    expect(counters.attempts).toBeGreaterThanOrEqual(2);
  });

  test('a never-answered upgrade: ERR_CONNECT_TIMEOUT, the hanging socket is dropped, and retried', async () => {
    const silent = await startSilentServer();
    const line = nodeLifeline(silent.url, { connectTimeout: 100, reconnect: { minDelay: 5 } });
    const first = await silent.nextConnection();
    const dropped = new Promise((resolve) => first.once('close', resolve));
    const closed = new Promise<CloseEvent>((resolve) =>
      line.addEventListener('close', resolve, { once: true }),
    );
    const [error] = await nextEvent(line, 'error');
    expect(error.code).toBe('ERR_CONNECT_TIMEOUT');
    expect(error.message).toBe(`attempt 1 to ${silent.url}/ timed out after 100 ms`);
    const { code, reason, wasClean } = await closed;
    expect({ code, reason, wasClean }).toEqual({ code: 1006, reason: '', wasClean: false });
    await dropped;
    await silent.nextConnection();
    expect(line.readyState).toBe(line.CONNECTING);
  });
});

describe('providers', () => {
  test('a url provider that throws, then rejects, is reported each time, retried, then connects', async () => {
    const server = await startServer();
    const contexts: AttemptContext[] = [];
    const line = nodeLifeline(async (context: AttemptContext) => {
      contexts.push(context);
      if (context.attempt === 1) throw new Error('token service down');
      if (context.attempt === 2) return Promise.reject(new Error('token service slow'));
      return `${server.url}/feed?attempt=${context.attempt}`;
    }, fast);
    const errors: LifelineError[] = [];
    line.on('error', (error) => errors.push(error));
    await opened(line);
    expect(errors.map(({ code, message }) => [code, message])).toEqual([
      [
        'ERR_PROVIDER_FAILED',
        'attempt 1: a url, protocols or socket options provider failed: token service down',
      ],
      [
        'ERR_PROVIDER_FAILED',
        'attempt 2: a url, protocols or socket options provider failed: token service slow',
      ],
    ]);
    expect(contexts).toEqual([
      { attempt: 1, reason: 'initial' },
      { attempt: 2, reason: 'reconnect' },
      { attempt: 3, reason: 'reconnect' },
    ]);
    expect(line.url).toBe(`${server.url}/feed?attempt=3`);
  });

  test('a protocols provider is asked again for every attempt; the server picks from what it offers', async () => {
    const server = await startServer();
    const offered: string[] = [];
    server.wss.on('headers', (_headers, request) =>
      offered.push(String(request.headers['sec-websocket-protocol'])),
    );
    const line = nodeLifeline(server.url, ({ attempt }: AttemptContext) => [`v${attempt}`, 'fallback'], fast);
    const socket = await server.nextConnection();
    await opened(line);
    expect(line.protocol).toBe('v1');
    socket.close(1012);
    await nextEvent(line, 'open');
    expect(line.protocol).toBe('v2');
    expect(offered).toEqual(['v1,fallback', 'v2,fallback']);
  });
});
