import { heartbeat, type SessionOptions, session } from '@lifeline/core';
import * as v from 'valibot';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { nextEvent } from '../../../test/helpers/server.js';
import { FAKED_TIMERS, fakeLine } from './harness.js';
import {
  acksOf,
  dataOf,
  helloOf,
  openSessionLine,
  PROTOCOL,
  reconnectWith,
  welcome,
} from './session-harness.js';

function useFakeTimers() {
  vi.useFakeTimers({ toFake: [...FAKED_TIMERS] });
  onTestFinished(() => {
    vi.useRealTimers();
  });
}

/** Settles pending promise callbacks (a handler's, a receipt's) without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('session: receiving', () => {
  test('delivers each message once and in order; a resent copy is not delivered again', async () => {
    const { line, socket } = await openSessionLine();
    const got: unknown[] = [];
    line.on('message', (message) => got.push(message));
    socket.receive('d1 0\n"a"');
    socket.receive('d2 0\n"b"');
    socket.receive('d1 0\n"a"');
    socket.receive('d3 0\n{"n":3}');
    expect(got).toEqual(['a', 'b', { n: 3 }]);
  });

  test('the standard message event carries the payload, not the frame', async () => {
    const { line, socket } = await openSessionLine();
    const raw: unknown[] = [];
    line.addEventListener('message', (event) => raw.push(event.data));
    socket.receive('d1 0\npayload');
    expect(raw).toEqual(['payload']);
  });

  test('a binary data frame delivers the bytes after its header as an ArrayBuffer', async () => {
    const { line, socket } = await openSessionLine();
    const raw: unknown[] = [];
    line.addEventListener('message', (event) => raw.push(event.data));
    const header = new TextEncoder().encode('d1 0\n');
    const frame = new Uint8Array([...header, 7, 8, 9]);
    socket.receive(frame.buffer);
    expect(raw[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(raw[0] as ArrayBuffer)]).toEqual([7, 8, 9]);
    expect(line.binaryType).toBe('arraybuffer');
  });

  test('a gap is never delivered: the client closes with 4500 and resumes from what completed', async () => {
    const { net, line, socket } = await openSessionLine();
    const got: unknown[] = [];
    line.on('message', (message) => got.push(message));
    socket.receive('d1 0\n1');
    socket.receive('d3 0\n3');
    expect(got).toEqual([1]);
    expect(socket.closeCalls).toEqual([[4500, '']]);
    const next = await net.nextSocket();
    next.open(PROTOCOL);
    expect(helloOf(next).rx).toBe(1);
    const opened = nextEvent(line, 'open');
    next.receive(welcome({ resumed: true }));
    next.receive('d2 0\n2');
    next.receive('d3 0\n3');
    await opened;
    await Promise.resolve();
    expect(got).toEqual([1, 2, 3]);
  });

  test('a malformed frame emits invalid, is not delivered, and the client closes with 4400', async () => {
    const { line, socket } = await openSessionLine();
    const invalid: unknown[] = [];
    line.on('invalid', ({ data, issues }) => invalid.push([data, issues[0]?.message]));
    const got: unknown[] = [];
    line.on('message', (message) => got.push(message));
    socket.receive('dx 0\nnope');
    expect(invalid).toEqual([['dx 0\nnope', "a bad data header 'dx 0'"]]);
    expect(got).toEqual([]);
    expect(socket.closeCalls).toEqual([[4400, '']]);
  });

  test('a ping is answered with a pong carrying its id', async () => {
    const { socket } = await openSessionLine();
    socket.receive('p17');
    expect(socket.sent.at(-1)).toBe('q17');
  });

  test('a data frame that arrives with the welcome is delivered after open', async () => {
    const { net, line } = fakeLine();
    session(line);
    const order: string[] = [];
    line.on('open', () => order.push('open'));
    line.on('message', (message) => order.push(String(message)));
    const socket = await net.nextSocket();
    const opened = nextEvent(line, 'open');
    socket.open(PROTOCOL);
    socket.receive(welcome());
    socket.receive('d1 0\n"first"');
    await opened;
    expect(order).toEqual(['open', 'first']);
  });
});

describe('session: acknowledgements', () => {
  test('one ack frame per 64 completed messages, at once', async () => {
    const { socket } = await openSessionLine();
    for (let seq = 1; seq <= 130; seq++) socket.receive(`d${seq} 0\n${seq}`);
    expect(acksOf(socket)).toEqual([64, 128]);
  });

  test('fewer than 64: one ack 200 ms after the first completed, armed from the receive path', async () => {
    useFakeTimers();
    const { socket } = await openSessionLine();
    await vi.advanceTimersByTimeAsync(1000);
    expect(acksOf(socket)).toEqual([]);
    socket.receive('d1 0\n1');
    await vi.advanceTimersByTimeAsync(150);
    socket.receive('d2 0\n2');
    await vi.advanceTimersByTimeAsync(49);
    expect(acksOf(socket)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(acksOf(socket)).toEqual([2]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(acksOf(socket)).toEqual([2]);
  });

  test('a data frame going the other way carries the ack and makes the ack frame needless', async () => {
    useFakeTimers();
    const { line, socket } = await openSessionLine();
    socket.receive('d1 0\n1');
    line.send('reply');
    await vi.advanceTimersByTimeAsync(500);
    expect(dataOf(socket)).toEqual([{ seq: 1, ack: 1, payload: 'reply' }]);
    expect(acksOf(socket)).toEqual([]);
  });
});

describe('session: the handler', () => {
  test('runs one at a time in order, and a message is acknowledged only once its handler settled', async () => {
    useFakeTimers();
    const calls: string[] = [];
    const { socket } = await openSessionLine({
      handler: async (message, { seq }) => {
        calls.push(`start ${seq}:${String(message)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        calls.push(`end ${seq}`);
      },
    });
    socket.receive('d1 0\n"a"');
    socket.receive('d2 0\n"b"');
    await vi.advanceTimersByTimeAsync(699);
    expect(calls).toEqual(['start 1:a', 'end 1', 'start 2:b']);
    expect(acksOf(socket)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(acksOf(socket)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toEqual(['start 1:a', 'end 1', 'start 2:b', 'end 2']);
    expect(acksOf(socket)).toEqual([1, 2]);
  });

  test('a copy resent while its handler still runs is not handled again; the ack follows completion', async () => {
    useFakeTimers();
    let runs = 0;
    const { net, line, socket } = await openSessionLine({
      handler: async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 500));
      },
    });
    socket.receive('d1 0\n"slow"');
    await vi.advanceTimersByTimeAsync(100);
    const next = await reconnectWith(net, line, socket);
    expect(helloOf(next).rx).toBe(0);
    next.receive('d1 0\n"slow"');
    await vi.advanceTimersByTimeAsync(600);
    expect(runs).toBe(1);
    expect(acksOf(next)).toEqual([1]);
  });

  test('a rejecting handler is retried up to maxAttempts, then reported once as deadletter and acknowledged', async () => {
    const attempts: number[] = [];
    const { line, socket } = await openSessionLine({
      maxAttempts: 3,
      handler: async (message, { attempt }) => {
        attempts.push(attempt);
        if (message === 'poison') throw new Error('cannot');
      },
    });
    const deadletters: unknown[] = [];
    line.on('deadletter', ({ message, seq, attempts: count, error }) =>
      deadletters.push([message, seq, count, (error as Error).message]),
    );
    const got: unknown[] = [];
    line.on('message', (message) => got.push(message));
    for (let seq = 1; seq <= 64; seq++) socket.receive(`d${seq} 0\n${seq === 1 ? '"poison"' : seq}`);
    await vi.waitFor(() => expect(acksOf(socket)).toEqual([64]));
    expect(attempts.slice(0, 4)).toEqual([1, 2, 3, 1]);
    expect(deadletters).toEqual([['poison', 1, 3, 'cannot']]);
    expect(got).toHaveLength(64);
  });
});

describe('session: an async schema', () => {
  /**
   * A session line whose schema takes 100 ms (fake timers) to validate a number and refuses negative ones,
   * with `handler`; `log` is for the test's own entries.
   */
  async function openWithSlowSchema(handler?: SessionOptions['handler']) {
    useFakeTimers();
    const schema = v.pipeAsync(
      v.number(),
      v.checkAsync(async (n) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return n >= 0;
      }, 'must not be negative'),
    );
    const opened = await openSessionLine(handler ? { handler } : {}, { schema });
    return { ...opened, log: [] as string[] };
  }

  test('a message completes only after its validated value was dispatched and the handler settled', async () => {
    const {
      line,
      session: handle,
      socket,
      log,
    } = await openWithSlowSchema(async (message, { seq }) => {
      log.push(`handler ${seq}:${String(message)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    line.on('message', (message) => log.push(`message ${String(message)}`));
    socket.receive('d1 0\n1');
    socket.receive('d2 0\n2');
    await vi.advanceTimersByTimeAsync(99);
    expect(log).toEqual([]);
    expect(handle.watermarks).toMatchObject({ received: 2, completed: 0 });
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['message 1', 'handler 1:1']);
    expect(handle.watermarks.completed).toBe(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(handle.watermarks.completed).toBe(1);
    // the next message's path starts once the previous one completed: handlers run in order
    await vi.advanceTimersByTimeAsync(150);
    expect(log).toEqual(['message 1', 'handler 1:1', 'message 2', 'handler 2:2']);
    expect(handle.watermarks.completed).toBe(2);
    expect(acksOf(socket)).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    expect(acksOf(socket)).toEqual([2]);
  });

  test('a message the async schema refuses completes after its invalid event; the handler never sees it', async () => {
    const {
      line,
      session: handle,
      socket,
      log,
    } = await openWithSlowSchema((message) => {
      log.push(`handler ${String(message)}`);
    });
    line.on('invalid', ({ data, issues }) => log.push(`invalid ${String(data)}: ${issues[0]?.message}`));
    socket.receive('d1 0\n-1');
    socket.receive('d2 0\n2');
    await vi.advanceTimersByTimeAsync(99);
    expect(handle.watermarks.completed).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['invalid -1: must not be negative']);
    expect(handle.watermarks.completed).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(log).toEqual(['invalid -1: must not be negative', 'handler 2']);
    expect(handle.watermarks.completed).toBe(2);
    await vi.advanceTimersByTimeAsync(200);
    expect(acksOf(socket)).toEqual([2]);
  });

  test('without a handler, the ack still waits for the dispatch to the message listeners', async () => {
    const { line, session: handle, socket, log } = await openWithSlowSchema();
    line.on('message', (message) => log.push(`message ${String(message)}`));
    socket.receive('d1 0\n7');
    await vi.advanceTimersByTimeAsync(99);
    expect(handle.watermarks.completed).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(log).toEqual(['message 7']);
    expect(handle.watermarks.completed).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(acksOf(socket)).toEqual([1]);
  });
});

describe('session: living with other capabilities', () => {
  test('a heartbeat attached after the session still hears the frames the session swallows', async () => {
    useFakeTimers();
    const { line, socket } = await openSessionLine();
    heartbeat(line, { mode: 'passive', interval: 100, timeout: 100 });
    const errors: string[] = [];
    line.on('error', (error) => errors.push(error.code));
    for (let seq = 1; seq <= 10; seq++) {
      socket.receive(`d${seq} 0\n${seq}`);
      await vi.advanceTimersByTimeAsync(90);
    }
    expect(errors).toEqual([]);
    await vi.advanceTimersByTimeAsync(400);
    expect(errors).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
    await settle();
  });
});
