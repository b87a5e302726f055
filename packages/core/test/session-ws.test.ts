import { heartbeat, Lifeline, opened, session } from '@lifeline/core';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { WebSocket } from 'ws';
import { finalClose } from '../../../test/helpers/events.js';
import { startFaultProxy } from '../../../test/helpers/fault-proxy.js';
import { nextEvent, startServer } from '../../../test/helpers/server.js';
import { Counted, startMiniSessionServer } from './session-server.js';

/** A core line on `ws`, closed when the test ends; retries at once, so cuts heal fast. */
function wsLine(url: string): Lifeline {
  const line = new Lifeline(url, { WebSocket, reconnect: { minDelay: 1, maxDelay: 5, jitter: false } });
  onTestFinished(() => line.close());
  return line;
}

/** The line's messages, as they arrive. */
function collect(line: Lifeline): Counted<unknown> {
  const messages = new Counted<unknown>();
  line.on('message', (message) => messages.push(message));
  return messages;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('session against a real ws server speaking lifeline.session.v1', () => {
  test('both directions arrive exactly once and in order across RST cuts and a black hole', async () => {
    const server = await startMiniSessionServer();
    const proxy = await startFaultProxy(server.port);
    const line = wsLine(proxy.url);
    const acked = session(line);
    heartbeat(line, {
      mode: 'message',
      ping: 'p',
      isPong: (data) => data === 'q',
      interval: 50,
      timeout: 100,
    });
    const outcomes: string[] = [];
    line.on('resumed', () => outcomes.push('resumed'));
    line.on('reset', ({ reason }) => outcomes.push(`reset:${reason}`));
    let opens = 0;
    line.on('open', () => opens++);
    const messages = collect(line);
    await opened(line);
    const rounds = 6;
    const perRound = 50;
    for (let round = 0; round < rounds; round++) {
      for (let i = round * perRound; i < (round + 1) * perRound; i++) {
        line.send(i);
        server.send(String(i));
      }
      // the last fault is a half-open link only the heartbeat notices
      if (round === rounds - 1) proxy.blackhole();
      else proxy.cut('rst');
      await nextEvent(line, 'open');
    }
    const total = rounds * perRound;
    await acked.acked();
    await server.receivedCount(total);
    await messages.reach(total);
    expect(server.received).toEqual(range(total).map(String));
    expect(messages.items).toEqual(range(total));
    expect(outcomes).toEqual(Array(opens - 1).fill('resumed'));
    expect(opens).toBe(rounds + 1);
    expect(server.hellos.slice(1).every(({ sid }) => sid !== null)).toBe(true);
  });

  test('sendAcked resolves once the server completed the message', async () => {
    const server = await startMiniSessionServer();
    const line = wsLine(server.url);
    const acked = session(line);
    await acked.sendAcked({ order: 1 });
    expect(server.received).toEqual(['{"order":1}']);
    expect(acked.watermarks).toMatchObject({ sent: 1, acked: 1 });
  });

  test('line.reconnect() (a close 1000 without the end frame) resumes the same session on a new connection', async () => {
    const server = await startMiniSessionServer();
    const line = wsLine(server.url);
    const acked = session(line);
    await acked.sendAcked('a');
    const id = acked.id;
    const resumed = nextEvent(line, 'resumed');
    line.reconnect();
    const [info] = await resumed;
    await acked.sendAcked('b');
    expect(info.id).toBe(id);
    expect(acked.id).toBe(id);
    expect(server.hellos.map(({ sid }) => sid !== null)).toEqual([false, true]);
    expect(server.wire[0]).toEqual(['d1 0', 'close 1000']);
    expect(server.received).toEqual(['a', 'b']);
    expect(acked.watermarks).toMatchObject({ sent: 2, acked: 2 });
  });

  test('close() writes the end frame before its close frame, and the server ends the session', async () => {
    const server = await startMiniSessionServer();
    const line = wsLine(server.url);
    const acked = session(line);
    await acked.sendAcked('a');
    const closed = nextEvent(line, 'close');
    line.close();
    await closed;
    // close() without a code sends none (1005 at the server): the end frame alone ends the session
    await vi.waitFor(() => expect(server.wire[0]).toEqual(['d1 0', 'e', 'close 1005']));
    // reopened, the line starts a new session
    line.open();
    await acked.sendAcked('b');
    expect(server.hellos.map(({ sid }) => sid)).toEqual([null, null]);
    expect(server.received).toEqual(['a', 'b']);
  });

  test('a server that lost the session answers with a reset, and the line goes on in a new session', async () => {
    const server = await startMiniSessionServer();
    const proxy = await startFaultProxy(server.port);
    const line = wsLine(proxy.url);
    const acked = session(line);
    await acked.sendAcked('before');
    const firstId = acked.id;
    server.forget();
    const reset = nextEvent(line, 'reset');
    proxy.cut('rst');
    const [info] = await reset;
    expect(info).toMatchObject({ reason: 'expired', dropped: 0, sent: 1, acked: 1 });
    await acked.sendAcked('after');
    expect(server.received).toEqual(['before', 'after']);
    expect(acked.id).not.toBe(firstId);
    expect(acked.watermarks.sent).toBe(1);
  });

  test('a server that selects no subprotocol: ERR_SESSION_UNSUPPORTED, closed for good, no retry', async () => {
    const server = await startServer({ handleProtocols: () => false });
    const line = wsLine(server.url);
    session(line);
    const [state] = await finalClose(line);
    expect(state.phase === 'closed' && state.error?.code).toBe('ERR_SESSION_UNSUPPORTED');
    expect(state.phase === 'closed' && state.error?.message).toContain(
      "did not select the subprotocol 'lifeline.session.v1'",
    );
    expect(server.sockets).toHaveLength(1);
  });

  test('an echo server that selects the first offered protocol (ws by default) is no session server either', async () => {
    const server = await startServer({ echo: true });
    const line = wsLine(server.url);
    session(line);
    const [state] = await finalClose(line);
    expect(state.phase === 'closed' && state.error?.message).toContain('its first frame was no welcome');
    expect(server.sockets).toHaveLength(1);
  });

  test("with fallback 'plain', a plain ws server gets plain sends after one reset {reason: 'protocol'}", async () => {
    const server = await startServer({ handleProtocols: () => false });
    const line = wsLine(server.url);
    const resets: string[] = [];
    line.on('reset', ({ reason }) => resets.push(reason));
    session(line, { fallback: 'plain' });
    line.send('plain');
    expect(await server.nextMessage()).toBe('plain');
    expect(resets).toEqual(['protocol']);
    expect(line.protocol).toBe('');
  });
});
