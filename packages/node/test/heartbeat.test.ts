import { Lifeline, type LifelineError, probe } from '@lifeline/node';
import { expect, onTestFinished, test } from 'vitest';
import { eventMatching } from '../../../test/helpers/events.js';
import { startFaultProxy } from '../../../test/helpers/fault-proxy.js';
import { startServer, type WebSocket } from '../../../test/helpers/server.js';
import { openLine } from './open-line.js';
import { wsClasses } from './ws-classes.js';

/** Resolves once `socket` has received `count` ping frames. */
function pings(socket: WebSocket, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    socket.on('ping', () => {
      if (++seen === count) resolve();
    });
  });
}

test.each(wsClasses)(
  'on by default: protocol ping frames, which any server answers: $name',
  async ({ options }) => {
    const server = await startServer();
    const line = openLine(server.url, options);
    const [socket] = await Promise.all([server.nextConnection(), eventMatching(line, 'open')]);
    const pinged = pings(socket, 1);
    probe(line); // the default interval is 15 s; a probe pings now
    await pinged;
  },
);

test('a half-open connection is found within interval + timeout and replaced', async () => {
  const server = await startServer({ echo: true });
  const proxy = await startFaultProxy(server.port);
  const line = openLine(proxy.url, { heartbeat: { interval: 100, timeout: 100 } });
  const errors: Array<{ error: LifelineError; at: number }> = [];
  line.on('error', (error) => errors.push({ error, at: Date.now() }));
  await eventMatching(line, 'open');

  const blackholedAt = Date.now();
  proxy.blackhole();
  const [closed] = await eventMatching(line, 'close');
  await eventMatching(line, 'open');

  expect(closed).toMatchObject({ phase: 'open', code: 1006, willReconnect: true });
  expect(closed.error?.code).toBe('ERR_HEARTBEAT_TIMEOUT');
  expect(errors.map(({ error }) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
  expect(errors[0]?.at).toBeGreaterThanOrEqual(blackholedAt);
  expect(proxy.accepted).toBe(2);
  // the new connection carries traffic
  const echoed = eventMatching(line, 'message');
  line.send({ after: 'recovery' });
  expect((await echoed)[0]).toEqual({ after: 'recovery' });
});

test('no false alarm on a slow link: latency below the timeout', async () => {
  const server = await startServer();
  const proxy = await startFaultProxy(server.port);
  proxy.setLatency(40); // 80 ms round trip against a 500 ms timeout: room for a loaded machine
  const line = openLine(proxy.url, { heartbeat: { interval: 30, timeout: 500 } });
  const trouble: unknown[] = [];
  line.on('error', (error) => trouble.push(error));
  line.on('close', (info) => trouble.push(info));
  const [socket] = await Promise.all([server.nextConnection(), eventMatching(line, 'open')]);

  await pings(socket, 5);
  expect(trouble).toEqual([]);
  expect(proxy.accepted).toBe(1);
});

test('no false alarm on a throttled link busy with data: every inbound frame counts as life', async () => {
  const server = await startServer();
  const proxy = await startFaultProxy(server.port);
  const line = openLine(proxy.url, { heartbeat: { interval: 30, timeout: 300 } });
  const trouble: unknown[] = [];
  line.on('error', (error) => trouble.push(error));
  const [socket] = await Promise.all([server.nextConnection(), eventMatching(line, 'open')]);

  // 20 frames of 1 KiB at 20 KiB/s: 1 s of data, a frame every 50 ms; a pong queued behind it all comes
  // long after the 300 ms timeout, but the frames before it keep the connection alive
  proxy.setBandwidth(20 * 1024);
  const frames = 20;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    line.on('message', () => {
      if (++received === frames) resolve();
    });
  });
  for (let i = 0; i < frames; i++) socket.send(JSON.stringify({ i, pad: 'x'.repeat(1000) }));
  await done;
  expect(trouble).toEqual([]);
  expect(proxy.accepted).toBe(1);
});

test('close() on a half-open connection ends at the heartbeat deadline, not after the 30 s closing handshake', async () => {
  const server = await startServer();
  const proxy = await startFaultProxy(server.port);
  const line = openLine(proxy.url, { heartbeat: { interval: 50, timeout: 50 } });
  await eventMatching(line, 'open');
  proxy.blackhole();
  const closed = new Promise<CloseEvent>((resolve) => {
    line.onclose = (event) => resolve(event as unknown as CloseEvent);
  });
  line.close(1000, 'bye');
  const event = await closed;
  expect([event.code, event.wasClean]).toEqual([1006, false]);
  expect(line.readyState).toBe(Lifeline.CLOSED);
  expect(proxy.accepted).toBe(1);
});

test("'passive' mode: the server's pings keep it alive, their absence ends it", async () => {
  const server = await startServer();
  const line = openLine(server.url, { heartbeat: { mode: 'passive', interval: 100, timeout: 200 } });
  const errors: LifelineError[] = [];
  line.on('error', (error) => errors.push(error));
  const [socket] = await Promise.all([server.nextConnection(), eventMatching(line, 'open')]);

  let serverPings = 0;
  const pinging = setInterval(() => {
    socket.ping();
    serverPings++;
  }, 40);
  onTestFinished(() => clearInterval(pinging));
  // 10 pings: 400 ms of pings, more than interval + timeout
  await new Promise<void>((resolve) => {
    socket.on('pong', () => {
      if (serverPings >= 10) resolve();
    });
  });
  expect(errors).toEqual([]);

  const stoppedAt = Date.now();
  clearInterval(pinging);
  const [closed] = await eventMatching(line, 'close');
  expect(closed.error?.code).toBe('ERR_HEARTBEAT_TIMEOUT');
  expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(100); // at least the interval passed in silence
});

test("'message' mode against a server that answers: pongs are kept from the application", async () => {
  const server = await startServer();
  const line = openLine(server.url, {
    heartbeat: {
      mode: 'message',
      interval: 30,
      timeout: 500,
      ping: 'ping',
      isPong: (data) => data === 'pong',
    },
  });
  const messages: unknown[] = [];
  line.on('message', (message) => messages.push(message));
  const socket = await server.nextConnection();
  let pongs = 0;
  const answered = new Promise<void>((resolve) => {
    socket.on('message', (data) => {
      if (String(data) !== 'ping') return;
      socket.send('pong');
      if (++pongs === 3) resolve();
    });
  });
  await answered;
  socket.send('{"real":true}');
  await eventMatching(line, 'message');
  expect(messages).toEqual([{ real: true }]);
});

test('heartbeat: false turns it off', async () => {
  const server = await startServer();
  const line = openLine(server.url, { heartbeat: false });
  await eventMatching(line, 'open');
  probe(line, 1); // nothing to probe with
  const socket = await server.nextConnection();
  let pinged = false;
  socket.on('ping', () => {
    pinged = true;
  });
  // a round trip through the server proves the probe's ping, had there been one, would have arrived first
  const echoed = new Promise((resolve) => socket.once('message', resolve));
  line.send('after');
  await echoed;
  expect(pinged).toBe(false);
});
