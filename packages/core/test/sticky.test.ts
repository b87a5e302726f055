import { type DropReason, type Lifeline, sendSticky, takeQueued, unstick } from '@lifeline/core';
import { describe, expect, test } from 'vitest';
import type { FakeNetwork, FakeSocket } from '../../../test/helpers/fake-network.js';
import { nextEvent } from '../../../test/helpers/server.js';
import { fakeLine, openFakeLine, openNext } from './harness.js';

// every retry at once: the tests wait for sockets, not for backoff
const immediate = { reconnect: { minDelay: 0, minUptime: 0 } } as const;

function recordDrops(line: Lifeline): Array<[unknown, DropReason]> {
  const drops: Array<[unknown, DropReason]> = [];
  line.on('drop', ({ data, reason }) => drops.push([data, reason]));
  return drops;
}

/** Drops the open socket and opens the line's next one. */
function reconnect(net: FakeNetwork, line: Lifeline, socket: FakeSocket): Promise<FakeSocket> {
  socket.serverClose(1006);
  return openNext(net, line);
}

describe('sendSticky(line, key, value)', () => {
  test('right after new, it goes on the first open, ahead of the queue, and once', async () => {
    const { net, line } = fakeLine(immediate);

    expect(sendSticky(line, 'auth', { token: 't1' })).toBe(true);
    line.send('queued');
    const socket = await openNext(net, line);

    expect(socket.sent).toEqual(['{"token":"t1"}', 'queued']);
  });

  test('replays the newest message of each key after every reconnect, keys in first-use order', async () => {
    const { net, line, socket } = await openFakeLine(immediate);

    sendSticky(line, 'sub', 'sub v1');
    sendSticky(line, 'auth', 'auth v1');
    sendSticky(line, 'sub', 'sub v2');
    line.send('plain');
    expect(socket.sent).toEqual(['sub v1', 'auth v1', 'sub v2', 'plain']);

    const second = await reconnect(net, line, socket);
    expect(second.sent).toEqual(['sub v2', 'auth v1']);
    const third = await reconnect(net, line, second);
    expect(third.sent).toEqual(['sub v2', 'auth v1']);
  });

  test('unstick(line, key) stops the replay of that key; true only if it was sticky', async () => {
    const { net, line, socket } = await openFakeLine(immediate);
    sendSticky(line, 'a', 'a');
    sendSticky(line, 'b', 'b');

    expect(unstick(line, 'a')).toBe(true);
    expect(unstick(line, 'a')).toBe(false);
    expect(unstick(line, 'never')).toBe(false);
    const second = await reconnect(net, line, socket);
    expect(second.sent).toEqual(['b']);

    expect(unstick(line, 'b')).toBe(true);
    const third = await reconnect(net, line, second);
    expect(third.sent).toEqual([]);
  });

  test('copies queued behind a full socket are taken out when it goes: each goes once, the newest', async () => {
    const { net, line, socket } = await openFakeLine({ ...immediate, highWaterMark: 0 });
    const drops = recordDrops(line);
    socket.bufferedAmount = 10;
    sendSticky(line, 'sub', 'sub v1');
    line.send('plain');
    sendSticky(line, 'sub', 'sub v2');
    expect(socket.sent).toEqual([]);

    const second = await reconnect(net, line, socket);

    expect(second.sent).toEqual(['sub v2', 'plain']);
    expect(drops).toEqual([]);
  });

  test('while no socket is open it waits for the replay, not in the queue', async () => {
    const { net, line, socket } = await openFakeLine(immediate);
    const waiting = nextEvent(line, 'reconnecting');
    socket.serverClose(1006);
    await waiting;

    sendSticky(line, 'sub', 'sub v1');
    sendSticky(line, 'sub', 'sub v2');

    expect(takeQueued(line)).toEqual([]);
    expect(line.bufferedAmount).toBe(0);
    expect((await openNext(net, line)).sent).toEqual(['sub v2']);
  });

  test('one sent from a state listener as the line opens goes once, in the replay', async () => {
    const { net, line } = fakeLine(immediate);
    line.on('state', ({ phase }) => {
      if (phase === 'open') sendSticky(line, 'hello', 'hello');
    });

    const socket = await openNext(net, line);

    expect(socket.sent).toEqual(['hello']);
  });

  test('a dropped message does not replace the one before it, and sendSticky returns false', async () => {
    const { net, line, socket } = await openFakeLine({ ...immediate, queue: { maxBytes: 8 } });
    const drops = recordDrops(line);
    sendSticky(line, 'k', 'small');

    expect(sendSticky(line, 'k', 'far too big')).toBe(false);

    expect(drops).toEqual([['far too big', 'too-big']]);
    expect((await reconnect(net, line, socket)).sent).toEqual(['small']);
  });

  test('after close() it is dropped as closed and kept for nothing', async () => {
    const { line, socket } = await openFakeLine(immediate);
    const drops = recordDrops(line);
    line.close();

    expect(sendSticky(line, 'k', 'late')).toBe(false);

    expect(drops).toEqual([['late', 'closed']]);
    expect(socket.sent).toEqual([]);
    expect(unstick(line, 'k')).toBe(false);
  });

  test('a value the codec cannot encode throws a TypeError, and nothing is kept', async () => {
    const { net, line, socket } = await openFakeLine(immediate);

    expect(() => sendSticky(line, 'k', { n: 1n })).toThrow(TypeError);

    expect(unstick(line, 'k')).toBe(false);
    expect((await reconnect(net, line, socket)).sent).toEqual([]);
  });
});
