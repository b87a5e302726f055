import net, { type AddressInfo } from 'node:net';
import { expect, onTestFinished, test } from 'vitest';
import { startFaultProxy } from '../helpers/fault-proxy.js';

/** A TCP echo server on 127.0.0.1, closed when the test finishes. */
async function startEcho() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as AddressInfo).port, sockets };
}

async function connect(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  onTestFinished(() => {
    socket.destroy();
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** Resolves with the time at which `bytes` bytes have come back on `socket`. */
function received(socket: net.Socket, bytes: number): Promise<number> {
  return new Promise((resolve) => {
    let total = 0;
    socket.on('data', (chunk) => {
      total += chunk.length;
      if (total >= bytes) resolve(Date.now());
    });
  });
}

test('forwards both ways', async () => {
  const echo = await startEcho();
  const proxy = await startFaultProxy(echo.port);
  const socket = await connect(proxy.port);
  const back = received(socket, 5);
  socket.write('hello');
  await back;
  expect(proxy.accepted).toBe(1);
});

test("cut('rst') resets the client's connection", async () => {
  const echo = await startEcho();
  const proxy = await startFaultProxy(echo.port);
  const socket = await connect(proxy.port);
  const back = received(socket, 1);
  socket.write('x');
  await back;
  const error = new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
  proxy.cut('rst');
  expect((await error).code).toBe('ECONNRESET');
});

test("cut('fin') ends the client's connection in order, without an error", async () => {
  const echo = await startEcho();
  const proxy = await startFaultProxy(echo.port);
  const socket = await connect(proxy.port);
  const errors: unknown[] = [];
  socket.on('error', (error) => errors.push(error));
  const ended = new Promise((resolve) => socket.once('end', resolve));
  proxy.cut('fin');
  await ended;
  expect(errors).toEqual([]);
});

test('blackhole() stops the bytes both ways and keeps both sockets open; new connections still flow', async () => {
  const echo = await startEcho();
  const proxy = await startFaultProxy(echo.port);
  const socket = await connect(proxy.port);
  proxy.blackhole();
  let echoed = 0;
  socket.on('data', (chunk) => {
    echoed += chunk.length;
  });
  socket.write('lost');

  // a second connection through the proxy round-trips: by then the first one's bytes would have too
  const other = await connect(proxy.port);
  const back = received(other, 5);
  other.write('alive');
  await back;
  expect(echoed).toBe(0);
  expect(socket.destroyed).toBe(false);
  expect(echo.sockets.size).toBe(2); // the server side of the blackholed connection is still open too

  // one side giving up is not passed on either: the server never hears of it
  socket.destroy();
  await new Promise((resolve) => socket.once('close', resolve));
  const again = received(other, 5);
  other.write('again');
  await again; // a round trip through proxy and server: time enough for a close to have reached it
  expect(echo.sockets.size).toBe(2);
});

test('setLatency() delays each direction', async () => {
  const echo = await startEcho();
  const proxy = await startFaultProxy(echo.port);
  proxy.setLatency(50);
  const socket = await connect(proxy.port);
  const sentAt = Date.now();
  const back = received(socket, 4);
  socket.write('ping');
  expect((await back) - sentAt).toBeGreaterThanOrEqual(100 - 2); // two one-way delays; timers may round down 1 ms each
});

test('setBandwidth() limits the rate of each direction', async () => {
  const echo = await startEcho();
  const proxy = await startFaultProxy(echo.port);
  proxy.setBandwidth(100 * 1024);
  const socket = await connect(proxy.port);
  const sentAt = Date.now();
  const back = received(socket, 20 * 1024);
  socket.write(Buffer.alloc(20 * 1024));
  // 20 KiB each way at 100 KiB/s: at least 200 ms there and, overlapping, back
  expect((await back) - sentAt).toBeGreaterThanOrEqual(200 - 2);
});
