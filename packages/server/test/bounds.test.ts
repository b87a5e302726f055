import { isSessionError, MemorySessionStore, type ServerSession } from '@lifeline/server';
import { describe, expect, test } from 'vitest';
import { nextServerEvent, startSessionServer, WireClient } from './wire-client.js';

/** Opens a session and returns the wire client, its welcome and the server's handle on it. */
async function openSession(url: string, server: Awaited<ReturnType<typeof startSessionServer>>['server']) {
  const announced = nextServerEvent(server, 'session');
  const { client, welcome } = await WireClient.open(url);
  return { client, welcome, session: await announced };
}

/** Settles to 'resolved' or the rejection's code, without waiting for a pending promise. */
function outcome(receipt: Promise<void>): Promise<string> {
  return receipt.then(
    () => 'resolved',
    (error) => (isSessionError(error) ? `${error.code}:${error.reason ?? ''}` : String(error)),
  );
}

describe('the replay buffer', () => {
  test('holds at most `replay.messages` unacknowledged: a sender that never awaits waits for room', async () => {
    const { server, url } = await startSessionServer({ replay: { messages: 3 } });
    const { client, session } = await openSession(url, server);
    const receipts = Array.from({ length: 7 }, (_, n) => session.send(n));
    const first = await client.nextData(3);
    expect(first.map((frame) => frame.seq)).toEqual([1, 2, 3]);
    expect(session.watermarks.sent).toBe(3); // 4 to 7 wait outside the buffer, not accepted yet
    client.send('a2');
    expect((await client.nextData(2)).map((frame) => frame.seq)).toEqual([4, 5]);
    client.send('a5');
    expect((await client.nextData(2)).map((frame) => frame.seq)).toEqual([6, 7]);
    client.send('a7');
    await Promise.all(receipts);
  });

  test('holds at most `replay.bytes`, but one message bigger than that goes alone', async () => {
    const { server, url } = await startSessionServer({ replay: { bytes: 10 } });
    const { client, session } = await openSession(url, server);
    const big = session.send('x'.repeat(25));
    const small = session.send('y');
    const [frame] = await client.nextData(1);
    expect(frame).toMatchObject({ seq: 1, payload: 'x'.repeat(25) });
    expect(session.watermarks.sent).toBe(1);
    client.send('a1');
    await big;
    expect((await client.nextData(1))[0]).toMatchObject({ seq: 2, payload: 'y' });
    client.send('a2');
    await small;
  });

  test('overflowing while the client is away ends the session: every pending send rejects, the next hello hears overflow', async () => {
    const { server, url } = await startSessionServer({ replay: { messages: 2 } });
    const { client, welcome, session } = await openSession(url, server);
    client.socket.terminate();
    await nextServerEvent(server, 'detached');
    const accepted = [session.send(1), session.send(2)].map(outcome);
    const ended = nextServerEvent(server, 'ended');
    const over = outcome(session.send(3));
    expect(await ended).toMatchObject({ session, reason: 'overflow' });
    expect(await Promise.all([...accepted, over])).toEqual(Array(3).fill('ERR_SESSION_ENDED:overflow'));
    const again = await WireClient.open(url, { sid: welcome.sid, gen: welcome.gen });
    expect(again.welcome).toMatchObject({ resumed: false, reason: 'overflow' });
  });

  test('a send on an ended session rejects at once', async () => {
    const { server, url } = await startSessionServer();
    const { session } = await openSession(url, server);
    session.close();
    expect(await outcome(session.send('late'))).toBe('ERR_SESSION_ENDED:closed');
  });
});

describe('the global cap (maxSessionBytes)', () => {
  test('evicts the least recently detached sessions first, and they hear evicted', async () => {
    const store = new MemorySessionStore();
    const { server, url } = await startSessionServer({ store, maxSessionBytes: 25 });
    const opened = [];
    for (let n = 0; n < 3; n++) opened.push(await openSession(url, server));
    const [oldest, middle, attached] = opened as [(typeof opened)[0], (typeof opened)[0], (typeof opened)[0]];
    for (const { client } of [oldest, middle]) {
      const detached = nextServerEvent(server, 'detached');
      client.socket.terminate();
      await detached;
    }
    const evicted: ServerSession[] = [];
    server.on('evicted', ({ session }) => evicted.push(session));
    const held = [oldest, middle].map(({ session }) => outcome(session.send('x'.repeat(10))));
    expect(evicted).toEqual([]); // 20 bytes: under the cap
    const third = attached.session.send('y'.repeat(10));
    expect(evicted).toEqual([oldest.session]);
    expect(await held[0]).toBe('ERR_SESSION_ENDED:evicted');
    const reset = await WireClient.open(url, { sid: oldest.welcome.sid, gen: oldest.welcome.gen });
    expect(reset.welcome).toMatchObject({ resumed: false, reason: 'evicted' });
    const resumed = await WireClient.open(url, { sid: middle.welcome.sid, gen: middle.welcome.gen });
    expect(resumed.welcome).toMatchObject({ resumed: true });
    expect((await resumed.client.nextData(1))[0]).toMatchObject({ seq: 1, payload: 'x'.repeat(10) });
    resumed.client.send('a1');
    attached.client.send('a1');
    expect(await Promise.all([held[1], outcome(third)])).toEqual(['resolved', 'resolved']);
  });
});
