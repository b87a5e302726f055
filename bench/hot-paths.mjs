// Hot-path benchmark (standalone; `pnpm build` first, then
// `node bench/hot-paths.mjs [--path send|receive [--typed]] [--heartbeat off] [--runs N]`).
//
// What Lifeline adds per message over ws itself, measured in one process, in alternating batches with a
// turn of the event loop between them; only the synchronous loops are timed. Alternating the order each
// round cancels what makes end-to-end runs on a shared machine swing by 10%.
//   send     (default) batches of 1000 × 64 B text go through `line.send()` and through the ws socket
//            underneath it (taken from the handshake hook), on the same connection, so the queue stays
//            empty and each send takes the fast path. The sink is a separate process that discards.
//   receive  batches of 1000 text frames of 32 B are fed to a socket's `emit('message', …)`, where ws's
//            receiver hands over each parsed frame: from there to the application's handler, once
//            through a Lifeline's socket to its standard `onmessage`, once through a plain ws socket to
//            an `on('message')` listener that takes the text, ws's cheapest API. With `--typed`, the
//            Lifeline side is its typed `on('message')` with a pass-through text codec instead: the same
//            way without the standard event object.
// Each run is a fresh process (JIT and heap layout differ from process to process); with --runs N they
// run one after another and the summary gives the median and range of their results.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './workloads/measure.mjs';

const BATCH = 1000;
const ROUNDS = 400;
const RUN_DEADLINE_MS = 120_000;
const PATHS = {
  send: { payload: 'x'.repeat(64), lifeline: 'line.send()', ws: "ws's send()" },
  receive: {
    payload: 'echo-payload-0123456789abcdefghi',
    lifeline: process.argv.includes('--typed') ? "line.on('message')" : 'line.onmessage',
    ws: "ws's on('message')",
  },
};

const pathArg = process.argv.indexOf('--path');
const PATH = pathArg === -1 ? 'send' : process.argv[pathArg + 1];
if (!Object.hasOwn(PATHS, PATH)) throw new RangeError(`--path must be send or receive, got ${PATH}`);
const HEARTBEAT_OFF = process.argv.includes('off');
const TYPED = process.argv.includes('--typed');

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
  const { payload, lifeline: lifelineName, ws: wsName } = PATHS[PATH];
  console.log(
    `node ${process.version}, ${PATH} path, ${runs} run(s) of ${ROUNDS * BATCH} messages of ${payload.length} B each way, heartbeat ${HEARTBEAT_OFF ? 'off' : 'on'}`,
  );
  const ratios = [];
  const extras = [];
  for (let i = 0; i < runs; i++) {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'run', ...process.argv.slice(2)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`hot-paths: run ${i + 1} exited with code ${code}`);
    const { lifeline, ws, ratio, extra } = JSON.parse(output);
    ratios.push(ratio);
    extras.push(extra);
    console.log(
      `run ${i + 1}: median per message ${lifelineName} ${lifeline.toFixed(0)} ns, ${wsName} ${ws.toFixed(0)} ns; per round, median ratio ${percent(ratio)}, median difference ${nanoseconds(extra)}`,
    );
  }
  if (runs > 1) {
    const range = (values, format) =>
      `${format(median(values))} (${format(Math.min(...values))} to ${format(Math.max(...values))})`;
    console.log(
      `median of ${runs} runs: ratio ${range(ratios, percent)}, difference ${range(extras, nanoseconds)} per message`,
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

/** One measurement; prints its medians, per-round ratio and difference as a JSON line. */
async function run() {
  // a run takes seconds; one that hangs (a server that never answers) ends here, and its sink with it
  setTimeout(() => {
    console.error(`hot-paths: a run did not finish within ${RUN_DEADLINE_MS} ms`);
    process.exit(3);
  }, RUN_DEADLINE_MS).unref();
  const { Lifeline } = await import('@lifeline/node');
  const { WebSocket } = await import('ws');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'sink'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise((resolve) =>
      child.stdout.once('data', (line) => resolve(JSON.parse(String(line)).port)),
    );
    const url = `ws://127.0.0.1:${port}`;
    let underLine;
    const line = new Lifeline(url, {
      ...(HEARTBEAT_OFF && { heartbeat: false }),
      // text frames delivered as they are, so the typed path does the same work as the standard one
      ...(TYPED && { codec: { encode: String, decode: (text) => text } }),
      handshake: ({ socket }) => {
        underLine = socket;
      },
    });
    await line.opened();
    const plain = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((resolve) => plain.once('open', resolve));

    const loops = PATH === 'send' ? sendLoops(line, underLine) : receiveLoops(line, underLine, plain);
    const elapsed = { lifeline: [], ws: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const who of round % 2 ? ['lifeline', 'ws'] : ['ws', 'lifeline']) {
        const started = process.hrtime.bigint();
        loops[who]();
        elapsed[who].push(Number(process.hrtime.bigint() - started) / BATCH);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (loops.received !== undefined && loops.received() !== 2 * ROUNDS * BATCH) {
      throw new Error(`the handlers saw ${loops.received()} of ${2 * ROUNDS * BATCH} frames`);
    }
    // medians, and the median of the per-round ratios: a round that the machine interrupted (another
    // process, a GC, a slow syscall) moves a sum a lot and a median little
    const [lifeline, ws] = [median(elapsed.lifeline), median(elapsed.ws)];
    const ratio = median(elapsed.lifeline.map((ns, round) => ns / elapsed.ws[round]));
    const extra = median(elapsed.lifeline.map((ns, round) => ns - elapsed.ws[round]));
    process.stdout.write(`${JSON.stringify({ lifeline, ws, ratio, extra })}\n`);
    line.close();
    plain.close();
  } finally {
    child.stdin.end();
  }
}

function sendLoops(line, underLine) {
  const { payload } = PATHS.send;
  return {
    lifeline: () => {
      for (let i = 0; i < BATCH; i++) line.send(payload);
    },
    ws: () => {
      for (let i = 0; i < BATCH; i++) underLine.send(payload);
    },
  };
}

function receiveLoops(line, underLine, plain) {
  const frame = Buffer.from(PATHS.receive.payload);
  let received = 0;
  const count = (text) => {
    received += text.length === frame.length ? 1 : 0;
  };
  if (TYPED) line.on('message', count);
  else line.onmessage = (event) => count(event.data);
  plain.on('message', (data, isBinary) => {
    if (!isBinary) count(data.toString());
  });
  return {
    lifeline: () => {
      for (let i = 0; i < BATCH; i++) underLine.emit('message', frame, false);
    },
    ws: () => {
      for (let i = 0; i < BATCH; i++) plain.emit('message', frame, false);
    },
    received: () => received,
  };
}

function nanoseconds(value) {
  return `${value >= 0 ? '+' : ''}${value.toFixed(0)} ns`;
}

function percent(ratio) {
  const value = (ratio - 1) * 100;
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}%`;
}
