import type { Outgoing, WebSocketLike } from '@lifeline/node';
import { handshake, opened } from '@lifeline/node';
import { expect, test } from 'vitest';
import { startServer } from '../../../test/helpers/server.js';
import { NodeSocket } from '../src/socket.js';
import { openLine } from './open-line.js';

// issue #13: the standard counts a send in bufferedAmount until it has been sent
// https://websockets.spec.whatwg.org/#dom-websocket-bufferedamount

/** One turn of the event loop: the task that sent has ended, and ws has run its write callbacks. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test('a send the kernel takes at once, which ws no longer counts, is counted until the sender yields', async () => {
  const server = await startServer();
  let socket: WebSocketLike | undefined;
  const line = openLine(server.url);
  handshake(line, (context) => {
    socket = context.socket;
  });
  await opened(line);

  line.send('héllo');
  expect([socket?.bufferedAmount, line.bufferedAmount]).toEqual([0, 6]);
  expect(await server.nextMessage()).toBe('héllo');
  expect(line.bufferedAmount).toBe(0);
});

test('a message too big for the kernel stays in bufferedAmount until its write callback', async () => {
  // far more than loopback's kernel buffers take while the reader has stopped
  const bytes = 32 * 1024 * 1024;
  const server = await startServer();
  let isWritten = false;
  let written: Promise<number> | undefined;
  let bufferedThen = (): number => -1;
  class WatchedSocket extends NodeSocket {
    override sendWithCallback(data: Outgoing, callback: (error?: Error) => void): void {
      written = new Promise((resolve, reject) => {
        super.sendWithCallback(data, (error) => {
          callback(error);
          isWritten = true;
          if (error) reject(error);
          else resolve(bufferedThen());
        });
      });
    }
  }
  const line = openLine(server.url, { WebSocket: WatchedSocket, queue: { maxBytes: 2 * bytes } });
  bufferedThen = () => line.bufferedAmount;
  const [serverSide] = await Promise.all([server.nextConnection(), opened(line)]);
  serverSide.pause();

  expect(line.send('x'.repeat(bytes))).toBe(true);
  // where ws holds the frame, it counts the frame's header and mask too: up to 14 bytes
  expect(line.bufferedAmount - bytes).toBeGreaterThanOrEqual(0);
  expect(line.bufferedAmount - bytes).toBeLessThanOrEqual(14);
  await nextTurn();
  // the kernel has taken what it can; ws still holds the rest, and the callback has not come
  expect(isWritten).toBe(false);
  expect(line.bufferedAmount).toBeGreaterThan(0);

  serverSide.resume();
  expect(await written).toBe(0);
});
