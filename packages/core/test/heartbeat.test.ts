import {
  type HeartbeatOptions,
  heartbeat,
  Lifeline,
  type LifelineError,
  type LifelineOptions,
  probe,
  stats,
  type Timers,
  takeQueued,
  type WebSocketLike,
} from '@lifeline/core';
import { afterEach, beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
import { countingTimers } from '../../../test/helpers/counting-timers.js';
import { FakeNetwork } from '../../../test/helpers/fake-network.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const messageMode = {
  mode: 'message',
  interval: 100,
  timeout: 50,
  ping: 'ping',
  isPong: (data: unknown) => data === 'pong',
} as const satisfies HeartbeatOptions;

/**
 * Closes `line` and lets its socket report the close, as a server would: the line then stops watching and
 * leaves the clock every line on the default timers shares, for the next test's fake clock.
 */
function closeFully(line: Lifeline, net: FakeNetwork): void {
  line.close();
  for (const socket of net.sockets) socket.serverClose(1000);
}

/**
 * The shared clock's period for `messageMode` (a twentieth of the shorter of interval and timeout). A
 * frame is stamped at the first walk after it, and a deadline found at the first walk at or after it:
 * a deadline that counts from a frame may fire up to two periods late, never early.
 */
const TICK = 2;

/** A Lifeline on a fake network with a heartbeat attached right after `new`, its open socket, and what it reported. */
async function openLine(options: HeartbeatOptions, extra: Partial<LifelineOptions> = {}) {
  const net = new FakeNetwork();
  const line = new Lifeline('ws://fake/feed', {
    WebSocket: net.WebSocket,
    reconnect: { minDelay: 1, jitter: false },
    ...extra,
  });
  onTestFinished(() => closeFully(line, net));
  heartbeat(line, options);
  const errors: LifelineError[] = [];
  const messages: unknown[] = [];
  line.on('error', (error) => errors.push(error));
  line.on('message', (message) => messages.push(message));
  const socket = await net.nextSocket();
  socket.open();
  await vi.advanceTimersByTimeAsync(0);
  expect(line.readyState).toBe(Lifeline.OPEN);
  return { net, line, socket, errors, messages };
}

describe("'message' mode", () => {
  test('pings after `interval` of silence, not while frames arrive', async () => {
    const { socket } = await openLine(messageMode);
    await vi.advanceTimersByTimeAsync(90);
    socket.receive('"news"');
    await vi.advanceTimersByTimeAsync(90);
    expect(socket.sent).toEqual([]); // 180 ms open, but never 100 ms silent
    await vi.advanceTimersByTimeAsync(10 + 2 * TICK);
    expect(socket.sent).toEqual(['ping']);
  });

  test('the next ping comes `interval` after the answer, even when the timeout is longer', async () => {
    const { socket } = await openLine({ ...messageMode, interval: 30, timeout: 100 });
    const tick = 1; // 30 / 20, at least 1 ms
    await vi.advanceTimersByTimeAsync(30);
    await vi.advanceTimersByTimeAsync(5);
    socket.receive('pong');
    await vi.advanceTimersByTimeAsync(29);
    expect(socket.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(1 + 2 * tick);
    expect(socket.sent).toEqual(['ping', 'ping']);
  });

  test('keeps pongs from the application and delivers everything else', async () => {
    const { socket, messages, errors } = await openLine(messageMode);
    await vi.advanceTimersByTimeAsync(100);
    socket.receive('pong');
    socket.receive('{"n":1}');
    await vi.advanceTimersByTimeAsync(149); // the pong answered the ping: no timeout
    expect(messages).toEqual([{ n: 1 }]);
    expect(errors).toEqual([]);
  });

  test('an unanswered ping drops the socket after exactly `timeout` ms and reconnects', async () => {
    const { net, line, socket, errors } = await openLine(messageMode);
    const closes: Array<{ code: number; phase: string; error?: LifelineError }> = [];
    line.on('close', (info) => closes.push(info));
    await vi.advanceTimersByTimeAsync(100);
    expect(socket.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(49);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
    expect(errors[0]?.message).toBe('no frame for 150 ms');
    expect(socket.closeCalls).toHaveLength(1); // dropped at once, no waiting for a closing handshake
    expect(closes).toMatchObject([{ code: 1006, phase: 'open', error: { code: 'ERR_HEARTBEAT_TIMEOUT' } }]);
    await vi.advanceTimersByTimeAsync(1); // the backoff: minDelay 1, no jitter
    const next = await net.nextSocket();
    next.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(line.readyState).toBe(Lifeline.OPEN);
  });

  test('a socket that can be terminated (ws) is terminated on a timeout: no closing handshake with a dead peer', async () => {
    const net = new FakeNetwork();
    const terminated: WebSocketLike[] = [];
    class TerminableSocket extends net.WebSocket {
      terminate(): void {
        terminated.push(this);
        this.readyState = 3;
      }
    }
    const line = new Lifeline('ws://fake/feed', {
      WebSocket: TerminableSocket,
      reconnect: { minDelay: 1, jitter: false },
    });
    onTestFinished(() => closeFully(line, net));
    heartbeat(line, messageMode);
    const counters = stats(line);
    const socket = await net.nextSocket();
    socket.open();
    await vi.advanceTimersByTimeAsync(150);

    expect(terminated).toEqual([socket]);
    expect(socket.closeCalls).toEqual([]);
    expect(counters.lastError?.code).toBe('ERR_HEARTBEAT_TIMEOUT');
  });

  test('calls a ping function for every ping', async () => {
    let n = 0;
    const { socket } = await openLine({ ...messageMode, ping: () => `ping ${++n}` });
    await vi.advanceTimersByTimeAsync(100);
    socket.receive('pong');
    await vi.advanceTimersByTimeAsync(100 + 2 * TICK);
    expect(socket.sent).toEqual(['ping 1', 'ping 2']);
  });
});

describe("'passive' mode", () => {
  test('sends nothing and times out after `interval + timeout` of silence', async () => {
    const { socket, errors } = await openLine({ mode: 'passive', interval: 100, timeout: 50 });
    await vi.advanceTimersByTimeAsync(140);
    socket.receive('"server ping"');
    await vi.advanceTimersByTimeAsync(149);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1 + 2 * TICK);
    expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
    expect(socket.sent).toEqual([]);
  });
});

describe('deadlines on the clock', () => {
  /** Timers that never fire, like a stalled event loop or a throttled tab, on a clock the test moves. */
  function stalledTimers() {
    let now = 1_000_000;
    const timers: Timers = { setTimeout: () => 0, clearTimeout: () => {}, now: () => now };
    return { timers, advance: (ms: number) => (now += ms) };
  }
  /** Ends the synchronous run: the sends of one run share one reading of the clock. */
  const endOfRun = () => Promise.resolve();

  test('a send finds a dead connection whose timers never fired, and the message is queued instead', async () => {
    const { timers, advance } = stalledTimers();
    const { line, socket, errors } = await openLine(messageMode, { timers });

    advance(100);
    line.send('first'); // the ping is overdue: it goes out now, before the message
    expect(socket.sent).toEqual(['ping', 'first']);
    await endOfRun();
    advance(49);
    line.send('second');
    expect(errors).toEqual([]);
    await endOfRun();
    advance(1);
    line.send('third'); // the ping's deadline passed: the socket is dead, the message waits for the next one
    await vi.advanceTimersByTimeAsync(0); // the attempt loop reports the failure a few promise turns later

    expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
    expect(socket.sent).toEqual(['ping', 'first', 'second']);
    expect(socket.closeCalls).toHaveLength(1);
    expect(takeQueued(line)).toEqual(['third']);
  });

  test('frames that arrive after a stall count before a send in the same burst checks the deadline', async () => {
    const { timers, advance } = stalledTimers();
    const { line, socket, errors } = await openLine(
      { mode: 'passive', interval: 100, timeout: 50 },
      { timers },
    );

    advance(1000); // the loop was stalled far past the deadline; what it held now arrives at once
    socket.receive('"late but alive"');
    line.send('reply'); // in the same burst: the frame's time is read before the deadline is

    expect(errors).toEqual([]);
    expect(socket.sent).toEqual(['reply']);
    await endOfRun();
    advance(150);
    line.send('later');
    expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
  });

  test('the sends of one synchronous run share one reading of the clock; the next run reads it again', async () => {
    const { timers, advance } = stalledTimers();
    const { line, socket, errors } = await openLine(messageMode, { timers });

    line.send('first');
    advance(100); // the ping falls due during the run, which no timer or frame can interrupt
    line.send('second');
    expect(socket.sent).toEqual(['first', 'second']);

    await endOfRun();
    line.send('third'); // the next run's first send sees it
    expect(socket.sent).toEqual(['first', 'second', 'ping', 'third']);
    expect(errors).toEqual([]);
  });

  test('every Lifeline that sent in a run reads the clock again in the next', async () => {
    const { timers, advance } = stalledTimers();
    const lines = [await openLine(messageMode, { timers }), await openLine(messageMode, { timers })];

    for (const { line } of lines) line.send('first');
    advance(100);
    for (const { line } of lines) line.send('second');
    await endOfRun();
    for (const { line } of lines) line.send('third');

    for (const { socket } of lines) expect(socket.sent).toEqual(['first', 'second', 'ping', 'third']);
  });

  test('timeoutScale stretches the timeout while it says so', async () => {
    const { socket, errors } = await openLine({ ...messageMode, timeoutScale: () => 2 });
    await vi.advanceTimersByTimeAsync(100);
    expect(socket.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(99);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
  });

  test('probe() pings at once and applies its own timeout', async () => {
    const { line, socket, errors } = await openLine(messageMode);
    await vi.advanceTimersByTimeAsync(10);
    probe(line, 20);
    expect(socket.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(19);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
  });

  test('probe() does nothing without a heartbeat or in passive mode', async () => {
    const plain = await openLine({ mode: false });
    probe(plain.line, 1);
    const passive = await openLine({ mode: 'passive', interval: 100, timeout: 50 });
    probe(passive.line, 1);
    await vi.advanceTimersByTimeAsync(20);
    expect([...plain.errors, ...passive.errors]).toEqual([]);
    expect([...plain.socket.sent, ...passive.socket.sent]).toEqual([]);
  });
});

describe('lifecycle', () => {
  test('leaves no timer behind once the Lifeline is closed', async () => {
    const { line, socket } = await openLine(messageMode);
    await vi.advanceTimersByTimeAsync(100); // a ping is outstanding
    line.close();
    socket.serverClose(1000);
    expect(line.readyState).toBe(Lifeline.CLOSED);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('mode false sends nothing and never times out', async () => {
    const { socket, errors } = await openLine({ mode: false, interval: 1, timeout: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.sent).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe("'frame' mode", () => {
  test('pings with ping frames and counts pongs and server pings as life', async () => {
    const net = new FakeNetwork();
    /** A socket with protocol pings, standing in for ws: the test answers pings with pongs. */
    class PingingSocket extends net.WebSocket {
      pings = 0;
      onpong: (() => void) | null = null;
      onping: (() => void) | null = null;
      ping(): void {
        this.pings++;
      }
    }
    const line = new Lifeline('ws://fake/feed', { WebSocket: PingingSocket, reconnect: { minDelay: 1 } });
    onTestFinished(() => closeFully(line, net));
    heartbeat(line, { interval: 100, timeout: 50 });
    const timeouts: string[] = [];
    line.on('error', (error) => timeouts.push(error.message));
    const socket = (await net.nextSocket()) as PingingSocket;
    socket.open();

    await vi.advanceTimersByTimeAsync(100);
    expect(socket.pings).toBe(1);
    socket.onpong?.call(socket);
    await vi.advanceTimersByTimeAsync(90);
    socket.onping?.call(socket);
    await vi.advanceTimersByTimeAsync(90);
    expect(socket.pings).toBe(1); // the server's ping 90 ms ago was life enough
    await vi.advanceTimersByTimeAsync(10 + 50 + 2 * TICK);
    expect(socket.pings).toBe(2);
    expect(timeouts).toEqual(['no frame for 150 ms']);
    expect(socket.sent).toEqual([]); // frame mode sends no messages
    expect(socket.onpong).toBeNull(); // stopped and let go of the socket
  });
});

describe('one clock per timers object', () => {
  /** A line on `timers` with a 'message' heartbeat attached right after `new`, opened. */
  async function lineOn(timers: Timers) {
    const net = new FakeNetwork();
    const line = new Lifeline('ws://fake/feed', { WebSocket: net.WebSocket, timers });
    onTestFinished(() => closeFully(line, net));
    heartbeat(line, messageMode);
    const socket = await net.nextSocket();
    socket.open();
    await vi.advanceTimersByTimeAsync(0);
    return { line, socket };
  }

  test('a heartbeat attached right after `new` watches the first connection', async () => {
    const { socket } = await lineOn(countingTimers());
    await vi.advanceTimersByTimeAsync(100);
    expect(socket.sent).toEqual(['ping']);
  });

  test('two lines on one timers object share one timer; it stops when the last line closes', async () => {
    const timers = countingTimers();
    expect(timers.pendingShort).toBe(0);
    const first = await lineOn(timers);
    expect(timers.pendingShort).toBe(1);
    const second = await lineOn(timers);
    expect(timers.pendingShort).toBe(1);

    await vi.advanceTimersByTimeAsync(100); // both ping, from the one shared timer
    expect([first.socket.sent, second.socket.sent]).toEqual([['ping'], ['ping']]);
    expect(timers.pendingShort).toBe(1);

    first.line.close();
    first.socket.serverClose(1000);
    expect(timers.pendingShort).toBe(1);
    second.line.close();
    second.socket.serverClose(1000);
    expect(timers.pendingShort).toBe(0);
    expect(vi.getTimerCount()).toBe(0); // nothing left running: the process can exit
  });

  test('a line that loses its connection leaves the clock until the next one opens', async () => {
    const timers = countingTimers();
    const net = new FakeNetwork();
    const line = new Lifeline('ws://fake/feed', {
      WebSocket: net.WebSocket,
      timers,
      reconnect: { minDelay: 5_000, jitter: false }, // a long backoff: a timer the count ignores
    });
    onTestFinished(() => closeFully(line, net));
    heartbeat(line, messageMode);
    const socket = await net.nextSocket();
    socket.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(timers.pendingShort).toBe(1);
    socket.serverClose();
    expect(timers.pendingShort).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    const next = await net.nextSocket();
    next.open();
    await vi.advanceTimersByTimeAsync(100);
    expect(next.sent).toEqual(['ping']);
  });

  test('the returned function detaches the heartbeat', async () => {
    const net = new FakeNetwork();
    const line = new Lifeline('ws://fake/feed', { WebSocket: net.WebSocket });
    onTestFinished(() => closeFully(line, net));
    const detach = heartbeat(line, messageMode);
    const socket = await net.nextSocket();
    socket.open();
    await vi.advanceTimersByTimeAsync(50);
    detach();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    const frames: unknown[] = [];
    line.addEventListener('message', (event) => frames.push(event.data));
    socket.receive('pong'); // no longer a heartbeat reply: the application sees it
    expect(frames).toEqual(['pong']);
  });
});

describe('one heartbeat per line', () => {
  test('a second heartbeat replaces the first, and mode false removes it', async () => {
    const { line, socket } = await openLine(messageMode);
    heartbeat(line, { ...messageMode, ping: 'second ping' });
    await vi.advanceTimersByTimeAsync(100);
    expect(socket.sent).toEqual(['second ping']);
    heartbeat(line, { mode: false });
    socket.receive('pong');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(socket.sent).toEqual(['second ping']);
    expect(line.readyState).toBe(Lifeline.OPEN);
  });
});

describe('options', () => {
  const net = new FakeNetwork();
  const make = (options: unknown) => {
    const line = new Lifeline('ws://fake', { WebSocket: net.WebSocket, autoConnect: false });
    return heartbeat(line, options as HeartbeatOptions);
  };

  test('bad values throw, naming the option and the value', () => {
    expect(() => make({ mode: 'loud' })).toThrow(
      new RangeError(
        "Lifeline: option 'heartbeat.mode' must be 'frame', 'message', 'passive' or false, got loud",
      ),
    );
    expect(() => make({ ...messageMode, interval: 0 })).toThrow(
      new RangeError("Lifeline: option 'heartbeat.interval' must be > 0, got 0"),
    );
    expect(() => make({ ...messageMode, timeout: -1 })).toThrow(
      /'heartbeat.timeout' must be a number >= 0, got -1/,
    );
    expect(() => make({ ...messageMode, isPong: 'pong' })).toThrow(
      new TypeError("Lifeline: option 'heartbeat.isPong' must be a function, got pong"),
    );
    expect(() => make({ mode: 'message' })).toThrow(
      new TypeError("Lifeline: heartbeat mode 'message' needs the option 'heartbeat.ping'"),
    );
  });

  test("'frame' mode needs a socket with ping(), which the fake (like a browser's) lacks", () => {
    expect(() => make({})).toThrow(/heartbeat mode 'frame' needs a WebSocket with ping\(\)/);
  });

  test('options that are not an object are a TypeError', () => {
    expect(() => make('fast')).toThrow(
      new TypeError('Lifeline: heartbeat() takes an options object, got fast'),
    );
  });
});
