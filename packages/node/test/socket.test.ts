import type { SocketCloseEvent, SocketErrorEvent, SocketMessageEvent } from '@lifeline/core';
import { expect, onTestFinished, test } from 'vitest';
import { closedPort, startServer } from '../../../test/helpers/server.js';
import { NodeSocket } from '../src/socket.js';

/** A NodeSocket closed when the test finishes, with its `on*` attributes recording what they are given. */
function recordingSocket(url: string) {
  const socket = new NodeSocket(url);
  onTestFinished(() => socket.terminate());
  const heard: Array<[string, unknown]> = [];
  socket.onopen = (event: unknown) => heard.push(['open', event]);
  socket.onmessage = (event: SocketMessageEvent) => heard.push(['message', event]);
  socket.onerror = (event: SocketErrorEvent) => heard.push(['error', event]);
  const closed = new Promise<SocketCloseEvent>((resolve) => {
    socket.onclose = (event: SocketCloseEvent) => {
      heard.push(['close', event]);
      resolve(event);
    };
  });
  return { socket, heard, closed };
}

test('the on* attributes get the records core reads: a clean close is clean', async () => {
  const server = await startServer();
  const { socket, heard, closed } = recordingSocket(server.url);
  const peer = await server.nextConnection();
  peer.send('héllo');
  await new Promise((resolve) => socket.once('message', resolve));
  peer.close(4000, 'bye');

  expect(await closed).toEqual({ code: 4000, reason: 'bye', wasClean: true });
  expect(heard).toEqual([
    ['open', { type: 'open' }],
    ['message', { data: 'héllo', size: 6 }],
    ['close', { code: 4000, reason: 'bye', wasClean: true }],
  ]);
});

test('a dropped connection closes with 1006 and is not clean; a failed one reports its error first', async () => {
  const server = await startServer();
  const dropped = recordingSocket(server.url);
  await server.nextConnection();
  server.drop();
  expect(await dropped.closed).toEqual({ code: 1006, reason: '', wasClean: false });

  const failed = recordingSocket(`ws://127.0.0.1:${await closedPort()}`);
  expect(await failed.closed).toEqual({ code: 1006, reason: '', wasClean: false });
  const [first] = failed.heard;
  expect(first?.[0]).toBe('error');
  const error = first?.[1] as SocketErrorEvent;
  expect(error).toMatchObject({ type: 'error', message: expect.stringContaining('ECONNREFUSED') });
  expect(error.error).toBeInstanceOf(Error);
});

test('listeners added with on() still hear every event, after the attribute', async () => {
  const server = await startServer();
  const { socket, heard, closed } = recordingSocket(server.url);
  socket.on('open', () => heard.push(['listener open', null]));
  socket.on('close', (code: number) => heard.push(['listener close', code]));
  (await server.nextConnection()).close(1000);
  // the listeners run in the same emit as the attribute, before the promise's callback
  await closed;
  expect(heard.map(([name]) => name)).toEqual(['open', 'listener open', 'close', 'listener close']);
});

test('an attribute set to something not callable reads back as null and is not called', async () => {
  const server = await startServer();
  const socket = new NodeSocket(server.url);
  onTestFinished(() => socket.terminate());
  for (const name of ['onopen', 'onmessage', 'onclose', 'onerror'] as const) {
    (socket as unknown as Record<string, unknown>)[name] = 'not a function';
    expect(socket[name]).toBeNull();
  }
  await new Promise((resolve) => socket.once('open', resolve));
  expect(socket.readyState).toBe(NodeSocket.OPEN);
});

test('a handler is called with the socket as this, as the standard calls attribute handlers', async () => {
  const server = await startServer();
  const socket = new NodeSocket(server.url);
  onTestFinished(() => socket.terminate());
  const self = await new Promise((resolve) => {
    socket.onopen = function (this: unknown) {
      resolve(this);
    };
  });
  expect(self).toBe(socket);
});
