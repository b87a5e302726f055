import { expect, test } from 'vitest';
import { eventMatching } from '../helpers/events.js';
import { opened, proxiedSession, rawText, recordEvents } from './harness.js';

/*
 * Guarantee 3 of issue #15: the ack follows the handler. A handler that awaits 500 ms while the connection
 * is cut runs exactly once (the resent copy is recognised as in progress); a handler that rejects is
 * retried a bounded number of times, then reported once as a dead letter, and the session goes on.
 */

/** A handler that takes 500 ms, counting its runs and saying when one starts. */
function slowHandler() {
  const runs: unknown[] = [];
  let started: () => void = () => {};
  const firstStart = new Promise<void>((resolve) => {
    started = resolve;
  });
  const handler = async (message: unknown) => {
    runs.push(message);
    started();
    await new Promise((resolve) => setTimeout(resolve, 500));
  };
  return { runs, firstStart, handler };
}

test("the server's handler runs once for a message whose connection is cut while it runs", async () => {
  const slow = slowHandler();
  const { server, proxy, line, session } = await proxiedSession({ ...rawText, handler: slow.handler });
  const remote = await opened(server, line);
  const serverResumed = new Promise<{ replayed: number }>((resolve) => server.once('resumed', resolve));

  const acked = session.sendAcked('slow');
  await slow.firstStart;
  proxy.cut('rst');
  const [resumed] = await eventMatching(line, 'resumed');
  await acked;

  // the welcome came before the handler settled: the client resent its copy, the server recognised it
  expect(resumed).toMatchObject({ sent: 1, acked: 0 });
  expect(slow.runs).toEqual(['slow']);
  expect(await serverResumed).toMatchObject({ replayed: 0 });
  expect(remote.watermarks).toMatchObject({ received: 1, completed: 1 });
});

test("the client's handler runs once for a message whose connection is cut while it runs", async () => {
  const slow = slowHandler();
  const { server, proxy, line, session } = await proxiedSession(rawText, { handler: slow.handler });
  const remote = await opened(server, line);
  const serverResumed = new Promise<{ replayed: number }>((resolve) => server.once('resumed', resolve));

  const acked = remote.send('slow');
  await slow.firstStart;
  proxy.cut('rst');
  const [resumed] = await eventMatching(line, 'resumed');
  await acked;

  expect(resumed).toMatchObject({ received: 1, completed: 0 });
  expect(await serverResumed).toMatchObject({ replayed: 1 }); // the server resent it: still unacked
  expect(slow.runs).toEqual(['slow']);
  expect(session.watermarks).toMatchObject({ received: 1, completed: 1 });
});

test('a rejecting server handler runs maxAttempts times, is reported once, and the session goes on', async () => {
  const runs: Array<{ message: unknown; attempt: number; key: string }> = [];
  const deadLetters: Array<{ seq: number; attempts: number; error: unknown }> = [];
  const { server, line, session } = await proxiedSession({
    ...rawText,
    maxAttempts: 3,
    handler: (message, { attempt, key }) => {
      runs.push({ message, attempt, key });
      if (message === 'poison') throw new Error('cannot take it');
    },
  });
  server.on('deadletter', ({ seq, attempts, error }) => deadLetters.push({ seq, attempts, error }));
  await eventMatching(line, 'open');

  await session.sendAcked('poison');
  await session.sendAcked('fine');

  expect(runs.map(({ message, attempt }) => `${message as string}#${attempt}`)).toEqual([
    'poison#1',
    'poison#2',
    'poison#3',
    'fine#1',
  ]);
  // one key for every run of a message: the idempotency key of a side effect
  expect(new Set(runs.slice(0, 3).map(({ key }) => key)).size).toBe(1);
  expect(runs[0]?.key).toMatch(/:c:1$/);
  expect(deadLetters).toEqual([{ seq: 1, attempts: 3, error: new Error('cannot take it') }]);
});

test('a rejecting client handler runs maxAttempts times, is reported once, and the session goes on', async () => {
  const runs: string[] = [];
  const { server, line } = await proxiedSession(rawText, {
    maxAttempts: 2,
    handler: (message, { attempt }) => {
      runs.push(`${message as string}#${attempt}`);
      if (message === 'poison') return Promise.reject(new Error('cannot take it'));
      return undefined;
    },
  });
  const events = recordEvents(line, ['deadletter']);
  const remote = await opened(server, line);

  await remote.send('poison');
  await remote.send('fine');

  expect(runs).toEqual(['poison#1', 'poison#2', 'fine#1']);
  expect(events).toEqual([
    {
      name: 'deadletter',
      info: { message: 'poison', seq: 1, attempts: 2, error: new Error('cannot take it') },
    },
  ]);
});
