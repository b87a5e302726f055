import {
  createHeartbeat,
  type HeartbeatOptions,
  Lifeline,
  type LifelineError,
  type LifelineOptions,
  type Timers,
  type WebSocketLike,
} from '@lifeline/core';
import { afterEach, beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
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

/** A Lifeline on a fake network with a heartbeat, its open socket, and what it reported. */
async function openLine(heartbeat: HeartbeatOptions, extra: Partial<LifelineOptions> = {}) {
  const net = new FakeNetwork();
  const line = new Lifeline('ws://fake/feed', {
    WebSocket: net.WebSocket,
    createHeartbeat,
    heartbeat,
    reconnect: { minDelay: 1, jitter: false },
    ...extra,
  });
  onTestFinished(() => line.close());
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
    await vi.advanceTimersByTimeAsync(10);
    expect(socket.sent).toEqual(['ping']);
  });

  test('the next ping comes `interval` after the answer, even when the timeout is longer', async () => {
    const { socket } = await openLine({ ...messageMode, interval: 30, timeout: 100 });
    await vi.advanceTimersByTimeAsync(30);
    await vi.advanceTimersByTimeAsync(5);
    socket.receive('pong');
    await vi.advanceTimersByTimeAsync(29);
    expect(socket.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(1);
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
      createHeartbeat,
      heartbeat: messageMode,
      reconnect: { minDelay: 1, jitter: false },
    });
    onTestFinished(() => line.close());
    const socket = await net.nextSocket();
    socket.open();
    await vi.advanceTimersByTimeAsync(150);

    expect(terminated).toEqual([socket]);
    expect(socket.closeCalls).toEqual([]);
    expect(line.stats.lastError?.code).toBe('ERR_HEARTBEAT_TIMEOUT');
  });

  test('calls a ping function for every ping', async () => {
    let n = 0;
    const { socket } = await openLine({ ...messageMode, ping: () => `ping ${++n}` });
    await vi.advanceTimersByTimeAsync(100);
    socket.receive('pong');
    await vi.advanceTimersByTimeAsync(100);
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
    await vi.advanceTimersByTimeAsync(1);
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
    expect(line.takeQueued()).toEqual(['third']);
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
    line.probe(20);
    expect(socket.sent).toEqual(['ping']);
    await vi.advanceTimersByTimeAsync(19);
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
  });

  test('probe() does nothing without a heartbeat or in passive mode', async () => {
    const plain = await openLine({ mode: false });
    plain.line.probe(1);
    const passive = await openLine({ mode: 'passive', interval: 100, timeout: 50 });
    passive.line.probe(1);
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
  /** A socket with protocol pings, standing in for ws: the test answers pings with pongs. */
  class PingingSocket {
    pings = 0;
    onpong: (() => void) | null = null;
    onping: (() => void) | null = null;
    ping(): void {
      this.pings++;
    }
    send(): void {
      throw new Error('frame mode must not send messages');
    }
  }

  test('pings with ping frames and counts pongs and server pings as life', async () => {
    const timeouts: string[] = [];
    const monitor = createHeartbeat(
      { interval: 100, timeout: 50 },
      {
        timers: { setTimeout, clearTimeout, now: Date.now },
        WebSocket: PingingSocket as never,
        onTimeout: (error) => timeouts.push(error.message),
      },
    );
    const socket = new PingingSocket();
    monitor?.start(socket as unknown as WebSocketLike);
    await vi.advanceTimersByTimeAsync(100);
    expect(socket.pings).toBe(1);
    socket.onpong?.();
    await vi.advanceTimersByTimeAsync(90);
    socket.onping?.();
    await vi.advanceTimersByTimeAsync(90);
    expect(socket.pings).toBe(1); // the server's ping 90 ms ago was life enough
    await vi.advanceTimersByTimeAsync(10 + 50);
    expect(socket.pings).toBe(2);
    expect(timeouts).toEqual(['no frame for 150 ms']);
    expect(socket.onpong).toBeNull(); // stopped itself and let go of the socket
  });
});

describe('options', () => {
  const net = new FakeNetwork();
  const make = (heartbeat: unknown, extra: Partial<LifelineOptions> = { createHeartbeat }) =>
    new Lifeline('ws://fake', {
      WebSocket: net.WebSocket,
      autoConnect: false,
      heartbeat: heartbeat as HeartbeatOptions,
      ...extra,
    });

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

  test('a heartbeat without its implementation is a TypeError', () => {
    expect(() => make(messageMode, {})).toThrow(
      new TypeError("Lifeline: 'heartbeat' needs 'createHeartbeat'"),
    );
  });
});
