import { drained, handshake, isLifelineError, type LifelineCloseEvent, opened, stats } from '@lifeline/core';
import { beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
import { nextEvent } from '../../../test/helpers/server.js';
import { FAKED_TIMERS, fakeLine, openFakeLine, record } from './harness.js';

// close() must be final: fake timers let every backoff delay there could be elapse, to show none follows
beforeEach(() => {
  vi.useFakeTimers({ toFake: [...FAKED_TIMERS] });
  onTestFinished(() => {
    vi.useRealTimers();
  });
});

const AN_HOUR = 3_600_000;

// close() while CONNECTING fails the connection: CLOSING, an error event, then CLOSED and close 1006
const FAILED_BY_CLOSE = [
  'state:closing',
  'onerror@3',
  'state:closed',
  'onclose:1006:false@3',
  'close:1006:final',
];

/** Standard close events dispatched from now on. */
function closeEvents(line: EventTarget): LifelineCloseEvent[] {
  const events: LifelineCloseEvent[] = [];
  line.addEventListener('close', (event) => events.push(event as LifelineCloseEvent));
  return events;
}

describe('close() is final in every phase: no attempt after it, exactly one close event', () => {
  test('idle (autoConnect: false): error, then close 1006, and no socket ever', async () => {
    const { net, line } = fakeLine({ autoConnect: false });
    const log = record(line);
    line.close();
    expect(line.readyState).toBe(line.CLOSING);
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(log).toEqual(FAILED_BY_CLOSE);
    expect(net.sockets).toHaveLength(0);
    line.open();
    expect(line.readyState).toBe(line.CONNECTING);
    await net.nextSocket();
  });

  test('connecting, before the socket exists (an async url provider is pending)', async () => {
    let resolveUrl!: (url: string) => void;
    const url = vi.fn(() => new Promise<string>((resolve) => (resolveUrl = resolve)));
    const { net, line } = fakeLine({}, url);
    const log = record(line);
    await vi.advanceTimersByTimeAsync(0);
    expect(url).toHaveBeenCalledTimes(1);
    line.close(4000, 'bye');
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(FAILED_BY_CLOSE);
    resolveUrl('ws://fake.test/late');
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(net.sockets).toHaveLength(0);
    expect(url).toHaveBeenCalledTimes(1);
    expect(line.url).toBe('');
    expect(log).toHaveLength(5);
  });

  test('connecting, before the socket exists, when the pending provider then rejects: nothing is reported', async () => {
    let rejectUrl!: (error: Error) => void;
    const { net, line } = fakeLine({}, () => new Promise<string>((_, reject) => (rejectUrl = reject)));
    const counters = stats(line);
    await vi.advanceTimersByTimeAsync(0);
    line.close();
    await vi.advanceTimersByTimeAsync(0);
    const log = record(line);
    const lastClose = counters.lastClose;
    rejectUrl(new Error('token service down'));
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(log).toEqual([]);
    expect(counters.lastClose).toBe(lastClose);
    expect(net.sockets).toHaveLength(0);
  });

  test('connecting, with a socket: the socket is closed and its own 1006 is the one close event', async () => {
    const { net, line } = fakeLine();
    const socket = await net.nextSocket();
    const log = record(line);
    line.close(1000, 'never mind');
    expect(socket.closeCalls).toEqual([[1000, 'never mind']]);
    expect(line.readyState).toBe(line.CLOSING);
    // every platform fails a connecting socket that is closed: error, then close 1006
    socket.refuse();
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(log).toEqual(FAILED_BY_CLOSE);
    expect(net.sockets).toHaveLength(1);
  });

  test('connecting, with a socket: its late open is ignored', async () => {
    const { net, line } = fakeLine();
    const socket = await net.nextSocket();
    line.close();
    socket.refuse();
    const log = record(line);
    socket.open();
    socket.receive('late');
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(log).toEqual([]);
    expect(line.readyState).toBe(line.CLOSED);
  });

  test('open: the close handshake runs, and the close event carries the real code and reason', async () => {
    const { net, line, socket } = await openFakeLine();
    const log = record(line);
    const closes = closeEvents(line);
    line.close(4001, 'done here');
    expect(socket.closeCalls).toEqual([[4001, 'done here']]);
    expect(line.readyState).toBe(line.CLOSING);
    socket.serverClose(4001, 'done here');
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(log).toEqual(['state:closing', 'state:closed', 'onclose:4001:true@3', 'close:4001:final']);
    expect(closes.map(({ code, reason, wasClean }) => ({ code, reason, wasClean }))).toEqual([
      { code: 4001, reason: 'done here', wasClean: true },
    ]);
    expect(line.state).toEqual({ phase: 'closed', code: 4001, reason: 'done here' });
    expect(net.sockets).toHaveLength(1);
  });

  test('open: the extension close event says the connection was open', async () => {
    const { line, socket } = await openFakeLine();
    const closed = nextEvent(line, 'close');
    line.close();
    socket.serverClose(1005);
    expect((await closed)[0]).toMatchObject({ phase: 'open', code: 1005, willReconnect: false });
  });

  test('waiting: error, then close 1006, and the pending attempt never starts', async () => {
    const { net, line, socket } = await openFakeLine({ reconnect: { minDelay: 1000, jitter: false } });
    socket.serverClose(1001);
    expect(line.state.phase).toBe('waiting');
    const log = record(line);
    line.close();
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(log).toEqual(FAILED_BY_CLOSE);
    expect(net.sockets).toHaveLength(1);
  });

  test('closing or closed: a second close() does nothing', async () => {
    const { line, socket } = await openFakeLine();
    const log = record(line);
    line.close();
    line.close(4000);
    socket.serverClose(1000);
    line.close();
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(socket.closeCalls).toEqual([[undefined, undefined]]);
    expect(log.filter((entry) => entry.startsWith('onclose'))).toHaveLength(1);
  });

  test('after a fatal close, close() adds no close event', async () => {
    const { line, socket } = await openFakeLine();
    socket.serverClose(1002);
    expect(line.readyState).toBe(line.CLOSED);
    const log = record(line);
    line.close();
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(log).toEqual([]);
  });

  test('close() from a close handler while waiting gives one more close event, and no attempt', async () => {
    const { net, line, socket } = await openFakeLine();
    const log = record(line);
    line.addEventListener('close', () => line.close(), { once: true });
    socket.serverClose(1001);
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    // the extension close of the dropped socket comes after close(), and says no reconnect follows
    expect(log).toEqual([
      'state:waiting',
      'onclose:1001:true@3',
      'state:closing',
      'close:1001:final',
      ...FAILED_BY_CLOSE.slice(1),
    ]);
    expect(net.sockets).toHaveLength(1);
  });
});

describe('close() arguments', () => {
  test('InvalidAccessError and SyntaxError leave the state untouched', async () => {
    const { line, socket } = await openFakeLine();
    expect(() => line.close(1001)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => line.close(1000, 'é'.repeat(62))).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(line.readyState).toBe(line.OPEN);
    expect(socket.closeCalls).toEqual([]);
  });

  test('the clamped code reaches the socket', async () => {
    const { line, socket } = await openFakeLine();
    line.close(1000.5, 'x');
    expect(socket.closeCalls).toEqual([[1000, 'x']]);
  });
});

describe('what close() does to pending work', () => {
  test('queued messages are dropped with reason closed, and drained(line) rejects with ERR_CLOSED', async () => {
    const { line } = fakeLine({ autoConnect: false });
    const drops: unknown[] = [];
    line.on('drop', ({ data, reason }) => drops.push([data, reason]));
    line.send('a');
    line.send('b');
    const waiting = drained(line);
    line.close();
    await expect(waiting).rejects.toSatisfy((error) => isLifelineError(error) && error.code === 'ERR_CLOSED');
    expect(drops).toEqual([
      ['a', 'closed'],
      ['b', 'closed'],
    ]);
  });

  test('opened(line) rejects with ERR_CLOSED when close() comes first', async () => {
    const { line } = fakeLine();
    const whenOpen = opened(line);
    line.close();
    await expect(whenOpen).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(opened(line)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(drained(line)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  test('a send() after close() is dropped with a drop event, never handed to the closing socket', async () => {
    const { line, socket } = await openFakeLine();
    line.close();
    const dropped = nextEvent(line, 'drop');
    expect(line.send('too late')).toBe(false);
    expect((await dropped)[0]).toEqual({ data: 'too late', reason: 'closed' });
    expect(socket.sent).toEqual([]);
  });
});

describe('close() while the handshake hook runs', () => {
  test('a hook that fails after close() does not strand the Lifeline in CLOSING', async () => {
    let failHook!: (error: Error) => void;
    const { net, line } = fakeLine();
    handshake(line, () => new Promise<void>((_, reject) => (failHook = reject)));
    const socket = await net.nextSocket();
    socket.open();
    await vi.advanceTimersByTimeAsync(0);
    const log = record(line);
    line.close(4000, 'bye');
    failHook(new Error('no reply: the socket is closing'));
    await vi.advanceTimersByTimeAsync(0);
    expect(line.readyState).toBe(line.CLOSING);
    socket.serverClose(4000, 'bye');
    await vi.advanceTimersByTimeAsync(AN_HOUR);
    expect(log).toEqual(['state:closing', 'state:closed', 'onclose:4000:true@3', 'close:4000:final']);
    expect(net.sockets).toHaveLength(1);
  });
});
