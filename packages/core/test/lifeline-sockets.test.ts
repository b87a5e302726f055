import { handshake, Lifeline, LifelineCloseEvent, stats } from '@lifeline/core';
import { describe, expect, test, vi } from 'vitest';
import { FakeNetwork, type FakeSocket } from '../../../test/helpers/fake-network.js';
import { nextEvent } from '../../../test/helpers/server.js';
import { FAKED_TIMERS, fakeLine, openFakeLine, openNext, record } from './harness.js';

const immediate = { reconnect: { minDelay: 0 } } as const;

/** A socket is live until it has closed or Lifeline has asked it to close. */
const live = (sockets: FakeSocket[]) => sockets.filter((s) => s.readyState < 2 && s.closeCalls.length === 0);

describe('sockets', () => {
  test('at most one live socket through timeouts, manual reconnects, drops and close()', async () => {
    vi.useFakeTimers({ toFake: [...FAKED_TIMERS] });
    try {
      const { net, line } = fakeLine({ connectTimeout: 100, reconnect: { minDelay: 10 } });
      const check = () => expect(live(net.sockets).length).toBeLessThanOrEqual(1);
      line.on('state', check);
      await net.nextSocket();
      await vi.advanceTimersByTimeAsync(100); // times out
      check();
      await vi.advanceTimersByTimeAsync(10);
      await net.nextSocket();
      line.reconnect(); // while connecting
      check();
      const third = await net.nextSocket();
      third.open();
      await vi.advanceTimersByTimeAsync(0);
      line.reconnect(); // while open: the socket is asked to close, and the next dial waits for its close
      check();
      expect(net.sockets).toHaveLength(3);
      third.serverClose(1000);
      const fourth = await net.nextSocket();
      fourth.open();
      await vi.advanceTimersByTimeAsync(0);
      fourth.serverClose(1006);
      await vi.advanceTimersByTimeAsync(10);
      await net.nextSocket();
      line.close();
      check();
      expect(live(net.sockets)).toHaveLength(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test("a detached socket's late events are ignored", async () => {
    const { net, line } = fakeLine(immediate);
    const first = await net.nextSocket();
    line.reconnect();
    const second = await net.nextSocket();
    const log = record(line);
    first.open();
    first.receive('stale');
    first.onerror?.({ type: 'error' });
    first.serverClose(4000);
    expect(log).toEqual([]);
    expect(first.onopen).toBeNull();
    expect(first.onmessage).toBeNull();
    expect(first.onclose).toBeNull();
    const announced = nextEvent(line, 'open');
    second.open();
    await announced;
    expect(line.state).toMatchObject({ phase: 'open' });
    line.send('to the new socket');
    expect(second.sent).toEqual(['to the new socket']);
    expect(first.sent).toEqual([]);
  });

  test('a socket that closes while its handshake hook runs does not make Lifeline open', async () => {
    const { net, line } = fakeLine(immediate);
    handshake(line, () => new Promise<void>(() => {}));
    const socket = await net.nextSocket();
    const log = record(line);
    socket.open();
    socket.serverClose(1001);
    await net.nextSocket();
    expect(log).not.toContain('state:open');
    expect(log.slice(0, 3)).toEqual(['state:waiting', 'onclose:1001:true@3', 'close:1001:retry']);
  });

  test('without a handshake hook, a socket that opens and closes at once is reported open, then closed', async () => {
    const { net, line } = fakeLine(immediate);
    const socket = await net.nextSocket();
    const log = record(line);
    socket.open();
    socket.serverClose(1001);
    await net.nextSocket();
    expect(log.slice(0, 6)).toEqual([
      'state:open',
      'open:1',
      'onopen@1',
      'state:waiting',
      'onclose:1001:true@3',
      'close:1001:retry',
    ]);
  });

  test('binaryType is validated, applied to the live socket and to every new one', async () => {
    const { net, line } = fakeLine(immediate);
    expect(line.binaryType).toBe('blob');
    const first = await net.nextSocket();
    expect(first.binaryType).toBe('blob');
    line.binaryType = 'arraybuffer';
    expect(first.binaryType).toBe('arraybuffer');
    line.binaryType = 'nodebuffer';
    expect(line.binaryType).toBe('arraybuffer');
    first.refuse();
    expect((await net.nextSocket()).binaryType).toBe('arraybuffer');
  });

  test('the binaryType option and platform extras', async () => {
    const { net, line } = fakeLine({ binaryType: 'nodebuffer', extraBinaryTypes: ['nodebuffer'] });
    expect(line.binaryType).toBe('nodebuffer');
    expect((await net.nextSocket()).binaryType).toBe('nodebuffer');
  });
});

describe('standard events are built by core', () => {
  test("message and close events are new objects (the platform's MessageEvent) targeted at the Lifeline, with origin and fields", async () => {
    const { line, socket } = await openFakeLine(immediate, 'ws://fake.test:8080/feed?x=1');
    const message = new Promise<MessageEvent>((resolve) =>
      line.addEventListener('message', resolve, { once: true }),
    );
    const platformEvent = { data: 'hello', origin: 'ignored' };
    socket.onmessage?.(platformEvent);
    const received = await message;
    expect(received).toBeInstanceOf(MessageEvent);
    expect(received).not.toBe(platformEvent);
    expect(received.target).toBe(line);
    expect(received.currentTarget).toBeNull();
    expect([received.type, received.data, received.origin, received.lastEventId]).toEqual([
      'message',
      'hello',
      'ws://fake.test:8080',
      '',
    ]);
    expect(received.source).toBeNull();
    expect(received.ports).toEqual([]);
    const close = new Promise<LifelineCloseEvent>((resolve) =>
      line.addEventListener('close', resolve, { once: true }),
    );
    socket.serverClose(4000, 'bye');
    const closed = await close;
    expect(closed).toBeInstanceOf(LifelineCloseEvent);
    expect(closed.target).toBe(line);
    expect([closed.code, closed.reason, closed.wasClean]).toEqual([4000, 'bye', true]);
  });

  test('after close(), a frame the socket still delivers is neither dispatched nor decoded', async () => {
    const { line, socket } = await openFakeLine(immediate);
    const received: unknown[] = [];
    line.addEventListener('message', (event) => received.push(event.data));
    line.on('message', (message) => received.push(message));
    socket.onmessage?.({ data: '"before"' });
    line.close();
    socket.onmessage?.({ data: '"after"' });
    expect(received).toEqual(['"before"', 'before']);
  });

  test('the error event carries what the platform said', async () => {
    const { net, line } = fakeLine(immediate);
    const socket = await net.nextSocket();
    const error = new Promise<Event>((resolve) => line.addEventListener('error', resolve, { once: true }));
    socket.refuse();
    expect(await error).toMatchObject({ type: 'error', message: 'connection refused', target: line });
  });

  test('events nobody listens to are not built', async () => {
    const { net, line } = fakeLine(immediate);
    const dispatch = vi.spyOn(line, 'dispatchEvent');
    const socket = await openNext(net, line);
    socket.receive('x');
    socket.serverClose(1001);
    expect(dispatch).not.toHaveBeenCalled();
  });
});

describe('send()', () => {
  test('queues while connecting, counting UTF-8 bytes in bufferedAmount, and flushes in order on open', async () => {
    const { net, line } = fakeLine(immediate);
    const bytes = new Uint8Array([1, 2, 3]);
    expect(line.send('héllo')).toBe(true);
    expect(line.send(bytes)).toBe(true);
    expect(line.send({ n: 1 })).toBe(true);
    expect(line.bufferedAmount).toBe(6 + 3 + 7);
    const socket = await net.nextSocket();
    expect(socket.sent).toEqual([]);
    const announced = nextEvent(line, 'open');
    socket.open();
    await announced;
    expect(socket.sent).toEqual(['héllo', bytes, '{"n":1}']);
    expect(line.bufferedAmount).toBe(0);
  });

  test('messages sent from an open handler go after the queued ones', async () => {
    const { net, line } = fakeLine(immediate);
    line.send('queued');
    line.onopen = () => line.send('from onopen');
    const socket = await openNext(net, line);
    expect(socket.sent).toEqual(['queued', 'from onopen']);
  });

  test('sends every binary type of the standard as it is', async () => {
    const { line, socket } = await openFakeLine(immediate);
    const values = [
      new ArrayBuffer(2),
      new Float32Array(2),
      new DataView(new ArrayBuffer(3)),
      new Blob(['b']),
    ];
    for (const value of values) expect(line.send(value)).toBe(true);
    expect(socket.sent).toEqual(values);
  });

  test.each([
    ['a Symbol', Symbol('s')],
    ['a function', () => 1],
    ['undefined', undefined],
    ['a BigInt', 10n],
  ])('%s is a TypeError naming it, and nothing is queued', (_, value) => {
    const { line } = fakeLine({ autoConnect: false });
    expect(() => line.send(value)).toThrow(TypeError);
    expect(line.bufferedAmount).toBe(0);
  });
});

describe('stats', () => {
  test('counts attempts, connects, messages and UTF-8 bytes both ways, and the last close and error', async () => {
    const { net, line } = fakeLine(immediate);
    const counters = stats(line);
    (await net.nextSocket()).refuse();
    const socket = await openNext(net, line);
    line.send('héllo');
    line.send(new Uint8Array(10));
    socket.receive('ça va');
    socket.receive(new ArrayBuffer(4));
    socket.receive(new Blob(['12345']));
    socket.serverClose(4000, 'bye');
    await net.nextSocket();
    expect({ ...counters }).toEqual({
      attempts: 3,
      connects: 1,
      messagesIn: 3,
      messagesOut: 2,
      bytesIn: 6 + 4 + 5,
      bytesOut: 6 + 10,
      lastClose: { phase: 'open', code: 4000, reason: 'bye', wasClean: true, attempt: 0 },
      lastError: expect.objectContaining({ code: 'ERR_CONNECT_FAILED' }),
      uptime: 0,
    });
  });
});

test('stats: a frame of a type no platform should deliver counts as 0 bytes, not NaN', async () => {
  const { line, socket } = await openFakeLine(immediate);
  const counters = stats(line);
  socket.receive([new Uint8Array(2)]); // e.g. ws's 'fragments' binaryType, which core does not offer
  socket.receive('ok');
  expect(counters).toMatchObject({ messagesIn: 2, bytesIn: 2 });
});

describe('the constructor', () => {
  test('takes (url), (url, protocols), (url, protocols, options) and (url, options)', async () => {
    const net = { WebSocket: new FakeNetwork().WebSocket };
    const forms = [
      new Lifeline('ws://fake.test/a', { ...net, autoConnect: false }),
      new Lifeline('ws://fake.test/b', 'chat', { ...net, autoConnect: false }),
      new Lifeline('ws://fake.test/c', ['a', 'b'], { ...net, autoConnect: false, binaryType: 'arraybuffer' }),
      new Lifeline('ws://fake.test/d', null, { ...net, autoConnect: false }),
    ];
    expect(forms.map((line) => [line.url, line.binaryType, line.readyState])).toEqual([
      ['ws://fake.test/a', 'blob', 0],
      ['ws://fake.test/b', 'blob', 0],
      ['ws://fake.test/c', 'arraybuffer', 0],
      ['ws://fake.test/d', 'blob', 0],
    ]);
    for (const line of forms) line.close();
  });

  test('without a WebSocket constructor: ERR_NO_WEBSOCKET', () => {
    expect(() => new Lifeline('ws://fake.test/')).toThrow(
      expect.objectContaining({ code: 'ERR_NO_WEBSOCKET' }),
    );
  });

  test.each([
    ['reconnect.minDelay', { reconnect: { minDelay: -1 } }],
    ['reconnect.factor', { reconnect: { factor: Number.NaN } }],
    ['reconnect.maxDelay', { reconnect: { maxDelay: Number.POSITIVE_INFINITY } }],
    ['reconnect.jitter', { reconnect: { jitter: 'half' as never } }],
    ['connectTimeout', { connectTimeout: -5 }],
  ])('a bad %s is a RangeError naming it', (name, options) => {
    expect(() => fakeLine(options)).toThrow(
      expect.objectContaining({ name: 'RangeError', message: expect.stringContaining(name) }),
    );
  });

  test('a utf8Length that is not a function is a TypeError naming the value', () => {
    expect(() => fakeLine({ utf8Length: 'utf8' as never })).toThrow(
      new TypeError("Lifeline: option 'utf8Length' must be a function, got utf8"),
    );
  });

  test('utf8Length, where a platform has a native count, sizes text for the stats and the queue bounds', async () => {
    const counted: string[] = [];
    const utf8Length = (text: string) => {
      counted.push(text);
      return 100;
    };
    const { net, line } = fakeLine({ ...immediate, utf8Length, queue: { maxBytes: 150 } });
    const counters = stats(line);
    const drops: string[] = [];
    line.on('drop', ({ reason }) => drops.push(reason));
    const socket = await openNext(net, line);
    line.send('a');
    socket.receive('b');
    expect(counted).toEqual(['a', 'b']);
    expect(counters).toMatchObject({ bytesOut: 100, bytesIn: 100 });
    line.close();
    const { line: small } = fakeLine({ autoConnect: false, utf8Length, queue: { maxBytes: 99 } });
    small.on('drop', ({ reason }) => drops.push(reason));
    small.send('c');
    expect(drops).toEqual(['too-big']);
  });

  test('constants are on the class and on instances', () => {
    const { line } = fakeLine({ autoConnect: false });
    for (const [name, value] of Object.entries({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })) {
      expect(Lifeline[name as 'OPEN']).toBe(value);
      expect(line[name as 'OPEN']).toBe(value);
    }
  });
});
