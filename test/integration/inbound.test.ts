import {
  handshake,
  heartbeat,
  Lifeline,
  type LifelineOptions,
  messages,
  type NodeLifelineOptions,
  opened,
  stats,
  stream,
  type WebSocketLike,
} from '@lifeline/node';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { countingTimers } from '../helpers/counting-timers.js';
import { startServer, type TestServer, type WebSocket } from '../helpers/server.js';

const fast = { reconnect: { minDelay: 1, maxDelay: 20, minUptime: 0 } } satisfies LifelineOptions;

/**
 * A connected Lifeline, the server's side of its socket, the client socket (ws, with `isPaused`), and the
 * Lifeline's counters.
 */
async function connect(server: TestServer, options: NodeLifelineOptions = {}) {
  const sockets: WebSocketLike[] = [];
  const line = new Lifeline(server.url, { ...fast, ...options });
  onTestFinished(() => line.close());
  handshake(line, ({ socket }) => {
    sockets.push(socket);
  });
  const counters = stats(line);
  const [serverSide] = await Promise.all([server.nextConnection(), opened(line)]);
  return { line, serverSide, counters, client: () => sockets.at(-1) as unknown as WebSocket };
}

const json = (value: unknown) => JSON.stringify(value);

/** A consumer that has not read yet while `count` messages arrive: the client socket ends up paused. */
async function pausedConsumer(highWaterMark: number, count: number, options: NodeLifelineOptions = {}) {
  const server = await startServer();
  const connection = await connect(server, options);
  const iterator = messages(connection.line, { highWaterMark });
  for (let i = 0; i < count; i++) connection.serverSide.send(json(i));
  await vi.waitFor(() => expect(connection.client().isPaused).toBe(true));
  return { ...connection, messages: iterator };
}

describe('for await (const message of messages(line))', () => {
  test('yields the decoded messages in arrival order, and break detaches it', async () => {
    const server = await startServer();
    const { line, serverSide } = await connect(server);
    const received: unknown[] = [];
    // stats(line), attached by connect(), keeps a state listener of its own
    const stateListeners = line.listenerCount('state');

    for (let i = 0; i < 100; i++) serverSide.send(json({ seq: i }));
    for await (const message of messages(line)) {
      received.push(message);
      if (received.length === 100) break;
    }

    expect(received).toEqual(Array.from({ length: 100 }, (_, i) => ({ seq: i })));
    expect(line.listenerCount('message')).toBe(0);
    expect(line.listenerCount('state')).toBe(stateListeners);
  });

  test('a consumer far behind pauses the socket, so the server backs up instead of the client', async () => {
    const server = await startServer();
    const { line, serverSide, client } = await connect(server);
    let delivered = 0;
    line.on('message', () => delivered++);
    const iterator = messages(line, { highWaterMark: 10 });
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
      const next = await iterator.next();
      order.push((next.value as { seq: number }).seq);
    }
    expect(order).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(client().isPaused).toBe(false);
    await iterator.return?.();
  });

  test('break lets go of a paused socket', async () => {
    const server = await startServer();
    const { line, serverSide, client } = await connect(server);
    for (let i = 0; i < 50; i++) serverSide.send(json(i));

    for await (const message of messages(line, { highWaterMark: 2 })) {
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
    await opened(line);

    expect(client().isPaused).toBe(true);
    for (let i = 0; i < 10; i++) expect((await messages.next()).value).toBe(i);
    expect(client().isPaused).toBe(false);
    await messages.return?.();
  });

  test('while the socket is paused the heartbeat rests: pongs it cannot read do not make a dead link', async () => {
    const timers = countingTimers();
    const heartbeat = { interval: 20, timeout: 20 };
    const { client, counters, messages } = await pausedConsumer(2, 10, { heartbeat, timers });

    expect(timers.pendingShort).toBe(0);
    for (let i = 0; i < 10; i++) expect((await messages.next()).value).toBe(i);
    expect(client().isPaused).toBe(false);
    expect(timers.pendingShort).toBe(1);
    expect(counters.connects).toBe(1);
    await messages.return?.();
  });

  test('a heartbeat attached while the socket is paused rests too, and across a reconnect', async () => {
    const timers = countingTimers();
    const { line, client, messages } = await pausedConsumer(2, 10, { heartbeat: false, timers });
    // attached after the pause: its hooks run after those that pause each new socket
    heartbeat(line, { interval: 20, timeout: 20 });
    expect(timers.pendingShort).toBe(0);

    const first = client();
    line.reconnect();
    await vi.waitFor(() => expect(client()).not.toBe(first));
    await opened(line);
    expect(client().isPaused).toBe(true);
    expect(timers.pendingShort).toBe(0);

    for (let i = 0; i < 10; i++) expect((await messages.next()).value).toBe(i);
    expect(client().isPaused).toBe(false);
    expect(timers.pendingShort).toBe(1);
    await messages.return?.();
  });

  test('ends after the buffered messages once the Lifeline is closed', async () => {
    const server = await startServer();
    const { line, serverSide } = await connect(server);
    const iterator = messages(line);
    const arrived = new Promise((resolve) => line.once('message', resolve));
    serverSide.send(json('last words'));
    await arrived;

    line.close();
    const received: unknown[] = [];
    for await (const message of iterator) received.push(message);

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
      for await (const _ of messages(line));
    };

    await expect(consume()).rejects.toMatchObject({ name: 'LifelineError', code: 'ERR_FATAL_CLOSE' });
  });

  test('on a Lifeline already closed, ends at once', async () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    line.close();

    const result = await messages(line).next();

    expect(result).toEqual({ value: undefined, done: true });
    expect(line.listenerCount('message')).toBe(0);
  });

  test('rejects a bad highWaterMark with a RangeError naming it', () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    onTestFinished(() => line.close());
    expect(() => messages(line, { highWaterMark: -1 })).toThrow(RangeError);
    expect(() => messages(line, { highWaterMark: -1 })).toThrow(/highWaterMark.*-1/);
    expect(line.listenerCount('message')).toBe(0);
  });

  test('created right after new, it yields the first message of the first connection', async () => {
    const server = await startServer();
    const line = new Lifeline(server.url, fast);
    onTestFinished(() => line.close());
    const iterator = messages(line);

    const serverSide = await server.nextConnection();
    serverSide.send(json('first'));

    expect(await iterator.next()).toEqual({ value: 'first', done: false });
    await iterator.return?.();
  });

  test('stream(line, { highWaterMark }) pauses the socket for a slow reader, like messages()', async () => {
    const server = await startServer();
    const { line, serverSide, client } = await connect(server);
    const reader = stream(line, { highWaterMark: 2 }).readable.getReader();
    for (let i = 0; i < 10; i++) serverSide.send(json(i));
    await vi.waitFor(() => expect(client().isPaused).toBe(true));

    for (let i = 0; i < 10; i++) expect((await reader.read()).value).toBe(i);
    expect(client().isPaused).toBe(false);
    await reader.cancel();
  });
});
