import { messages } from '@lifeline/core';
import { expect, test } from 'vitest';
import { fakeLine } from './harness.js';

test('messages(line) created right after new yields the first message of the first connection', async () => {
  const { net, line } = fakeLine<{ n: number }>();
  const iterator = messages(line);
  const socket = await net.nextSocket();
  socket.open();
  socket.receive('{"n":1}');
  socket.receive('{"n":2}');

  expect(await iterator.next()).toEqual({ value: { n: 1 }, done: false });
  expect(await iterator.next()).toEqual({ value: { n: 2 }, done: false });
  await iterator.return?.();
  expect(line.listenerCount('message')).toBe(0);
  expect(line.listenerCount('state')).toBe(0);
});

test('a waiting next() ends when the application closes the line', async () => {
  const { net, line } = fakeLine();
  const iterator = messages(line);
  const socket = await net.nextSocket();
  socket.open();
  const pending = iterator.next();

  line.close();
  socket.serverClose(1000);

  expect(await pending).toEqual({ value: undefined, done: true });
});

test('a waiting next() rejects with the error when the line closes for good on its own', async () => {
  const { net, line } = fakeLine();
  const iterator = messages(line);
  const socket = await net.nextSocket();
  socket.open();
  const pending = iterator.next();

  socket.serverClose(4500, 'go away');

  await expect(pending).rejects.toMatchObject({ name: 'LifelineError', code: 'ERR_FATAL_CLOSE' });
  expect(await iterator.next()).toEqual({ value: undefined, done: true });
});

test.each([-1, Number.NaN, '10'])('rejects highWaterMark %s with a RangeError naming it', (value) => {
  const { line } = fakeLine();
  expect(() => messages(line, { highWaterMark: value as number })).toThrow(RangeError);
  expect(() => messages(line, { highWaterMark: value as number })).toThrow(
    new RegExp(`highWaterMark.*${String(value)}`),
  );
});
