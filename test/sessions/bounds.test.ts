import { drained } from '@lifeline/core';
import type { ServerSession } from '@lifeline/server';
import { expect, test, vi } from 'vitest';
import { eventMatching } from '../helpers/events.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import {
  keepAway,
  opened,
  proxiedSession,
  rawText,
  recordEvents,
  serverEnded,
  sessionClient,
  startSessionServer,
  urlGate,
} from './harness.js';

/*
 * Guarantee 4 of issue #15: hard bounds in messages and bytes on both sides. A sender that never awaits
 * stays within them (sends queue, drained() waits); an overflow while disconnected ends in an explicit
 * reset; a global cap on the server evicts the least recently detached sessions with a reset.
 */

/** A handler that holds every message until `release()`. */
function heldHandler() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const runs: unknown[] = [];
  const handler = (message: unknown) => {
    runs.push(message);
    return released;
  };
  return { runs, release, handler };
}

test('a client that never awaits keeps within its replay bound; the rest waits in the queue', async () => {
  const held = heldHandler();
  const inFlight: number[] = [];
  const { server, line, session } = await proxiedSession(
    {
      ...rawText,
      handler: (message) => {
        const { sent, acked } = session.watermarks;
        inFlight.push(sent - acked);
        return held.handler(message);
      },
    },
    { replay: { messages: 8, bytes: 4096 } },
  );
  const remote = await opened(server, line);

  const messages = Array.from(
    { length: 50 },
    (_, index) => `${String(index + 1).padStart(4, '0')}${'x'.repeat(996)}`,
  );
  for (const message of messages) line.send(message); // 1,000 bytes each, never awaited
  let isDrained = false;
  const allDrained = drained(line).then(() => {
    isDrained = true;
  });
  // bytes bind first: 4 messages are below 4,096 bytes, the fifth may go over by its own size
  expect(session.watermarks).toMatchObject({ sent: 5, acked: 0 });
  await vi.waitUntil(() => remote.watermarks.received === 5, { timeout: 5000 });
  expect(isDrained).toBe(false);

  held.release();
  await allDrained;
  await session.acked();
  expect(held.runs).toEqual(messages);
  expect(Math.max(...inFlight)).toBeLessThanOrEqual(5);
});

test('a server that never awaits keeps within its replay bound; sends wait for room', async () => {
  const held = heldHandler();
  const inFlight: number[] = [];
  let remote: ServerSession | undefined;
  const { server, line } = await proxiedSession(
    { ...rawText, replay: { messages: 4, bytes: 1 << 20 } },
    {
      handler: (message) => {
        const { sent, acked } = remote?.watermarks ?? { sent: 0, acked: 0 };
        inFlight.push(sent - acked);
        return held.handler(message);
      },
    },
  );
  remote = await opened(server, line);

  const sends = Array.from({ length: 20 }, (_, index) => (remote as ServerSession).send(`s${index + 1}`));
  expect(remote.watermarks).toMatchObject({ sent: 4, acked: 0 });
  held.release();
  await Promise.all(sends);

  expect(held.runs).toEqual(Array.from({ length: 20 }, (_, index) => `s${index + 1}`));
  expect(Math.max(...inFlight)).toBeLessThanOrEqual(4);
});

test('going over the bound while the client is away ends the session; the client hears overflow', async () => {
  const { server, proxy, gate, line, session } = await proxiedSession({
    ...rawText,
    replay: { messages: 3, bytes: 1 << 20 },
  });
  const received: unknown[] = [];
  line.on('message', (message) => received.push(message));
  const events = recordEvents(line, ['resumed', 'reset', 'drop']);
  const remote = await opened(server, line);
  const overflowed = serverEnded(server, 'overflow');

  // written before the cut, so it is in the replay buffer, unacknowledged, when the connection dies
  const unacked = session.sendAcked('sent before the cut');
  await keepAway(server, proxy, gate);
  const sends = ['s1', 's2', 's3', 's4'].map((value) => remote.send(value));
  const outcomes = await Promise.allSettled(sends);
  await overflowed;
  gate.open();
  const [info] = await eventMatching(line, 'reset');

  // nothing vanished silently: every server send rejected, the client's unacked send was dropped aloud
  expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
  expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_SESSION_ENDED' });
  expect(info).toMatchObject({ reason: 'overflow', dropped: 1 });
  await expect(unacked).rejects.toMatchObject({ code: 'ERR_SESSION_RESET' });
  expect(events.map(({ name }) => name)).toEqual(['reset', 'drop']);
  expect(events[1]?.info).toMatchObject({ data: 'sent before the cut', reason: 'reset' });
  expect(received).toEqual([]);
});

test('the global cap evicts the least recently detached session, which hears evicted', async () => {
  const server = await startSessionServer({ ...rawText, maxSessionBytes: 2500 });
  const port = Number(new URL(server.url).port);
  const clients = [];
  for (const name of ['first', 'second']) {
    const proxy = await startFaultProxy(port);
    const gate = await urlGate(proxy.url);
    const client = sessionClient(gate.url);
    const received: unknown[] = [];
    client.line.on('message', (message) => received.push(message));
    clients.push({ name, proxy, gate, ...client, received, remote: await opened(server, client.line) });
  }
  const [first, second] = clients as [(typeof clients)[0], (typeof clients)[0]];
  const evicted: string[] = [];
  server.on('evicted', ({ session }) => evicted.push(session.id));
  // detached in this order: first is the least recent
  for (const client of [first, second]) await keepAway(server, client.proxy, client.gate);

  const toFirst = first.remote.send('f'.repeat(1000));
  toFirst.catch(() => {});
  const toSecond = [second.remote.send('a'.repeat(1000)), second.remote.send('b'.repeat(1000))];
  await expect(toFirst).rejects.toMatchObject({ code: 'ERR_SESSION_ENDED' });
  expect(evicted).toEqual([first.remote.id]);

  const firstReset = eventMatching(first.line, 'reset');
  const secondResumed = eventMatching(second.line, 'resumed');
  for (const client of clients) client.gate.open();
  const [reset] = await firstReset;
  await secondResumed;
  await Promise.all(toSecond);
  expect(reset).toMatchObject({ reason: 'evicted' });
  expect(first.received).toEqual([]);
  expect(second.received).toEqual(['a'.repeat(1000), 'b'.repeat(1000)]);
});
