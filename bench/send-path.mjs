// Send-path benchmark (standalone; `pnpm build` first, then
// `node bench/send-path.mjs [--heartbeat off] [--runs N]`).
//
// What Lifeline's send() costs over ws's own send(), on the same socket in the same process: batches of
// 1000 × 64 B text go alternately through `line.send()` and through the ws socket underneath it (taken
// from the handshake hook), with a turn of the event loop between batches, so the queue stays empty and
// each send takes the fast path. Only the synchronous send loops are timed. Sharing one socket and
// alternating the order each round cancels what makes end-to-end runs on a shared machine swing by 10%.
// The sink is a separate process on 127.0.0.1 that reads and discards. Each run is a fresh process
// (JIT and heap layout differ from process to process); with --runs N they run one after another and
// the summary gives the median and range of their results.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BATCH = 1000;
const ROUNDS = 400;
const PAYLOAD = 'x'.repeat(64);

const HEARTBEAT_OFF = process.argv.includes('off');

if (process.argv[2] === 'sink') await sink();
else if (process.argv[2] === 'run') await run();
else await main();

/** Runs `--runs N` measurements, each in a fresh process, and summarises them. */
async function main() {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg === -1 ? 1 : Number(process.argv[runsArg + 1]);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    throw new RangeError(`--runs must be an integer from 1 to 50, got ${process.argv[runsArg + 1]}`);
  }
  console.log(
    `node ${process.version}, ${runs} run(s) of ${ROUNDS * BATCH} sends of ${PAYLOAD.length} B each way, heartbeat ${HEARTBEAT_OFF ? 'off' : 'on'}`,
  );
  const ratios = [];
  for (let i = 0; i < runs; i++) {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'run', ...process.argv.slice(2)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    await new Promise((resolve) => child.on('close', resolve));
    const { lifeline, ws, ratio } = JSON.parse(output);
    ratios.push(ratio);
    console.log(
      `run ${i + 1}: median per send line.send() ${lifeline.toFixed(0)} ns, ws send() ${ws.toFixed(0)} ns; median ratio per round ${percent(ratio)}`,
    );
  }
  if (runs > 1) {
    console.log(
      `median of ${runs} runs ${percent(median(ratios))}, range ${percent(Math.min(...ratios))} to ${percent(Math.max(...ratios))}`,
    );
  }
}

async function sink() {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('listening', () => process.stdout.write(`${JSON.stringify({ port: wss.address().port })}\n`));
  wss.on('connection', (socket) => socket.on('message', () => {}));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

/** One measurement; prints its medians and ratio as a JSON line. */
async function run() {
  const { Lifeline } = await import('@lifeline/node');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'sink'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise((resolve) =>
      child.stdout.once('data', (line) => resolve(JSON.parse(String(line)).port)),
    );
    const heartbeat = HEARTBEAT_OFF ? { heartbeat: false } : {};
    let raw;
    const line = new Lifeline(`ws://127.0.0.1:${port}`, {
      ...heartbeat,
      handshake: ({ socket }) => {
        raw = socket;
      },
    });
    await line.opened();

    const elapsed = { lifeline: [], ws: [] };
    const sends = {
      lifeline: () => {
        for (let i = 0; i < BATCH; i++) line.send(PAYLOAD);
      },
      ws: () => {
        for (let i = 0; i < BATCH; i++) raw.send(PAYLOAD);
      },
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const who of round % 2 ? ['lifeline', 'ws'] : ['ws', 'lifeline']) {
        const started = process.hrtime.bigint();
        sends[who]();
        elapsed[who].push(Number(process.hrtime.bigint() - started) / BATCH);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    // medians, and the median of the per-round ratios: a round that the machine interrupted (another
    // process, a GC, a slow syscall) moves a sum a lot and a median little
    const [lifeline, ws] = [median(elapsed.lifeline), median(elapsed.ws)];
    const ratio = median(elapsed.lifeline.map((ns, round) => ns / elapsed.ws[round]));
    process.stdout.write(`${JSON.stringify({ lifeline, ws, ratio })}\n`);
    line.close();
  } finally {
    child.stdin.end();
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[Math.floor(middle)];
}

function percent(ratio) {
  const value = (ratio - 1) * 100;
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}%`;
}
