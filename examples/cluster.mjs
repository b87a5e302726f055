// pnpm demo:cluster: one acknowledged session across two server nodes that share a Redis.
// It starts redis-server on loopback (a throwaway one, nothing persisted), two SessionServer nodes as
// child processes on the Redis store, and a client that sends orders and receives ticks. Mid-stream,
// node A is killed with SIGKILL; the client resumes on node B and nothing is lost or repeated, both ways.
// Exits by itself.
import { fork } from 'node:child_process';
import { Lifeline, session } from '@lifeline/node';
import { RedisSessionStore } from '@lifeline/redis';
import { SessionServer } from '@lifeline/server';
import { hasRedisServer, INSTALL_HINT, startLocalRedis } from './local-redis.mjs';

const ORDERS = 40;
const TICKS = 40;

if (process.argv[2] === 'node') await runNode(process.argv[3], process.argv[4]);
else await main();

/** A server node: ticks to each session, orders handled (reported to the demo with their idempotency key). */
async function runNode(name, redisUrl) {
  const store = await RedisSessionStore.connect({ url: redisUrl });
  const server = new SessionServer({
    port: 0,
    host: '127.0.0.1',
    store,
    handler: (order, { key }) => process.send({ type: 'handled', node: name, order, key }),
  });
  const tick = (s) => {
    const timer = setInterval(() => {
      const { sent } = s.watermarks;
      if (sent >= TICKS || !s.isAttached) return clearInterval(timer);
      s.send({ tick: sent + 1, from: name }).catch(() => {});
    }, 40);
  };
  server.on('session', tick);
  server.on('resumed', ({ session: s }) => tick(s));
  await server.listening;
  process.send({ type: 'ready', url: server.url });
}

async function main() {
  if (!hasRedisServer()) {
    console.error(`demo:cluster: ${INSTALL_HINT}`);
    process.exit(1);
  }
  const started = performance.now();
  const log = (text) =>
    console.log(`${String(Math.round(performance.now() - started)).padStart(5)} ms  ${text}`);
  const redis = await startLocalRedis();
  const redisUrl = redis.url;
  const nodes = [];
  const cleanup = () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    redis.stop();
  };
  const watchdog = setTimeout(() => {
    console.error('demo:cluster: did not finish within 30 s');
    cleanup();
    process.exit(1);
  }, 30_000);
  log(`redis-server on ${redisUrl}`);

  const handled = new Map(); // idempotency key → order: a handler that runs twice counts once
  for (const name of ['A', 'B']) {
    const child = fork(new URL(import.meta.url).pathname, ['node', name, redisUrl]);
    const url = await new Promise((resolve) =>
      child.on('message', (message) => {
        if (message.type === 'ready') resolve(message.url);
        if (message.type === 'handled') handled.set(message.key, message.order.n);
      }),
    );
    nodes.push({ name, child, url, isAlive: true });
    log(`node ${name} on ${url}`);
  }

  const line = new Lifeline(() => nodes.find((node) => node.isAlive).url, { reconnect: { minDelay: 10 } });
  const s = session(line);
  const ticks = [];
  line.on('message', (message) => ticks.push(message));
  line.on('resumed', (info) => log(`resumed session ${info.id} on node B at epoch ${info.epoch}`));
  line.on('reset', ({ reason }) => log(`reset: ${reason} (the demo expected a resume)`));

  for (let n = 1; n <= ORDERS; n++) {
    line.send({ n });
    if (n === 15) {
      await until(() => ticks.length >= 10);
      const a = nodes[0];
      a.isAlive = false;
      a.child.kill('SIGKILL');
      log(`killed node A (SIGKILL) after ${ticks.length} ticks and ${handled.size} orders handled`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await s.acked();
  await until(() => ticks.length >= TICKS);

  const orders = [...handled.values()];
  const tickNumbers = ticks.map((t) => t.tick);
  const inOrder = (list, count) => list.length === count && list.every((value, i) => value === i + 1);
  log(
    `ticks received: ${tickNumbers.length}, from ${[...new Set(ticks.map((t) => t.from))].join(' and ')}; 1..${TICKS} once each, in order: ${inOrder(tickNumbers, TICKS)}`,
  );
  log(
    `orders handled: ${orders.length} (by key); 1..${ORDERS} once each, in order: ${inOrder(orders, ORDERS)}`,
  );
  line.close();
  clearTimeout(watchdog);
  cleanup();
  process.exit(inOrder(tickNumbers, TICKS) && inOrder(orders, ORDERS) ? 0 : 1);
}

async function until(check) {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}
