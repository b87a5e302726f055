import { MemorySessionStore } from '@lifeline/server';
import { expect, test } from 'vitest';
import { eventMatching } from '../helpers/events.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import {
  keepAway,
  opened,
  rawText,
  recordEvents,
  serverEnded,
  sessionClient,
  startSessionServer,
  urlGate,
} from './harness.js';

/*
 * Guarantee 7 of issue #15: every reconnect ends in exactly one `resumed` or one `reset {reason}`, whatever
 * ended the connection; nothing vanishes unreported.
 */

const isData = (frame: { payload(): Buffer }) => frame.payload()[0] === 0x64; // 'd'

test('each reconnect, whatever its cause, ends in exactly one resumed or reset', async () => {
  const store = new MemorySessionStore();
  let principal = 'alice';
  const serverOptions = { ...rawText, store, ttl: 300, authenticate: () => principal };
  const first = await startSessionServer(serverOptions);
  const proxy = await startFaultProxy(Number(new URL(first.url).port));
  const gate = await urlGate(proxy.url);
  const { line } = sessionClient(gate.url, {}, { heartbeat: { interval: 50, timeout: 100 } });
  const events = recordEvents(line, ['open', 'resumed', 'reset']);
  const remote = await opened(first, line);
  const expected: string[] = [];
  /** Runs `cause` and waits for the reconnect's outcome and open. */
  const reconnect = async (outcome: 'resumed' | 'reset', cause: () => unknown) => {
    const heard = eventMatching(line, outcome);
    const opened = eventMatching(line, 'open');
    await cause();
    await heard;
    await opened;
    expected.push(outcome);
  };

  await reconnect('resumed', () => proxy.cut('rst'));
  await reconnect('resumed', () => proxy.cut('fin'));
  await reconnect('resumed', () => proxy.blackhole()); // until the heartbeat notices
  await reconnect('resumed', async () => {
    const cut = proxy.cutMidFrame({ direction: 'to-server', match: isData });
    line.send('x'.repeat(1000));
    await cut;
  });
  await reconnect('resumed', async () => {
    // the client sees a gap (4500): the first of these never arrives on this connection
    void proxy.injectFrameFault('skip', { direction: 'to-client', match: isData });
    await Promise.all([remote.send('s1'), remote.send('s2')]);
  });
  // the server drains (1012): the client resumes at once on another server with the same store
  const second = await startSessionServer(serverOptions);
  const secondProxy = await startFaultProxy(Number(new URL(second.url).port));
  gate.point(secondProxy.url);
  await reconnect('resumed', () => first.drain());
  await reconnect('reset', async () => {
    const expired = serverEnded(second, 'expired');
    await keepAway(second, secondProxy, gate);
    await expired;
    gate.open();
  });
  await reconnect('reset', () => {
    principal = 'bob';
    secondProxy.cut('rst');
  });

  const reasons = events
    .filter(({ name }) => name === 'reset')
    .map(({ info }) => (info as { reason: string }).reason);
  expect(reasons).toEqual(['expired', 'auth-changed']);
  expect(events.filter(({ name }) => name !== 'open').map(({ name }) => name)).toEqual(expected);
  // between two opens there is exactly one outcome, never none and never two
  const pattern = events.map(({ name }) => (name === 'open' ? 'o' : 'x')).join('');
  expect(pattern).toBe(`o${'xo'.repeat(expected.length)}`);
});
