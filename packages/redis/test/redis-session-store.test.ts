import { RedisSessionStore } from '@lifeline/redis';
import { isSessionError, type SessionRecord, type StoredMessage } from '@lifeline/server';
import { createClient } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type RedisServer, startRedis } from '../../../test/helpers/redis.js';

// A real redis-server of the test's own; each test uses fresh session ids and, where it flushes, its own prefix

let redis: RedisServer;
let inspector: ReturnType<typeof createClient>;
let store: RedisSessionStore;

beforeAll(async () => {
  redis = await startRedis();
  inspector = createClient({ url: redis.url });
  inspector.on('error', () => {}); // the restart test kills the server under it; it reconnects
  await inspector.connect();
});

afterAll(async () => {
  if (inspector.isOpen) await inspector.close();
  await redis.stop();
});

beforeEach(async (context) => {
  store = await RedisSessionStore.connect({ url: redis.url, prefix: `t${Math.random()}:` });
  context.onTestFinished(() => store.close());
});

let counter = 0;
/** A fresh 22-character session id. */
function sid(): string {
  counter += 1;
  return `session${String(counter).padStart(15, '0')}`;
}

async function fencedCode(write: Promise<void>): Promise<string> {
  return write.then(
    () => 'written',
    (error) => (isSessionError(error) ? error.code : String(error)),
  );
}

/** The session's keys as Redis holds them: the hash and the outbound list (as Buffers). */
async function keysOf(prefix: string, id: string) {
  const hash = await inspector.hGetAll(`${prefix}{${id}}`);
  const outbound = await inspector.lRange(`${prefix}{${id}}:out`, 0, -1);
  return { hash, outbound };
}

async function storeWithPrefix(prefix: string, options: { keepAlive?: number } = {}) {
  const made = await RedisSessionStore.connect({ url: redis.url, prefix, ...options });
  return { store: made, prefix, close: () => made.close() };
}

describe('RedisSessionStore', () => {
  test('create, append, acknowledge, complete, detach and attach keep the record whole', async () => {
    const id = sid();
    const created = await store.create({ sid: id, principal: 'alice', ttl: 60_000 });
    expect(created).toMatchObject({ sid: id, principal: 'alice', epoch: 1, rx: 0, tx: 0, outbound: [] });
    expect(created.generation).toMatch(/^[A-Za-z0-9_-]{22}$/);

    await store.append(id, 1, { seq: 1, data: 'one', bytes: 3 });
    await store.append(id, 1, { seq: 2, data: 'twö', bytes: 4 });
    await store.append(id, 1, { seq: 3, data: new Uint8Array([0, 255, 10]), bytes: 3 });
    await store.acknowledge(id, 1, 1);
    await store.complete(id, 1, 5);
    await store.complete(id, 1, 4); // rx only grows
    await store.detach(id, 1);

    const { record } = await store.attach({ sid: id, principal: 'alice', generation: created.generation });
    expect(record).toMatchObject({ sid: id, principal: 'alice', epoch: 2, rx: 5, tx: 3, ttl: 60_000 });
    expect(record?.generation).toBe(created.generation);
    const outbound = (record as SessionRecord).outbound;
    expect(outbound.map(({ seq, bytes }) => ({ seq, bytes }))).toEqual([
      { seq: 2, bytes: 4 },
      { seq: 3, bytes: 3 },
    ]);
    expect(outbound[0]?.data).toBe('twö');
    expect([...((outbound[1] as StoredMessage).data as Uint8Array)]).toEqual([0, 255, 10]);
  });

  test('binary payloads of every byte value, and an empty one, come back byte for byte', async () => {
    const id = sid();
    const { generation } = await store.create({ sid: id, principal: 'p', ttl: 60_000 });
    const everyByte = new Uint8Array(256).map((_, i) => i);
    const invalidUtf8 = new Uint8Array([0xc3, 0x28, 0xff, 0xfe, 0x00]);
    await store.append(id, 1, { seq: 1, data: everyByte, bytes: 256 });
    await store.append(id, 1, { seq: 2, data: new Uint8Array(0), bytes: 0 });
    await store.append(id, 1, { seq: 3, data: invalidUtf8, bytes: 5 });
    await store.append(id, 1, { seq: 4, data: '', bytes: 0 });
    const { record } = await store.attach({ sid: id, principal: 'p', generation });
    const [first, second, third, fourth] = (record as SessionRecord).outbound;
    expect(Buffer.from(first?.data as Uint8Array).equals(Buffer.from(everyByte))).toBe(true);
    expect(second?.data).toBeInstanceOf(Uint8Array);
    expect(((second as StoredMessage).data as Uint8Array).byteLength).toBe(0);
    expect(Buffer.from(third?.data as Uint8Array).equals(Buffer.from(invalidUtf8))).toBe(true);
    expect(fourth?.data).toBe('');
  });

  test('acknowledging everything empties the outbound list, and Redis drops the empty key', async () => {
    const { store: own, prefix, close } = await storeWithPrefix(`ack${Math.random()}:`);
    try {
      const id = sid();
      await own.create({ sid: id, principal: 'p', ttl: 60_000 });
      for (let seq = 1; seq <= 5; seq++) await own.append(id, 1, { seq, data: `m${seq}`, bytes: 2 });
      await own.acknowledge(id, 1, 3);
      expect((await keysOf(prefix, id)).outbound).toEqual(['m4', 'm5'].map((m) => `t${m}`));
      await own.acknowledge(id, 1, 99); // above tx: everything, no more
      expect(await inspector.exists(`${prefix}{${id}}:out`)).toBe(0);
      expect((await keysOf(prefix, id)).hash).toMatchObject({ ak: '5', tx: '5' });
    } finally {
      await close();
    }
  });

  test('an append that does not follow tx is refused (the server never skips a seq)', async () => {
    const id = sid();
    await store.create({ sid: id, principal: 'p', ttl: 60_000 });
    await expect(store.append(id, 1, { seq: 2, data: 'x', bytes: 1 })).rejects.toThrow(
      'seq 2 does not follow 0',
    );
  });

  test('a burst of appends in one turn of the event loop is written by one script call', async () => {
    const id = sid();
    await store.create({ sid: id, principal: 'p', ttl: 60_000 });
    const evalshaCalls = async () =>
      Number(/cmdstat_evalsha:calls=(\d+)/.exec(String(await inspector.info('commandstats')))?.[1] ?? 0);
    const before = await evalshaCalls();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.append(id, 1, { seq: i + 1, data: `m${i + 1}`, bytes: 2 })),
    );
    expect((await evalshaCalls()) - before).toBe(1);
    await store.acknowledge(id, 1, 100);
  });

  test('writes sent together before Redis knows the scripts still apply in order', async () => {
    const prefix = `order${Math.random()}:`;
    const { store: creator, close: closeCreator } = await storeWithPrefix(prefix);
    const id = sid();
    await creator.create({ sid: id, principal: 'p', ttl: 60_000 });
    await closeCreator();
    await inspector.scriptFlush();
    // a store's first calls, all at once, while Redis knows none of its scripts
    const { store: cold, close } = await storeWithPrefix(prefix);
    try {
      // 100 at once, then 100 more one per turn of the event loop, among the replies to the first ones
      const appends: Promise<void>[] = [];
      const append = (seq: number) => appends.push(cold.append(id, 1, { seq, data: `m${seq}`, bytes: 2 }));
      for (let seq = 1; seq <= 100; seq++) append(seq);
      for (let seq = 101; seq <= 200; seq++) {
        append(seq);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(appends);
      expect((await keysOf(prefix, id)).hash).toMatchObject({ tx: '200' });
    } finally {
      await close();
    }
  });

  describe('fencing', () => {
    test('attach takes a new epoch; every write under the old one is refused and changes nothing', async () => {
      const { store: own, prefix, close } = await storeWithPrefix(`fence${Math.random()}:`);
      try {
        const id = sid();
        const { generation } = await own.create({ sid: id, principal: 'p', ttl: 60_000 });
        await own.append(id, 1, { seq: 1, data: 'kept', bytes: 4 });
        await own.complete(id, 1, 1);
        const { record } = await own.attach({ sid: id, principal: 'p', generation });
        expect(record?.epoch).toBe(2);
        const before = await keysOf(prefix, id);

        const stale = [
          own.append(id, 1, { seq: 2, data: 'zombie', bytes: 6 }),
          own.acknowledge(id, 1, 1),
          own.complete(id, 1, 7),
          own.detach(id, 1),
          own.end(id, 1, 'closed'),
        ];
        expect(await Promise.all(stale.map(fencedCode))).toEqual(Array(5).fill('ERR_SESSION_FENCED'));
        expect(await keysOf(prefix, id)).toEqual(before);
        expect(await inspector.pTTL(`${prefix}{${id}}`)).toBeGreaterThan(60_000); // still attached: a lease
      } finally {
        await close();
      }
    });

    test('the fenced error names the epoch and masks the session id', async () => {
      const id = sid();
      const { generation } = await store.create({ sid: id, principal: 'p', ttl: 60_000 });
      await store.attach({ sid: id, principal: 'p', generation });
      const error = await store.complete(id, 1, 1).catch((caught: unknown) => caught as Error);
      expect(error).toMatchObject({ code: 'ERR_SESSION_FENCED' });
      expect((error as Error).message).toBe(
        `session ${id.slice(0, 4)}… at epoch 1 was attached again since (epoch 2)`,
      );
      expect((error as Error).message).not.toContain(id);
    });

    test('concurrent attaches each get their own epoch, and only the last may write', async () => {
      const id = sid();
      const { generation } = await store.create({ sid: id, principal: 'p', ttl: 60_000 });
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => store.attach({ sid: id, principal: 'p', generation })),
      );
      const epochs = outcomes.map(({ record }) => record?.epoch).sort((a = 0, b = 0) => a - b);
      expect(epochs).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      const writes = await Promise.all(epochs.map((epoch = 0) => fencedCode(store.complete(id, epoch, 1))));
      expect(writes.filter((code) => code === 'written')).toHaveLength(1);
      expect(writes.at(-1)).toBe('written');
    });

    test('a write to a session the store no longer holds is fenced too', async () => {
      expect(await fencedCode(store.append(sid(), 1, { seq: 1, data: 'x', bytes: 1 }))).toBe(
        'ERR_SESSION_FENCED',
      );
    });
  });

  describe('attach answers why a session cannot be resumed', () => {
    test('auth-changed for another principal, and the epoch stays', async () => {
      const id = sid();
      const { generation } = await store.create({ sid: id, principal: 'alice', ttl: 60_000 });
      expect(await store.attach({ sid: id, principal: 'mallory', generation })).toEqual({
        reason: 'auth-changed',
      });
      await store.complete(id, 1, 1); // epoch 1 still holds it
    });

    test('overflow and evicted are remembered for the ttl; other ends answer expired', async () => {
      const ended = async (reason: 'overflow' | 'evicted' | 'closed' | 'expired') => {
        const id = sid();
        const { generation } = await store.create({ sid: id, principal: 'p', ttl: 60_000 });
        await store.end(id, 1, reason);
        return (await store.attach({ sid: id, principal: 'p', generation })).reason;
      };
      expect(await ended('overflow')).toBe('overflow');
      expect(await ended('evicted')).toBe('evicted');
      expect(await ended('closed')).toBe('expired');
      expect(await ended('expired')).toBe('expired');
    });

    test('store-lost for a generation the store never had, also when the session is there', async () => {
      const id = sid();
      await store.create({ sid: id, principal: 'p', ttl: 60_000 });
      expect(await store.attach({ sid: id, principal: 'p', generation: 'another-generation-xx' })).toEqual({
        reason: 'store-lost',
      });
      expect(await store.attach({ sid: sid(), principal: 'p', generation: null })).toEqual({
        reason: 'store-lost',
      });
      await store.complete(id, 1, 1); // nothing changed
    });
  });

  describe('expiry by Redis', () => {
    test('a detached session goes when its ttl passes in Redis, and a resume then hears expired', async () => {
      const { store: own, prefix, close } = await storeWithPrefix(`ttl${Math.random()}:`);
      try {
        const id = sid();
        const { generation } = await own.create({ sid: id, principal: 'p', ttl: 150 });
        await own.append(id, 1, { seq: 1, data: 'x', bytes: 1 });
        await own.detach(id, 1);
        expect(await inspector.pTTL(`${prefix}{${id}}`)).toBeLessThanOrEqual(150);
        expect(await inspector.pTTL(`${prefix}{${id}}:out`)).toBeLessThanOrEqual(150);
        await until(async () => (await inspector.exists([`${prefix}{${id}}`, `${prefix}{${id}}:out`])) === 0);
        expect(await own.attach({ sid: id, principal: 'p', generation })).toEqual({ reason: 'expired' });
      } finally {
        await close();
      }
    });

    test('an attached session is kept past its ttl by the keep-alive, and let go once detached', async () => {
      const {
        store: own,
        prefix,
        close,
      } = await storeWithPrefix(`lease${Math.random()}:`, { keepAlive: 50 });
      try {
        const id = sid();
        await own.create({ sid: id, principal: 'p', ttl: 100 });
        const key = `${prefix}{${id}}`;
        // the lease (ttl + keepAlive = 150 ms) is renewed every 50 ms: it must be seen rising, 5 times
        let renewals = 0;
        let last = await inspector.pTTL(key);
        await until(async () => {
          const now = await inspector.pTTL(key);
          if (now > last) renewals += 1;
          last = now;
          return renewals >= 5;
        });
        expect(await inspector.exists(key)).toBe(1);
        await own.detach(id, 1);
        await until(async () => (await inspector.exists(key)) === 0);
      } finally {
        await close();
      }
    });
  });

  describe('generation', () => {
    test('FLUSHALL: every session resumes as store-lost, and writes to them are fenced', async () => {
      const id = sid();
      const { generation } = await store.create({ sid: id, principal: 'p', ttl: 60_000 });
      await store.append(id, 1, { seq: 1, data: 'x', bytes: 1 });
      await inspector.flushAll();
      expect(await fencedCode(store.append(id, 1, { seq: 2, data: 'y', bytes: 1 }))).toBe(
        'ERR_SESSION_FENCED',
      );
      // a session made after the flush brings a new generation; the old one stays lost
      const later = await store.create({ sid: sid(), principal: 'p', ttl: 60_000 });
      expect(later.generation).not.toBe(generation);
      expect(await store.attach({ sid: id, principal: 'p', generation })).toEqual({ reason: 'store-lost' });
    });

    test('a restart without persistence: store-lost, never a resume', async () => {
      const id = sid();
      const { generation } = await store.create({ sid: id, principal: 'p', ttl: 60_000 });
      await redis.restart();
      // the store's client reconnects by itself; until it has, its calls fail at once (no offline queue)
      const outcome = await until(() =>
        store.attach({ sid: id, principal: 'p', generation }).then(
          (answer) => answer,
          () => undefined,
        ),
      );
      expect(outcome).toEqual({ reason: 'store-lost' });
      await until(() =>
        inspector.ping().then(
          () => true,
          () => false,
        ),
      );
    });
  });

  test('bad options are refused with an error naming them', async () => {
    expect(() => new RedisSessionStore({ client: {} as never })).toThrow(
      'RedisSessionStore: client must be a node-redis client, got object',
    );
    expect(() => new RedisSessionStore({ client: inspector as never, keepAlive: 0 })).toThrow(
      'keepAlive must be a whole number of milliseconds of at least 1, got 0',
    );
    await expect(RedisSessionStore.connect({ url: 7 as never })).rejects.toThrow(
      'url must be a string, got number',
    );
  });
});

/** Polls `check` until it answers something truthy: at most 200 tries, 25 ms apart (5 s in all). */
async function until<T>(check: () => Promise<T>): Promise<NonNullable<T>> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const answer = await check();
    if (answer) return answer as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the condition did not hold within 5 s');
}
