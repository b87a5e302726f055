import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Authenticate, SESSION_PROTOCOL, SessionServer } from '@lifeline/server';
import { describe, expect, onTestFinished, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { deferred, startSessionServer, WireClient } from './wire-client.js';

/** The HTTP status of a refused upgrade. */
async function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const socket = new WebSocket(url, [SESSION_PROTOCOL], { headers });
  onTestFinished(() => socket.terminate());
  socket.on('error', () => {});
  const [, response] = (await once(socket, 'unexpected-response')) as [unknown, IncomingMessage];
  return response.statusCode as number;
}

describe('the upgrade', () => {
  test('selects the session protocol when offered before the application protocols', async () => {
    const { url } = await startSessionServer();
    const client = await WireClient.connect(url, { protocols: ['chat.v2'] });
    expect(client.socket.protocol).toBe(SESSION_PROTOCOL);
  });

  test('runs authenticate at every upgrade, the new session and every resume', async () => {
    const seen: string[] = [];
    const { url } = await startSessionServer({
      authenticate: async (request) => {
        seen.push(request.headers.authorization ?? '');
        return 'alice';
      },
    });
    const { client, welcome } = await WireClient.open(url);
    client.socket.terminate();
    await client.closed;
    await WireClient.open(url, { sid: welcome.sid, gen: welcome.gen });
    expect(seen).toEqual(['', '']);
  });

  const refusals: Array<[string, Authenticate]> = [
    ['returns false', () => false],
    [
      'throws',
      () => {
        throw new Error('bad token');
      },
    ],
    ['rejects', () => Promise.reject(new Error('bad token'))],
  ];
  test.each(refusals)('is refused with 401 when authenticate %s', async (_, authenticate) => {
    const { url } = await startSessionServer({ authenticate });
    expect(await refusedStatus(url)).toBe(401);
  });

  test('a resume by another principal gets a fresh session (auth-changed) and leaves the old one alone', async () => {
    const { url } = await startSessionServer({
      authenticate: (request) => String(request.headers['x-user'] ?? 'nobody'),
    });
    const alice = { headers: { 'x-user': 'alice' } };
    const first = await WireClient.connect(url, alice);
    const welcome = await first.hello();
    const mallory = await WireClient.connect(url, { headers: { 'x-user': 'mallory' } });
    expect(await mallory.hello({ sid: welcome.sid, gen: welcome.gen })).toMatchObject({
      resumed: false,
      reason: 'auth-changed',
    });
    expect(first.socket.readyState).toBe(WebSocket.OPEN); // not taken over
    const back = await WireClient.connect(url, alice);
    expect(await back.hello({ sid: welcome.sid, gen: welcome.gen })).toMatchObject({
      resumed: true,
      epoch: 2,
    });
  });
});

describe('attaching', () => {
  test('to an existing ws server leaves upgrades without the session protocol to its other users', async () => {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
    });
    onTestFinished(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    await once(wss, 'listening');
    const server = new SessionServer({ wss, handler: () => {} });
    onTestFinished(() => server.close());
    const plain: WebSocket[] = [];
    wss.on('connection', (socket) => {
      if (socket.protocol === 'chat.v2') plain.push(socket);
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const chat = new WebSocket(url, ['chat.v2']);
    onTestFinished(() => chat.terminate());
    await once(chat, 'open');
    expect(chat.protocol).toBe('chat.v2');
    const { welcome } = await WireClient.open(url);
    expect(welcome.resumed).toBe(false);
    expect(plain).toHaveLength(1);
  });

  test('to an HTTP server at a path', async () => {
    const http = createServer();
    onTestFinished(() => new Promise<void>((resolve) => http.close(() => resolve())));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const server = new SessionServer({ server: http, path: '/sessions', handler: () => {} });
    onTestFinished(() => server.close());
    const { port } = http.address() as AddressInfo;
    const { welcome } = await WireClient.open(`ws://127.0.0.1:${port}/sessions`);
    expect(welcome.epoch).toBe(1);
  });

  test('refuses new session upgrades with 503 while draining', async () => {
    const started = deferred();
    const release = deferred();
    const { server, url } = await startSessionServer({
      handler: () => {
        started.resolve();
        return release.promise;
      },
    });
    const { client } = await WireClient.open(url);
    client.data(1, 0, 'keeps the drain waiting');
    await started.promise;
    const draining = server.drain();
    expect(await refusedStatus(url)).toBe(503);
    release.resolve();
    await draining;
  });
});

describe('bad options', () => {
  test.each([
    [{ port: 0 }, /handler must be a function, got undefined/],
    [{ port: 0, handler: () => {}, ttl: -1 }, /ttl must be a whole number of at least 1, got -1/],
    [{ port: 0, handler: () => {}, replay: { bytes: 0.5 } }, /replay.bytes must be .* got 0.5/],
    [{ handler: () => {} }, /exactly one of wss, server and port, got 0/],
  ])('%o throws naming the option and the value', (options, message) => {
    expect(() => new SessionServer(options as never)).toThrow(message);
  });
});
