import net, { type AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Lifeline, type LifelineEvents } from '@lifeline/node';
import { expect, onTestFinished, test } from 'vitest';
import { eventMatching } from '../../../test/helpers/events.js';
import { startFaultProxy } from '../../../test/helpers/fault-proxy.js';
import { startServer } from '../../../test/helpers/server.js';

const TOKEN = 'tok-5ecret-77';
const PASSWORD = 'pa55-5ecret-88';

/** A TCP server that accepts connections and never says a word: every upgrade through it times out. */
async function startSilentServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort() {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('no error message or event payload carries the URL token, the password or the auth header', async () => {
  const refusing = await startServer({
    verifyClient: (_, callback) =>
      callback(false, 401, undefined, {
        'Set-Cookie': `session=${TOKEN}`,
        Location: `ws://127.0.0.1:1/login?token=${TOKEN}`,
      }),
  });
  const accepting = await startServer();
  const proxy = await startFaultProxy(accepting.port);
  const secretUrl = (port: number | string) => `ws://user:${PASSWORD}@127.0.0.1:${port}/feed?token=${TOKEN}`;
  // every way an attempt can fail, one per attempt, then a connection that the heartbeat finds dead
  const urls = [
    `${secretUrl(proxy.port)}#${TOKEN}`, // a fragment: SyntaxError
    `ws://user:${PASSWORD}@[::1/feed?token=${TOKEN}`, // unparsable: SyntaxError
    secretUrl(await closedPort()), // ECONNREFUSED
    secretUrl(await startSilentServer()), // connect timeout
    secretUrl(refusing.port), // HTTP 401, with secrets in the response headers
  ];
  let calls = 0;
  const line = new Lifeline(() => urls[calls++] ?? secretUrl(proxy.port), {
    headers: { authorization: `Bearer ${TOKEN}` },
    connectTimeout: 500,
    heartbeat: { interval: 50, timeout: 50 },
    reconnect: { minDelay: 1, maxDelay: 5 },
  });
  onTestFinished(() => line.close());

  const payloads: unknown[] = [];
  const events = ['state', 'open', 'close', 'reconnecting', 'exhausted', 'drop', 'invalid', 'error'] as const;
  for (const event of events) {
    line.on(event, (...args: unknown[]) => payloads.push(args));
  }
  for (const type of ['open', 'close', 'error'] as const)
    line.addEventListener(type, (event) => payloads.push(event));

  const [heartbeatClose] = await Promise.all([
    eventMatching(line, 'close', (info) => info.error?.code === 'ERR_HEARTBEAT_TIMEOUT'),
    eventMatching(line, 'open').then(() => proxy.blackhole()),
  ]);
  await eventMatching(line, 'open');
  line.close();

  const codes = payloads.flatMap((args) =>
    Array.isArray(args) ? args.flatMap((arg: LifelineEvents<unknown>['error'][0]) => arg?.code ?? []) : [],
  );
  for (const code of [
    'ERR_PROVIDER_FAILED',
    'ERR_CONNECT_FAILED',
    'ERR_CONNECT_TIMEOUT',
    'ERR_HEARTBEAT_TIMEOUT',
  ] as const) {
    expect(codes).toContain(code);
  }
  expect(heartbeatClose[0].phase).toBe('open');

  const serialised = payloads.map((payload) => inspect(payload, { depth: 12, showHidden: true })).join('\n');
  expect(serialised).toContain('token=***'); // the URLs are there, masked
  expect(serialised).toContain('HTTP 401');
  for (const secret of [TOKEN, PASSWORD]) expect(serialised).not.toContain(secret);
});
