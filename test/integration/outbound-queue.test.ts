import {
  type DropReason,
  drained,
  handshake,
  Lifeline,
  type LifelineOptions,
  type NodeLifelineOptions,
  opened,
  sendNowOrDrop,
  sendSticky,
  sendWithin,
  takeQueued,
  unstick,
} from '@lifeline/node';
import { describe, expect, onTestFinished, test } from 'vitest';
import { countingTimers } from '../helpers/counting-timers.js';
import { nextEvent, startServer, type TestServer } from '../helpers/server.js';

const fast = { reconnect: { minDelay: 1, maxDelay: 20, minUptime: 0 } } satisfies LifelineOptions;

function connect(server: TestServer, options: NodeLifelineOptions = {}): Lifeline {
  const line = new Lifeline(server.url, { ...fast, ...options });
  onTestFinished(() => line.close());
  return line;
}

function recordDrops(line: Lifeline): Array<{ data: unknown; reason: DropReason }> {
  const drops: Array<{ data: unknown; reason: DropReason }> = [];
  line.on('drop', (drop) => drops.push(drop));
  return drops;
}

/** Takes the server down and waits until the client has noticed: from then on, sends queue. */
async function outage(line: Lifeline, server: TestServer): Promise<void> {
  const noticed = nextEvent(line, 'reconnecting');
  await server.stop();
  await noticed;
}

async function nextMessages(server: TestServer, count: number): Promise<string[]> {
  const messages: string[] = [];
  for (let i = 0; i < count; i++) messages.push(await server.nextMessage());
  return messages;
}

/** A Lifeline that was open and is now in an outage, with its drops recorded from then on. */
async function inOutage(options: LifelineOptions) {
  const server = await startServer();
  const line = connect(server, options);
  await opened(line);
  await outage(line, server);
  return { server, line, drops: recordDrops(line) };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

describe('bounds and overflow, 100 000 sends during an outage', () => {
  test("'drop-oldest' keeps the newest maxMessages and reports every other message as one overflow drop", async () => {
    const { server, line, drops } = await inOutage({ queue: { maxMessages: 1000 } });

    const results = new Set<boolean>();
    for (let i = 0; i < 100_000; i++) results.add(line.send(String(i)));

    expect(results).toEqual(new Set([true]));
    expect(drops).toHaveLength(99_000);
    expect(drops.every(({ reason }) => reason === 'overflow')).toBe(true);
    expect(drops.map(({ data }) => data)).toEqual(range(0, 99_000));
    await server.start();
    expect(await nextMessages(server, 1000)).toEqual(range(99_000, 100_000));
    await drained(line);
    expect(drops).toHaveLength(99_000);
  });

  test("'drop-newest' keeps the first maxMessages; send() returns false for each message it drops", async () => {
    const { server, line, drops } = await inOutage({ queue: { maxMessages: 1000, overflow: 'drop-newest' } });

    const refused: string[] = [];
    for (let i = 0; i < 100_000; i++) if (!line.send(String(i))) refused.push(String(i));

    expect(refused).toEqual(range(1000, 100_000));
    expect(drops.map(({ data }) => data)).toEqual(refused);
    expect(new Set(drops.map(({ reason }) => reason))).toEqual(new Set(['overflow']));
    await server.start();
    expect(await nextMessages(server, 1000)).toEqual(range(0, 1000));
  });

  test("'reject' throws ERR_QUEUE_FULL and leaves the message with the caller: no drop event", async () => {
    const { line, drops } = await inOutage({ queue: { maxMessages: 1000, overflow: 'reject' } });

    const codes = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      try {
        line.send(String(i));
      } catch (error) {
        const code = (error as { code: string }).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }

    expect(codes).toEqual(new Map([['ERR_QUEUE_FULL', 99_000]]));
    expect(drops).toEqual([]);
    expect(takeQueued(line)).toEqual(range(0, 1000));
  });

  test('maxBytes counts UTF-8 bytes, not UTF-16 units', async () => {
    const { server, line, drops } = await inOutage({ queue: { maxBytes: 10_000 } });
    // 6 ASCII digits + 47 × 'é' (2 bytes each): 100 bytes on the wire, a string of length 53
    const message = (i: number) => `${String(i).padStart(6, '0')}${'é'.repeat(47)}`;

    let maxBuffered = 0;
    for (let i = 0; i < 100_000; i++) {
      line.send(message(i));
      maxBuffered = Math.max(maxBuffered, line.bufferedAmount);
    }

    expect(maxBuffered).toBe(10_000);
    expect(drops).toHaveLength(99_900);
    expect(drops.at(-1)).toEqual({ data: message(99_899), reason: 'overflow' });
    await server.start();
    const arrived = await nextMessages(server, 100);
    expect(arrived).toEqual(Array.from({ length: 100 }, (_, i) => message(99_900 + i)));
  });
});

describe('send capabilities and drop reasons', () => {
  test('a message larger than maxBytes is dropped as too-big, also when it could go at once', async () => {
    const server = await startServer();
    const line = connect(server, { queue: { maxBytes: 1000 } });
    const drops = recordDrops(line);
    await opened(line);

    // 600 characters, 1200 UTF-8 bytes
    expect(line.send('é'.repeat(600))).toBe(false);
    expect(line.send('x'.repeat(1000))).toBe(true);

    expect(drops).toEqual([{ data: 'é'.repeat(600), reason: 'too-big' }]);
    expect(await server.nextMessage()).toBe('x'.repeat(1000));
  });

  test('a message whose ttl passes while queued is dropped as expired when it expires, with no flush', async () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    onTestFinished(() => line.close());
    const drops = recordDrops(line);
    const dropped = nextEvent(line, 'drop');

    expect(sendWithin(line, 'short', 20)).toBe(true);
    sendWithin(line, 'long', 60_000);
    line.send('forever');

    expect(await dropped).toEqual([{ data: 'short', reason: 'expired' }]);
    expect(drops).toHaveLength(1);
    expect(takeQueued(line)).toEqual(['long', 'forever']);
  });

  test('messages with different ttls are each reported when they expire, earliest first', async () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    onTestFinished(() => line.close());
    const drops: unknown[] = [];
    const allDropped = new Promise<void>((resolve) => {
      line.on('drop', ({ data }) => drops.push(data) === 3 && resolve());
    });

    sendWithin(line, '30 ms', 30);
    sendWithin(line, '10 ms', 10);
    line.send('no ttl');
    sendWithin(line, '20 ms', 20);
    await allDropped;

    expect(drops).toEqual(['10 ms', '20 ms', '30 ms']);
    expect(takeQueued(line)).toEqual(['no ttl']);
  });

  test('queued messages still in their ttl go out in order; the expired ones do not', async () => {
    const server = await startServer();
    const line = connect(server, { autoConnect: false });
    const expired = nextEvent(line, 'drop');
    line.send('a');
    sendWithin(line, 'b', 10);
    sendWithin(line, 'c', 60_000);
    await expired;

    line.open();

    expect(await nextMessages(server, 2)).toEqual(['a', 'c']);
  });

  test('a message sent within its ttl right after new goes on the first open, and leaves no timer behind', async () => {
    const server = await startServer();
    const timers = countingTimers();
    // the heartbeat's shared ticker is a short timer too: this counts the expiry timer
    const line = connect(server, { timers, heartbeat: false });
    const drops = recordDrops(line);

    expect(sendWithin(line, 'fresh', 500)).toBe(true);
    line.send('plain');
    expect(timers.pendingShort).toBe(1);

    expect(await nextMessages(server, 2)).toEqual(['fresh', 'plain']);
    expect(drops).toEqual([]);
    expect(timers.pendingShort).toBe(0);
  });

  test('a bad ttl is a RangeError naming it, and the message is not taken', () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    onTestFinished(() => line.close());

    expect(() => sendWithin(line, 'x', -1)).toThrow(/'ttl'.*-1/);
    expect(() => sendWithin(line, 'x', Number.NaN)).toThrow(RangeError);
    expect(takeQueued(line)).toEqual([]);
  });

  test('a volatile message goes when it can go at once, and is dropped as volatile otherwise', async () => {
    const server = await startServer();
    const line = connect(server, { autoConnect: false });
    const drops = recordDrops(line);

    expect(sendNowOrDrop(line, 'while idle')).toBe(false);
    line.open();
    await opened(line);
    expect(sendNowOrDrop(line, 'while open')).toBe(true);

    expect(drops).toEqual([{ data: 'while idle', reason: 'volatile' }]);
    expect(await server.nextMessage()).toBe('while open');
  });

  test('after close(), queued messages are dropped as closed, and later sends too', async () => {
    const server = await startServer();
    const line = connect(server, { autoConnect: false });
    const drops = recordDrops(line);
    line.send('a');
    line.send('b');

    line.close();

    expect(line.send('c')).toBe(false);
    expect(drops).toEqual([
      { data: 'a', reason: 'closed' },
      { data: 'b', reason: 'closed' },
      { data: 'c', reason: 'closed' },
    ]);
    expect(takeQueued(line)).toEqual([]);
  });

  test('a send while close() waits for the closing handshake is dropped as closed, not lost in the socket', async () => {
    const server = await startServer();
    const line = connect(server);
    await opened(line);
    const drops = recordDrops(line);

    line.close();

    expect(line.readyState).toBe(Lifeline.CLOSING);
    expect(line.send('late')).toBe(false);
    expect(drops).toEqual([{ data: 'late', reason: 'closed' }]);
  });

  test('takeQueued() hands the unsent messages back in order, without drop events', async () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    onTestFinished(() => line.close());
    const drops = recordDrops(line);
    line.send({ n: 1 });
    line.send('two');

    expect(takeQueued(line)).toEqual([{ n: 1 }, 'two']);
    expect(line.bufferedAmount).toBe(0);
    line.close();
    expect(drops).toEqual([]);
  });
});

describe('order', () => {
  test('handshake, then queued messages, then what open handlers send', async () => {
    const server = await startServer();
    const line = connect(server, { autoConnect: false });
    handshake(line, async ({ send }) => {
      send('handshake: auth');
      // a send of the application's while the hook runs still queues behind the queue
      line.send('during handshake');
      await Promise.resolve();
    });
    line.send('queued 1');
    line.send('queued 2');
    line.on('open', () => line.send('from on(open)'));
    line.onopen = () => line.send('from onopen');
    line.addEventListener('open', () => line.send('from addEventListener'));

    line.open();

    expect(await nextMessages(server, 7)).toEqual([
      'handshake: auth',
      'queued 1',
      'queued 2',
      'during handshake',
      'from on(open)',
      'from onopen',
      'from addEventListener',
    ]);
  });

  test('a handshake that throws closes the connection and retries with backoff; the queue goes once, after it', async () => {
    const server = await startServer();
    let attempts = 0;
    const line = connect(server, {
      autoConnect: false,
      reconnect: { minDelay: 15, jitter: false, minUptime: 0 },
    });
    handshake(line, ({ send }) => {
      attempts++;
      send(`hello ${attempts}`);
      if (attempts === 1) throw new Error('token rejected');
    });
    const errors: string[] = [];
    line.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    const reconnecting = nextEvent(line, 'reconnecting');
    line.send('queued');

    line.open();
    const [first, second] = [await server.nextConnection(), server.nextConnection()];
    const firstClosed = new Promise<number>((resolve) => first.once('close', (code) => resolve(code)));

    expect((await reconnecting)[0]).toMatchObject({ attempt: 2, delay: 15 });
    expect(await firstClosed).toBe(1006);
    await second;
    await opened(line);
    expect(await nextMessages(server, 3)).toEqual(['hello 1', 'hello 2', 'queued']);
    expect(errors).toEqual(['ERR_HANDSHAKE_FAILED: the handshake hook failed: token rejected']);
  });
});

describe('sticky sends', () => {
  test('are re-sent after every reconnect, newest per key, until unstick()', async () => {
    const server = await startServer();
    const line = connect(server);
    await opened(line);

    sendSticky(line, 'auth', 'auth v1');
    sendSticky(line, 'sub', 'sub a');
    line.send('plain');
    expect(await nextMessages(server, 3)).toEqual(['auth v1', 'sub a', 'plain']);

    server.drop();
    expect(await nextMessages(server, 2)).toEqual(['auth v1', 'sub a']);

    sendSticky(line, 'sub', 'sub b');
    expect(await server.nextMessage()).toBe('sub b');
    server.drop();
    expect(await nextMessages(server, 2)).toEqual(['auth v1', 'sub b']);

    expect(unstick(line, 'auth')).toBe(true);
    expect(unstick(line, 'auth')).toBe(false);
    server.drop();
    await nextEvent(line, 'open');
    line.send('marker');
    expect(await nextMessages(server, 2)).toEqual(['sub b', 'marker']);
  });

  test('a sticky send during an outage goes once on the next connection, before the queue', async () => {
    const server = await startServer();
    const line = connect(server);
    await opened(line);
    sendSticky(line, 'sub', 'sub a');
    expect(await server.nextMessage()).toBe('sub a');
    await outage(line, server);

    line.send('queued 1');
    sendSticky(line, 'sub', 'sub b');
    sendSticky(line, 'sub', 'sub c');
    line.send('queued 2');
    await server.start();
    await opened(line);
    line.send('marker');

    expect(await nextMessages(server, 4)).toEqual(['sub c', 'queued 1', 'queued 2', 'marker']);
  });

  test('a sticky send right after new goes on the first open, before the queue, and after every reconnect', async () => {
    const server = await startServer();
    const line = connect(server);

    sendSticky(line, 'auth', 'auth');
    line.send('queued');
    expect(await nextMessages(server, 2)).toEqual(['auth', 'queued']);

    server.drop();
    await nextEvent(line, 'open');
    line.send('marker');
    expect(await nextMessages(server, 2)).toEqual(['auth', 'marker']);
  });

  test('need a string key: anything else is a TypeError naming it, and nothing is kept', () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    onTestFinished(() => line.close());

    expect(() => sendSticky(line, 10 as unknown as string, 'x')).toThrow(TypeError);
    expect(() => sendSticky(line, null as unknown as string, 'x')).toThrow(/key, got null/);
    expect(unstick(line, '10')).toBe(false);
  });
});

describe('drained(line) and opened(line)', () => {
  test('drained() waits for the queue to reach the server, across a reconnect', async () => {
    const server = await startServer();
    const line = connect(server);
    await opened(line);
    await outage(line, server);
    let isDrained = false;
    line.send('queued');
    const whenDrained = drained(line).then(() => {
      isDrained = true;
    });

    await server.start();
    expect(await server.nextMessage()).toBe('queued');
    await whenDrained;
    expect(isDrained).toBe(true);
    expect(line.bufferedAmount).toBe(0);
  });

  test('drained() right after new waits for the first connection to take the queue', async () => {
    const server = await startServer();
    const line = connect(server);
    line.send('queued');
    let isDrained = false;
    const whenDrained = drained(line).then(() => {
      isDrained = true;
    });

    expect(await server.nextMessage()).toBe('queued');
    await whenDrained;
    expect(isDrained).toBe(true);
    expect(line.readyState).toBe(Lifeline.OPEN);
  });

  test('drained() and opened() reject with ERR_CLOSED on close(), before the queue is dropped', async () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    line.send('queued');
    const whenDrained = drained(line);
    const whenOpen = opened(line);

    line.close();

    await expect(whenDrained).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(whenOpen).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(drained(line)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  test('opened() resolves on the next open, and at once while open', async () => {
    const server = await startServer();
    const line = connect(server);
    await opened(line);
    await expect(opened(line)).resolves.toBeUndefined();
    await outage(line, server);
    const reopened = opened(line);

    await server.start();

    await expect(reopened).resolves.toBeUndefined();
    expect(line.readyState).toBe(Lifeline.OPEN);
  });

  test('drained() rejects a bad limit with a RangeError', () => {
    const line = new Lifeline('ws://127.0.0.1:9', { autoConnect: false });
    onTestFinished(() => line.close());

    expect(() => drained(line, -5)).toThrow(/-5/);
  });
});
