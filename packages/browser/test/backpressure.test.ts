import { drained, Lifeline, messages, opened, stream } from '@lifeline/browser';
import { expect, inject, onTestFinished, test } from 'vitest';
import { countingTimers } from '../../../test/helpers/counting-timers.js';

const HIGH_WATER_MARK = 64 * 1024;
const PADDING = 'x'.repeat(32 * 1024);

/** Chromium's WebSocket, remembering the most it held right after a send. */
function recordingWebSocket() {
  const record = { peak: 0, socket: null as WebSocket | null };
  class RecordingWebSocket extends WebSocket {
    override send(data: Parameters<WebSocket['send']>[0]): void {
      super.send(data);
      record.socket = this;
      record.peak = Math.max(record.peak, this.bufferedAmount);
    }
  }
  return { RecordingWebSocket, record };
}

test('the gate polls bufferedAmount while something waits, and holds the socket to highWaterMark plus one message', async () => {
  const { RecordingWebSocket, record } = recordingWebSocket();
  const timers = countingTimers();
  const line = new Lifeline(inject('wsUrl'), {
    WebSocket: RecordingWebSocket,
    highWaterMark: HIGH_WATER_MARK,
    timers,
  });
  onTestFinished(() => line.close());
  const iterator = messages(line);
  await opened(line);
  const count = 200;

  for (let seq = 0; seq < count; seq++) line.send({ seq, padding: PADDING });
  const queued = line.bufferedAmount - (record.socket?.bufferedAmount ?? 0);
  const polling = timers.pendingShort;
  const order: number[] = [];
  for (let i = 0; i < count; i++) order.push(((await iterator.next()).value as { seq: number }).seq);
  await drained(line);

  // Chromium's bufferedAmount only falls between tasks, so a synchronous burst closes the gate at once
  expect(queued).toBeGreaterThan((count - 10) * PADDING.length);
  expect(polling).toBe(1);
  expect(record.peak).toBeGreaterThan(HIGH_WATER_MARK);
  expect(record.peak).toBeLessThanOrEqual(HIGH_WATER_MARK + PADDING.length + 100);
  expect(order).toEqual(Array.from({ length: count }, (_, i) => i));
  // idle again: no timer left polling
  expect(timers.pendingShort).toBe(0);
  await iterator.return?.();
});

test('a consumer far behind cannot pause a browser WebSocket: the messages wait in memory, in order', async () => {
  const line = new Lifeline(inject('wsUrl'));
  onTestFinished(() => line.close());
  const iterator = messages(line, { highWaterMark: 2 });
  const count = 100;
  let delivered = 0;
  const allDelivered = new Promise<void>((resolve) => {
    line.on('message', () => ++delivered === count && resolve());
  });

  for (let seq = 0; seq < count; seq++) line.send({ seq });
  // every echo arrived before the consumer read one: nothing could hold them back
  await allDelivered;
  const order: number[] = [];
  for (let i = 0; i < count; i++) order.push(((await iterator.next()).value as { seq: number }).seq);

  expect(order).toEqual(Array.from({ length: count }, (_, i) => i));
  await iterator.return?.();
});

test('stream() works on Chromium: writes go out, the readable yields the echoes, cancel closes', async () => {
  const line = new Lifeline(inject('wsUrl'));
  onTestFinished(() => line.close());
  const { readable, writable } = stream(line);
  const writer = writable.getWriter();
  const reader = readable.getReader();

  for (let seq = 0; seq < 20; seq++) await writer.write({ seq });
  const echoes: unknown[] = [];
  for (let i = 0; i < 20; i++) echoes.push((await reader.read()).value);
  const closed = new Promise((resolve) => line.addEventListener('close', resolve, { once: true }));
  await reader.cancel();

  expect(echoes).toEqual(Array.from({ length: 20 }, (_, seq) => ({ seq })));
  await closed;
  expect(line.readyState).toBe(Lifeline.CLOSED);
});
