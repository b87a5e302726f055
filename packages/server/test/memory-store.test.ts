import { isSessionError, MemorySessionStore } from '@lifeline/server';
import { describe, expect, test } from 'vitest';

const SID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A store on a clock the test moves by hand (arithmetic only: nothing waits on it). */
function storeWithClock() {
  const clock = { now: 1000 };
  const store = new MemorySessionStore({ now: () => clock.now });
  return { store, clock };
}

function fencedCode(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    return isSessionError(error) ? error.code : String(error);
  }
  return undefined;
}

describe('MemorySessionStore', () => {
  test('creates at epoch 1 and adds 1 on every attach, keeping what was persisted', () => {
    const { store } = storeWithClock();
    expect(store.create({ sid: SID, principal: 'alice', ttl: 100 })).toMatchObject({
      epoch: 1,
      rx: 0,
      tx: 0,
    });
    store.append(SID, 1, { seq: 1, data: 'one', bytes: 3 });
    store.append(SID, 1, { seq: 2, data: 'two', bytes: 3 });
    store.acknowledge(SID, 1, 1);
    store.complete(SID, 1, 4);
    const { record } = store.attach({ sid: SID, principal: 'alice', generation: store.generation });
    expect(record).toMatchObject({ epoch: 2, rx: 4, tx: 2, generation: store.generation });
    expect(record?.outbound).toEqual([{ seq: 2, data: 'two', bytes: 3 }]);
  });

  test('refuses every write under an older epoch (fencing)', () => {
    const { store } = storeWithClock();
    store.create({ sid: SID, principal: 'alice', ttl: 100 });
    store.attach({ sid: SID, principal: 'alice', generation: store.generation });
    expect(fencedCode(() => store.append(SID, 1, { seq: 1, data: 'x', bytes: 1 }))).toBe(
      'ERR_SESSION_FENCED',
    );
    expect(fencedCode(() => store.complete(SID, 1, 1))).toBe('ERR_SESSION_FENCED');
    expect(fencedCode(() => store.detach(SID, 1))).toBe('ERR_SESSION_FENCED');
    expect(fencedCode(() => store.complete(SID, 2, 1))).toBeUndefined();
  });

  test('answers auth-changed to another principal without touching the epoch', () => {
    const { store } = storeWithClock();
    store.create({ sid: SID, principal: 'alice', ttl: 100 });
    expect(store.attach({ sid: SID, principal: 'mallory', generation: store.generation })).toEqual({
      reason: 'auth-changed',
    });
    expect(fencedCode(() => store.complete(SID, 1, 1))).toBeUndefined();
  });

  test('expires a detached session by its own monotonic clock, ttl after the detach', () => {
    const { store, clock } = storeWithClock();
    store.create({ sid: SID, principal: 'alice', ttl: 100 });
    clock.now += 10_000; // attached sessions do not expire
    store.detach(SID, 1);
    clock.now += 99;
    expect(store.attach({ sid: SID, principal: 'alice', generation: store.generation }).record?.epoch).toBe(
      2,
    );
    store.detach(SID, 2);
    clock.now += 100;
    expect(store.attach({ sid: SID, principal: 'alice', generation: store.generation })).toEqual({
      reason: 'expired',
    });
    expect(store.size).toBe(0);
  });

  test('tells an unknown session of its own generation (expired) from one of another store (store-lost)', () => {
    const { store } = storeWithClock();
    expect(store.attach({ sid: SID, principal: 'a', generation: store.generation })).toEqual({
      reason: 'expired',
    });
    expect(store.attach({ sid: SID, principal: 'a', generation: 'gone' })).toEqual({ reason: 'store-lost' });
    expect(store.attach({ sid: SID, principal: 'a', generation: null })).toEqual({ reason: 'store-lost' });
    expect(new MemorySessionStore().generation).not.toBe(store.generation);
  });

  test('remembers overflow and eviction for the ttl, then answers expired', () => {
    const { store, clock } = storeWithClock();
    store.create({ sid: SID, principal: 'alice', ttl: 100 });
    store.end(SID, 1, 'overflow');
    expect(store.attach({ sid: SID, principal: 'alice', generation: store.generation })).toEqual({
      reason: 'overflow',
    });
    clock.now += 100;
    expect(store.attach({ sid: SID, principal: 'alice', generation: store.generation })).toEqual({
      reason: 'expired',
    });
  });

  test('keeps no more than the unacknowledged messages, however many went through', () => {
    const { store } = storeWithClock();
    store.create({ sid: SID, principal: 'alice', ttl: 100 });
    for (let seq = 1; seq <= 10_000; seq++) {
      store.append(SID, 1, { seq, data: 'x', bytes: 1 });
      if (seq % 10 === 0) store.acknowledge(SID, 1, seq - 3);
    }
    const { record } = store.attach({ sid: SID, principal: 'alice', generation: store.generation });
    expect(record?.outbound.map((message) => message.seq)).toEqual([9998, 9999, 10_000]);
  });
});
