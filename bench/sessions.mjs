// The figures of acknowledged sessions (issues #15 and #16), with the built packages (`pnpm build`):
//
//   node bench/sessions.mjs [--store memory|redis|memory,redis] [--quick] [--out file.json]
//
// The default is both stores when `redis-server` is on the PATH (the bench starts its own on loopback,
// nothing persisted), the in-memory store otherwise. For each store, against a plain line on a plain ws
// server in the same run:
//
// (a) throughput each way, saturated: one line sends N messages of 56 B JSON as fast as it may (or the
//     server does), messages / (first send → the receiver's application got the last one: the server's
//     handler ran, or the client's `message` listener). In acked mode also the ack lag: how much later
//     the sender held the acknowledgement of the last message (acks go out per 64 messages or after
//     200 ms). Acked mode runs with the default bounds (the server's window of 1,024 unacknowledged
//     messages). After one unmeasured run of each at a fifth of the size, the median of the repetitions.
// (b) bytes on the wire per message, each way, from the same runs: the bytes the server's TCP sockets
//     read and wrote over the measured part (`bytesRead`, `bytesWritten`: WebSocket frame headers, masks,
//     the session header and acknowledgement frames included; TCP/IP headers not), divided by N; and
//     the CPU time per message of the client process and of the server process.
// (c) throughput at an offered 10,000 messages a second for 5 s (not with --quick): 1 session, and with
//     Redis also 10 sessions at 1,000 a second each, where issue #16 asks for at least 0.5× plain.
// (d) resume after a cut on the same node: the server drops the TCP connection (the client sees 1006);
//     ms from the client's `close` to its `resumed`, with a 1 ms reconnect delay. The same for a plain
//     line (`close` → `open`) shows what the hello/welcome round trip adds to a reconnect.
// (e) with Redis, resume on another node: node A closes without a drain (1001; its sessions stay in
//     Redis) and the client resumes on node B: `close` → `resumed`.
// (f) with Redis, memory per idle session: MEMORY USAGE of a detached session's keys, and used_memory
//     over many idle sessions; also with 10 unacknowledged 100 B messages each.
//
// The servers run in a child process (bench/sessions-server.mjs), so client and servers do not share a
// core. Figures, not a test: they depend on the machine and its load. Every wait is bounded.

import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Lifeline, session } from '@lifeline/node';
import { RedisSessionStore } from '@lifeline/redis';
import { hasRedisServer, INSTALL_HINT, startLocalRedis } from '../examples/local-redis.mjs';
import { pace } from './pace.mjs';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const STORES = args.store ? args.store.split(',') : hasRedisServer() ? ['memory', 'redis'] : ['memory'];
for (const store of STORES) {
  if (store !== 'memory' && store !== 'redis')
    throw new RangeError(`--store must be memory, redis or both (memory,redis), got ${args.store}`);
}
const SIZES = args.quick
  ? { messages: 10_000, reps: 1, paced: null, cuts: 10, handovers: 10, idleSessions: 1_000 }
  : {
      messages: 50_000,
      reps: 3,
      paced: { rate: 10_000, seconds: 5 },
      cuts: 30,
      handovers: 30,
      idleSessions: 5_000,
    };
const PAYLOAD = JSON.stringify({ n: 0, pad: 'x'.repeat(40) });
const C2S = 'client → server';
const S2C = 'server → client';
const log = (text) => process.stdout.write(`${text}\n`);

// ---- the server process ------------------------------------------------------------------------------

/** Forks the server process; `ask` sends a command and resolves with its reply (bounded). */
async function serverProcess(redisUrl) {
  const child = fork(new URL('./sessions-server.mjs', import.meta.url), redisUrl ? [redisUrl] : []);
  const messages = [];
  const waiters = [];
  let failure = null;
  child.on('message', (message) => {
    if (message.type === 'failed') {
      failure = new Error(`the server process failed: ${message.error}`);
      for (const waiter of waiters.splice(0)) waiter.reject(failure);
      return;
    }
    const waiter = waiters.findIndex(({ type }) => type === message.type);
    if (waiter >= 0) waiters.splice(waiter, 1)[0].resolve(message);
    else messages.push(message);
  });
  const next = (type, ms = 60_000) => {
    if (failure) return Promise.reject(failure);
    const index = messages.findIndex((message) => message.type === type);
    if (index >= 0) return Promise.resolve(messages.splice(index, 1)[0]);
    return within(
      new Promise((resolve, reject) => waiters.push({ type, resolve, reject })),
      ms,
      `the server's ${type}`,
    );
  };
  const ask = (command, reply, ms) => {
    const answer = next(reply, ms);
    child.send(command);
    return answer;
  };
  await next('up', 10_000);
  return { ask, next, kill: () => child.kill('SIGKILL') };
}

// ---- the measurements --------------------------------------------------------------------------------

let servers = 0;
const newName = () => `s${++servers}`;

/** Opens `sessions` lines to `url`, acked or plain, that may queue `count` messages; `done` once they received `expected`. */
async function openLines(url, acked, sessions, count, expected) {
  const lines = [];
  const drops = [];
  let received = 0;
  let allReceived;
  const done = new Promise((resolve) => {
    allReceived = resolve;
  });
  for (let i = 0; i < sessions; i++) {
    // the queue holds what the session's window keeps back: a whole run's messages at most
    const line = new Lifeline(url, { reconnect: { minDelay: 10 }, queue: { maxMessages: count + 1_000 } });
    const s = acked ? session(line) : null;
    line.on('message', () => {
      received += 1;
      if (received === expected) allReceived();
    });
    line.on('drop', ({ reason }) => drops.push(reason));
    await within(new Promise((resolve) => line.once('open', resolve)), 10_000, 'open');
    lines.push({ line, s });
  }
  return { lines, done, drops };
}

/**
 * One run of `count` messages one way, on a fresh server of `mode` ('plain', 'memory' or 'redis'):
 * messages per second and the bytes per message the server's sockets carried each way.
 */
async function run(server, mode, direction, { count, perSecond = null, sessions = 1 }) {
  const name = newName();
  const { url } = await server.ask({ type: 'start', name, mode }, 'ready');
  const acked = mode !== 'plain';
  const { lines, done, drops } = await openLines(url, acked, sessions, count, direction === S2C ? count : 0);
  const limit = 30_000 + (perSecond ? (count / perSecond) * 1000 : count);
  const before = await server.ask({ type: 'bytes', name }, 'bytes');
  const cpuBefore = process.cpuUsage();
  let started;
  let deliveredAt;
  if (direction === C2S) {
    await server.ask({ type: 'expect', count }, 'expecting');
    const serverGotAll = server.next('received', limit);
    started = performance.now();
    const sinks = lines.map(
      ({ line }) =>
        (data) =>
          line.send(data),
    );
    if (perSecond) await pace(perSecond, count, sinks, PAYLOAD);
    else for (let i = 0; i < count / sessions; i++) for (const sink of sinks) sink(PAYLOAD);
    await serverGotAll;
    deliveredAt = performance.now();
    if (acked) await within(Promise.all(lines.map(({ s }) => s.acked())), limit, 'acked()');
  } else {
    started = performance.now();
    const streamed = server.ask({ type: 'stream', name, count, perSecond, payload: PAYLOAD }, 'streaming');
    await within(done, limit, 'the last message');
    deliveredAt = performance.now();
    await streamed;
    await server.next('streamed', limit);
  }
  // acked mode: when the sender held the acknowledgement of every message (the last ones may wait for the
  // 200 ms ack timer); plain mode: when the server's socket had written them all
  const ackedAt = performance.now();
  if (drops.length > 0)
    throw new Error(`${drops.length} messages were dropped (${drops[0]}): the run does not count`);
  const cpu = process.cpuUsage(cpuBefore);
  const after = await server.ask({ type: 'bytes', name }, 'bytes');
  for (const { line } of lines) line.close();
  await server.ask({ type: 'stop', name }, 'stopped');
  const read = (after.read - before.read) / count;
  const written = (after.written - before.written) / count;
  return {
    msgsPerSec: (count * 1000) / (deliveredAt - started),
    ackLagMs: acked ? ackedAt - deliveredAt : null,
    forwardBytes: direction === C2S ? read : written,
    backBytes: direction === C2S ? written : read,
    clientCpuUs: (cpu.user + cpu.system) / count,
    serverCpuUs: (after.cpuUs - before.cpuUs) / count,
  };
}

/** Plain against acked, `reps` times each, the order alternating; medians and the ratio. */
async function compare(server, store, direction, options, reps) {
  const runs = { plain: [], acked: [] };
  // one unmeasured run of each first, a fifth of the size, so both processes' JIT is warm
  for (const mode of ['plain', store])
    await run(server, mode, direction, { ...options, count: options.count / 5 });
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? ['plain', 'acked'] : ['acked', 'plain'];
    for (const mode of order)
      runs[mode].push(await run(server, mode === 'plain' ? 'plain' : store, direction, options));
  }
  const summary = (list) => ({
    msgsPerSec: median(list.map((r) => r.msgsPerSec)),
    min: Math.min(...list.map((r) => r.msgsPerSec)),
    max: Math.max(...list.map((r) => r.msgsPerSec)),
    forwardBytes: median(list.map((r) => r.forwardBytes)),
    backBytes: median(list.map((r) => r.backBytes)),
    ackLagMs: list[0].ackLagMs === null ? null : median(list.map((r) => r.ackLagMs)),
    clientCpuUs: median(list.map((r) => r.clientCpuUs)),
    serverCpuUs: median(list.map((r) => r.serverCpuUs)),
  });
  const plain = summary(runs.plain);
  const acked = summary(runs.acked);
  return { plain, acked, ratio: acked.msgsPerSec / plain.msgsPerSec };
}

/** ms from `close` to `resumed` (acked) or `open` (plain), over `cuts` connections the server dropped. */
async function resumeAfterCut(server, mode, cuts) {
  const name = newName();
  const { url } = await server.ask({ type: 'start', name, mode }, 'ready');
  const line = new Lifeline(url, { reconnect: { minDelay: 1, maxDelay: 1, jitter: false, minUptime: 0 } });
  const s = mode === 'plain' ? null : session(line);
  await within(new Promise((resolve) => line.once('open', resolve)), 10_000, 'open');
  const times = [];
  for (let i = 0; i < cuts; i++) {
    // the session carries state into each cut: a message sent and acknowledged
    if (s) await within(s.sendAcked(PAYLOAD), 10_000, 'sendAcked()');
    let closedAt = 0;
    line.once('close', () => {
      closedAt = performance.now();
    });
    const back = new Promise((resolve, reject) => {
      if (!s) return line.once('open', resolve);
      line.once('resumed', resolve);
      line.once('reset', ({ reason }) => reject(new Error(`reset ${reason}`)));
    });
    await server.ask({ type: 'cut', name }, 'cut');
    await within(back, 10_000, 'the resume');
    times.push(performance.now() - closedAt);
  }
  line.close();
  await server.ask({ type: 'stop', name }, 'stopped');
  return percentiles(times);
}

/** ms from `close` to `resumed` when the client's node closes without a drain and it moves to another. */
async function resumeOnAnotherNode(server, handovers) {
  const urls = new Map();
  const names = [newName(), newName()];
  for (const name of names)
    urls.set(name, (await server.ask({ type: 'start', name, mode: 'redis' }, 'ready')).url);
  let current = names[0];
  const line = new Lifeline(() => urls.get(current), {
    reconnect: { minDelay: 1, maxDelay: 1, minUptime: 0 },
  });
  const s = session(line);
  await within(new Promise((resolve) => line.once('open', resolve)), 10_000, 'open');
  const times = [];
  for (let i = 0; i < handovers; i++) {
    await within(s.sendAcked(PAYLOAD), 10_000, 'sendAcked()');
    const gone = current;
    current = names.find((name) => name !== gone);
    let closedAt = 0;
    line.once('close', () => {
      closedAt = performance.now();
    });
    const resumed = new Promise((resolve, reject) => {
      line.once('resumed', resolve);
      line.once('reset', ({ reason }) => reject(new Error(`reset ${reason}`)));
    });
    await server.ask({ type: 'stop', name: gone, how: 'close' }, 'stopped');
    await within(resumed, 10_000, 'the resume on another node');
    times.push(performance.now() - closedAt);
    // the node that went away comes back under a new name, on a new port
    const fresh = newName();
    names[names.indexOf(gone)] = fresh;
    urls.set(fresh, (await server.ask({ type: 'start', name: fresh, mode: 'redis' }, 'ready')).url);
  }
  line.close();
  for (const name of names) await server.ask({ type: 'stop', name }, 'stopped');
  return percentiles(times);
}

/** Redis memory per detached session, idle and holding 10 unacknowledged 100 B messages. */
async function redisMemory(redisUrl, sessions) {
  const store = await RedisSessionStore.connect({ url: redisUrl, prefix: 'mem:' });
  // node-redis is a dependency of @lifeline/redis only: resolve it from there
  const { createClient } = createRequire(new URL('../packages/redis/package.json', import.meta.url))('redis');
  const probe = createClient({ url: redisUrl });
  await probe.connect();
  const command = (list) => probe.sendCommand(list);
  const used = async () => Number(/used_memory:(\d+)/.exec(String(await command(['INFO', 'memory'])))?.[1]);
  const sid = (i, kind) => `${kind}${String(i).padStart(21 - kind.length, '0')}x`;
  const result = {};
  for (const [kind, unacked] of [
    ['idle', 0],
    ['busy', 10],
  ]) {
    const before = await used();
    for (let i = 0; i < sessions; i++) {
      const id = sid(i, kind);
      await store.create({ sid: id, principal: 'anonymous', ttl: 120_000 });
      for (let seq = 1; seq <= unacked; seq++)
        await store.append(id, 1, { seq, data: 'x'.repeat(100), bytes: 100 });
      await store.detach(id, 1);
    }
    const after = await used();
    const one = sid(0, kind);
    let usage = 0;
    for (const key of [`mem:{${one}}`, `mem:{${one}}:out`])
      usage += Number((await command(['MEMORY', 'USAGE', key])) ?? 0);
    result[kind] = { memoryUsage: usage, usedMemoryPerSession: (after - before) / sessions, sessions };
  }
  await probe.close();
  await store.close();
  return result;
}

// ---- the run -----------------------------------------------------------------------------------------

async function measure(store, server, redisUrl) {
  const result = { store };
  if (store === 'redis') {
    // first, while Redis holds nothing else: used_memory then measures only these sessions
    result.memory = await redisMemory(redisUrl, SIZES.idleSessions);
    for (const [kind, { memoryUsage, usedMemoryPerSession, sessions }] of Object.entries(result.memory)) {
      log(
        `  Redis memory per ${kind === 'idle' ? 'idle session' : 'session with 10 unacknowledged 100 B messages'}: ` +
          `MEMORY USAGE ${memoryUsage} B; used_memory ${fmt(usedMemoryPerSession)} B per session over ${fmt(sessions)}`,
      );
    }
  }
  result.saturated = {};
  for (const direction of [C2S, S2C]) {
    const figures = await compare(server, store, direction, { count: SIZES.messages }, SIZES.reps);
    result.saturated[direction] = figures;
    log(
      `  ${direction}, ${fmt(SIZES.messages)} messages as fast as they go: plain ${fmt(figures.plain.msgsPerSec)} msg/s, ` +
        `acked ${fmt(figures.acked.msgsPerSec)} msg/s (${figures.ratio.toFixed(2)}×, last ack ${ms(figures.acked.ackLagMs)} later); bytes per message: ` +
        `plain ${bytesLine(figures.plain)}, acked ${bytesLine(figures.acked)}; CPU µs per message: ` +
        `plain ${cpuLine(figures.plain)}, acked ${cpuLine(figures.acked)}`,
    );
  }
  if (SIZES.paced) {
    const { rate, seconds } = SIZES.paced;
    result.paced = [];
    // issue #16 asks for 10 sessions on Redis; with the in-memory store one shows the same
    for (const sessions of store === 'redis' ? [1, 10] : [1]) {
      for (const direction of [C2S, S2C]) {
        const figures = await compare(
          server,
          store,
          direction,
          { count: rate * seconds, perSecond: rate, sessions },
          1,
        );
        result.paced.push({ sessions, direction, rate, seconds, ...figures });
        log(
          `  ${direction} at an offered ${fmt(rate)} msg/s for ${seconds} s, ${sessions} session${sessions > 1 ? 's' : ''}: ` +
            `plain ${fmt(figures.plain.msgsPerSec)} msg/s, acked ${fmt(figures.acked.msgsPerSec)} msg/s (${figures.ratio.toFixed(2)}×, last ack ${ms(figures.acked.ackLagMs)} later)`,
        );
      }
    }
  }
  result.resume = {
    plain: await resumeAfterCut(server, 'plain', SIZES.cuts),
    sameNode: await resumeAfterCut(server, store, SIZES.cuts),
  };
  log(
    `  after a cut, same node, ${SIZES.cuts} cuts: resumed in ${timesLine(result.resume.sameNode)}; ` +
      `a plain line reopens in ${timesLine(result.resume.plain)}`,
  );
  if (store === 'redis') {
    result.resume.otherNode = await resumeOnAnotherNode(server, SIZES.handovers);
    log(`  on another node, ${SIZES.handovers} handovers: resumed in ${timesLine(result.resume.otherNode)}`);
  }
  return result;
}

function toMarkdown(report) {
  const rows = [];
  const row = (...cells) => rows.push(`| ${cells.join(' | ')} |`);
  row('store', 'figure', 'acknowledged session', 'plain line, plain ws', 'ratio');
  row('---', '---', '---', '---', '---');
  for (const r of report.stores) {
    for (const [direction, f] of Object.entries(r.saturated)) {
      row(
        r.store,
        `${direction}, ${fmt(report.meta.messages)} × ${PAYLOAD.length} B, saturated (msg/s)`,
        `${fmt(f.acked.msgsPerSec)} (${fmt(f.acked.min)}–${fmt(f.acked.max)}); last ack ${ms(f.acked.ackLagMs)} later`,
        `${fmt(f.plain.msgsPerSec)} (${fmt(f.plain.min)}–${fmt(f.plain.max)})`,
        `${f.ratio.toFixed(2)}×`,
      );
      row(
        r.store,
        `${direction}: wire bytes per message (forward + back)`,
        bytesLine(f.acked),
        bytesLine(f.plain),
        '',
      );
      row(
        r.store,
        `${direction}: CPU µs per message (client, server)`,
        cpuLine(f.acked),
        cpuLine(f.plain),
        '',
      );
    }
    for (const p of r.paced ?? []) {
      row(
        r.store,
        `${p.direction} at an offered ${fmt(p.rate)} msg/s, ${p.sessions} session(s) (msg/s)`,
        `${fmt(p.acked.msgsPerSec)}; last ack ${ms(p.acked.ackLagMs)} later`,
        fmt(p.plain.msgsPerSec),
        `${p.ratio.toFixed(2)}×`,
      );
    }
    row(
      r.store,
      'after a cut, same node: close → resumed (plain: → open)',
      timesLine(r.resume.sameNode),
      timesLine(r.resume.plain),
      '',
    );
    if (r.resume.otherNode)
      row(r.store, 'on another node: close → resumed', timesLine(r.resume.otherNode), '—', '');
    if (r.memory) {
      row(
        r.store,
        'Redis memory per idle session (MEMORY USAGE; used_memory)',
        `${r.memory.idle.memoryUsage} B; ${fmt(r.memory.idle.usedMemoryPerSession)} B`,
        '—',
        '',
      );
      row(
        r.store,
        '… holding 10 unacknowledged 100 B messages',
        `${r.memory.busy.memoryUsage} B; ${fmt(r.memory.busy.usedMemoryPerSession)} B`,
        '—',
        '',
      );
    }
  }
  const { meta } = report;
  return (
    `### Acknowledged sessions (${meta.mode}; ${meta.cpu} × ${meta.cores}, Node ${meta.node}, load ${meta.loadBefore.join(' ')} → ${meta.loadAfter.join(' ')})\n\n` +
    `${rows.join('\n')}\n\nWire bytes are what the server's TCP sockets read and wrote over the measured part, per message: the data frames one way + the acknowledgements the other.\n`
  );
}

async function main() {
  const watchdog = setTimeout(() => {
    log('bench sessions: did not finish within 15 minutes');
    process.exit(1);
  }, 900_000);
  if (STORES.includes('redis') && !hasRedisServer()) throw new Error(INSTALL_HINT);
  const redis = STORES.includes('redis') ? await startLocalRedis() : null;
  const server = await serverProcess(redis?.url);
  // bench/run.mjs stops this process with SIGTERM on its timeout: take Redis and the servers along
  const stop = () => {
    server.kill();
    redis?.stop();
  };
  process.once('SIGTERM', () => {
    stop();
    process.exit(143);
  });
  const meta = {
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    messages: SIZES.messages,
    payloadBytes: PAYLOAD.length,
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    node: process.version,
    loadBefore: loadavg().map((load) => Number(load.toFixed(2))),
  };
  log(
    `bench sessions (${meta.mode}): stores ${STORES.join(', ')}, ${meta.payloadBytes} B JSON messages, load ${meta.loadBefore.join(' ')}`,
  );
  const stores = [];
  try {
    for (const store of STORES) {
      log(`${store === 'memory' ? 'in-memory store' : 'Redis store'}:`);
      stores.push(await measure(store, server, redis?.url));
    }
  } finally {
    stop();
    clearTimeout(watchdog);
  }
  meta.loadAfter = loadavg().map((load) => Number(load.toFixed(2)));
  const report = { meta, stores };
  report.markdown = toMarkdown(report);
  log(`\n${report.markdown}`);
  if (args.out) writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
}

// ---- helpers -----------------------------------------------------------------------------------------

function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`bench sessions: no ${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en');
const ms = (n) => `${n.toFixed(1)} ms`;
const bytesLine = ({ forwardBytes, backBytes }) => `${forwardBytes.toFixed(1)} + ${backBytes.toFixed(2)} B`;
const cpuLine = ({ clientCpuUs, serverCpuUs }) => `${clientCpuUs.toFixed(1)}, ${serverCpuUs.toFixed(1)}`;
const timesLine = ({ p50, p90, max }) => `p50 ${ms(p50)}, p90 ${ms(p90)}, max ${ms(max)}`;

function percentiles(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { p50: at(0.5), p90: at(0.9), max: sorted.at(-1), count: sorted.length };
}

await main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
