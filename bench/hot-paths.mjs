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
import { fileURLToPath } from 'node:url';
import { Child } from './child.mjs';
import { median } from './workloads/measure.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const BATCH = 1000;
const ROUNDS = 400;
const RUN_DEADLINE_MS = 120_000;
const SINK_START_MS = 10_000;
const TYPED = process.argv.includes('--typed');
const PATHS = {
  send: { payload: 'x'.repeat(64), lifeline: 'line.send()', ws: "ws's send()" },
  receive: {
    payload: 'echo-payload-0123456789abcdefghi',
    lifeline: TYPED ? "line.on('message')" : 'line.onmessage',
    ws: "ws's on('message')",
  },
};

const pathArg = process.argv.indexOf('--path');
const PATH = pathArg === -1 ? 'send' : process.argv[pathArg + 1];
if (!Object.hasOwn(PATHS, PATH)) throw new RangeError(`--path must be send or receive, got ${PATH}`);
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
  const { payload, lifeline: lifelineName, ws: wsName } = PATHS[PATH];
  console.log(
    `node ${process.version}, ${PATH} path, ${runs} run(s) of ${ROUNDS * BATCH} messages of ${payload.length} B each way, heartbeat ${HEARTBEAT_OFF ? 'off' : 'on'}`,
  );
  const ratios = [];
  const extras = [];
  for (let i = 0; i < runs; i++) {
    // a run takes seconds; one that hangs (a sink that never answers) is killed, with what it printed
    const { lifeline, ws, ratio, extra } = await new Child(SCRIPT, [
      'run',
      ...process.argv.slice(2),
    ]).nextLine(RUN_DEADLINE_MS);
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
  const { Lifeline, handshake, opened } = await import('@lifeline/node');
  const sink = new Child(SCRIPT, ['sink']);
  try {
    const { port } = await sink.nextLine(SINK_START_MS);
    const url = `ws://127.0.0.1:${port}`;
    let underLine;
    const line = new Lifeline(url, {
      ...(HEARTBEAT_OFF && { heartbeat: false }),
      // text frames delivered as they are, so the typed path does the same work as the standard one
      ...(TYPED && { codec: { encode: String, decode: (text) => text } }),
    });
    handshake(line, ({ socket }) => {
      underLine = socket;
    });
    await opened(line);
    // the receive path's reference: a plain ws socket with ws's own listener
    const plain = PATH === 'receive' ? await openPlain(url) : null;

    const loops = plain === null ? sendLoops(line, underLine) : receiveLoops(line, underLine, plain);
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
    plain?.close();
  } finally {
    sink.kill();
  }
}

async function openPlain(url) {
  const { WebSocket } = await import('ws');
  const plain = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve) => plain.once('open', resolve));
  return plain;
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

// function declarations: main() runs at the top level, above this point
function signed(value, digits) {
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

function nanoseconds(value) {
  return `${signed(value, 0)} ns`;
}

function percent(ratio) {
  return `${signed((ratio - 1) * 100, 1)}%`;
}
