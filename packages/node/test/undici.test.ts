import {
  type LifelineError,
  type NodeLifelineOptions,
  probe,
  type WebSocketConstructor,
} from '@lifeline/node';
import { describe, expect, test } from 'vitest';
import { eventMatching } from '../../../test/helpers/events.js';
import { startFaultProxy } from '../../../test/helpers/fault-proxy.js';
import { startServer } from '../../../test/helpers/server.js';
import { openLine } from './open-line.js';

// Node 22 made undici's WebSocket a global; on Node 20 it is behind a flag, so these run in the Node 22/24
// matrix of .ci/run (LIFELINE_NODE_MATRIX=1)
const Undici = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;

function open(url: string, options: NodeLifelineOptions = {}) {
  return openLine(url, { WebSocket: Undici as WebSocketConstructor, ...options });
}

describe.skipIf(Undici === undefined)("Node's global WebSocket (undici; needs Node >= 22)", () => {
  test('works as the socket, with no heartbeat by default (it has no ping frames)', async () => {
    const server = await startServer({ echo: true });
    const line = open(server.url);
    const socket = await server.nextConnection();
    let pinged = false;
    socket.on('ping', () => {
      pinged = true;
    });
    probe(line); // would ping now, had a heartbeat been set up
    const echoed = eventMatching(line, 'message');
    line.send({ via: 'undici' });
    expect((await echoed)[0]).toEqual({ via: 'undici' });
    expect(pinged).toBe(false);
  });

  test("'message' heartbeat finds a half-open connection and reconnects", async () => {
    const server = await startServer();
    server.wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        if (String(data) === 'ping') socket.send('pong');
      });
    });
    const proxy = await startFaultProxy(server.port);
    const line = open(proxy.url, {
      heartbeat: {
        mode: 'message',
        interval: 100,
        timeout: 100,
        ping: 'ping',
        isPong: (data) => data === 'pong',
      },
    });
    const errors: LifelineError[] = [];
    line.on('error', (error) => errors.push(error));
    await eventMatching(line, 'open');
    proxy.blackhole();
    await eventMatching(line, 'open');
    expect(errors.map((error) => error.code)).toEqual(['ERR_HEARTBEAT_TIMEOUT']);
    expect(proxy.accepted).toBe(2);
  });

  test('cannot see the HTTP status of a refused upgrade: a 403 is retried like any 1006', async () => {
    let requests = 0;
    const server = await startServer({
      verifyClient: (_, callback) => {
        requests++;
        if (requests === 1) callback(false, 403);
        else callback(true);
      },
    });
    const line = open(server.url);
    const [info] = await eventMatching(line, 'reconnecting');
    await eventMatching(line, 'open');
    expect(info.reason).toMatchObject({ phase: 'connect', code: 1006 });
    expect(info.reason.response).toBeUndefined();
    expect(requests).toBe(2);
  });

  test("refuses what it cannot do: 'frame' heartbeats and ws's options", () => {
    expect(() => open('ws://127.0.0.1:1', { heartbeat: { mode: 'frame' } })).toThrow(
      /heartbeat mode 'frame' needs a WebSocket with ping\(\)/,
    );
    expect(() => open('ws://127.0.0.1:1', { headers: { authorization: 'Bearer x' } })).toThrow(
      /option 'headers' needs the ws socket/,
    );
  });
});
