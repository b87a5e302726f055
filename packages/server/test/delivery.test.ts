import { MemorySessionStore, type SessionStore } from '@lifeline/server';
import { describe, expect, onTestFinished, test } from 'vitest';
import { deferred, nextServerEvent, startSessionServer, WireClient } from './wire-client.js';

describe('client messages', () => {
  test('run the handler once each, in seq order, with a stable key and the attempt', async () => {
    const seen: Array<{ message: unknown; seq: number; key: string; attempt: number }> = [];
    const { url } = await startSessionServer({
      handler: (message, { seq, key, attempt }) => {
        seen.push({ message, seq, key, attempt });
      },
    });
    const { client, welcome } = await WireClient.open(url);
    for (let seq = 1; seq <= 3; seq++) client.data(seq, 0, { n: seq });
    await client.acked(3);
    expect(seen).toEqual(
      [1, 2, 3].map((seq) => ({ message: { n: seq }, seq, key: `${welcome.sid}:c:${seq}`, attempt: 1 })),
    );
  });

  test('are acknowledged only after the handler settled', async () => {
    const release = deferred();
    let isSettled = false;
    const { url } = await startSessionServer({
      handler: async () => {
        await release.promise;
        isSettled = true;
      },
    });
    const { client } = await WireClient.open(url);
    client.data(1, 0, 'slow');
    client.send('p7'); // a ping is answered at once: it orders the check below after the data frame
    expect(await client.next()).toEqual({ type: 'pong', id: '7' });
    expect(client.pending).toEqual([]);
    release.resolve();
    await client.acked(1);
    expect(isSettled).toBe(true);
  });

  test('are acknowledged at most once per 64 completions or 200 ms: 130 messages in a burst get 3 ack frames', async () => {
    const { url } = await startSessionServer();
    const { client } = await WireClient.open(url);
    for (let seq = 1; seq <= 130; seq++) client.data(seq, 0, seq);
    const acks: number[] = [];
    while (acks.at(-1) !== 130) {
      const frame = await client.next();
      if (frame.type === 'ack') acks.push(frame.ack);
    }
    // [64, 128, 130] unless the 200 ms timer fired inside the burst on a slow machine: still 3 frames
    expect(acks).toHaveLength(3);
  });

  test('an ack rides on a data frame going the other way instead of an ack frame', async () => {
    const { url } = await startSessionServer({
      handler: (message, { session }) => {
        if (message === 'echo me') void session.send({ echo: message });
      },
    });
    const { client } = await WireClient.open(url);
    client.data(1, 0, 'just take it');
    client.data(2, 0, 'echo me');
    // 1 completed and its ack waited (up to 200 ms) for company: the echo sent by 2's handler carries it
    expect(await client.next()).toMatchObject({
      type: 'data',
      seq: 1,
      ack: 1,
      payload: '{"echo":"echo me"}',
    });
    client.send('a1');
    await client.acked(2);
  });

  test('a resent copy of a message in progress is not run again; its ack follows its completion', async () => {
    const release = deferred();
    const started = deferred();
    let runs = 0;
    const { server, url } = await startSessionServer({
      handler: async () => {
        runs += 1;
        started.resolve();
        await release.promise;
      },
    });
    const { client, welcome } = await WireClient.open(url);
    client.data(1, 0, 'once');
    await started.promise;
    client.socket.terminate(); // cut while the handler runs
    await nextServerEvent(server, 'detached');
    const again = await WireClient.open(url, { sid: welcome.sid, gen: welcome.gen });
    expect(again.welcome).toMatchObject({ resumed: true, rx: 0 });
    again.client.data(1, 0, 'once'); // the client resends what it has no ack for
    release.resolve();
    await again.client.acked(1);
    expect(runs).toBe(1);
  });

  test('a copy of a completed message is not run again', async () => {
    let runs = 0;
    const { url } = await startSessionServer({
      handler: () => {
        runs += 1;
      },
    });
    const { client } = await WireClient.open(url);
    client.data(1, 0, 'x');
    await client.acked(1);
    client.data(1, 0, 'x');
    client.data(2, 0, 'y');
    await client.acked(2);
    expect(runs).toBe(2);
  });
});

describe('a handler that rejects', () => {
  test('is retried up to maxAttempts, reported once as deadletter, acknowledged, and the session goes on', async () => {
    const attempts: number[] = [];
    const { server, url } = await startSessionServer({
      maxAttempts: 3,
      handler: (message, { attempt }) => {
        attempts.push(attempt);
        if (message === 'poison') throw new Error('cannot take it');
      },
    });
    const deadletters: Array<{ seq: number; attempts: number; error: unknown }> = [];
    server.on('deadletter', ({ seq, attempts: count, error }) =>
      deadletters.push({ seq, attempts: count, error }),
    );
    const { client } = await WireClient.open(url);
    client.data(1, 0, 'poison');
    client.data(2, 0, 'fine');
    await client.acked(2);
    expect(attempts).toEqual([1, 2, 3, 1]);
    expect(deadletters).toEqual([{ seq: 1, attempts: 3, error: new Error('cannot take it') }]);
  });
});

describe('bad frames close the connection with the code the protocol says, and report invalid', () => {
  const cases: Array<[string, (client: WireClient) => void, number, RegExp]> = [
    ['a gap', (client) => client.data(2, 0, 'skipped one'), 4500, /gap/],
    ['a malformed data header', (client) => client.send('d1\nno ack'), 4400, /header/],
    ['an unknown frame type', (client) => client.send('zzz'), 4400, /unknown/],
    ['an ack of something never sent', (client) => client.send('a3'), 4400, /above the highest/],
    [
      'a second hello',
      (client) => client.send('h{"v":1,"sid":null,"rx":0,"gen":null}'),
      4400,
      /second hello/,
    ],
    [
      'data over the window',
      (client) => {
        for (const seq of [1, 2, 3]) client.data(seq, 0, seq);
      },
      4400,
      /window/,
    ],
  ];
  test.each(cases)('%s', async (_, misbehave, code, problem) => {
    const release = deferred();
    const { server, url } = await startSessionServer({
      window: { messages: 2 },
      handler: () => release.promise,
    });
    onTestFinished(() => release.resolve());
    const { client } = await WireClient.open(url);
    const invalid = nextServerEvent(server, 'invalid');
    misbehave(client);
    expect((await invalid).problem).toMatch(problem);
    expect((await client.closed).code).toBe(code);
  });

  test('frames behind a violation on the same connection are ignored: one gap, one invalid, nothing run', async () => {
    const handled: unknown[] = [];
    const { server, url } = await startSessionServer({ handler: (message) => void handled.push(message) });
    const invalid: string[] = [];
    server.on('invalid', ({ problem }) => invalid.push(problem));
    const { client } = await WireClient.open(url);
    client.data(2, 0, 'gap');
    client.data(3, 0, 'behind the gap');
    client.data(1, 0, 'too late on this connection');
    expect((await client.closed).code).toBe(4500);
    expect(invalid).toEqual(['seq 2 after 0: a gap']);
    expect(handled).toEqual([]);
  });

  test('a frame before the hello', async () => {
    const { server, url } = await startSessionServer();
    const client = await WireClient.connect(url);
    const invalid = nextServerEvent(server, 'invalid');
    client.data(1, 0, 'too early');
    expect(await invalid).toEqual({ session: null, problem: 'a data frame before the welcome' });
    expect((await client.closed).code).toBe(4400);
  });

  test('a payload that does not decode is reported and skipped; the connection stays up', async () => {
    const handled: unknown[] = [];
    const { server, url } = await startSessionServer({ handler: (message) => void handled.push(message) });
    const { client } = await WireClient.open(url);
    const invalid = nextServerEvent(server, 'invalid');
    client.data(1, 0, '{not json', true);
    client.data(2, 0, 'fine');
    expect((await invalid).problem).toMatch(/seq 1 could not be decoded/);
    await client.acked(2);
    expect(handled).toEqual(['fine']);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
  });
});

test('with a remote store, the next handler runs while a completion is recorded, and only what is recorded is acknowledged', async () => {
  const inner = new MemorySessionStore();
  const writes: Array<{ rx: number; done: () => void }> = [];
  const written = new Set<() => void>();
  // a store whose completion records settle when the test says so, as a remote store's round trips would
  const store: SessionStore = {
    create: (session) => inner.create(session),
    attach: (request) => inner.attach(request),
    append: (...args) => inner.append(...args),
    acknowledge: (...args) => inner.acknowledge(...args),
    detach: (...args) => inner.detach(...args),
    end: (...args) => inner.end(...args),
    complete: (sid, epoch, rx) =>
      new Promise<void>((resolve) => {
        writes.push({ rx, done: () => resolve(inner.complete(sid, epoch, rx)) });
        for (const wake of written) wake();
      }),
  };
  const nextWrite = (count: number) =>
    new Promise<void>((resolve) => {
      const wake = () => writes.length >= count && resolve();
      written.add(wake);
      wake();
    });
  const handled: number[] = [];
  const thirdHandled = deferred();
  const { url } = await startSessionServer({
    store,
    handler: (_message, { seq }) => {
      handled.push(seq);
      if (seq === 3) thirdHandled.resolve();
    },
  });
  const { client } = await WireClient.open(url);
  for (const seq of [1, 2, 3]) client.data(seq, 0, seq);
  await nextWrite(1);
  await thirdHandled.promise;
  // every microtask queued by the third handler's return runs before setImmediate: no time passes
  await new Promise((resolve) => setImmediate(resolve));
  expect(handled).toEqual([1, 2, 3]); // 2 and 3 ran while the record of 1 was in flight
  expect(writes.map(({ rx }) => rx)).toEqual([1]); // one record in flight at a time
  writes[0]?.done();
  await nextWrite(2);
  expect(writes.map(({ rx }) => rx)).toEqual([1, 3]); // the next carries the highest handled
  expect(client.pending.filter((frame) => frame.type === 'ack' && frame.ack > 1)).toEqual([]);
  writes[1]?.done();
  await client.acked(3);
});
