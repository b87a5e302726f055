import type { AttemptContext, Lifeline, LifelineCloseEvent } from '@lifeline/node';
import { opened, stats } from '@lifeline/node';
import { describe, expect, test } from 'vitest';
import { nodeLifeline } from '../helpers/node-lifeline.js';
import { nextEvent, startServer, startSilentServer, type TestServer } from '../helpers/server.js';

// the Lifelines under test would retry after this many ms if close() were not final
const DELAY = 5;
const policy = { reconnect: { minDelay: DELAY, maxDelay: DELAY, jitter: false } } as const;

/** Standard events as `type` or `close:code:reason:wasClean`, with the readyState at dispatch. */
function standardEvents(line: Lifeline): string[] {
  const log: string[] = [];
  for (const type of ['open', 'error', 'close'] as const) {
    line.addEventListener(type, (event) => {
      const { code, reason, wasClean } = event as LifelineCloseEvent;
      log.push(`${type === 'close' ? `close:${code}:${reason}:${wasClean}` : type}@${line.readyState}`);
    });
  }
  return log;
}

/**
 * Lets a closed Lifeline show any attempt it should not make: a probe with the same backoff is dropped and
 * reconnects three times, so a retry DELAY ms after close() would have happened by the time this resolves.
 */
async function afterSeveralRetryDelays(server: TestServer): Promise<void> {
  const probe = nodeLifeline(`${server.url}/probe`, policy);
  for (let round = 0; round < 3; round++) {
    await opened(probe);
    const dropped = nextEvent(probe, 'reconnecting');
    for (const socket of server.wss.clients) socket.terminate();
    await dropped;
  }
  await opened(probe);
  probe.close();
}

describe('close() against a real server: final in every phase, exactly one close event', () => {
  test('idle: error, then close 1006; nothing ever dials', async () => {
    const server = await startServer();
    const line = nodeLifeline(server.url, { ...policy, autoConnect: false });
    const counters = stats(line);
    const events = standardEvents(line);
    const closed = nextEvent(line, 'close');
    line.close();
    await closed;
    await afterSeveralRetryDelays(server);
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
    expect(counters.attempts).toBe(0);
  });

  test('connecting, while an async url provider is pending: no socket is made when it resolves', async () => {
    const server = await startServer();
    const paths: Array<string | undefined> = [];
    server.wss.on('connection', (_socket, request) => paths.push(request.url));
    let resolveUrl!: (url: string) => void;
    // the provider is called during construction: the first attempt starts at once
    const line = nodeLifeline(() => new Promise<string>((resolve) => (resolveUrl = resolve)), policy);
    const counters = stats(line);
    const events = standardEvents(line);
    const closed = nextEvent(line, 'close');
    line.close();
    await closed;
    resolveUrl(`${server.url}/subject`);
    await afterSeveralRetryDelays(server);
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
    expect(paths.filter((path) => path === '/subject')).toEqual([]);
    expect(counters.attempts).toBe(1);
    expect(line.url).toBe('');
  });

  test('connecting, with a socket whose upgrade is never answered: the socket is dropped', async () => {
    const silent = await startSilentServer();
    const server = await startServer();
    const line = nodeLifeline(silent.url, { ...policy, connectTimeout: 60_000 });
    const events = standardEvents(line);
    const connection = await silent.nextConnection();
    const dropped = new Promise((resolve) => connection.once('close', resolve));
    const closed = nextEvent(line, 'close');
    line.close(4000, 'not now');
    expect(line.readyState).toBe(line.CLOSING);
    await closed;
    await dropped;
    await afterSeveralRetryDelays(server);
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
    expect(silent.sockets).toHaveLength(1);
  });

  test('open: the closing handshake carries the code and reason both ways', async () => {
    const server = await startServer();
    const line = nodeLifeline(`${server.url}/subject`, policy);
    const counters = stats(line);
    const events = standardEvents(line);
    const serverSide = await server.nextConnection();
    await opened(line);
    const seenByServer = new Promise<[number, string]>((resolve) =>
      serverSide.once('close', (code, reason) => resolve([code, reason.toString()])),
    );
    line.close(4000, 'bye');
    expect(line.readyState).toBe(line.CLOSING);
    expect(await seenByServer).toEqual([4000, 'bye']);
    await nextEvent(line, 'close');
    await afterSeveralRetryDelays(server);
    expect(events).toEqual(['open@1', 'close:4000:bye:true@3']);
    expect(counters.attempts).toBe(1);
  });

  test('waiting to reconnect: error, then close 1006, and the scheduled attempt never comes', async () => {
    const server = await startServer();
    const attempts: AttemptContext[] = [];
    const line = nodeLifeline((context: AttemptContext) => {
      attempts.push(context);
      return server.url;
    }, policy);
    await opened(line);
    const waiting = nextEvent(line, 'reconnecting');
    await server.stop();
    await waiting;
    expect(line.state.phase).toBe('waiting');
    const events = standardEvents(line);
    const closed = nextEvent(line, 'close');
    line.close();
    await closed;
    const attemptsAtClose = attempts.length;
    await server.start();
    await afterSeveralRetryDelays(server);
    expect(events).toEqual(['error@3', 'close:1006::false@3']);
    expect(attempts).toHaveLength(attemptsAtClose);
  });
});
