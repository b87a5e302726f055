import type { Lifeline, LifelineCloseEvent } from '@lifeline/node';
import { opened } from '@lifeline/node';
import { describe, expect, test } from 'vitest';
import { nodeLifeline } from '../helpers/node-lifeline.js';
import { nextEvent, startServer, type TestServer } from '../helpers/server.js';

const fast = { reconnect: { minDelay: 5, maxDelay: 50 } } as const;

/** Restarts the server and resolves once the Lifeline is open again. */
async function restart(server: TestServer, line: Lifeline): Promise<void> {
  const noticed = nextEvent(line, 'reconnecting');
  await server.stop();
  await noticed;
  const reopened = nextEvent(line, 'open');
  await server.start();
  await reopened;
}

/** Sends `data` and resolves with the standard message event of its echo. */
function echo(line: Lifeline, data: unknown): Promise<MessageEvent> {
  const received = new Promise<MessageEvent>((resolve) =>
    line.addEventListener('message', resolve, { once: true }),
  );
  line.send(data);
  return received;
}

describe('across reconnects', () => {
  test('onmessage, addEventListener and on("message") keep working after a server restart', async () => {
    const server = await startServer({ echo: true });
    const line = nodeLifeline(server.url, fast);
    const seen: string[] = [];
    line.onmessage = (event) => seen.push(`onmessage ${event.data}`);
    line.addEventListener('message', (event) => seen.push(`listener ${event.data}`));
    line.on('message', (message) => seen.push(`on ${JSON.stringify(message)}`));
    await opened(line);
    await echo(line, '"before"');
    await restart(server, line);
    await echo(line, '"after"');
    expect(seen).toEqual([
      'onmessage "before"',
      'listener "before"',
      'on "before"',
      'onmessage "after"',
      'listener "after"',
      'on "after"',
    ]);
  });

  test("binaryType 'arraybuffer' is applied to the new socket", async () => {
    const server = await startServer({ echo: true });
    const line = nodeLifeline(server.url, { ...fast, binaryType: 'arraybuffer' });
    await opened(line);
    await restart(server, line);
    const { data } = await echo(line, new Uint8Array([1, 2, 3]));
    expect(data).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(data as ArrayBuffer)]).toEqual([1, 2, 3]);
  });

  test("the default 'blob' is applied to the new socket too (ws's own default is 'nodebuffer')", async () => {
    const server = await startServer({ echo: true });
    const line = nodeLifeline(server.url, fast);
    await opened(line);
    await restart(server, line);
    const { data } = await echo(line, new Uint8Array([4, 5]));
    expect(data).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (data as Blob).arrayBuffer())]).toEqual([4, 5]);
  });

  test('a binaryType set while waiting to reconnect is applied when the connection comes back', async () => {
    const server = await startServer({ echo: true });
    const line = nodeLifeline(server.url, fast);
    await opened(line);
    const noticed = nextEvent(line, 'reconnecting');
    await server.stop();
    await noticed;
    line.binaryType = 'arraybuffer';
    const reopened = nextEvent(line, 'open');
    await server.start();
    await reopened;
    expect((await echo(line, new Uint8Array([6]))).data).toBeInstanceOf(ArrayBuffer);
  });
});

describe('event order and fields over a connection life', () => {
  test('each socket reports its own close: a server close, a drop, a failed attempt; never a synthetic 1000', async () => {
    const server = await startServer({ echo: true });
    const line = nodeLifeline(`${server.url}/feed`, fast);
    const log: string[] = [];
    line.addEventListener('open', (event) => log.push(`open@${line.readyState} ${event.target === line}`));
    line.addEventListener('message', (event) => log.push(`message ${event.data} from ${event.origin}`));
    line.addEventListener('error', () => log.push(`error@${line.readyState}`));
    line.addEventListener('close', (event: LifelineCloseEvent) =>
      log.push(`close ${event.code} '${event.reason}' clean=${event.wasClean} @${line.readyState}`),
    );

    await opened(line);
    await echo(line, 'hi');
    // 1. the server closes cleanly with its own code and reason
    let reopened = nextEvent(line, 'open');
    (await server.nextConnection()).close(4000, 'rebalancing');
    await reopened;
    // 2. the connection drops without a close frame
    reopened = nextEvent(line, 'open');
    server.drop();
    await reopened;
    // 3. the server is gone: the next attempt is refused; then it comes back
    const failed = nextEvent(line, 'reconnecting');
    await server.stop();
    await failed;
    const refused = new Promise((resolve) => line.addEventListener('error', resolve, { once: true }));
    await refused;
    reopened = nextEvent(line, 'open');
    await server.start();
    await reopened;

    const origin = new URL(server.url).origin;
    expect(log.slice(0, 6)).toEqual([
      'open@1 true',
      `message hi from ${origin}`,
      "close 4000 'rebalancing' clean=true @3",
      'open@1 true',
      "close 1006 '' clean=false @3",
      'open@1 true',
    ]);
    // the server's own shutdown of the open socket, then at least one refused attempt: error before close
    const rest = log.slice(6);
    expect(rest[0]).toBe("close 1006 '' clean=false @3");
    expect(rest.slice(1, 3)).toEqual(['error@3', "close 1006 '' clean=false @3"]);
    expect(rest.at(-1)).toBe('open@1 true');
    expect(log.filter((entry) => entry.startsWith('close 1000'))).toEqual([]);
  });

  test('the extension events tell the same story with more detail', async () => {
    const server = await startServer();
    const line = nodeLifeline(server.url, { reconnect: { minDelay: 5, jitter: false } });
    const log: string[] = [];
    line.on('state', (state) => log.push(state.phase));
    line.on('open', ({ attempt }) => log.push(`open attempt ${attempt}`));
    line.on('close', ({ code, willReconnect }) =>
      log.push(`close ${code} ${willReconnect ? 'retry' : 'final'}`),
    );
    line.on('reconnecting', ({ attempt, delay }) => log.push(`reconnecting attempt ${attempt} in ${delay}`));
    await opened(line);
    const reopened = nextEvent(line, 'open');
    (await server.nextConnection()).close(1012, 'restarting');
    await reopened;
    line.close();
    await nextEvent(line, 'close');
    expect(log).toEqual([
      'open',
      'open attempt 1',
      'waiting',
      'close 1012 retry',
      'reconnecting attempt 2 in 5',
      'connecting',
      'open',
      'open attempt 2',
      'closing',
      'closed',
      'close 1005 final',
    ]);
  });
});
