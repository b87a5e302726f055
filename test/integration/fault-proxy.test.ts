import net, { type AddressInfo } from 'node:net';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { startServer, WebSocket } from '../helpers/server.js';
import type { WebSocketFrame } from '../helpers/websocket-frames.js';

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

/** A ws client through `proxy`, closed when the test finishes, that records the text it receives. */
async function wsClient(proxy: FaultProxy) {
  const socket = new WebSocket(proxy.url);
  onTestFinished(() => socket.terminate());
  const received: string[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  socket.on('message', (data, isBinary) => {
    received.push(isBinary ? `binary ${(data as Buffer).length}` : data.toString());
    for (const waiter of waiters.filter(({ count }) => received.length >= count)) waiter.resolve();
  });
  await new Promise((resolve) => socket.once('open', resolve));
  const server = await serverFor(proxy);
  return {
    socket,
    received,
    server,
    /** Resolves once `count` messages have come in. */
    receivedCount: (count: number) =>
      new Promise<void>((resolve) => {
        if (received.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
  };
}

let serverFor: (proxy: FaultProxy) => Promise<WebSocket>;

/** A ws server behind a fault proxy, and what its sockets receive, in order. */
async function proxiedServer() {
  const server = await startServer();
  const proxy = await startFaultProxy(server.port);
  const received: string[] = [];
  server.wss.on('connection', (socket) =>
    socket.on('message', (data, isBinary) =>
      received.push(isBinary ? `binary ${(data as Buffer).length}` : data.toString()),
    ),
  );
  serverFor = () => server.nextConnection();
  return { server, proxy, received };
}

const text = (value: string) => (frame: WebSocketFrame) => frame.payload().toString() === value;

describe('frame faults', () => {
  test("'duplicate' sends one server frame twice; control frames are not data frames and pass", async () => {
    const { proxy } = await proxiedServer();
    const applied = proxy.injectFrameFault('duplicate', { direction: 'to-client' });
    const client = await wsClient(proxy);
    let pings = 0;
    client.socket.on('ping', () => pings++);
    client.server.ping();
    for (const message of ['m1', 'm2', 'm3']) client.server.send(message);
    await applied;
    await client.receivedCount(4);
    expect(client.received).toEqual(['m1', 'm1', 'm2', 'm3']);
    expect(pings).toBe(1);
  });

  test("'duplicate' resends a masked client frame byte for byte, and matches on the unmasked payload", async () => {
    const { proxy, received } = await proxiedServer();
    const applied = proxy.injectFrameFault('duplicate', { direction: 'to-server', match: text('c2') });
    const client = await wsClient(proxy);
    for (const message of ['c1', 'c2', 'c3']) client.socket.send(message);
    await applied;
    client.socket.send('end');
    await vi.waitUntil(() => received.includes('end'), { timeout: 5000 });
    expect(received).toEqual(['c1', 'c2', 'c2', 'c3', 'end']);
  });

  test("'skip' drops the matching frame and nothing else", async () => {
    const { proxy } = await proxiedServer();
    const applied = proxy.injectFrameFault('skip', { direction: 'to-client', match: text('m2') });
    const client = await wsClient(proxy);
    for (const message of ['m1', 'm2', 'm3']) client.server.send(message);
    await applied;
    await client.receivedCount(2);
    expect(client.received).toEqual(['m1', 'm3']); // m2 would have arrived before m3
  });

  test("'reorder' sends the first matching frame after the next one, whatever their sizes", async () => {
    const { proxy, received } = await proxiedServer();
    const applied = proxy.injectFrameFault('reorder', { direction: 'to-server' });
    const client = await wsClient(proxy);
    // 70,000 bytes need the 8-byte length and arrive in several chunks; 300 bytes the 2-byte one
    client.socket.send(Buffer.alloc(70_000));
    client.socket.send(Buffer.alloc(300));
    client.socket.send('after');
    await applied;
    await vi.waitUntil(() => received.includes('after'), { timeout: 5000 });
    expect(received).toEqual(['binary 300', 'binary 70000', 'after']);
  });

  test("'reorder' lets the frames 'after' does not pick pass the held one", async () => {
    const { proxy } = await proxiedServer();
    const applied = proxy.injectFrameFault('reorder', {
      direction: 'to-client',
      match: text('held'),
      after: text('after'),
    });
    const client = await wsClient(proxy);
    for (const message of ['held', 'passes', 'after', 'last']) client.server.send(message);
    await applied;
    await client.receivedCount(4);
    expect(client.received).toEqual(['passes', 'after', 'held', 'last']);
  });

  test('watchFrames() sees every frame one way, control frames included, until it stops', async () => {
    const { proxy } = await proxiedServer();
    const seen: string[] = [];
    const stop = proxy.watchFrames('to-client', (frame) => seen.push(`${frame.opcode} ${frame.payload()}`));
    const client = await wsClient(proxy);
    client.server.ping('p');
    client.server.send('one');
    client.socket.send('not this way');
    await client.receivedCount(1);
    stop();
    client.server.send('two');
    await client.receivedCount(2);
    expect(seen).toEqual(['9 p', '1 one']);
  });

  test('traffic passes byte for byte while a fault waits for a frame it never matches', async () => {
    const { proxy, received } = await proxiedServer();
    void proxy.injectFrameFault('skip', { direction: 'to-client', match: () => false });
    void proxy.injectFrameFault('skip', { direction: 'to-server', match: () => false });
    const client = await wsClient(proxy);
    const sizes = [0, 1, 125, 126, 65_535, 65_536, 200_000];
    for (const size of sizes) {
      client.server.send(Buffer.alloc(size, 1));
      client.socket.send(Buffer.alloc(size, 2));
    }
    await client.receivedCount(sizes.length);
    await vi.waitUntil(() => received.length === sizes.length, { timeout: 5000 });
    const expected = sizes.map((size) => `binary ${size}`);
    expect(client.received).toEqual(expected);
    expect(received).toEqual(expected);
  });
});

describe('cutMidFrame()', () => {
  test('forwards half of a server frame, then resets both sides', async () => {
    const server = await startServer();
    const proxy = await startFaultProxy(server.port);
    const cut = proxy.cutMidFrame({ direction: 'to-client' });
    // a hand-made client, to count the bytes that arrive after the upgrade
    const socket = await connect(proxy.port);
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    let bytes = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      bytes = Buffer.concat([bytes, chunk]);
    });
    // an RST that comes with data reaches a Node reader as the end of the stream (libuv reads on until it
    // hangs up), so the test checks the bytes and the server's side, not the error
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const serverSocket = await server.nextConnection();
    const serverClosed = new Promise<number>((resolve) => serverSocket.once('close', resolve));
    serverSocket.send(Buffer.alloc(65_536, 7));
    await cut;
    await closed;
    const afterUpgrade = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
    expect(afterUpgrade.length).toBe(10 + 32_768); // the 10-byte header and half the payload
    expect(await serverClosed).toBe(1006);
  });

  test('forwards part of a client frame, and the server never gets the message', async () => {
    const { proxy, received } = await proxiedServer();
    const cut = proxy.cutMidFrame({ match: text('x'.repeat(1000)) });
    const client = await wsClient(proxy);
    const serverClosed = new Promise<number>((resolve) => client.server.once('close', resolve));
    const clientClosed = new Promise<number>((resolve) => client.socket.once('close', resolve));
    client.socket.send('before');
    client.socket.send('x'.repeat(1000));
    await cut;
    expect(await serverClosed).toBe(1006);
    expect(await clientClosed).toBe(1006);
    expect(received).toEqual(['before']);
  });
});
