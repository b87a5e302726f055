/*
 * One server node of the multi-node tests, run as a child process (so kills and freezes are real
 * signals): a SessionServer from the BUILT @lifeline/server on the RedisSessionStore from the BUILT
 * @lifeline/redis, on 127.0.0.1 and a free port. The parent (test/helpers/cluster-node.ts) configures it
 * through LIFELINE_NODE (JSON) and talks to it over the IPC channel.
 *
 * The handler's side effect is idempotent by `ctx.key`: one Lua script counts the run, and only the first
 * run of a key appends the message id to the client's delivered list. On the first run of its key, a
 * message `{ hold: true }` holds its handler forever after the effect (a node to be killed mid-handler),
 * and `{ delay: ms }` finishes it late and then tries to send a message (a zombie to be fenced).
 */
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

const root = new URL('../../', import.meta.url);
const { SessionServer } = await import(new URL('packages/server/dist/index.js', root).href);
const { RedisSessionStore } = await import(new URL('packages/redis/dist/index.js', root).href);
// node-redis is a dependency of @lifeline/redis only: resolve it from there
const { createClient } = createRequire(new URL('packages/redis/package.json', root))('redis');

const config = JSON.parse(process.env.LIFELINE_NODE ?? '{}');
const { name, redisUrl, prefix, ttl = 60_000, keepAlive = 2_000, stream = null } = config;

// a run counted per key; the effect (the id on the client's delivered list) only on a key's first run
const EFFECT = `
redis.call('INCR', KEYS[1])
if redis.call('SET', KEYS[2], '1', 'NX') then
  redis.call('RPUSH', KEYS[3], ARGV[1])
  return 1
end
return 0
`;

const report = (message) => process.send?.(message);

const effects = createClient({ url: redisUrl, disableOfflineQueue: true });
effects.on('error', () => {});
await effects.connect();

const store = await RedisSessionStore.connect({ url: redisUrl, prefix, keepAlive, onError: () => {} });
/** Store writes by outcome, for the zombie test: what this node's writes did after it was fenced. */
const writes = { ok: 0, fenced: 0, failed: 0 };
for (const method of ['append', 'acknowledge', 'complete', 'detach', 'end']) {
  const original = store[method].bind(store);
  store[method] = (...args) =>
    original(...args).then(
      (value) => {
        writes.ok += 1;
        return value;
      },
      (error) => {
        if (error?.code === 'ERR_SESSION_FENCED') writes.fenced += 1;
        else writes.failed += 1;
        throw error;
      },
    );
}

const server = new SessionServer({
  port: 0,
  host: '127.0.0.1',
  store,
  ttl,
  handler: async (message, { key, session }) => {
    const applied = await effects.eval(EFFECT, {
      keys: [
        `${prefix}test:runs:${key}`,
        `${prefix}test:effect:${key}`,
        `${prefix}test:delivered:${message.client}`,
      ],
      arguments: [message.id],
    });
    // only the first run holds or delays: the node that runs the message again goes on at once
    if (message.hold && applied === 1) {
      report({ type: 'held', id: message.id });
      await new Promise(() => {}); // until the node is killed
    }
    if (message.delay && applied === 1) {
      report({ type: 'delaying', id: message.id });
      await delay(message.delay);
      const sent = session.send({ id: `zombie-${name}`, node: name });
      sent.catch((error) => report({ type: 'send-refused', code: error?.code }));
      report({ type: 'delayed', id: message.id });
    }
  },
});

/** Streams `stream.count` messages per session, `s1`, `s2`, … named by the seq each will take. */
const streams = new Map();
function startStream(session) {
  if (!stream || streams.has(session)) return;
  const timer = setInterval(() => {
    for (let i = 0; i < stream.batch; i++) {
      const { sent, acked } = session.watermarks;
      // stays under the replay bound, so each send is accepted at once and takes seq sent + 1
      if (sent >= stream.count || sent - acked >= 512 || !session.isAttached) return;
      session.send({ id: `s${sent + 1}`, node: name }).catch(() => {});
    }
  }, stream.every);
  streams.set(session, timer);
}
function stopStream(session) {
  clearInterval(streams.get(session));
  streams.delete(session);
}

server.on('session', (session) => {
  report({ type: 'session', id: session.id });
  startStream(session);
});
server.on('resumed', ({ session, replayed }) => {
  report({ type: 'resumed', id: session.id, epoch: session.epoch, replayed });
  startStream(session);
});
server.on('reset', ({ reason, previous }) => report({ type: 'reset', reason, previous }));
server.on('detached', ({ session, code }) => {
  report({ type: 'detached', id: session.id, code });
  stopStream(session);
});
server.on('ended', ({ session, reason }) => {
  report({ type: 'ended', id: session.id, reason });
  stopStream(session);
});
server.on('fenced', ({ session }) => report({ type: 'fenced', id: session.id, epoch: session.epoch }));
server.on('invalid', ({ problem }) => report({ type: 'invalid', problem }));
server.on('error', (error) => report({ type: 'error', code: error.code, message: error.message }));

/** How late this node's event loop ran: a loaded machine shows here before anywhere else. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

process.on('message', async (message) => {
  if (message.type === 'stats') {
    const loopDelayP99 = loopDelay.percentile(99) / 1e6;
    report({ type: 'stats', writes: { ...writes }, rss: process.memoryUsage().rss, loopDelayP99 });
  } else if (message.type === 'drain') {
    await server.drain();
    report({ type: 'drained' });
  }
});
// the parent went away: do not outlive it
process.on('disconnect', () => process.exit(0));

await server.listening;
report({ type: 'ready', url: server.url });
