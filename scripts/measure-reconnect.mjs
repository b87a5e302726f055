// Measures how fast Lifeline clients come back after a server restart, on loopback, with the built
// @lifeline/node (run `pnpm build` first): node scripts/measure-reconnect.mjs
//
// (a) one client, minDelay 50 ms: time from the server listening again to the client open, over 20
//     restarts, for an immediate restart and for one after 1 s of downtime. Each restart hits a client
//     whose connection has been up longer than minUptime (100 ms here, to keep the run short), as a
//     long-lived connection would be; otherwise the attempt counter keeps growing from restart to
//     restart, which is the accept-then-close protection at work, not the time to reconnect;
// (b) 200 clients, one immediate restart: when each connection reached the server (the load a restart
//     puts on it) and when each client saw its open, relative to the server listening again, with
//     minDelay 50 ms and with the default 1000 ms.
//
// The server runs in a child process, so the clients' work does not delay it; both read the same clock
// (performance.timeOrigin + performance.now()). Figures, not a test: they depend on the machine and its
// load. Every wait is bounded and the script exits by itself.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { Lifeline, opened } from '@lifeline/node';
import { WebSocketServer } from 'ws';

const REPETITIONS = 20;
const CLIENTS = 200;
const MIN_DELAY = 50;
const MIN_UPTIME = 100;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the server process: listens; on { restart: downtime } drops everyone, waits, listens again and
// reports when; on { report: true } says when each connection since then arrived ----

async function serve() {
  const listen = async (port) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    await once(wss, 'listening');
    return wss;
  };
  let wss = await listen(0);
  const { port } = wss.address();
  let arrivals = [];
  process.send({ port });
  process.on('message', async ({ restart: downtime, report }) => {
    if (report) {
      process.send({ arrivals });
      return;
    }
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
    if (downtime > 0) await sleep(downtime);
    wss = await listen(port);
    arrivals = [];
    wss.on('connection', () => arrivals.push(now()));
    process.send({ backAt: now() });
  });
  process.on('disconnect', () => process.exit(0));
}

// ---- the measuring process ----

async function startServer() {
  const child = fork(new URL(import.meta.url), ['--server'], { stdio: 'inherit' });
  const [{ port }] = await once(child, 'message');
  return {
    url: `ws://127.0.0.1:${port}`,
    /** Restarts the server; resolves with the time it was listening again. */
    restart: async (downtime) => {
      child.send({ restart: downtime });
      const [{ backAt }] = await once(child, 'message');
      return backAt;
    },
    /** When each connection since the last restart arrived. */
    arrivals: async () => {
      child.send({ report: true });
      const [{ arrivals }] = await once(child, 'message');
      return arrivals;
    },
    stop: () => child.disconnect(),
  };
}

/** Resolves with the time of the line's next open; rejects after 30 s, past any backoff window here. */
function nextOpen(line) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no reconnect within 30 s')), 30_000);
    line.once('open', () => {
      clearTimeout(timer);
      resolve(now());
    });
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (value) => `${Math.round(value)} ms`;

async function singleClient(downtime) {
  const server = await startServer();
  const line = new Lifeline(server.url, { reconnect: { minDelay: MIN_DELAY, minUptime: MIN_UPTIME } });
  const times = [];
  try {
    await opened(line);
    for (let i = 0; i < REPETITIONS; i++) {
      await sleep(MIN_UPTIME * 1.5);
      const reopened = nextOpen(line);
      const backAt = await server.restart(downtime);
      times.push((await reopened) - backAt);
    }
  } finally {
    line.close();
    server.stop();
  }
  return times.sort((a, b) => a - b);
}

async function manyClients(minDelay) {
  const server = await startServer();
  const lines = Array.from(
    { length: CLIENTS },
    () => new Lifeline(server.url, { reconnect: { minDelay, minUptime: MIN_UPTIME } }),
  );
  try {
    await Promise.all(lines.map((line) => opened(line)));
    await sleep(MIN_UPTIME * 1.5);
    const drops = [];
    const starts = [];
    for (const line of lines) {
      line.once('close', () => drops.push(now()));
      line.on('state', ({ phase }) => phase === 'connecting' && starts.push(now()));
    }
    const reopened = lines.map((line) => nextOpen(line));
    const backAt = await server.restart(0);
    const sinceBack = (times) => times.map((at) => at - backAt).sort((a, b) => a - b);
    const opens = sinceBack(await Promise.all(reopened));
    return {
      drops: sinceBack(drops),
      starts: sinceBack(starts),
      arrivals: sinceBack(await server.arrivals()),
      opens,
    };
  } finally {
    for (const line of lines) line.close();
    server.stop();
  }
}

/** Counts per bucket of `width` ms from 0. */
function histogram(times, width) {
  const counts = new Array(Math.floor(times.at(-1) / width) + 1).fill(0);
  for (const time of times) counts[Math.max(0, Math.floor(time / width))]++;
  return counts
    .map(
      (count, i) =>
        `    ${`${i * width}-${(i + 1) * width} ms`.padEnd(14)} ${String(count).padStart(3)} ${'#'.repeat(Math.ceil(count / 2))}`,
    )
    .join('\n');
}

async function measure() {
  const load = loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
  console.log(`Lifeline reconnect figures, Node ${process.version}, loopback, server in its own process`);
  console.log(`load average before the run: ${load}\n`);
  for (const downtime of [0, 1000]) {
    const times = await singleClient(downtime);
    console.log(
      `(a) 1 client, minDelay ${MIN_DELAY} ms, server down ${downtime} ms, ${REPETITIONS} restarts, ` +
        `server listening -> client open: median ${ms(percentile(times, 50))}, min ${ms(times[0])}, max ${ms(times.at(-1))}`,
    );
  }
  for (const [minDelay, width] of [
    [MIN_DELAY, 25],
    [1000, 100],
  ]) {
    const { drops, starts, arrivals, opens } = await manyClients(minDelay);
    const summary = (times) =>
      `first ${ms(times[0])}, p10 ${ms(percentile(times, 10))}, p50 ${ms(percentile(times, 50))}, ` +
      `p90 ${ms(percentile(times, 90))}, last ${ms(times.at(-1))}`;
    console.log(
      `\n(b) ${CLIENTS} clients, minDelay ${minDelay} ms, one immediate restart, after the server listened again:`,
    );
    // all clients share this process: how long it took them to notice the drop bounds what follows
    console.log(`    clients saw the drop: first ${ms(drops[0])}, last ${ms(drops.at(-1))}`);
    console.log(`    attempts started:     ${summary(starts)} (${starts.length} attempts)`);
    console.log(`    connections arrived:  ${summary(arrivals)}`);
    console.log(`    clients open:         ${summary(opens)}`);
    console.log('    arrivals per bucket:');
    console.log(histogram(arrivals, width));
  }
}

if (process.argv.includes('--server')) {
  await serve();
} else {
  const watchdog = setTimeout(() => {
    console.error('measure-reconnect: did not finish within 5 minutes');
    process.exit(1);
  }, 300_000);
  try {
    await measure();
    clearTimeout(watchdog);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}
