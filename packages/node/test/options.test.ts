import { Agent } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Lifeline, stats, type WebSocketConstructor } from '@lifeline/node';
import { generate } from 'selfsigned';
import { describe, expect, onTestFinished, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { eventMatching, finalClose } from '../../../test/helpers/events.js';
import { startServer } from '../../../test/helpers/server.js';
import { toCoreOptions } from '../src/options.js';
import { openLine } from './open-line.js';
import { wsClasses } from './ws-classes.js';

describe('maxPayload', () => {
  test.each(wsClasses)(
    'a message over maxPayload closes with 1009, and Lifeline stops (1009 is fatal): $name',
    async ({ options }) => {
      const server = await startServer();
      const line = openLine(server.url, { ...options, maxPayload: 1024 });
      const messages: unknown[] = [];
      line.on('message', (message) => messages.push(message));
      const [socket] = await Promise.all([server.nextConnection(), eventMatching(line, 'open')]);
      socket.send('"small"');
      socket.send(`"${'x'.repeat(2048)}"`);
      // the state turns 'closed' before the close event is emitted: wait for both together
      const [[closed]] = await Promise.all([eventMatching(line, 'close'), finalClose(line)]);

      expect(messages).toEqual(['small']);
      expect(closed).toMatchObject({ code: 1009, willReconnect: false });
      expect(line.state).toMatchObject({ phase: 'closed', error: { code: 'ERR_FATAL_CLOSE' } });
      expect(server.sockets).toHaveLength(1);
    },
  );

  test('defaults to 16 MiB', async () => {
    const server = await startServer();
    const line = openLine(server.url);
    const sizes: number[] = [];
    line.binaryType = 'arraybuffer';
    line.addEventListener('message', (event) => sizes.push((event.data as ArrayBuffer).byteLength));
    const [socket] = await Promise.all([server.nextConnection(), eventMatching(line, 'open')]);
    socket.send(Buffer.alloc(16 * 1024 * 1024));
    socket.send(Buffer.alloc(16 * 1024 * 1024 + 1));
    const [closed] = await eventMatching(line, 'close');
    expect(sizes).toEqual([16 * 1024 * 1024]);
    expect(closed.code).toBe(1009);
  });
});

describe('utf8Length', () => {
  test("Node's native count sizes text in UTF-8 bytes, a lone surrogate as U+FFFD, as the wire carries it", async () => {
    const server = await startServer();
    const line = openLine(server.url, { queue: { maxBytes: 5 } });
    const counters = stats(line);
    const drops: unknown[] = [];
    line.on('drop', ({ data, reason }) => drops.push([data, reason]));
    const [socket] = await Promise.all([server.nextConnection(), eventMatching(line, 'open')]);
    const received = new Promise<Buffer>((resolve) => socket.once('message', resolve));
    line.send('é\ud800'); // 2 + 3 bytes
    line.send('ééé'); // 6 bytes: over maxBytes
    expect(counters.bytesOut).toBe((await received).length);
    expect(counters.bytesOut).toBe(5);
    expect(drops).toEqual([['ééé', 'too-big']]);
  });
});

describe('perMessageDeflate', () => {
  /** A ws server, compressing or not, that records the extensions each upgrade request offers. */
  async function recordingOffers(perMessageDeflate: boolean) {
    const offers: Array<string | undefined> = [];
    const server = await startServer({
      perMessageDeflate,
      verifyClient: ({ req }, callback) => {
        offers.push(req.headers['sec-websocket-extensions']);
        callback(true);
      },
    });
    return { server, offers };
  }

  test("offered by default with the browsers' offer; extensions says what the server accepted", async () => {
    const { server, offers } = await recordingOffers(true);
    const line = openLine(server.url);
    expect(line.extensions).toBe('');
    await eventMatching(line, 'open');
    expect(offers).toEqual(['permessage-deflate; client_max_window_bits']);
    expect(line.extensions).toMatch(/^permessage-deflate/);
  });

  test('a server that does not accept it: extensions stays empty', async () => {
    const { server, offers } = await recordingOffers(false);
    const line = openLine(server.url);
    await eventMatching(line, 'open');
    expect(offers).toEqual(['permessage-deflate; client_max_window_bits']);
    expect(line.extensions).toBe('');
  });

  test('perMessageDeflate: false offers nothing, even to a server that would accept it', async () => {
    const { server, offers } = await recordingOffers(true);
    const line = openLine(server.url, { perMessageDeflate: false });
    await eventMatching(line, 'open');
    expect(offers).toEqual([undefined]);
    expect(line.extensions).toBe('');
  });

  test('compressed messages go both ways, and maxPayload bounds their inflated size (1009)', async () => {
    const server = await startServer({ perMessageDeflate: true });
    const wire = new Promise<Socket>((resolve) => {
      server.wss.once('connection', (_, request) => resolve(request.socket));
    });
    const line = openLine(server.url, { maxPayload: 4096 });
    const messages: unknown[] = [];
    line.on('message', (message) => messages.push(message));
    const [socket, tcp] = await Promise.all([server.nextConnection(), wire, eventMatching(line, 'open')]);
    const text = `"${'x'.repeat(2000)}"`; // over ws's 1 KiB threshold: compressed, both ways
    line.send(text);
    expect(await server.nextMessage()).toBe(text);
    socket.send(text);

    // the state turns 'closed' before the close event is emitted: wait for both together
    const closing = Promise.all([eventMatching(line, 'close'), finalClose(line)]);
    const before = tcp.bytesWritten;
    const bombBytes = await new Promise<number>((resolve, reject) => {
      socket.send(`"${'x'.repeat(8192)}"`, (error) =>
        error ? reject(error) : resolve(tcp.bytesWritten - before),
      );
    });
    const [[closed]] = await closing;
    expect(bombBytes).toBeLessThan(100); // 8 KiB inflated
    expect(messages).toEqual(['x'.repeat(2000)]);
    expect(closed).toMatchObject({ code: 1009, willReconnect: false });
  });
});

describe('TLS', () => {
  async function startTlsServer() {
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    const https = createServer({ cert: pems.cert, key: pems.private });
    const wss = new WebSocketServer({ server: https });
    const sockets = new Set<Duplex>();
    https.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      for (const socket of sockets) socket.destroy();
      wss.close();
      await new Promise((resolve) => https.close(resolve));
    });
    return { url: `wss://127.0.0.1:${(https.address() as AddressInfo).port}`, ca: pems.cert };
  }

  test.each(wsClasses)('a self-signed certificate is accepted with its ca: $name', async ({ options }) => {
    const { url, ca } = await startTlsServer();
    const line = openLine(url, { ...options, ca });
    await eventMatching(line, 'open');
    expect(line.readyState).toBe(Lifeline.OPEN);
  });

  test('and rejected without it (rejectUnauthorized defaults to true)', async () => {
    const { url } = await startTlsServer();
    const line = openLine(url);
    const counters = stats(line);
    const [info] = await eventMatching(line, 'reconnecting');
    expect(info.reason.phase).toBe('connect');
    expect(info.reason.error?.code).toBe('ERR_CONNECT_FAILED');
    expect(String((info.reason.error?.cause as Error)?.message)).toMatch(/self[- ]signed certificate/);
    expect(counters.connects).toBe(0);
  });

  test('rejectUnauthorized: false accepts it', async () => {
    const { url } = await startTlsServer();
    const line = openLine(url, { rejectUnauthorized: false });
    await eventMatching(line, 'open');
  });
});

describe('pass-through', () => {
  test('origin and agent reach ws', async () => {
    const origins: Array<string | undefined> = [];
    const server = await startServer({
      verifyClient: ({ origin }, callback) => {
        origins.push(origin);
        callback(true);
      },
    });
    let sockets = 0;
    const agent = new (class extends Agent {
      override createConnection(...args: Parameters<Agent['createConnection']>) {
        sockets++;
        return super.createConnection(...args);
      }
    })();
    onTestFinished(() => agent.destroy());
    const line = openLine(server.url, { origin: 'https://app.example', agent });
    await eventMatching(line, 'open');
    expect(origins).toEqual(['https://app.example']);
    expect(sockets).toBe(1);
  });

  test("ws's options with another WebSocket are refused, not silently dropped", () => {
    class OtherSocket {}
    const WebSocket = OtherSocket as unknown as WebSocketConstructor;
    expect(() => new Lifeline('ws://127.0.0.1:1', { WebSocket, headers: { authorization: 'x' } })).toThrow(
      new TypeError(
        "Lifeline: option 'headers' needs the ws socket of @lifeline/node; the given WebSocket cannot take it",
      ),
    );
    expect(() => new Lifeline('ws://127.0.0.1:1', { WebSocket, maxPayload: 1 })).toThrow(/'maxPayload'/);
  });
});

describe('defaults', () => {
  test('Lifelines without options share one frozen set of core options; given options get their own', () => {
    const shared = toCoreOptions({});
    expect(toCoreOptions({})).toBe(shared);
    expect(Object.isFrozen(shared)).toBe(true);
    // the default heartbeat is the constructor's now (heartbeat.test.ts: 'on by default')
    expect(shared).toMatchObject({ extraBinaryTypes: ['nodebuffer'] });
    const own = toCoreOptions({ maxPayload: 1024 });
    expect(own).not.toBe(shared);
    expect(own.socketOptions).toMatchObject({ maxPayload: 1024, perMessageDeflate: true });
  });

  test('two Lifelines on the shared defaults both connect and echo', async () => {
    const server = await startServer({ echo: true });
    const lines = [new Lifeline(server.url), new Lifeline(server.url)];
    onTestFinished(() => {
      for (const line of lines) line.close();
    });
    await Promise.all(lines.map((line) => eventMatching(line, 'open')));
    const echoes = lines.map((line) => eventMatching(line, 'message'));
    lines.forEach((line, index) => {
      line.send({ index });
    });
    expect(await Promise.all(echoes)).toEqual([[{ index: 0 }], [{ index: 1 }]]);
  });
});
