import {
  type AttemptContext,
  type ConnectionState,
  drained,
  kernel,
  type Lifeline,
  opened,
  stats,
} from '@lifeline/core';
import { describe, expect, test, vi } from 'vitest';
import { nextEvent } from '../../../test/helpers/server.js';
import { catchUncaught } from '../../../test/helpers/uncaught.js';
import { FAKE_URL, fakeLine, finalError, openFakeLine, openNext, record } from './harness.js';

/** A plugin that classifies every failed attempt as fatal, as Node's upgrade status does a 403. */
function refuseForGood(line: Lifeline, why: string): void {
  kernel.use(line, { classify: () => ({ retry: false, code: 'ERR_HANDSHAKE_REJECTED', why }) });
}

// No backoff arithmetic here: minDelay 0 makes every retry immediate, and the tests wait for events
const immediate = { reconnect: { minDelay: 0 } } as const;

const openLine = () => openFakeLine(immediate);

describe('state transitions and readyState', () => {
  test('idle -> connecting -> open, with autoConnect: false and open()', async () => {
    const { net, line } = fakeLine({ ...immediate, autoConnect: false });
    const log = record(line);
    expect(line.state).toEqual({ phase: 'idle' });
    expect(line.readyState).toBe(line.CONNECTING);
    expect(net.sockets).toHaveLength(0);
    line.open();
    expect(line.state).toEqual({ phase: 'connecting', attempt: 1 });
    const socket = await net.nextSocket();
    const announced = nextEvent(line, 'state');
    socket.open('chat');
    await announced;
    expect(line.state).toMatchObject({ phase: 'open' });
    expect(line.readyState).toBe(line.OPEN);
    expect(line.protocol).toBe('chat');
    expect(log).toEqual(['state:connecting', 'state:open', 'open:1', 'onopen@1']);
  });

  test('open() on a running Lifeline does nothing', async () => {
    const { net, line } = await openLine();
    line.open();
    expect(line.readyState).toBe(line.OPEN);
    expect(net.sockets).toHaveLength(1);
  });

  test('connecting -> waiting -> connecting: CONNECTING throughout, but CLOSED while the failed socket reports', async () => {
    const { net, line } = fakeLine({ reconnect: { minDelay: 0 } });
    const log = record(line);
    (await net.nextSocket()).refuse();
    expect(log).toEqual([
      'onerror@3',
      'state:waiting',
      'onclose:1006:false@3',
      'error:ERR_CONNECT_FAILED',
      'close:1006:retry',
      'reconnecting:2:0',
    ]);
    await net.nextSocket();
    expect(line.state).toEqual({ phase: 'connecting', attempt: 2 });
    expect(log.at(-1)).toBe('state:connecting');
  });

  test('open -> waiting: the close event carries the socket code and sees CLOSED', async () => {
    const { line, socket } = await openLine();
    const log = record(line);
    socket.serverClose(4000, 'restart');
    expect(log).toEqual(['state:waiting', 'onclose:4000:true@3', 'close:4000:retry', 'reconnecting:2:0']);
    expect(line.state).toEqual({ phase: 'waiting', attempt: 2, delay: 0 });
  });

  test("with no delay, the next attempt starts on a microtask, after all of the close's events", async () => {
    const { net, line, socket } = await openLine();
    const log = record(line);
    socket.serverClose(4000, 'restart');
    // every event of the close has been heard, and the attempt has not started: handlers act first
    expect(log.at(-1)).toBe('reconnecting:2:0');
    expect([line.state.phase, net.sockets.length]).toEqual(['waiting', 1]);
    await Promise.resolve();
    expect(line.state).toEqual({ phase: 'connecting', attempt: 2 });
  });

  test('open -> closed on a fatal close code: CLOSED when the close event fires', async () => {
    const { net, line, socket } = await openLine();
    const log = record(line);
    socket.serverClose(1002, 'bad frame');
    expect(log).toEqual(['state:closed', 'onclose:1002:true@3', 'error:ERR_FATAL_CLOSE', 'close:1002:final']);
    expect(line.state).toMatchObject({ phase: 'closed', code: 1002, reason: 'bad frame' });
    expect(finalError(line)?.message).toBe('the server closed with code 1002, which a retry would repeat');
    await Promise.resolve();
    expect(net.sockets).toHaveLength(1);
  });

  test('connecting -> closed when a plugin classifies a failed attempt as fatal', async () => {
    const { net, line } = fakeLine(immediate);
    refuseForGood(line, 'the server refused the upgrade with HTTP 403');
    const socket = await net.nextSocket();
    const log = record(line);
    socket.refuse();
    expect(log).toEqual([
      'onerror@3',
      'state:closed',
      'onclose:1006:false@3',
      'error:ERR_CONNECT_FAILED',
      'error:ERR_HANDSHAKE_REJECTED',
      'close:1006:final',
    ]);
    expect(finalError(line)?.message).toBe('the server refused the upgrade with HTTP 403');
  });

  test('closed -> connecting: reconnect() after a fatal close starts over at attempt 1', async () => {
    const contexts: AttemptContext[] = [];
    const { net, line } = fakeLine(immediate, (context: AttemptContext) => {
      contexts.push(context);
      return FAKE_URL;
    });
    const socket = await openNext(net, line);
    socket.serverClose(4500);
    expect(line.readyState).toBe(line.CLOSED);
    line.reconnect();
    expect(line.state).toEqual({ phase: 'connecting', attempt: 1 });
    await openNext(net, line);
    expect(line.readyState).toBe(line.OPEN);
    expect(contexts).toEqual([
      { attempt: 1, reason: 'initial' },
      { attempt: 1, reason: 'manual' },
    ]);
  });

  test('the state event carries the new and the previous state', async () => {
    const { net, line } = fakeLine({ ...immediate, autoConnect: false });
    const seen: Array<[ConnectionState['phase'], ConnectionState['phase']]> = [];
    line.on('state', (state, previous) => seen.push([previous.phase, state.phase]));
    line.open();
    const announced = nextEvent(line, 'open');
    (await net.nextSocket()).open();
    await announced;
    line.close();
    expect(seen).toEqual([
      ['idle', 'connecting'],
      ['connecting', 'open'],
      ['open', 'closing'],
    ]);
  });
});

describe('reconnect() in each phase', () => {
  test('idle: starts the first attempt', async () => {
    const { net, line } = fakeLine({ ...immediate, autoConnect: false });
    line.reconnect();
    await net.nextSocket();
    expect(line.state).toEqual({ phase: 'connecting', attempt: 1 });
  });

  test('connecting, before the socket exists: the pending attempt is the fresh one', async () => {
    let resolveUrl!: (url: string) => void;
    const url = vi.fn(() => new Promise<string>((resolve) => (resolveUrl = resolve)));
    const { net, line } = fakeLine(immediate, url);
    await vi.waitFor(() => expect(url).toHaveBeenCalledTimes(1));
    line.reconnect();
    resolveUrl('ws://fake.test/a');
    const socket = await net.nextSocket();
    expect(socket.url).toBe('ws://fake.test/a');
    expect(url).toHaveBeenCalledTimes(1);
  });

  test('connecting, with a socket: drops it (close 1006) and dials again at once', async () => {
    const { net, line } = fakeLine(immediate);
    const first = await net.nextSocket();
    const log = record(line);
    line.reconnect();
    expect(first.closeCalls).toHaveLength(1);
    expect(log).toEqual(['state:waiting', 'onclose:1006:false@3', 'close:1006:retry', 'reconnecting:1:0']);
    const second = await net.nextSocket();
    const announced = nextEvent(line, 'open');
    second.open();
    await announced;
    expect(line.state).toMatchObject({ phase: 'open' });
    line.send('to the new socket');
    expect(second.sent).toEqual(['to the new socket']);
  });

  test('open: closes the socket with the given code; sends meanwhile wait for the new socket', async () => {
    const { net, line, socket } = await openLine();
    line.reconnect(4001, 'rotate');
    expect(socket.closeCalls).toEqual([[4001, 'rotate']]);
    expect(line.send('after reconnect()')).toBe(true);
    expect(socket.sent).toEqual([]);
    const log = record(line);
    socket.serverClose(4001, 'rotate');
    expect(log).toEqual(['state:waiting', 'onclose:4001:true@3', 'close:4001:retry', 'reconnecting:1:0']);
    const next = await net.nextSocket();
    const announced = nextEvent(line, 'open');
    next.open();
    await announced;
    expect(next.sent).toEqual(['after reconnect()']);
  });

  test('open: without arguments the socket closes with 1000', async () => {
    const { line, socket } = await openLine();
    line.reconnect();
    expect(socket.closeCalls).toEqual([[1000, undefined]]);
    expect(() => line.reconnect(1001)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
  });

  const anHour = { reconnect: { minDelay: 3_600_000, maxDelay: 3_600_000, jitter: false } } as const;

  test('waiting: skips the rest of the delay', async () => {
    const { net, line } = fakeLine(anHour);
    (await net.nextSocket()).refuse();
    expect(line.state).toMatchObject({ phase: 'waiting', delay: 3_600_000 });
    line.reconnect();
    await net.nextSocket();
    expect(line.state).toEqual({ phase: 'connecting', attempt: 1 });
  });

  test('waiting: a reconnect() from the close handler skips the delay too', async () => {
    const { net, line } = fakeLine(anHour);
    line.addEventListener('close', () => line.reconnect(), { once: true });
    (await net.nextSocket()).refuse();
    await net.nextSocket();
    expect(line.state).toEqual({ phase: 'connecting', attempt: 1 });
  });

  test('closing: throws InvalidStateError', async () => {
    const { line } = await openLine();
    line.close();
    expect(() => line.reconnect()).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
  });

  test('closed by close(): starts again', async () => {
    const { net, line, socket } = await openLine();
    line.close();
    socket.serverClose(1000);
    expect(line.readyState).toBe(line.CLOSED);
    line.reconnect();
    const announced = nextEvent(line, 'open');
    (await net.nextSocket()).open();
    await announced;
    expect(line.readyState).toBe(line.OPEN);
  });

  test('after a fatal 1008 (auth failed twice), the next 1008 gets its fresh-credentials retry again', async () => {
    const reasons: string[] = [];
    const { net, line } = fakeLine(immediate, ({ reason }: AttemptContext) => {
      reasons.push(reason);
      return 'ws://fake.test/';
    });
    for (let i = 0; i < 2; i++) {
      const socket = await openNext(net, line);
      socket.serverClose(1008);
    }
    expect(line.readyState).toBe(line.CLOSED);
    line.reconnect();
    const socket = await openNext(net, line);
    socket.serverClose(1008);
    expect(line.state.phase).toBe('waiting');
    await net.nextSocket();
    expect(reasons).toEqual(['initial', 'auth-failed', 'manual', 'auth-failed']);
  });
});

describe('opened(line) and drained(line)', () => {
  test('opened(line) resolves on the next open, at once when open', async () => {
    const { net, line } = fakeLine(immediate);
    const whenOpen = opened(line);
    (await net.nextSocket()).open();
    await expect(whenOpen).resolves.toBeUndefined();
    await expect(opened(line)).resolves.toBeUndefined();
  });

  test('opened(line) waits through failed attempts', async () => {
    const { net, line } = fakeLine(immediate);
    const whenOpen = opened(line);
    (await net.nextSocket()).refuse();
    (await net.nextSocket()).open();
    await expect(whenOpen).resolves.toBeUndefined();
  });

  test('a fatal close rejects opened(line) with ERR_CLOSED and drained(line) with the fatal error', async () => {
    const { net, line } = fakeLine(immediate);
    refuseForGood(line, 'the server refused the upgrade with HTTP 404');
    const socket = await net.nextSocket();
    const whenOpen = opened(line);
    line.send('queued');
    const waiting = drained(line);
    socket.refuse();
    await expect(whenOpen).rejects.toMatchObject({
      code: 'ERR_CLOSED',
      cause: expect.objectContaining({ code: 'ERR_HANDSHAKE_REJECTED' }),
    });
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_REJECTED' });
    // the queue is kept for reconnect()
    expect(line.bufferedAmount).toBe(6);
    await expect(opened(line)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });
});

describe('the seam', () => {
  test('a connecting hook hears every attempt, also the one reconnect() starts after close()', async () => {
    const { net, line } = fakeLine(immediate);
    const attempts: number[] = [];
    kernel.use(line, { connecting: (attempt, each) => attempts.push(each === line ? attempt : -1) });
    (await net.nextSocket()).refuse();
    const second = await net.nextSocket();
    line.close();
    // the socket's own close ends close()
    second.refuse();
    expect(line.state.phase).toBe('closed');
    line.reconnect();
    expect(attempts).toEqual([2, 1]);
  });
});

describe('extension listeners', () => {
  test('a throwing listener does not derail the connection; its error is reported out of band', async () => {
    const reported = catchUncaught();
    const { net, line } = fakeLine(immediate);
    const counters = stats(line);
    const listenerError = new Error('listener bug');
    line.once('open', () => {
      throw listenerError;
    });
    const socket = await net.nextSocket();
    const standardOpen = new Promise((resolve) => line.addEventListener('open', resolve, { once: true }));
    socket.open();
    await standardOpen;
    expect(line.readyState).toBe(line.OPEN);
    socket.receive('still flowing');
    expect(counters.messagesIn).toBe(1);
    await vi.waitFor(() => expect(reported).toEqual([listenerError]));
  });

  test('a listener that throws starves none after it, for every message, and each gets the arguments as emitted', async () => {
    const reported = catchUncaught();
    const { line, socket } = await openFakeLine(immediate);
    const listenerError = new Error('listener bug');
    const first = vi.fn(() => {
      throw listenerError;
    });
    const second = vi.fn();
    const states = vi.fn();
    line.on('message', first).on('message', second).on('state', states);
    socket.receive('1');
    socket.receive('2');
    expect(first).toHaveBeenCalledTimes(2);
    // one argument for a one-argument event, not padded with undefined
    expect(second.mock.calls).toStrictEqual([[1], [2]]);
    socket.serverClose(4000);
    expect(states.mock.calls[0]).toEqual([line.state, expect.objectContaining({ phase: 'open' })]);
    await vi.waitFor(() => expect(reported).toEqual([listenerError, listenerError]));
  });

  test('off() removes a listener added with on() or once(), and off(event) all of them', async () => {
    const { line, socket } = await openFakeLine(immediate);
    const kept = vi.fn();
    const removed = vi.fn();
    const removedOnce = vi.fn();
    line.on('message', kept).on('message', removed).once('message', removedOnce);
    line.off('message', removed).off('message', removedOnce);
    socket.receive('1');
    expect([kept.mock.calls.length, removed.mock.calls.length, removedOnce.mock.calls.length]).toEqual([
      1, 0, 0,
    ]);
    line.off('message');
    socket.receive('2');
    expect(kept).toHaveBeenCalledTimes(1);
    expect(line.listenerCount('message')).toBe(0);
  });
});
