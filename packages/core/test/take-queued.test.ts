import { sendSticky, takeQueued } from '@lifeline/core';
import { describe, expect, test } from 'vitest';
import { fakeLine, openNext } from './harness.js';

describe('takeQueued(line)', () => {
  test('right after new, hands back what waits for the first connection, in order, without drop events', async () => {
    const { net, line } = fakeLine();
    const drops: unknown[] = [];
    line.on('drop', (drop) => drops.push(drop));
    line.send({ n: 1 });
    line.send('two');

    expect(takeQueued(line)).toEqual([{ n: 1 }, 'two']);
    expect(takeQueued(line)).toEqual([]);
    expect(line.bufferedAmount).toBe(0);
    line.send('three');
    const socket = await openNext(net, line);

    expect(socket.sent).toEqual(['three']);
    expect(drops).toEqual([]);
  });

  test('a sticky message is not in the queue while no socket is open, and stays sticky', async () => {
    const { net, line } = fakeLine();
    sendSticky(line, 'sub', 'sub');
    line.send('plain');

    expect(takeQueued(line)).toEqual(['plain']);
    expect((await openNext(net, line)).sent).toEqual(['sub']);
  });
});
