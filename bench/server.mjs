// The benchmark server: one process, one mode, a ws server on 127.0.0.1. It prints `{"port":N}` once
// listening; the client drives it with text control messages that start with '!'.
//   echo     sends every message back
//   sink     '!sink N': counts the next N messages, then answers '!done'
//   feed     '!feed N': streams the probe and N JSON messages, gated on its own bufferedAmount
//   idle     accepts and does nothing
//   slow     '!slow BYTES': reads at `rate` bytes/s (pausing the socket), answers '!done' at BYTES
//   restart  sends '!listened <hrtime ns>' on every connection; '!restart' listens again on the same
//            port at once, then drops every client
import { WebSocketServer } from 'ws';
import { messagePool, PROBE } from './messages.mjs';

const { mode, rate = 20e6, lifetimeMs = 600_000 } = JSON.parse(process.argv[2]);
// the orchestrator kills this process; this is the backstop if the orchestrator itself dies
setTimeout(() => process.exit(3), lifetimeMs).unref();

const HIGH_WATER_MARK = 1024 * 1024;
const BANG = 0x21; // '!': control messages; payloads never start with it

const isControl = (data, isBinary) => !isBinary && data[0] === BANG;

const handlers = {
  echo(socket) {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  },

  sink(socket) {
    let remaining = 0;
    socket.on('message', (data, isBinary) => {
      if (isControl(data, isBinary)) {
        remaining = Number(data.toString().split(' ')[1]);
        return;
      }
      if (--remaining === 0) socket.send('!done');
    });
  },

  feed(socket) {
    const pool = messagePool();
    socket.on('message', (data) => {
      const count = Number(data.toString().split(' ')[1]);
      socket.send(PROBE);
      let sent = 0;
      const pump = () => {
        while (sent < count) {
          const frame = pool[sent % pool.length];
          sent++;
          // above the mark, this send carries the callback that resumes the loop once it is written
          if (socket.bufferedAmount > HIGH_WATER_MARK) {
            socket.send(frame, pump);
            return;
          }
          socket.send(frame);
        }
      };
      pump();
    });
  },

  idle() {},

  slow(socket) {
    let expected = Number.POSITIVE_INFINITY;
    let received = 0;
    let startedAt = 0;
    socket.on('message', (data, isBinary) => {
      if (isControl(data, isBinary)) {
        expected = Number(data.toString().split(' ')[1]);
        return;
      }
      if (received === 0) startedAt = performance.now();
      received += data.length;
      if (received >= expected) {
        socket.send('!done');
        return;
      }
      // ahead of the rate: stop reading until the schedule catches up, so the client sees backpressure
      const aheadMs = (received / rate) * 1000 - (performance.now() - startedAt);
      if (aheadMs > 1) {
        socket.pause();
        setTimeout(() => socket.resume(), aheadMs);
      }
    });
  },

  restart(socket) {
    socket.send(`!listened ${listenedAt}`);
    socket.on('message', (data) => {
      if (data.toString() === '!restart') void restart();
    });
  },
};

const handle = handlers[mode];
if (!handle) throw new Error(`unknown server mode ${mode}`);

let wss;
let listenedAt = 0n;

async function listen(port) {
  const server = new WebSocketServer({ host: '127.0.0.1', port, backlog: 2048 });
  server.on('connection', (socket) => {
    socket.on('error', () => {});
    handle(socket);
  });
  await new Promise((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  wss = server;
  listenedAt = process.hrtime.bigint();
  return server.address().port;
}

/**
 * Stops listening, listens again on the same port, and only then drops the clients: every client sees
 * its close after the server is back, so its reconnect delay starts after `listenedAt`.
 */
async function restart() {
  const previous = wss;
  const { port } = previous.address();
  previous.close();
  // the old listening socket is released on a later turn of the event loop
  for (let tries = 0; ; tries++) {
    try {
      await listen(port);
      break;
    } catch (error) {
      if (error.code !== 'EADDRINUSE' || tries === 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  for (const client of previous.clients) client.terminate();
}

const port = await listen(0);
process.stdout.write(`${JSON.stringify({ port })}\n`);
