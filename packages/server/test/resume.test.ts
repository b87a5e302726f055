import { MemorySessionStore, type ServerSession, type SessionStore } from '@lifeline/server';
import { describe, expect, test } from 'vitest';
import { deferred, nextServerEvent, startSessionServer, WireClient } from './wire-client.js';

describe('a new session', () => {
  test('gets a 128-bit random id, epoch 1, the store generation, the ttl and the window', async () => {
    const store = new MemorySessionStore();
    const { url } = await startSessionServer({ store, ttl: 5000, window: { messages: 8, bytes: 4096 } });
    const { welcome } = await WireClient.open(url);
    expect(welcome).toEqual({
      sid: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      resumed: false,
      epoch: 1,
      gen: store.generation,
      rx: 0,
      ttl: 5000,
      window: { messages: 8, bytes: 4096 },
    });
    const other = await WireClient.open(url);
    expect(other.welcome.sid).not.toBe(welcome.sid);
  });

  test('is announced with its id masked, as in every event', async () => {
    const { server, url } = await startSessionServer();
    const announced = nextServerEvent(server, 'session');
    const { welcome } = await WireClient.open(url);
    const session = await announced;
    expect(session.id).toBe(`${welcome.sid.slice(0, 4)}…`);
    expect(JSON.stringify(session.watermarks) + session.id).not.toContain(welcome.sid);
  });
});

describe('resuming', () => {
  test('works any number of times within the ttl, also with no message exchanged, one epoch up each time', async () => {
    const { server, url } = await startSessionServer();
    const resumed: number[] = [];
    server.on('resumed', ({ session }) => resumed.push(session.epoch));
    let { client, welcome } = await WireClient.open(url);
    const { sid, gen } = welcome;
    for (let attempt = 2; attempt <= 6; attempt++) {
      client.socket.terminate();
      await client.closed;
      ({ client, welcome } = await WireClient.open(url, { sid, gen }));
      expect(welcome).toMatchObject({ sid, resumed: true, epoch: attempt, rx: 0 });
    }
    expect(resumed).toEqual([2, 3, 4, 5, 6]);
  });

  test('replays what the client had not completed, in order, then new messages', async () => {
    const { server, url } = await startSessionServer();
    const sessions: ServerSession[] = [];
    server.on('session', (session) => sessions.push(session));
    const { client, welcome } = await WireClient.open(url);
    const session = sessions[0] as ServerSession;
    const receipts = [1, 2, 3].map((n) => session.send({ n }));
    expect((await client.nextData(3)).map((frame) => frame.payload)).toEqual([
      '{"n":1}',
      '{"n":2}',
      '{"n":3}',
    ]);
    client.send('a1'); // the client completed the first one only
    await receipts[0];
    client.socket.terminate();
    await nextServerEvent(server, 'detached');

    const replayed = nextServerEvent(server, 'resumed');
    const again = await WireClient.open(url, { sid: welcome.sid, gen: welcome.gen, rx: 1 });
    expect((await replayed).replayed).toBe(2);
    const fourth = session.send({ n: 4 });
    const frames = await again.client.nextData(3);
    expect(frames.map(({ seq, payload }) => [seq, payload])).toEqual([
      [2, '{"n":2}'],
      [3, '{"n":3}'],
      [4, '{"n":4}'],
    ]);
    again.client.send('a4');
    await Promise.all([...receipts, fourth]);
    expect(session.watermarks).toMatchObject({ sent: 4, acked: 4 });
  });

  test('by a newer connection takes the session over: the older socket is closed with 4409', async () => {
    const { url } = await startSessionServer();
    const { client, welcome } = await WireClient.open(url);
    const newer = await WireClient.open(url, { sid: welcome.sid, gen: welcome.gen });
    expect(newer.welcome).toMatchObject({ resumed: true, epoch: 2 });
    expect((await client.closed).code).toBe(4409);
  });

  test('after a close with 1000 and no end frame works: a close only detaches', async () => {
    const { server, url } = await startSessionServer();
    const { client, welcome } = await WireClient.open(url);
    const detached = nextServerEvent(server, 'detached');
    client.socket.close(1000);
    expect((await detached).code).toBe(1000);
    const again = await WireClient.open(url, { sid: welcome.sid, gen: welcome.gen });
    expect(again.welcome).toMatchObject({ resumed: true, epoch: 2 });
  });

  test('after an end frame is refused: the session ended and the store discarded it', async () => {
    const store = new MemorySessionStore();
    const { server, url } = await startSessionServer({ store });
    const { client, welcome } = await WireClient.open(url);
    const ended = nextServerEvent(server, 'ended');
    client.send('e');
    expect((await ended).reason).toBe('closed');
    expect(store.size).toBe(0);
    expect((await client.closed).code).toBe(1000);
    const again = await WireClient.open(url, { sid: welcome.sid, gen: welcome.gen });
    expect(again.welcome).toMatchObject({ resumed: false, reason: 'expired' });
  });

  test('an end frame sent while the hello is with the store ends the session it gets', async () => {
    const { server, url } = await startSessionServer();
    const client = await WireClient.connect(url);
    const ended = nextServerEvent(server, 'ended');
    client.send('h{"v":1,"sid":null,"rx":0,"gen":null}');
    client.send('e');
    expect((await ended).reason).toBe('closed');
  });
});

describe('a hello that cannot resume gets a fresh session and exactly one reason', () => {
  test('expired: the ttl passed on the server while the client was away', async () => {
    const { server, url } = await startSessionServer({ ttl: 30 });
    const { client, welcome } = await WireClient.open(url);
    const ended = nextServerEvent(server, 'ended');
    client.socket.terminate();
    expect((await ended).reason).toBe('expired');
    const reset = nextServerEvent(server, 'reset');
    const again = await WireClient.open(url, { sid: welcome.sid, gen: welcome.gen, rx: 0 });
    expect(again.welcome).toMatchObject({ resumed: false, reason: 'expired', epoch: 1 });
    expect(again.welcome.sid).not.toBe(welcome.sid);
    const { reason, previous, session } = await reset;
    expect({ reason, previous }).toEqual({ reason: 'expired', previous: `${welcome.sid.slice(0, 4)}…` });
    expect(session.id).toBe(`${again.welcome.sid.slice(0, 4)}…`);
  });

  test('store-lost: the store does not know the session and its generation is another', async () => {
    const { url } = await startSessionServer();
    const { welcome } = await WireClient.open(url, {
      sid: 'AAAAAAAAAAAAAAAAAAAAAA',
      gen: 'an-older-store',
      rx: 0,
    });
    expect(welcome).toMatchObject({ resumed: false, reason: 'store-lost' });
  });

  test('store-lost: the client completed more than the store ever sent (a rollback)', async () => {
    const { url } = await startSessionServer();
    const first = await WireClient.open(url);
    first.client.socket.terminate();
    const { welcome } = await WireClient.open(url, { sid: first.welcome.sid, gen: first.welcome.gen, rx: 5 });
    expect(welcome).toMatchObject({ resumed: false, reason: 'store-lost' });
  });

  test('protocol: the sid is not one the server could have made', async () => {
    const { url } = await startSessionServer();
    const { welcome } = await WireClient.open(url, { sid: 'short', gen: null });
    expect(welcome).toMatchObject({ resumed: false, reason: 'protocol' });
  });
});

test('a handler that completes while the store answers a resume is recorded under the new epoch, not fenced', async () => {
  const inner = new MemorySessionStore();
  const answer = deferred();
  const attaching = deferred();
  let isSlow = false;
  // the store attaches at once but answers late, as a remote store would: the epoch moved meanwhile
  const store: SessionStore = {
    create: (session) => inner.create(session),
    attach: async (request) => {
      const outcome = inner.attach(request);
      if (isSlow) {
        attaching.resolve();
        await answer.promise;
      }
      return outcome;
    },
    append: (...args) => inner.append(...args),
    acknowledge: (...args) => inner.acknowledge(...args),
    complete: (...args) => inner.complete(...args),
    detach: (...args) => inner.detach(...args),
    end: (...args) => inner.end(...args),
  };
  const started = deferred();
  const release = deferred();
  const finished = deferred();
  const { server, url } = await startSessionServer({
    store,
    handler: async () => {
      started.resolve();
      await release.promise;
      finished.resolve();
    },
  });
  const fenced: unknown[] = [];
  server.on('fenced', (info) => fenced.push(info));
  const { client, welcome } = await WireClient.open(url);
  client.data(1, 0, 'in progress');
  await started.promise;
  client.socket.terminate();
  await nextServerEvent(server, 'detached');

  isSlow = true;
  const again = WireClient.open(url, { sid: welcome.sid, gen: welcome.gen });
  await attaching.promise;
  release.resolve();
  await finished.promise;
  // every microtask queued by the completion (its store write) runs before setImmediate: no time passes
  await new Promise((resolve) => setImmediate(resolve));
  expect(fenced).toEqual([]);
  answer.resolve();
  const { client: resumed, welcome: second } = await again;
  expect(second).toMatchObject({ resumed: true, epoch: 2 });
  await resumed.acked(1);
  expect(fenced).toEqual([]);
});
