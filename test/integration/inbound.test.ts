import { Lifeline, type LifelineOptions, type WebSocketLike } from '@lifeline/node';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { countingTimers } from '../helpers/counting-timers.js';
import { startServer, type TestServer, type WebSocket } from '../helpers/server.js';

const fast = { reconnect: { minDelay: 1, maxDelay: 20, minUptime: 0 } } satisfies LifelineOptions;

/** A connected Lifeline, the server's side of its socket, and the client socket (ws, with `isPaused`). */
async function connect(
  server: TestServer,
  options: LifelineOptions = {},
): Promise<{ line: Lifeline; serverSide: WebSocket; client: () => WebSocket }> {
  const sockets: WebSocketLike[] = [];
  const line = new Lifeline(server.url, {
    ...fast,
    ...options,
    handshake: ({ socket }) => {
      sockets.push(socket);
    },
  });
  onTestFinished(() => line.close());
  const [serverSide] = await Promise.all([server.nextConnection(), line.opened()]);
  return { line, serverSide, client: () => sockets.at(-1) as unknown as WebSocket };
}

const json = (value: unknown) => JSON.stringify(value);

/** A consumer that has not read yet while `count` messages arrive: the client socket ends up paused. */
async function pausedConsumer(inboundHighWaterMark: number, count: number, options: LifelineOptions = {}) {
  const server = await startServer();
  const connection = await connect(server, { inboundHighWaterMark, ...options });
  const messages = connection.line[Symbol.asyncIterator]();
  for (let i = 0; i < count; i++) connection.serverSide.send(json(i));
  await vi.waitFor(() => expect(connection.client().isPaused).toBe(true));
  return { ...connection, messages };
}

describe('for await (const message of line)', () => {
  test('yields the decoded messages in arrival order, and break detaches it', async () => {
    const server = await startServer();
    const { line, serverSide } = await connect(server);
    const received: unknown[] = [];

    for (let i = 0; i < 100; i++) serverSide.send(json({ seq: i }));
    for await (const message of line) {
      received.push(message);
      if (received.length === 100) break;
    }

    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => ({ seq: i })));
    expect(line.listenerCount('message')).toBe(0);
    expect(line.listenerCount('state')).toBe(0);
  });

  test('a consumer far behind pauses the socket, so the server backs up instead of the client', async () => {
    const server = await startServer();
    const { line, serverSide, client } = await connect(server, { inboundHighWaterMark: 10 });
    let delivered = 0;
    line.on('message', () => delivered++);
    const messages = line[Symbol.asyncIterator]();
    const count = 2000;
    // 16 MiB: more than loopback's kernel buffers hold, so a paused client leaves the rest with the server
    const padding = 'x'.repeat(8 * 1024);

    for (let i = 0; i < count; i++) serverSide.send(json({ seq: i, padding }));
    await vi.waitFor(() => expect(client().isPaused).toBe(true));
    await vi.waitFor(() => expect(serverSide.bufferedAmount).toBeGreaterThan(0));

    // past the high-water mark by no more than what one read of the socket (64 KiB) held
    expect(delivered).toBeLessThanOrEqual(10 + 9);
    const order: number[] = [];
    for (let i = 0; i < count; i++) {
      const next = await messages.next();
      order.push((next.value as { seq: number }).seq);
    }
    expect(order).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(client().isPaused).toBe(false);
    await messages.return?.();
  });

  test('break lets go of a paused socket', async () => {
    const server = await startServer();
    const { line, serverSide, client } = await connect(server, { inboundHighWaterMark: 2 });
    for (let i = 0; i < 50; i++) serverSide.send(json(i));

    for await (const message of line) {
      if (message === 0) await vi.waitFor(() => expect(client().isPaused).toBe(true));
      break;
    }

    expect(client().isPaused).toBe(false);
  });

  test('the socket stays paused across a reconnect while the consumer is behind', async () => {
    const { line, client, messages } = await pausedConsumer(2, 10);
    const first = client();

    line.reconnect();
    await vi.waitFor(() => expect(client()).not.toBe(first));
    await line.opened();

    expect(client().isPaused).toBe(true);
    for (let i = 0; i < 10; i++) expect((await messages.next()).value).toBe(i);
    expect(client().isPaused).toBe(false);
    await messages.return?.();
  });

  test('while the socket is paused the heartbeat rests: pongs it cannot read do not make a dead link', async () => {
    const timers = countingTimers();
    const heartbeat = { interval: 20, timeout: 20 };
    const { line, client, messages } = await pausedConsumer(2, 10, { heartbeat, timers });

    expect(timers.pendingShort).toBe(0);
    for (let i = 0; i < 10; i++) expect((await messages.next()).value).toBe(i);
    expect(client().isPaused).toBe(false);
    expect(timers.pendingShort).toBe(1);
    expect(line.stats.connects).toBe(1);
    await messages.return?.();
  });

  test('ends after the buffered messages once the Lifeline is closed', async () => {
    const server = await startServer();
    const { line, serverSide } = await connect(server);
    const messages = line[Symbol.asyncIterator]();
    const arrived = new Promise((resolve) => line.once('message', resolve));
    serverSide.send(json('last words'));
    await arrived;

    line.close();
    const received: unknown[] = [];
    for await (const message of { [Symbol.asyncIterator]: () => messages }) received.push(message);

    expect(received).toEqual(['last words']);
    expect(line.readyState).toBe(Lifeline.CLOSED);
  });

  test('close() completes promptly while a slow consumer holds the socket paused', async () => {
    const { line, serverSide, messages } = await pausedConsumer(1, 20);
    const serverClose = new Promise<number>((resolve) => serverSide.once('close', resolve));

    const closed = new Promise((resolve) => line.once('close', resolve));
    line.close(1000);

    // without letting go, ws would wait 30 s for a close frame it cannot read
    expect(await serverClose).toBe(1000);
    await closed;
    expect(line.readyState).toBe(Lifeline.CLOSED);
    await messages.return?.();
  });

  test('throws the error when the Lifeline closes for good on its own', async () => {
    const server = await startServer();
    const { line, serverSide } = await connect(server);

    serverSide.close(4500, 'go away');
    const consume = async () => {
      for await (const _ of line);
    };

    await expect(consume()).rejects.toMatchObject({ name: 'LifelineError', code: 'ERR_FATAL_CLOSE' });
  });

  test('on a Lifeline already closed, ends at once', async () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    line.close();

    const result = await line[Symbol.asyncIterator]().next();

    expect(result).toEqual({ value: undefined, done: true });
    expect(line.listenerCount('message')).toBe(0);
  });

  test('rejects a bad inboundHighWaterMark with a RangeError naming it', () => {
    expect(() => new Lifeline('ws://127.0.0.1:9', { inboundHighWaterMark: -1 })).toThrow(
      /inboundHighWaterMark.*-1/,
    );
  });
});
