import {
  drained,
  handshake,
  Lifeline,
  type Outgoing,
  opened,
  stats,
  type WebSocketLike,
} from '@lifeline/node';
import { describe, expect, onTestFinished, test } from 'vitest';
import { NodeSocket } from '../../packages/node/src/socket.js';
import { countingTimers } from '../helpers/counting-timers.js';
import { nextEvent, startServer, type TestServer, WebSocket } from '../helpers/server.js';

const HIGH_WATER_MARK = 64 * 1024;
const MESSAGE_BYTES = 16 * 1024;
// 32 MiB: far more than loopback's kernel buffers absorb before the client's own buffer has to grow
const MESSAGES = 2000;

/** A 16 KiB text message that says its number first. */
const message = (i: number) => String(i).padStart(8, '0').padEnd(MESSAGE_BYTES, '.');

/** The largest `bufferedAmount` each socket reached right after a write; shared by both socket classes. */
const peaks = new WeakMap<WebSocketLike, number>();
function recordPeak(socket: WebSocketLike): void {
  peaks.set(socket, Math.max(peaks.get(socket) ?? 0, socket.bufferedAmount));
}

/** Node's socket, with the write callbacks Lifeline drains by. */
class RecordingNodeSocket extends NodeSocket {
  override sendWithCallback(data: Outgoing, callback: (error?: Error) => void): void {
    super.sendWithCallback(data, callback);
    recordPeak(this);
  }
}

/** Plain `ws` as a port without write callbacks: Lifeline must poll, as it does in browsers. */
class RecordingPlainSocket extends WebSocket {
  override send(data: Outgoing): void {
    super.send(data);
    recordPeak(this as unknown as WebSocketLike);
  }
}

async function receiveAll(server: TestServer, count: number): Promise<number[]> {
  const order: number[] = [];
  for (let i = 0; i < count; i++) order.push(Number((await server.nextMessage()).slice(0, 8)));
  return order;
}

describe.each([
  { platform: 'Node (write callbacks)', Socket: RecordingNodeSocket },
  { platform: 'browser-like (polling bufferedAmount)', Socket: RecordingPlainSocket },
])('a stalled reader, $platform', ({ Socket }) => {
  test('never lets the socket hold more than highWaterMark plus one message', async () => {
    const server = await startServer();
    const timers = countingTimers();
    const sockets: WebSocketLike[] = [];
    const line = new Lifeline(server.url, {
      WebSocket: Socket as unknown as typeof NodeSocket,
      highWaterMark: HIGH_WATER_MARK,
      queue: { maxBytes: 64 * 1024 * 1024 },
      timers,
      // its shared ticker is a short timer too: these tests count the outbound path's
      heartbeat: false,
    });
    handshake(line, ({ socket }) => {
      sockets.push(socket);
    });
    onTestFinished(() => line.close());
    const drops: unknown[] = [];
    line.on('drop', (drop) => drops.push(drop));
    const [serverSide] = await Promise.all([server.nextConnection(), opened(line)]);
    serverSide.pause();

    for (let i = 0; i < MESSAGES; i++) line.send(message(i));
    const socket = sockets[0] as WebSocketLike;
    const queuedWhileStalled = line.bufferedAmount - socket.bufferedAmount;
    serverSide.resume();
    const order = await receiveAll(server, MESSAGES);
    await drained(line);

    // the gate closed: most of the 32 MiB waited in the queue, not in the socket
    expect(queuedWhileStalled).toBeGreaterThan(MESSAGES * MESSAGE_BYTES * 0.5);
    expect(peaks.get(socket)).toBeGreaterThan(HIGH_WATER_MARK);
    expect(peaks.get(socket)).toBeLessThanOrEqual(HIGH_WATER_MARK + MESSAGE_BYTES);
    expect(order).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
    expect(drops).toEqual([]);
    expect(sockets).toHaveLength(1);
    // nothing waits, so nothing polls
    expect(timers.pendingShort).toBe(0);
  });
});

test('with write callbacks, draining needs no timer at all', async () => {
  const server = await startServer();
  const timers = countingTimers();
  const line = new Lifeline(server.url, { highWaterMark: HIGH_WATER_MARK, timers, heartbeat: false });
  onTestFinished(() => line.close());
  const [serverSide] = await Promise.all([server.nextConnection(), opened(line)]);
  serverSide.pause();
  let maxPending = 0;
  const watch = () => {
    maxPending = Math.max(maxPending, timers.pendingShort);
  };

  for (let i = 0; i < 500; i++) line.send(message(i));
  watch();
  serverSide.resume();
  for (let i = 0; i < 500; i++) {
    await server.nextMessage();
    watch();
  }
  await drained(line);

  expect(maxPending).toBe(0);
});

test('drained(line) also settles for bytes written without a callback (the handshake hook sends them)', async () => {
  const server = await startServer();
  const timers = countingTimers();
  let serverSide: WebSocket | undefined;
  const line = new Lifeline(server.url, { timers, heartbeat: false });
  handshake(line, async ({ send }) => {
    serverSide = await server.nextConnection();
    serverSide.pause();
    // 16 MiB into a reader that stopped: most of it stays in the client socket
    for (let i = 0; i < 1024; i++) send(message(i));
  });
  onTestFinished(() => line.close());
  await opened(line);
  expect(line.bufferedAmount).toBeGreaterThan(0);

  const whenDrained = drained(line);
  // no write callback will come: the fallback poll is what settles it
  expect(timers.pendingShort).toBe(1);
  serverSide?.resume();
  await whenDrained;

  expect(line.bufferedAmount).toBe(0);
  expect(timers.pendingShort).toBe(0);
});

test('messages queued during 50 consecutive outages arrive exactly once and in order', async () => {
  const server = await startServer();
  const line = new Lifeline(server.url, { reconnect: { minDelay: 1, maxDelay: 10, minUptime: 0 } });
  const counters = stats(line);
  onTestFinished(() => line.close());
  const received: number[] = [];
  const perOutage = 20;
  let next = 0;
  await opened(line);

  for (let outage = 0; outage < 50; outage++) {
    const noticed = nextEvent(line, 'reconnecting');
    await server.stop();
    await noticed;
    for (let i = 0; i < perOutage; i++) expect(line.send(String(next++))).toBe(true);
    await server.start();
    for (let i = 0; i < perOutage; i++) received.push(Number(await server.nextMessage()));
    await drained(line);
  }

  expect(received).toEqual(Array.from({ length: 50 * perOutage }, (_, i) => i));
  // a duplicate of the last batch would arrive before this
  line.send('end');
  expect(await server.nextMessage()).toBe('end');
  expect(counters.connects).toBe(51);
});
