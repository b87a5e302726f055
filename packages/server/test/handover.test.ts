import { isSessionError, MemorySessionStore, type ServerSession } from '@lifeline/server';
import { describe, expect, test } from 'vitest';
import { deferred, nextServerEvent, startSessionServer, WireClient } from './wire-client.js';

// Two servers on one store stand for two nodes on a shared store (the Redis store of issue #16)

/**
 * Nodes `a` and `b` on one store. Each handler run is recorded in `runs` as `<node> <key>`; a's runs
 * wait for `release` (and `started` says the first began), b's finish at once.
 */
async function twoNodes() {
  const store = new MemorySessionStore();
  const started = deferred();
  const release = deferred();
  const runs: string[] = [];
  const a = await startSessionServer({
    store,
    handler: async (_message, { key }) => {
      runs.push(`a ${key}`);
      started.resolve();
      await release.promise;
    },
  });
  const b = await startSessionServer({
    store,
    handler: (_message, { key }) => {
      runs.push(`b ${key}`);
    },
  });
  return { a, b, runs, started, release };
}

describe('drain()', () => {
  test('lets the running handler finish and acknowledges it, closes with 1012, and another node resumes', async () => {
    const { a, b, runs, started, release } = await twoNodes();
    const announced = nextServerEvent(a.server, 'session');
    const { client, welcome } = await WireClient.open(a.url);
    const session = await announced;
    const unacked = session.send('from a').catch((error) => (isSessionError(error) ? error.code : error));
    await client.nextData(1);
    client.data(1, 0, 'first');
    client.data(2, 0, 'second');
    await started.promise;

    const drained = a.server.drain();
    release.resolve();
    await drained;
    expect(await client.closed).toMatchObject({ code: 1012 });
    expect(client.pending).toContainEqual({ type: 'ack', ack: 1 });
    expect(await unacked).toBe('ERR_SERVER_CLOSED');

    const resumed = await WireClient.open(b.url, { sid: welcome.sid, gen: welcome.gen });
    expect(resumed.welcome).toMatchObject({ resumed: true, epoch: 2, rx: 1 });
    expect((await resumed.client.nextData(1))[0]).toMatchObject({ seq: 1, payload: 'from a' });
    resumed.client.data(2, 1, 'second');
    await resumed.client.acked(2);
    expect(runs).toEqual([`a ${welcome.sid}:c:1`, `b ${welcome.sid}:c:2`]);
  });
  test('cuts a peer that never answers the close frame after the grace, so it ends in about a second', async () => {
    const { server, url } = await startSessionServer();
    const { client } = await WireClient.open(url);
    client.socket.pause(); // reads nothing more: the 1012 close frame stays unanswered, as on a dead path
    const ended = nextServerEvent(server, 'ended');
    await server.drain();
    expect((await ended).reason).toBe('server-closed');
  }, 3000); // ws alone would wait 30 s for the answer
});

describe('fencing', () => {
  test('a node whose session was attached elsewhere is refused by the store, says fenced and closes with 4409', async () => {
    const { a, b, runs, started, release } = await twoNodes();
    const { client, welcome } = await WireClient.open(a.url);
    client.data(1, 0, 'slow on a');
    await started.promise;

    // the client gave up on a (a half-open link, say) and resumes on b while a's handler still runs
    const onB = await WireClient.open(b.url, { sid: welcome.sid, gen: welcome.gen });
    expect(onB.welcome).toMatchObject({ resumed: true, epoch: 2, rx: 0 });
    const fenced = nextServerEvent(a.server, 'fenced');
    const ended = nextServerEvent(a.server, 'ended');
    release.resolve();
    const { session } = await fenced;
    expect(session.epoch).toBe(1);
    expect((await ended).reason).toBe('fenced');
    expect((await client.closed).code).toBe(4409);

    // a's result was never recorded: b runs the message again, under the same idempotency key
    onB.client.data(1, 0, 'slow on a');
    await onB.client.acked(1);
    expect(runs).toEqual([`a ${welcome.sid}:c:1`, `b ${welcome.sid}:c:1`]);
  });

  test('a stale session object is let go when its node attaches the session again after another did', async () => {
    const store = new MemorySessionStore();
    const a = await startSessionServer({ store });
    const b = await startSessionServer({ store });
    const sessions: ServerSession[] = [];
    a.server.on('session', (session) => sessions.push(session));
    const first = await WireClient.open(a.url);
    const { sid, gen } = first.welcome;
    first.client.socket.terminate();
    await nextServerEvent(a.server, 'detached');
    const onB = await WireClient.open(b.url, { sid, gen });
    onB.client.socket.terminate();
    await nextServerEvent(b.server, 'detached');

    const fenced = nextServerEvent(a.server, 'fenced');
    const back = await WireClient.open(a.url, { sid, gen });
    expect(back.welcome).toMatchObject({ resumed: true, epoch: 3 });
    expect((await fenced).session).toBe(sessions[0]);
    expect([...a.server.sessions]).toHaveLength(1);
    expect([...a.server.sessions][0]).not.toBe(sessions[0]);
  });
});
