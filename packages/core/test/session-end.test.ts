import { resume, session, suspend } from '@lifeline/core';
import { describe, expect, test } from 'vitest';
import { finalClose } from '../../../test/helpers/events.js';
import { nextEvent } from '../../../test/helpers/server.js';
import { fakeLine } from './harness.js';
import { helloOf, openSessionLine, PROTOCOL, SID, welcomeNext, wireOrder } from './session-harness.js';

describe('session: the end frame', () => {
  test('close() on a live session writes the end frame e just before the close frame', async () => {
    const { line, socket } = await openSessionLine();
    line.send('last');
    const order = wireOrder(socket);
    line.close();
    expect(order).toEqual(['e', 'close undefined']);
    expect(socket.sent.slice(-2)).toEqual(['d1 0\nlast', 'e']);
  });

  test('reconnect() writes no end frame: the next connection resumes the same session (same id, resumed)', async () => {
    const { net, line, session: handle, socket } = await openSessionLine();
    const id = handle.id;
    const order = wireOrder(socket);
    const resumed = nextEvent(line, 'resumed');
    line.reconnect();
    expect(order).toEqual(['close 1000']);
    socket.serverClose(1000);
    const next = await welcomeNext(net, line, { resumed: true, epoch: 2 });
    expect(helloOf(next)).toMatchObject({ sid: SID, gen: 'gen-1' });
    const [info] = await resumed;
    expect(info).toMatchObject({ id, epoch: 2 });
    expect(handle.id).toBe(id);
  });

  test('suspend() writes no end frame, and after resume() the session resumes', async () => {
    const { net, line, socket } = await openSessionLine();
    const order = wireOrder(socket);
    suspend(line, 4000);
    expect(order).toEqual(['close 4000']);
    const resumed = nextEvent(line, 'resumed');
    resume(line);
    const next = await welcomeNext(net, line, { resumed: true, epoch: 2 });
    expect(helloOf(next).sid).toBe(SID);
    await resumed;
  });

  test('close() before the welcome writes no end frame: there is no live session to end', async () => {
    const { net, line } = fakeLine();
    session(line);
    const socket = await net.nextSocket();
    socket.open(PROTOCOL);
    const order = wireOrder(socket);
    line.close();
    expect(order).toEqual(['close undefined']);
    expect(socket.sent).toHaveLength(1);
    expect(helloOf(socket).sid).toBeNull();
  });

  test('a session that resumed is ended by close() the same way', async () => {
    const { net, line, socket } = await openSessionLine();
    socket.serverClose(1006);
    const next = await welcomeNext(net, line, { resumed: true, epoch: 2 });
    const order = wireOrder(next);
    line.close();
    expect(order).toEqual(['e', 'close undefined']);
    // the old socket, long gone, is told nothing
    expect(socket.sent).not.toContain('e');
  });

  test("with fallback 'plain', close() writes no end frame: there is no session", async () => {
    const { net, line } = fakeLine();
    session(line, { fallback: 'plain' });
    const socket = await net.nextSocket();
    const opened = nextEvent(line, 'open');
    socket.open('');
    await opened;
    const order = wireOrder(socket);
    line.close();
    expect(order).toEqual(['close undefined']);
  });
});

describe('session: when the line gives up', () => {
  const once = { reconnect: { retries: 1, minDelay: 0, maxDelay: 0, jitter: false } } as const;

  test('exhausted retries forget the session with no end frame; a reopened line starts a new one, with no reset', async () => {
    const { net, line } = fakeLine(once);
    const handle = session(line);
    const events: string[] = [];
    line.on('drop', ({ data, reason }) => events.push(`drop ${String(data)} ${reason}`));
    line.on('reset', ({ reason }) => events.push(`reset ${reason}`));
    line.on('exhausted', () => events.push('exhausted'));
    const first = await welcomeNext(net, line);
    const receipt = handle.sendAcked('unacked');
    first.serverClose(1006);
    const closed = nextEvent(line, 'close');
    (await net.nextSocket()).refuse();
    expect((await closed)[0]).toMatchObject({ willReconnect: false });
    await expect(receipt).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(events).toEqual(['drop unacked closed', 'exhausted']);
    expect(first.sent).not.toContain('e');
    expect(handle.id).toBe('');
    line.open();
    const next = await welcomeNext(net, line, { sid: 'AnotherSessionId000002' });
    expect(helloOf(next)).toMatchObject({ sid: null, rx: 0, gen: null });
    expect(events).toEqual(['drop unacked closed', 'exhausted']);
  });

  test('a server that never sends the welcome fails each attempt after welcomeTimeout, counted as retries', async () => {
    const { net, line } = fakeLine(once);
    session(line, { welcomeTimeout: 5 });
    const errors: string[] = [];
    line.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    const closed = finalClose(line);
    (await net.nextSocket()).open(PROTOCOL);
    (await net.nextSocket()).open(PROTOCOL);
    const [state] = await closed;
    expect(state).toMatchObject({ phase: 'closed', error: { code: 'ERR_RETRIES_EXHAUSTED' } });
    expect(errors.filter((error) => error.includes('no welcome within 5 ms'))).toHaveLength(2);
    expect(net.sockets).toHaveLength(2);
  });
});
