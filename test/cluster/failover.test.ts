import { beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { assertBuilt, type ClusterNode, type NodeConfig, startNode } from '../helpers/cluster-node.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { redisForFile } from '../helpers/redis.js';
import { ClusterClient, explain } from './cluster-client.js';

// Server nodes are child processes on the built packages, sharing one real redis-server; the client runs here

// child processes start in about a second each on a quiet machine; a loaded one gets room
const TIMEOUT = 60_000;

const redis = redisForFile();
beforeAll(assertBuilt);

let runs = 0;
/** Two nodes on a prefix of the test's own, stopped when it finishes. */
async function twoNodes(options: Partial<NodeConfig> = {}): Promise<[ClusterNode, ClusterNode, string]> {
  runs += 1;
  const prefix = `run${runs}:`;
  const nodes = await Promise.all(
    ['a', 'b'].map((name) => startNode({ name, redisUrl: redis.server.url, prefix, ...options })),
  );
  for (const node of nodes) onTestFinished(() => node.stop());
  return [nodes[0] as ClusterNode, nodes[1] as ClusterNode, prefix];
}

/** Sends `count` messages, `batch` every `every` ms; `extra` adds fields to message number n. */
function pump(
  client: ClusterClient,
  count: number,
  extra: (n: number) => { hold?: boolean; delay?: number } = () => ({}),
): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      for (let i = 0; i < 4 && client.sent < count; i++) client.send(extra(client.sent + 1));
      if (client.sent >= count) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
    onTestFinished(() => clearInterval(timer));
  });
}

function nextLineEvent(
  client: ClusterClient,
  name: 'resumed' | 'reset' | 'close',
): Promise<Record<string, unknown>> {
  return new Promise((resolve) =>
    client.line.once(name, (info: unknown) => resolve(info as Record<string, unknown>)),
  );
}

describe('a node killed with SIGKILL mid-stream, both directions', () => {
  test(
    'the client resumes on the other node: every message exactly once, in order; the held handler effect once',
    async () => {
      const STREAMED = 400;
      const [a, b, prefix] = await twoNodes({ stream: { count: STREAMED, every: 5, batch: 4 } });
      let target = a.url;
      const client = new ClusterClient('k1', { url: () => target, prefix });
      const sending = pump(client, 400, (n) => (n === 150 ? { hold: true } : {}));

      // a runs c150's handler (its effect done, its completion never recorded) while both streams flow
      await a.event('held');
      await client.received(100);
      target = b.url;
      const resumed = nextLineEvent(client, 'resumed');
      await a.signal('SIGKILL');
      expect(await resumed).toMatchObject({ epoch: 2 });
      await sending;

      const { toServer, toClient } = await client.verdicts(redis.client, STREAMED);
      expect(toServer.ok, explain('client → server', toServer)).toBe(true);
      expect(toClient.ok, explain('server → client', toClient)).toBe(true);
      expect(client.resets).toEqual([]);
      expect(client.drops).toEqual([]);
      // both nodes made part of the stream: the kill really was mid-stream
      expect(new Set(client.origins)).toEqual(new Set(['a', 'b']));
      // c150 ran on a and again on b under the same key; the key kept its effect to one
      const [held] = await redis.client.keys(`${prefix}test:runs:*:c:150`);
      expect(await redis.client.get(held as string)).toBe('2');
      expect(toServer.delivered).toBe(400);
    },
    TIMEOUT,
  );
});

describe('a zombie node', () => {
  test(
    'frozen while the client moves on, then woken: none of its writes is accepted, none of its frames delivered',
    async () => {
      const [a, b, prefix] = await twoNodes();
      const toA = await startFaultProxy(Number(new URL(a.url).port));
      let target = toA.url;
      const client = new ClusterClient('z1', { url: () => target, prefix });
      for (let i = 0; i < 10; i++) client.send();
      await client.session.acked();
      client.send({ delay: 300 }); // a's handler finishes it after the wake, then tries to send
      await a.event('delaying');
      const before = await a.stats();

      await a.signal('SIGSTOP');
      target = b.url;
      const resumed = nextLineEvent(client, 'resumed');
      toA.cut('rst');
      expect(await resumed).toMatchObject({ epoch: 2 });
      for (let i = 0; i < 5; i++) client.send();
      await client.session.acked(); // c11 ran again on b (same key), c12–c16 too
      const [sessionKey] = await redis.client.keys(`${prefix}{*}`);
      const stored = async () => ({
        hash: await redis.client.hGetAll(sessionKey as string),
        outbound: await redis.client.lRange(`${sessionKey}:out`, 0, -1),
      });
      const whileFrozen = await stored();

      await a.signal('SIGCONT');
      expect(await a.event('fenced')).toMatchObject({ epoch: 1 });
      expect(await a.event('ended')).toMatchObject({ reason: 'fenced' });
      await a.event('delayed');
      expect(await a.event('send-refused')).toMatchObject({ code: 'ERR_SESSION_FENCED' });
      const after = await a.stats();
      expect(after.writes.ok).toBe(before.writes.ok);
      expect(after.writes.fenced).toBeGreaterThan(before.writes.fenced);
      expect(await stored()).toEqual(whileFrozen);

      // a round trip on b after the zombie had its chance: nothing from a arrived
      client.send();
      await client.session.acked();
      expect(client.toClient.delivered).toEqual([]);
      const { toServer } = await client.verdicts(redis.client, 0);
      expect(toServer.ok, explain('client → server', toServer)).toBe(true);
    },
    TIMEOUT,
  );
});

describe('the store loses its data', () => {
  test.each([
    ['FLUSHALL', () => redis.client.flushAll()],
    ['Redis killed and started again empty', () => redis.server.restart()],
  ])(
    '%s mid-run: every session is reset with store-lost, never resumed',
    async (_, lose) => {
      const [a, b, prefix] = await twoNodes({ stream: { count: 100_000, every: 10, batch: 1 } });
      const clients = [a, b, a, b].map(
        (node, i) => new ClusterClient(`f${i}`, { url: () => node.url, prefix }),
      );
      await Promise.all(clients.map((client) => client.received(20)));
      const resets = clients.map((client) => nextLineEvent(client, 'reset'));

      await lose();
      const reasons = await Promise.all(resets);
      expect(reasons.map(({ reason }) => reason)).toEqual(Array(4).fill('store-lost'));
      for (const client of clients) expect(client.resumeTimes).toEqual([]);
      // the fresh sessions work: a message each way
      for (const client of clients) client.send();
      await Promise.all(clients.map((client) => client.session.acked()));
    },
    TIMEOUT,
  );
});

describe('a graceful drain', () => {
  test(
    'the node closes with 1012 after persisting, and the client resumes on the other at once, losing nothing',
    async () => {
      const STREAMED = 200;
      const [a, b, prefix] = await twoNodes({ stream: { count: STREAMED, every: 5, batch: 2 } });
      let target = a.url;
      const client = new ClusterClient('d1', { url: () => target, prefix });
      const sending = pump(client, 200);
      await client.received(50);

      target = b.url;
      const closed = nextLineEvent(client, 'close');
      const resumed = nextLineEvent(client, 'resumed');
      await a.drain();
      expect(await closed).toMatchObject({ code: 1012, willReconnect: true });
      expect(await resumed).toMatchObject({ epoch: 2 });
      await sending;

      const { toServer, toClient } = await client.verdicts(redis.client, STREAMED);
      expect(toServer.ok, explain('client → server', toServer)).toBe(true);
      expect(toClient.ok, explain('server → client', toClient)).toBe(true);
      expect(client.resets).toEqual([]);
      expect(a.events.some(({ type }) => type === 'error')).toBe(false);
    },
    TIMEOUT,
  );
});
