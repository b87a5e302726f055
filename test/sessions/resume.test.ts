import { expect, test } from 'vitest';
import { eventMatching } from '../helpers/events.js';
import { opened, proxiedSession, rawText, recordEvents, serverEnded } from './harness.js';

/*
 * Guarantee 2 of issue #15: any number of resume attempts within the session's ttl (SignalR allows one),
 * and a session that has exchanged no message yet resumes too.
 */

test('a session with no message yet resumes, with the same id and the next epoch', async () => {
  const { server, proxy, line, session } = await proxiedSession();
  const events = recordEvents(line, ['resumed', 'reset']);
  const serverSession = await opened(server, line);
  const { id, epoch } = session;
  const serverResumed = new Promise((resolve) => server.once('resumed', resolve));

  proxy.cut('rst');
  const [info] = await eventMatching(line, 'resumed');

  expect(info).toMatchObject({ id, epoch: epoch + 1, sent: 0, acked: 0, received: 0, completed: 0 });
  expect(events.map(({ name }) => name)).toEqual(['resumed']);
  expect(await serverResumed).toMatchObject({ session: serverSession, replayed: 0 });
});

test('resumes 10 times in a row, each after 5 refused attempts, with messages in flight both ways', async () => {
  const toServer: unknown[] = [];
  const toClient: unknown[] = [];
  const { server, proxy, gate, line, session } = await proxiedSession({
    ...rawText,
    handler: (message) => {
      toServer.push(message);
    },
  });
  line.on('message', (message) => toClient.push(message));
  const events = recordEvents(line, ['open', 'resumed', 'reset']);
  const remote = await opened(server, line);
  const receipts: Array<Promise<void>> = [];

  for (let round = 1; round <= 10; round++) {
    // sent while the connection dies: neither side has the other's ack for these yet
    receipts.push(session.sendAcked(`c${round}`), remote.send(`s${round}`));
    gate.shut();
    const refusedBefore = gate.refused;
    proxy.cut('rst');
    await eventMatching(line, 'reconnecting', () => gate.refused >= refusedBefore + 5);
    gate.open();
    await eventMatching(line, 'resumed');
  }
  await Promise.all(receipts);

  const sent = Array.from({ length: 10 }, (_, index) => index + 1);
  expect(toServer).toEqual(sent.map((round) => `c${round}`));
  expect(toClient).toEqual(sent.map((round) => `s${round}`));
  expect(events.filter(({ name }) => name === 'resumed')).toHaveLength(10);
  expect(events.filter(({ name }) => name === 'reset')).toEqual([]);
  expect(session.epoch).toBe(11);
});

test('a session kept away past its ttl is reset as expired, never resumed with a gap', async () => {
  const { server, proxy, gate, line, session } = await proxiedSession({ ttl: 200 });
  const events = recordEvents(line, ['resumed', 'reset', 'drop']);
  await opened(server, line);
  const { id } = session;
  const expired = serverEnded(server, 'expired');

  // written before the cut, so it is in the replay buffer, unacknowledged, when the connection dies
  const unacked = session.sendAcked('sent before the cut');
  gate.shut();
  proxy.cut('rst');
  unacked.catch(() => {});
  await expired; // the server's clock decided
  gate.open();
  const [info] = await eventMatching(line, 'reset');

  expect(info).toMatchObject({ reason: 'expired', dropped: 1 });
  expect(info.id).not.toBe(id);
  await expect(unacked).rejects.toMatchObject({ code: 'ERR_SESSION_RESET' });
  expect(events.map(({ name }) => name)).toEqual(['reset', 'drop']);
});

test('line.reconnect() keeps the session (it resumes); close() ends it on the server', async () => {
  const { server, line, session } = await proxiedSession();
  const remote = await opened(server, line);
  const { id } = session;

  const outcome = Promise.race([
    eventMatching(line, 'resumed').then(([info]) => `resumed ${info.id}`),
    eventMatching(line, 'reset').then(([info]) => `reset ${info.reason}`),
  ]);
  line.reconnect(); // code 1000: a fresh socket, never "forget my session"
  expect(await outcome).toBe(`resumed ${id}`);
  expect(remote.isAttached).toBe(true);

  // only the end frame `e` that close() sends ends the session
  const gone = new Promise((resolve) => {
    server.once('ended', ({ reason }) => resolve(reason));
    server.once('invalid', ({ problem }) => resolve(`invalid: ${problem}`));
  });
  line.close();
  expect(await gone).toBe('closed');
  expect([...server.sessions]).toEqual([]);
});
