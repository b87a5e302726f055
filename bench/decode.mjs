// Decode + validate benchmark: 200k JSON messages (~150 B, a 4-variant discriminated union) from a
// server in a separate process, received by
//   hand:     ws + JSON.parse + schema.safeParse, written by hand
//   lifeline: @lifeline/node with the same zod schema as its `schema` option, on('message')
// in alternating rounds of the same run. Reports the median and best time and client CPU per round,
// and Lifeline's overhead against the hand-written loop. Not a test: nothing here passes or fails.
// On a busy machine compare the per-round ratios: each round runs both paths back to back.
//
//   pnpm build && node bench/decode.mjs [--messages 200000] [--rounds 7] [--only lifeline|hand]
//
// To profile one path: node --cpu-prof --cpu-prof-dir=.tmp/profile bench/decode.mjs --only lifeline
// A count that no other process can disturb: instructions per message under valgrind, from two runs,
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node bench/decode.mjs --only hand --messages N --rounds 1
// with N = 10000 and 50000: (Ir(50000) - Ir(10000)) / 80000 (each run is a warm-up round plus one).
//
// The server sends pre-built frames in one write per round, so the client, not the server, sets the pace.
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { Lifeline } from '@lifeline/node';
import { WebSocket } from 'ws';
import * as z from 'zod';
import { median } from './workloads/measure.mjs';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : process.argv[index + 1];
};

// ---- the server process ----

function messageAt(i) {
  const ts = 1_719_000_000_000 + i;
  switch (i % 4) {
    case 0:
      return {
        type: 'trade',
        symbol: 'BTC-USD',
        venue: 'exchange-one',
        id: `trade-${i}`,
        price: 64_000 + (i % 1000) / 100,
        size: 0.0125,
        side: 'buy',
        ts,
      };
    case 1:
      return {
        type: 'quote',
        symbol: 'ETH-USD',
        venue: 'exchange-two',
        bid: 3100.25 + (i % 50),
        ask: 3100.75 + (i % 50),
        bidSize: 4.2,
        askSize: 1.7,
        ts,
      };
    case 2:
      return {
        type: 'book',
        symbol: 'SOL-USD',
        venue: 'exchange-one',
        side: 'sell',
        levels: [
          [142.1, 10],
          [142.2, 7.5],
          [142.3, 3],
        ],
        seq: i,
        ts,
      };
    default:
      return {
        type: 'status',
        symbol: 'XRP-USD',
        venue: 'exchange-two',
        status: i % 8 === 3 ? 'halted' : 'open',
        reason: 'scheduled maintenance window',
        ts,
      };
  }
}

/** One unmasked server text frame (RFC 6455 §5.2); payloads here are under 64 KiB. */
function textFrame(payload) {
  const body = Buffer.from(payload);
  const head =
    body.length < 126
      ? Buffer.from([0x81, body.length])
      : Buffer.from([0x81, 126, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([head, body]);
}

function runServer() {
  const count = Number(process.argv[3]);
  const frames = Buffer.concat(
    Array.from({ length: count }, (_, i) => textFrame(JSON.stringify(messageAt(i)))),
  );
  const server = createServer();
  server.on('upgrade', (request, socket) => {
    const accept = createHash('sha1')
      .update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.setNoDelay(true);
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.write(frames);
    // the client closes; nothing it sends matters here
    socket.on('data', () => {});
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => {
    process.send({ port: server.address().port, bytes: frames.length });
  });
  process.on('disconnect', () => process.exit(0));
}

// ---- the client process ----

const Market = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('trade'),
    symbol: z.string(),
    venue: z.string(),
    id: z.string(),
    price: z.number(),
    size: z.number(),
    side: z.enum(['buy', 'sell']),
    ts: z.number(),
  }),
  z.object({
    type: z.literal('quote'),
    symbol: z.string(),
    venue: z.string(),
    bid: z.number(),
    ask: z.number(),
    bidSize: z.number(),
    askSize: z.number(),
    ts: z.number(),
  }),
  z.object({
    type: z.literal('book'),
    symbol: z.string(),
    venue: z.string(),
    side: z.enum(['buy', 'sell']),
    levels: z.array(z.tuple([z.number(), z.number()])),
    seq: z.number(),
    ts: z.number(),
  }),
  z.object({
    type: z.literal('status'),
    symbol: z.string(),
    venue: z.string(),
    status: z.enum(['open', 'halted']),
    reason: z.string(),
    ts: z.number(),
  }),
]);

/** Receives `count` messages through one path; resolves with wall ms and client CPU ms, connect to last message. */
const paths = {
  hand(url, count) {
    return new Promise((resolve, reject) => {
      const started = mark();
      const socket = new WebSocket(url);
      let received = 0;
      let checksum = 0;
      socket.on('message', (data) => {
        const result = Market.safeParse(JSON.parse(data));
        if (result.success) checksum += result.data.ts & 1;
        else throw new Error('invalid message in the benchmark feed');
        if (++received === count) {
          const elapsed = since(started);
          socket.close();
          resolve({ ...elapsed, checksum });
        }
      });
      socket.on('error', reject);
    });
  },
  lifeline(url, count) {
    return new Promise((resolve, reject) => {
      const started = mark();
      const line = new Lifeline(url, { schema: Market, reconnect: { retries: 0 } });
      let received = 0;
      let checksum = 0;
      line.on('invalid', () => reject(new Error('invalid message in the benchmark feed')));
      line.on('error', reject);
      line.on('message', (message) => {
        checksum += message.ts & 1;
        if (++received === count) {
          const elapsed = since(started);
          line.close();
          resolve({ ...elapsed, checksum });
        }
      });
    });
  },
};

function mark() {
  return { time: performance.now(), cpu: process.cpuUsage() };
}

function since(start) {
  const cpu = process.cpuUsage(start.cpu);
  return { ms: performance.now() - start.time, cpuMs: (cpu.user + cpu.system) / 1000 };
}

// a round takes under a second (seconds under valgrind); one that stalls (a server gone mid-feed) fails
const ROUND_DEADLINE_MS = 60_000;

function withinDeadline(promise, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${ROUND_DEADLINE_MS} ms`)),
      ROUND_DEADLINE_MS,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function runClient() {
  const count = Number(argument('--messages', 200_000));
  const rounds = Number(argument('--rounds', 7));
  const only = argument('--only', undefined);
  const server = fork(new URL(import.meta.url), ['server', String(count)], { stdio: 'inherit' });
  const { port, bytes } = await new Promise((resolve) => server.once('message', resolve));
  const url = `ws://127.0.0.1:${port}/`;
  console.log(
    `${count} messages, ${(bytes / count).toFixed(0)} B per frame on average, ${rounds} rounds per path (+1 warm-up)`,
  );

  const results = { hand: [], lifeline: [] };
  const checksums = new Set();
  for (let round = 0; round <= rounds; round++) {
    // alternate which path goes first, so neither always runs on a warmer or cooler machine
    const order = (round % 2 === 0 ? ['hand', 'lifeline'] : ['lifeline', 'hand']).filter(
      (name) => only === undefined || name === only,
    );
    for (const name of order) {
      const result = await withinDeadline(paths[name](url, count), `round ${round} of the ${name} path`);
      checksums.add(result.checksum);
      if (round > 0) results[name].push(result);
    }
  }
  server.disconnect();
  if (checksums.size !== 1) throw new Error(`the paths saw different messages: checksums ${[...checksums]}`);

  const summary = {};
  for (const [name, list] of Object.entries(results)) {
    if (list.length === 0) continue;
    const times = list.map((r) => r.ms);
    const cpu = list.map((r) => r.cpuMs);
    summary[name] = {
      ms: median(times),
      cpuMs: median(cpu),
      bestMs: Math.min(...times),
      bestCpuMs: Math.min(...cpu),
    };
    const { ms, cpuMs, bestMs, bestCpuMs } = summary[name];
    console.log(
      `${name.padEnd(9)} median ${ms.toFixed(1)} ms (${((ms * 1e6) / count).toFixed(0)} ns/message), ` +
        `CPU ${cpuMs.toFixed(1)} ms; best ${bestMs.toFixed(1)} ms, CPU ${bestCpuMs.toFixed(1)} ms; ` +
        `rounds: ${times.map((t) => t.toFixed(0)).join(' ')}`,
    );
  }
  if (only) return;
  const overhead = (key) => `${((summary.lifeline[key] / summary.hand[key] - 1) * 100).toFixed(1)}%`;
  // each round runs both paths back to back, so a round's ratio compares them under the same load
  const paired = (key) => {
    const ratios = results.lifeline.map((result, i) => result[key] / results.hand[i][key]);
    return `${((median(ratios) - 1) * 100).toFixed(1)}%`;
  };
  console.log(
    `lifeline vs hand: median of per-round ratios: time ${paired('ms')}, CPU ${paired('cpuMs')}; ` +
      `medians: time ${overhead('ms')}, CPU ${overhead('cpuMs')}; best: time ${overhead('bestMs')}, CPU ${overhead('bestCpuMs')}`,
  );
}

if (process.argv[2] === 'server') runServer();
else await runClient();
