// Backpressure benchmark (standalone; `pnpm build` first, then `node bench/backpressure.mjs`).
//
// 1. Memory: each client sends 256 MiB in 64 KiB binary messages to a reader throttled to ~20 MB/s,
//    and reports its peak RSS. Clients: Lifeline (`send(); await drained(line)`), raw ws gated by hand on
//    its send callback above 1 MiB buffered, and a naive raw ws loop.
//    Each client's idle baseline (connected, nothing sent) is measured too, to tell the libraries' own
//    footprint from what the loop buffers.
// 2. Throughput: 1,000,000 64-byte text messages to an unthrottled reader, in batches of 1000 with a
//    turn of the event loop between batches, the same for both (a batch stays far below the high-water
//    mark, so Lifeline's queue stays empty and every send takes the fast path),
//    Lifeline vs raw ws, alternating, reported as the median of the per-round ratios.
//
// Every client runs in its own process (a fresh heap, so peak RSS is its own) and the reader in
// another one, so the reader's work does not count against the client. Network: 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const TOTAL = 256 * MiB;
const READ_RATE = 20e6; // bytes per second
const SMALL = 1_000_000;
const BATCH = 1000;
const ROUNDS = 7;

const [role = 'main', ...args] = process.argv.slice(2);
if (role === 'reader') await reader();
else if (role === 'client') await client(args[0], args[1], Number(args[2]));
else await main();

/** A ws server that reads at READ_RATE (when throttled), and says `done` once it has every byte. */
async function reader() {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (socket) => {
    let expected = Number.POSITIVE_INFINITY;
    let throttled = false;
    let received = 0;
    const started = performance.now();
    socket.on('message', (data, isBinary) => {
      if (!isBinary && expected === Number.POSITIVE_INFINITY) {
        ({ expected, throttled } = JSON.parse(String(data)));
        return;
      }
      received += data.length;
      if (received >= expected) {
        socket.send('done');
        return;
      }
      if (!throttled) return;
      // pause the socket until the bytes read so far are due at READ_RATE: TCP pushes back on the client
      const ahead = (received / READ_RATE) * 1000 - (performance.now() - started);
      if (ahead > 1) {
        socket.pause();
        setTimeout(() => socket.resume(), ahead);
      }
    });
  });
  await once(wss, 'listening');
  process.stdout.write(`${JSON.stringify({ port: wss.address().port })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

/** One client run: prints { mode, wallMs, cpuMs, peakRssMiB } as JSON. */
async function client(mode, url, messages) {
  const { Lifeline, drained, opened } = await import('@lifeline/node');
  const { WebSocket } = await import('ws');
  const isSmall = mode.endsWith('small');
  const payload = isSmall ? 'x'.repeat(64) : Buffer.alloc(CHUNK, 7);
  const expected = isSmall ? messages * 64 : messages * CHUNK;
  const header = JSON.stringify({ expected, throttled: !isSmall });
  const isLifeline = mode.startsWith('lifeline');

  const socket = isLifeline ? new Lifeline(url) : new WebSocket(url, { perMessageDeflate: false });
  const done = new Promise((resolve) => {
    socket.addEventListener('message', (event) => event.data === 'done' && resolve());
  });
  if (isLifeline) await opened(socket);
  else await once(socket, 'open');
  socket.send(header);
  const cpu = process.cpuUsage();
  const started = performance.now();
  // a raw ws send whose callback resolves once its bytes left the process
  const sendAndWait = (data) =>
    new Promise((resolve, reject) => socket.send(data, (e) => (e ? reject(e) : resolve())));

  switch (mode) {
    case 'lifeline-drained':
      for (let i = 0; i < messages; i++) {
        socket.send(payload);
        await drained(socket);
      }
      break;
    case 'ws-hand-gated':
      for (let i = 0; i < messages; i++) {
        if (socket.bufferedAmount > MiB) await sendAndWait(payload);
        else socket.send(payload);
      }
      break;
    case 'ws-naive':
      for (let i = 0; i < messages; i++) socket.send(payload);
      break;
    case 'lifeline-small':
    case 'ws-small':
      // both loops yield to I/O the same way between batches; a batch is far below the high-water mark,
      // so Lifeline's queue stays empty and this measures send() itself, not drained()
      for (let i = 0; i < messages; i += BATCH) {
        for (let j = 0; j < BATCH; j++) socket.send(payload);
        await new Promise((resolve) => setImmediate(resolve));
      }
      break;
    case 'lifeline-idle':
    case 'ws-idle':
      break;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  if (messages > 0) await done;
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MiB;
  process.stdout.write(`${JSON.stringify({ mode, wallMs, cpuMs: (user + system) / 1000, peakRssMiB })}\n`);
  socket.close();
}

async function runClient(mode, url, messages) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), 'client', mode, url, String(messages)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  const timer = setTimeout(() => child.kill(), 120_000);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  if (code !== 0) throw new Error(`client ${mode} exited with ${code}`);
  return JSON.parse(output);
}

async function main() {
  const server = spawn(process.execPath, [fileURLToPath(import.meta.url), 'reader'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = await once(server.stdout, 'data');
  const url = `ws://127.0.0.1:${JSON.parse(String(line)).port}`;
  try {
    console.log(
      `node ${process.version}, ${TOTAL / MiB} MiB in ${CHUNK / 1024} KiB messages, reader at ~${READ_RATE / 1e6} MB/s`,
    );
    console.log('client                                peak RSS   wall');
    for (const mode of ['lifeline-idle', 'ws-idle']) {
      const run = await runClient(mode, url, 0);
      console.log(
        `${`${mode} (connected, nothing sent)`.padEnd(36)} ${run.peakRssMiB.toFixed(1).padStart(7)} MiB`,
      );
    }
    for (const mode of ['lifeline-drained', 'ws-hand-gated', 'ws-naive']) {
      const run = await runClient(mode, url, TOTAL / CHUNK);
      console.log(
        `${mode.padEnd(36)} ${run.peakRssMiB.toFixed(1).padStart(7)} MiB ${(run.wallMs / 1000).toFixed(1).padStart(5)} s`,
      );
    }

    console.log(
      `\nthroughput: ${SMALL} x 64 B text, batches of ${BATCH}, median of ${ROUNDS} alternating rounds`,
    );
    const runs = { 'lifeline-small': [], 'ws-small': [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of Object.keys(runs)) runs[mode].push(await runClient(mode, url, SMALL));
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    for (const [mode, results] of Object.entries(runs)) {
      const wall = median(results.map((r) => r.wallMs));
      const rate = SMALL / (wall / 1000);
      console.log(
        `${mode.padEnd(16)} ${Math.round(rate).toLocaleString('en').padStart(10)} msg/s  wall ${wall.toFixed(0)} ms  client CPU ${median(results.map((r) => r.cpuMs)).toFixed(0)} ms`,
      );
    }
    // each round runs both back to back, so a round's ratio compares them under the same load
    const paired = (key) => {
      const ratios = runs['lifeline-small'].map((run, i) => run[key] / runs['ws-small'][i][key]);
      return `${((median(ratios) - 1) * 100).toFixed(1)}%`;
    };
    console.log(
      `Lifeline vs raw ws, median of per-round ratios: wall ${paired('wallMs')}, client CPU ${paired('cpuMs')} (positive = slower)`,
    );
  } finally {
    server.stdin.end();
    server.kill();
  }
}
