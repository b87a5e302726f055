// Send-path benchmark (standalone; `pnpm build` first, then `node bench/send-path.mjs [--heartbeat off]`).
//
// What Lifeline's send() costs over ws's own send(), on the same socket in the same process: batches of
// 1000 × 64 B text go alternately through `line.send()` and through the ws socket underneath it (taken
// from the handshake hook), with a turn of the event loop between batches, so the queue stays empty and
// each send takes the fast path. Only the synchronous send loops are timed. Sharing one socket and
// alternating the order each round cancels what makes end-to-end runs on a shared machine swing by 10%.
// The sink is a separate process on 127.0.0.1 that reads and discards.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BATCH = 1000;
const ROUNDS = 400;
const PAYLOAD = 'x'.repeat(64);

if (process.argv[2] === 'sink') await sink();
else await main();

async function sink() {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('listening', () => process.stdout.write(`${JSON.stringify({ port: wss.address().port })}\n`));
  wss.on('connection', (socket) => socket.on('message', () => {}));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

async function main() {
  const { Lifeline } = await import('@lifeline/node');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'sink'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise((resolve) =>
      child.stdout.once('data', (line) => resolve(JSON.parse(String(line)).port)),
    );
    const heartbeat = process.argv.includes('off') ? { heartbeat: false } : {};
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
    console.log(
      `node ${process.version}, ${ROUNDS * BATCH} sends of ${PAYLOAD.length} B each way, heartbeat ${heartbeat.heartbeat === false ? 'off' : 'on'}`,
    );
    console.log(
      `median per send: line.send() ${lifeline.toFixed(0)} ns, ws send() ${ws.toFixed(0)} ns; median ratio per round ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}%)`,
    );
    line.close();
  } finally {
    child.stdin.end();
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
