import { type DropReason, type Lifeline, sendNowOrDrop, takeQueued } from '@lifeline/core';
import { describe, expect, test } from 'vitest';
import { fakeLine, openFakeLine, openNext } from './harness.js';

function recordDrops(line: Lifeline): Array<[unknown, DropReason]> {
  const drops: Array<[unknown, DropReason]> = [];
  line.on('drop', ({ data, reason }) => drops.push([data, reason]));
  return drops;
}

describe('sendNowOrDrop(line, value)', () => {
  test('right after new it is dropped as volatile; on the first connection it goes', async () => {
    const { net, line } = fakeLine();
    const drops = recordDrops(line);

    expect(sendNowOrDrop(line, { n: 1 })).toBe(false);
    const socket = await openNext(net, line);
    expect(sendNowOrDrop(line, { n: 2 })).toBe(true);

    expect(drops).toEqual([[{ n: 1 }, 'volatile']]);
    expect(socket.sent).toEqual(['{"n":2}']);
  });

  test('never queues: behind a full socket or queued messages it is dropped, and the queue keeps its order', async () => {
    const { line, socket } = await openFakeLine({ highWaterMark: 4 });
    const drops = recordDrops(line);
    socket.bufferedAmount = 5;
    line.send('queued');

    expect(sendNowOrDrop(line, 'over the mark')).toBe(false);
    socket.bufferedAmount = 0;
    // the gate is open again, but a message is still queued ahead of it
    expect(sendNowOrDrop(line, 'behind the queue')).toBe(false);

    expect(drops).toEqual([
      ['over the mark', 'volatile'],
      ['behind the queue', 'volatile'],
    ]);
    expect(takeQueued(line)).toEqual(['queued']);
    expect(socket.sent).toEqual([]);
  });

  test('after close() it is dropped as closed, and counts in bufferedAmount as the standard says', async () => {
    const { line } = await openFakeLine();
    const drops = recordDrops(line);
    line.close();

    expect(sendNowOrDrop(line, 'late')).toBe(false);

    expect(drops).toEqual([['late', 'closed']]);
    expect(line.bufferedAmount).toBe(4);
  });

  test('a message larger than queue.maxBytes is dropped as too-big, though it could go at once', async () => {
    const { line, socket } = await openFakeLine({ queue: { maxBytes: 3 } });
    const drops = recordDrops(line);

    expect(sendNowOrDrop(line, 'four')).toBe(false);

    expect(drops).toEqual([['four', 'too-big']]);
    expect(socket.sent).toEqual([]);
  });
});
