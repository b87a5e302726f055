import { drained, isLifelineError, type LifelineError, session } from '@lifeline/core';
import { describe, expect, test } from 'vitest';
import { nextEvent } from '../../../test/helpers/server.js';
import { fakeLine, finalError } from './harness.js';
import {
  dataOf,
  helloOf,
  openSessionLine,
  PROTOCOL,
  reconnectWith,
  SID,
  welcome,
  welcomeNext,
} from './session-harness.js';

const codeOf = (error: unknown) => (isLifelineError(error) ? error.code : String(error));

describe('session: the hello/welcome exchange', () => {
  test('offers lifeline.session.v1 first, before the application protocols, and says hello first', async () => {
    const { net, line } = fakeLine({}, undefined, ['chat', 'lifeline.session.v1']);
    session(line);
    const socket = await net.nextSocket();
    expect(socket.protocols).toEqual([PROTOCOL, 'chat']);
    socket.open(PROTOCOL);
    expect(helloOf(socket)).toEqual({ v: 1, sid: null, rx: 0, gen: null });
    expect(socket.sent).toHaveLength(1);
  });

  test('holds the open until the welcome, then opens with the masked id and epoch', async () => {
    const { net, line } = fakeLine();
    const handle = session(line);
    line.send('early');
    const socket = await net.nextSocket();
    socket.open(PROTOCOL);
    await Promise.resolve();
    expect(line.readyState).toBe(0);
    expect(socket.sent).toHaveLength(1); // the hello only: the queue waits for the welcome
    const opened = nextEvent(line, 'open');
    socket.receive(welcome({ epoch: 7 }));
    await opened;
    expect(handle.id).toBe(`${SID.slice(0, 4)}…`);
    expect(handle.epoch).toBe(7);
    expect(dataOf(socket)).toEqual([{ seq: 1, ack: 0, payload: 'early' }]);
  });

  test('a server that does not select the protocol closes the line for good with ERR_SESSION_UNSUPPORTED', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 0, jitter: false } });
    session(line);
    const errors: string[] = [];
    line.on('error', (error) => errors.push(error.code));
    const socket = await net.nextSocket();
    const closed = nextEvent(line, 'close');
    socket.open('');
    const [info] = await closed;
    expect(info.willReconnect).toBe(false);
    expect(finalError(line)?.code).toBe('ERR_SESSION_UNSUPPORTED');
    expect(finalError(line)?.message).toContain("did not select the subprotocol 'lifeline.session.v1'");
    expect(errors).toContain('ERR_SESSION_UNSUPPORTED');
    expect(net.sockets).toHaveLength(1);
  });

  test("fallback 'plain' detaches the session with one reset {reason: 'protocol'} and sends plainly", async () => {
    const { net, line } = fakeLine();
    const handle = session(line, { fallback: 'plain' });
    const resets: string[] = [];
    line.on('reset', ({ reason }) => resets.push(reason));
    const socket = await net.nextSocket();
    const opened = nextEvent(line, 'open');
    socket.open('');
    await opened;
    line.send('plain');
    expect(socket.sent).toEqual(['plain']);
    expect(resets).toEqual(['protocol']);
    await expect(handle.sendAcked('x')).rejects.toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED' });
  });

  test('a first frame that is no welcome means no session server: ERR_SESSION_UNSUPPORTED, for good', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 0, jitter: false } });
    session(line);
    const socket = await net.nextSocket();
    const closed = nextEvent(line, 'close');
    socket.open(PROTOCOL);
    socket.receive(socket.sent[0]); // an echo server echoes the hello
    const [info] = await closed;
    expect(info.willReconnect).toBe(false);
    expect(finalError(line)?.code).toBe('ERR_SESSION_UNSUPPORTED');
    expect(finalError(line)?.message).toContain('its first frame was no welcome');
  });

  test("with fallback 'plain', a first frame that is no welcome is the application's, after open", async () => {
    const { net, line } = fakeLine();
    session(line, { fallback: 'plain' });
    const order: string[] = [];
    line.on('open', () => order.push('open'));
    line.on('message', (message) => order.push(String(message)));
    line.on('reset', ({ reason }) => order.push(`reset:${reason}`));
    const socket = await net.nextSocket();
    const opened = nextEvent(line, 'open');
    socket.open(PROTOCOL);
    socket.receive('"greeting"');
    await opened;
    expect(order).toEqual(['reset:protocol', 'open', 'greeting']);
  });

  test('no welcome within welcomeTimeout fails the attempt, and the next one says hello again', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 0, maxDelay: 0, jitter: false } });
    session(line, { welcomeTimeout: 5 });
    const errors: LifelineError[] = [];
    line.on('error', (error) => errors.push(error));
    const first = await net.nextSocket();
    first.open(PROTOCOL);
    const second = await net.nextSocket();
    expect(errors[0]?.code).toBe('ERR_SESSION_PROTOCOL');
    expect(errors[0]?.message).toContain('no welcome within 5 ms');
    second.open(PROTOCOL);
    expect(helloOf(second).sid).toBeNull();
  });

  test('attached while an attempt was already dialing: that socket is dropped and the next one offers it', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 0, maxDelay: 0, jitter: false } });
    const first = await net.nextSocket();
    expect(first.protocols).toEqual([]);
    session(line);
    const errors: unknown[] = [];
    line.on('error', (error) => errors.push(error));
    first.open('');
    const second = await net.nextSocket();
    expect(errors).toMatchObject([{ code: 'ERR_SESSION_PROTOCOL' }]);
    expect(second.protocols).toEqual([PROTOCOL]);
  });

  test('bad options throw, naming the option and the value', () => {
    const { line } = fakeLine();
    expect(() => session(line, { maxAttempts: 0 })).toThrow(
      "option 'maxAttempts' must be an integer >= 1, got 0",
    );
    expect(() => session(line, { replay: { bytes: 1.5 } })).toThrow(
      "option 'replay.bytes' must be an integer >= 1, got 1.5",
    );
    expect(() => session(line, { fallback: 'none' as never })).toThrow(
      "option 'fallback' must be 'error' or 'plain', got none",
    );
    expect(() => session(line, { handler: 'no' as never })).toThrow(
      "option 'handler' must be a function, got no",
    );
    session(line);
    expect(() => session(line)).toThrow('this line already has a session');
  });
});

describe('session: sending', () => {
  test('numbers each send, piggy-backing the ack, in text and binary frames', async () => {
    const { line, socket } = await openSessionLine();
    socket.receive('d1 0\nhello');
    line.send('one');
    line.send(new Uint8Array([1, 2]));
    expect(socket.sent[1]).toBe('d1 1\none');
    const binary = socket.sent[2] as Uint8Array;
    expect(new TextDecoder().decode(binary.subarray(0, 5))).toBe('d2 1\n');
    expect([...binary.subarray(5)]).toEqual([1, 2]);
  });

  test('sendAcked resolves when the server acknowledges it, by ack frame or piggy-backed on data', async () => {
    const { session: handle, socket } = await openSessionLine();
    const order: string[] = [];
    const first = handle.sendAcked('a').then(() => order.push('a'));
    const second = handle.sendAcked('b').then(() => order.push('b'));
    socket.receive('a1');
    await first;
    expect(order).toEqual(['a']);
    socket.receive('d1 2\nreply');
    await second;
    expect(handle.watermarks).toMatchObject({ sent: 2, acked: 2 });
  });

  test('acked() waits for everything sent so far, also what still waits in the queue', async () => {
    const { line, session: handle, net } = await openSessionLine({}, {});
    const socket = net.sockets[0];
    if (!socket) throw new Error('no socket');
    socket.serverClose(1006);
    line.send('queued');
    let isAcked = false;
    const all = handle.acked().then(() => {
      isAcked = true;
    });
    const next = await welcomeNext(net, line, { resumed: true });
    expect(dataOf(next)).toEqual([{ seq: 1, ack: 0, payload: 'queued' }]);
    await Promise.resolve();
    expect(isAcked).toBe(false);
    next.receive('a1');
    await all;
  });

  test('an ack beyond the last sequence number sent is a protocol error: close 4400 and resume', async () => {
    const { net, line, socket } = await openSessionLine();
    const errors: string[] = [];
    line.on('error', (error) => errors.push(error.message));
    socket.receive('a5');
    expect(socket.closeCalls).toEqual([[4400, '']]);
    expect(errors[0]).toContain('an ack of 5, beyond the last sequence number sent (0)');
    const next = await net.nextSocket();
    next.open(PROTOCOL);
    expect(helloOf(next).sid).toBe(SID);
  });

  test('the window holds sends in the queue until acks free room, and drained() waits', async () => {
    const { net, line, session: handle } = await openSessionLine({ replay: { messages: 2 } });
    const socket = net.sockets[0];
    if (!socket) throw new Error('no socket');
    line.send('1');
    line.send('2');
    line.send('3');
    const third = handle.sendAcked('4');
    let isDrained = false;
    const flushed = drained(line, Infinity).then(() => {
      isDrained = true;
    });
    expect(dataOf(socket).map(({ payload }) => payload)).toEqual(['1', '2']);
    await Promise.resolve();
    expect(isDrained).toBe(false);
    socket.receive('a1');
    expect(dataOf(socket).map(({ payload }) => payload)).toEqual(['1', '2', '3']);
    socket.receive('a3');
    expect(dataOf(socket).map(({ seq }) => seq)).toEqual([1, 2, 3, 4]);
    await flushed;
    socket.receive('a4');
    await third;
  });

  test("the server's window lowers the client's own", async () => {
    const { net, line } = fakeLine();
    session(line);
    const socket = await welcomeNext(net, line, { window: { messages: 1, bytes: 100 } });
    line.send('1');
    line.send('2');
    expect(dataOf(socket)).toHaveLength(1);
  });

  test('a sendAcked message the queue drops before it got a number rejects with ERR_DROPPED', async () => {
    const { net, line } = fakeLine({ queue: { maxMessages: 1, overflow: 'drop-oldest' } });
    const handle = session(line);
    const dropped = handle.sendAcked('first');
    line.send('second');
    await expect(dropped).rejects.toMatchObject({ code: 'ERR_DROPPED' });
    const socket = await welcomeNext(net, line);
    expect(dataOf(socket)).toEqual([{ seq: 1, ack: 0, payload: 'second' }]);
  });

  test('close() ends the session: unacknowledged sends are dropped as closed and their receipts reject', async () => {
    const { line, session: handle, socket } = await openSessionLine();
    const drops: unknown[] = [];
    line.on('drop', ({ data, reason }) => drops.push([data, reason]));
    const receipt = handle.sendAcked('unacked');
    line.close();
    expect(socket.closeCalls).toEqual([[undefined, undefined]]);
    socket.serverClose(1000);
    await expect(receipt).rejects.toSatisfy((error) => codeOf(error) === 'ERR_CLOSED');
    expect(drops).toEqual([['unacked', 'closed']]);
  });

  test('acked() waiting for a queued message rejects when the line closes', async () => {
    const { line, session: handle, socket } = await openSessionLine({ replay: { messages: 1 } });
    line.send('one');
    line.send('queued behind the window');
    const all = handle.acked();
    line.close();
    socket.serverClose(1000);
    await expect(all).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });
});

describe('session: resume and reset', () => {
  test('a resume says hello with the sid, gen and rx, replays what is unacked in order, then the queue', async () => {
    const { net, line, socket } = await openSessionLine();
    const events: unknown[] = [];
    line.on('resumed', (info) => events.push(['resumed', info]));
    line.on('reset', (info) => events.push(['reset', info]));
    socket.receive('d1 0\nin');
    line.send('a');
    line.send('b');
    line.send('c');
    socket.receive('a1');
    socket.serverClose(1006);
    line.send('d');
    const next = await welcomeNext(net, line, { resumed: true, rx: 2, epoch: 2 });
    expect(helloOf(next)).toEqual({ v: 1, sid: SID, rx: 1, gen: 'gen-1' });
    expect(dataOf(next).map(({ seq, payload }) => `${seq}:${payload}`)).toEqual(['3:c', '4:d']);
    expect(events).toEqual([
      ['resumed', { id: `${SID.slice(0, 4)}…`, epoch: 2, sent: 3, acked: 2, received: 1, completed: 1 }],
    ]);
  });

  test('a session that exchanged nothing resumes too', async () => {
    const { net, line, socket } = await openSessionLine();
    const resumed = nextEvent(line, 'resumed');
    const next = await reconnectWith(net, line, socket);
    expect(helloOf(next)).toMatchObject({ sid: SID, rx: 0 });
    await resumed;
  });

  test("a reset drops what was unacknowledged (drop 'reset', ERR_SESSION_RESET) and starts numbering again", async () => {
    const { net, line, session: handle, socket } = await openSessionLine();
    const events: unknown[] = [];
    line.on('drop', ({ data, reason }) => events.push(['drop', data, reason]));
    line.on('reset', (info) => events.push(['reset', info]));
    socket.receive('d1 0\nold');
    const lost = handle.sendAcked('lost');
    socket.serverClose(1006);
    line.send('kept');
    const next = await welcomeNext(net, line, {
      sid: 'NewSessionIdNewSession0',
      epoch: 5,
      reason: 'expired',
    });
    await expect(lost).rejects.toMatchObject({ code: 'ERR_SESSION_RESET' });
    expect(events).toEqual([
      [
        'reset',
        {
          reason: 'expired',
          id: 'NewS…',
          epoch: 5,
          dropped: 1,
          sent: 1,
          acked: 0,
          received: 1,
          completed: 1,
        },
      ],
      ['drop', 'lost', 'reset'],
    ]);
    expect(dataOf(next)).toEqual([{ seq: 1, ack: 0, payload: 'kept' }]);
    expect(handle.watermarks).toEqual({ sent: 1, acked: 0, received: 0, completed: 0 });
  });

  test('a resumed welcome with another store generation is a reset (store-lost), never a resume', async () => {
    const { net, line, socket } = await openSessionLine();
    const outcomes: string[] = [];
    line.on('resumed', () => outcomes.push('resumed'));
    line.on('reset', ({ reason }) => outcomes.push(`reset:${reason}`));
    line.send('x');
    socket.serverClose(1006);
    const second = await net.nextSocket();
    second.open(PROTOCOL);
    second.receive(welcome({ resumed: true, gen: 'gen-2', rx: 1 }));
    const third = await net.nextSocket();
    third.open(PROTOCOL);
    expect(helloOf(third).sid).toBeNull();
    expect(outcomes).toEqual(['reset:store-lost']);
  });

  test('a resumed welcome with an rx below what was acknowledged is store-lost too', async () => {
    const { net, line, socket } = await openSessionLine();
    const resets: string[] = [];
    line.on('reset', ({ reason }) => resets.push(reason));
    line.send('x');
    socket.receive('a1');
    socket.serverClose(1006);
    const second = await net.nextSocket();
    second.open(PROTOCOL);
    second.receive(welcome({ resumed: true, rx: 0 }));
    await net.nextSocket();
    expect(resets).toEqual(['store-lost']);
  });

  test('the client resumes after 4500, 4400, 4409 and 1012, which the kernel alone would treat as fatal', async () => {
    const { net, line, socket } = await openSessionLine();
    let current = socket;
    for (const code of [4500, 4400, 4409, 1012]) {
      const closed = nextEvent(line, 'close');
      current.serverClose(code, 'server');
      const [info] = await closed;
      expect(info.willReconnect).toBe(true);
      current = await welcomeNext(net, line, { resumed: true });
    }
  });

  test('session ids never appear whole in events or errors', async () => {
    const { net, line, socket } = await openSessionLine();
    const seen: string[] = [];
    for (const event of ['resumed', 'reset', 'error', 'close', 'invalid'] as const)
      line.on(event, (info: unknown) =>
        seen.push(JSON.stringify(info, Object.getOwnPropertyNames(info ?? {}))),
      );
    socket.serverClose(1006);
    const second = await welcomeNext(net, line, { resumed: true });
    second.receive(welcome({ resumed: true, gen: 'other' }));
    const third = await net.nextSocket();
    third.open(PROTOCOL);
    third.receive(welcome({ resumed: true, gen: 'other' }));
    expect(seen.length).toBeGreaterThan(2);
    for (const text of seen) expect(text).not.toContain(SID);
  });
});
