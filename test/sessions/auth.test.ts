import type { IncomingMessage } from 'node:http';
import { inspect } from 'node:util';
import { MemorySessionStore, type SessionRecord } from '@lifeline/server';
import { expect, test } from 'vitest';
import { eventMatching } from '../helpers/events.js';
import { nextServerSession, opened, proxiedSession, rawText, recordEvents } from './harness.js';

/*
 * Guarantee 6 of issue #15: authenticate() runs on every upgrade, resumes included (no skipped
 * middleware); a resume by another principal is refused with reset {reason: 'auth-changed'}. Session ids
 * are 128-bit random, and no event or error shows one whole.
 */

/** The memory store, noting every session id it is given: the one place a test may see them whole. */
class RecordingStore extends MemorySessionStore {
  readonly sids: string[] = [];

  override create(session: {
    readonly sid: string;
    readonly principal: string;
    readonly ttl: number;
  }): SessionRecord {
    this.sids.push(session.sid);
    return super.create(session);
  }
}

/** Tokens the client presents and the principals they stand for; a missing one is refused (401). */
function tokenAuth() {
  const calls: Array<string | undefined> = [];
  const principals = new Map([
    ['alice-1', 'alice'],
    ['alice-2', 'alice'],
    ['bob-1', 'bob'],
  ]);
  const client = { token: 'alice-1' };
  return {
    calls,
    client,
    headers: () => ({ authorization: client.token }),
    authenticate: (request: IncomingMessage) => {
      const token = request.headers.authorization;
      calls.push(token);
      return (token !== undefined && principals.get(token)) || false;
    },
  };
}

test('authenticate() runs again on every resume, and a refused attempt does not lose the session', async () => {
  const auth = tokenAuth();
  const { server, proxy, line, session } = await proxiedSession(
    { ...rawText, authenticate: auth.authenticate },
    {},
    {
      // a refused upgrade (401) is retried once with fresh credentials: the moment to renew the token
      headers: ({ reason }) => {
        if (reason === 'auth-failed') auth.client.token = 'alice-2';
        return auth.headers();
      },
    },
  );
  const events = recordEvents(line, ['resumed', 'reset']);
  await eventMatching(line, 'open');
  for (let cut = 1; cut <= 3; cut++) {
    proxy.cut('rst');
    await eventMatching(line, 'resumed');
  }
  auth.client.token = 'expired';
  proxy.cut('rst');
  await eventMatching(line, 'resumed');
  await session.sendAcked('still the same session');

  expect(auth.calls).toEqual(['alice-1', 'alice-1', 'alice-1', 'alice-1', 'expired', 'alice-2']);
  expect(events.map(({ name }) => name)).toEqual(['resumed', 'resumed', 'resumed', 'resumed']);
  expect([...server.sessions]).toHaveLength(1);
});

test("a resume by another principal is reset as auth-changed, and the new session is that principal's", async () => {
  const auth = tokenAuth();
  const { server, proxy, line, session } = await proxiedSession(
    { ...rawText, authenticate: auth.authenticate },
    {},
    { headers: auth.headers },
  );
  const first = nextServerSession(server);
  await eventMatching(line, 'open');
  const alice = await first;
  const { id } = session;
  const second = nextServerSession(server);

  auth.client.token = 'bob-1';
  proxy.cut('rst');
  const [reset] = await eventMatching(line, 'reset');

  expect(reset).toMatchObject({ reason: 'auth-changed' });
  expect(reset.id).not.toBe(id);
  expect((await second).principal).toBe('bob');
  // knowing a session's id is not enough to end it: alice's session waits for alice, detached
  expect(alice).toMatchObject({ principal: 'alice', isAttached: false });
  expect([...server.sessions]).toContain(alice);
});

test('session ids are 22 base64url characters (128 bits), and no event or error shows one whole', async () => {
  const auth = tokenAuth();
  const store = new RecordingStore();
  const serverEvents: unknown[] = [];
  const { server, proxy, line, session } = await proxiedSession(
    {
      ...rawText,
      store,
      authenticate: auth.authenticate,
      maxAttempts: 1,
      handler: () => Promise.reject(new Error('no')),
    },
    { maxAttempts: 1, handler: () => Promise.reject(new Error('no')) },
    { headers: auth.headers },
  );
  for (const name of [
    'session',
    'resumed',
    'reset',
    'detached',
    'ended',
    'deadletter',
    'evicted',
    'invalid',
  ] as const) {
    server.on(name, (info: unknown) => serverEvents.push(info));
  }
  const clientEvents = recordEvents(line, [
    'open',
    'close',
    'error',
    'resumed',
    'reset',
    'drop',
    'deadletter',
    'reconnecting',
  ]);
  const remote = await opened(server, line);
  await session.sendAcked('dead letter on the server');
  await remote.send('dead letter on the client');
  proxy.cut('rst');
  await eventMatching(line, 'resumed');

  // a reset with sends in flight both ways: their errors name the sessions too
  const clientSend = session.sendAcked('dropped by the reset');
  const serverSend = remote.send('rejected by the reset');
  auth.client.token = 'bob-1';
  proxy.cut('rst');
  await eventMatching(line, 'reset');
  remote.close(); // the old session was not ended by the other principal's attempt: end it, failing its send
  const errors = (await Promise.allSettled([clientSend, serverSend])).map((outcome) =>
    outcome.status === 'rejected' ? outcome.reason : outcome,
  );

  expect(store.sids).toHaveLength(2);
  for (const sid of store.sids) expect(sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(new Set(store.sids).size).toBe(2);
  const everything = [serverEvents, clientEvents, errors, session.id, remote.id];
  const shown = `${inspect(everything, { depth: 8, showHidden: true })}\n${JSON.stringify(everything, replacer)}`;
  for (const sid of store.sids) {
    expect(shown).not.toContain(sid);
    expect(shown).toContain(`${sid.slice(0, 4)}…`);
  }
  expect(errors).toHaveLength(2);
  for (const error of errors) expect(error).toBeInstanceOf(Error);
});

/** JSON for errors too (their message is not an own enumerable property). */
function replacer(_key: string, value: unknown) {
  return value instanceof Error ? { ...value, name: value.name, message: value.message } : value;
}
