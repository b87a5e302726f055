import { expect, test } from 'vitest';
import { nextEvent } from '../../../test/helpers/server.js';
import { openFakeLine } from './harness.js';

// issue #13: the standard counts a send in bufferedAmount until it has been sent. ws counts it only until
// the kernel takes it, which on an idle connection is before send() returns; FakeSocket, like such a
// socket, always says 0.
// https://websockets.spec.whatwg.org/#dom-websocket-bufferedamount

/** Lets the code that sent yield: the microtask checkpoint a task ends with. */
const yieldToEventLoop = () => Promise.resolve();

test('a send counts its UTF-8 bytes at once, though the socket took it, until the sender yields', async () => {
  const { line, socket } = await openFakeLine();

  expect(line.send('héllo')).toBe(true);
  expect(line.bufferedAmount).toBe(6);
  line.send(new Uint8Array([1, 2, 3]).buffer);
  line.send(new Blob(['ab']));
  expect(line.bufferedAmount).toBe(6 + 3 + 2);
  expect(socket.sent).toHaveLength(3);
  await yieldToEventLoop();

  expect(line.bufferedAmount).toBe(0);
  line.send('again');
  expect(line.bufferedAmount).toBe(5);
});

test('what the socket holds counts when it is more than this burst wrote', async () => {
  const { line, socket } = await openFakeLine();
  socket.bufferedAmount = 100;

  line.send('abc');
  expect(line.bufferedAmount).toBe(100);
  socket.bufferedAmount = 0;
  expect(line.bufferedAmount).toBe(3);
  await yieldToEventLoop();
  expect(line.bufferedAmount).toBe(0);
});

test('the highWaterMark gate reads the socket, not the bytes it already took', async () => {
  const { line, socket } = await openFakeLine({ highWaterMark: 4 });

  for (const text of ['abcd', 'efgh', 'ijkl']) expect(line.send(text)).toBe(true);

  // nothing queued: each write went out, as the socket still held nothing
  expect(socket.sent).toEqual(['abcd', 'efgh', 'ijkl']);
  expect(line.bufferedAmount).toBe(12);
  socket.bufferedAmount = 5;
  line.send('mnop');
  expect(socket.sent).toHaveLength(3);
  expect(line.bufferedAmount).toBe(12 + 4);
});

test('after close(), send() drops as closed and adds the size to bufferedAmount for good', async () => {
  const { line, socket } = await openFakeLine();
  const drops: unknown[] = [];
  line.on('drop', (drop) => drops.push(drop));
  line.close();

  expect(line.send('abc')).toBe(false);
  expect(line.bufferedAmount).toBe(3);
  expect(line.send(new Uint16Array(2))).toBe(false);
  expect(drops).toEqual([
    { data: 'abc', reason: 'closed' },
    { data: new Uint16Array(2), reason: 'closed' },
  ]);
  expect(socket.sent).toEqual([]);
  const closed = nextEvent(line, 'close');
  socket.serverClose(1000);
  await closed;
  expect(line.bufferedAmount).toBe(3 + 4);
  line.send({ n: 1 });
  expect(line.bufferedAmount).toBe(3 + 4 + 7);
});
