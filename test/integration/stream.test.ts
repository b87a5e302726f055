import { Lifeline, type LifelineOptions, type LifelineStreams, opened, stats, stream } from '@lifeline/node';
import { expect, onTestFinished, test, vi } from 'vitest';
import { startServer, type TestServer, type WebSocket } from '../helpers/server.js';

const fast = { reconnect: { minDelay: 1, maxDelay: 20, minUptime: 0 } } satisfies LifelineOptions;

async function connect(
  server: TestServer,
  options: LifelineOptions = {},
): Promise<{ line: Lifeline; serverSide: WebSocket }> {
  const line = new Lifeline(server.url, { ...fast, ...options });
  onTestFinished(() => line.close());
  const [serverSide] = await Promise.all([server.nextConnection(), opened(line)]);
  return { line, serverSide };
}

const closeOf = (socket: WebSocket) =>
  new Promise<[number, string]>((resolve) =>
    socket.once('close', (code, reason) => resolve([code, reason.toString()])),
  );

test('the readable yields decoded messages in order; the writable sends what it is given', async () => {
  const server = await startServer({ echo: true });
  const { line } = await connect(server);
  const { readable, writable } = stream(line);
  const writer = writable.getWriter();
  const reader = readable.getReader();

  for (let i = 0; i < 50; i++) await writer.write({ seq: i });
  const received: unknown[] = [];
  for (let i = 0; i < 50; i++) received.push((await reader.read()).value);

  expect(received).toEqual(Array.from({ length: 50 }, (_, i) => ({ seq: i })));
});

test('writes wait for the gate: piping into a stalled server queues at most one chunk', async () => {
  const server = await startServer();
  const chunk = 16 * 1024;
  const { line, serverSide } = await connect(server, { highWaterMark: 64 * 1024 });
  serverSide.pause();
  const counters = stats(line);
  const count = 1000;
  let maxQueued = 0;
  let produced = 0;
  const source = new ReadableStream<string>({
    pull(controller) {
      // what the Lifeline holds beyond its socket, the outbound queue: written, not yet handed over
      maxQueued = Math.max(maxQueued, produced * chunk - counters.bytesOut);
      controller.enqueue(String(produced).padStart(8, '0').padEnd(chunk, '.'));
      if (++produced === count) controller.close();
    },
  });
  const piped = source.pipeTo(stream(line).writable);

  // stalled: the kernel buffers are full and the socket holds more than the high-water mark
  await vi.waitFor(() => expect(line.bufferedAmount).toBeGreaterThan(64 * 1024));
  serverSide.resume();
  const order: number[] = [];
  for (let i = 0; i < count; i++) order.push(Number((await server.nextMessage()).slice(0, 8)));
  await piped;

  expect(order).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(maxQueued).toBeLessThanOrEqual(chunk);
  // closing the writable closed the Lifeline, once everything had gone
  expect(line.readyState).toBeGreaterThanOrEqual(Lifeline.CLOSING);
});

test('closing the writable waits for the queue, then closes cleanly', async () => {
  const server = await startServer();
  const { line, serverSide } = await connect(server);
  const closed = closeOf(serverSide);
  const writer = stream(line).writable.getWriter();

  await writer.write('last');
  await writer.close();

  expect(await server.nextMessage()).toBe('last');
  expect(await closed).toEqual([1005, '']);
});

test.each([
  {
    how: 'cancelling the readable',
    end: (pair: LifelineStreams<unknown>) =>
      pair.readable.cancel({ closeCode: 4000, reason: 'done reading' }),
    expected: [4000, 'done reading'],
  },
  {
    how: 'aborting the writable',
    end: (pair: LifelineStreams<unknown>) => pair.writable.abort({ closeCode: 4001, reason: 'gave up' }),
    expected: [4001, 'gave up'],
  },
  {
    how: 'aborting the writable with a code close() refuses',
    end: (pair: LifelineStreams<unknown>) => pair.writable.abort({ closeCode: 1011, reason: 'no' }),
    expected: [1005, ''],
  },
])(
  '$how closes the Lifeline, with the code and reason of a WebSocketError-like reason',
  async ({ end, expected }) => {
    const server = await startServer();
    const { line, serverSide } = await connect(server);
    const closed = closeOf(serverSide);

    await end(stream(line));

    expect(await closed).toEqual(expected);
    // the readable's iterator lets go once the Lifeline is closed
    await vi.waitFor(() => expect(line.readyState).toBe(Lifeline.CLOSED));
    expect(line.listenerCount('message')).toBe(0);
  },
);

test('the readable ends when the Lifeline closes, and a write after that rejects with ERR_CLOSED', async () => {
  const server = await startServer();
  const { line } = await connect(server);
  const { readable, writable } = stream(line);
  const reader = readable.getReader();
  const writer = writable.getWriter();

  const read = reader.read();
  line.close();

  expect(await read).toEqual({ value: undefined, done: true });
  await expect(writer.write('too late')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
});

test('the readable errors when the Lifeline fails for good', async () => {
  const server = await startServer();
  const { line, serverSide } = await connect(server);
  const reader = stream(line).readable.getReader();

  serverSide.close(4500);

  await expect(reader.read()).rejects.toMatchObject({ code: 'ERR_FATAL_CLOSE' });
});

test('a write whose chunk is dropped rejects, naming the reason', async () => {
  const server = await startServer();
  const { line } = await connect(server, { queue: { maxBytes: 10 } });
  const writer = stream(line).writable.getWriter();

  await expect(writer.write('more than ten bytes')).rejects.toMatchObject({
    code: 'ERR_QUEUE_FULL',
    message: 'a written chunk was dropped (too-big)',
  });
});
