import { Lifeline, session } from '@lifeline/node';
import { MemorySessionStore, type ServerSession } from '@lifeline/server';
import { expect, onTestFinished, test } from 'vitest';
import { describeVerdict, HistoryRecorder } from '../../../test/helpers/history.js';
import { deferred, nextServerEvent, startSessionServer } from './wire-client.js';

/** Resolves once `count()` reaches `target`, checked each time `subscribe`'s callback runs. */
function reach(count: () => number, target: number, subscribe: (check: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (count() >= target) resolve();
    };
    subscribe(check);
    check();
  });
}

test('a drained node hands its sessions to another on the same store: the real client loses and repeats nothing', async () => {
  const store = new MemorySessionStore();
  const toServer = new HistoryRecorder<string>();
  const toClient = new HistoryRecorder<string>();
  const delivered: Array<() => void> = [];
  // the handlers hold the first message, the server's until the drain began, the client's until the
  // other node resumed the session: both directions are in flight at the handover
  const serverStarted = deferred();
  const serverGate = deferred();
  const clientGate = deferred();
  const handler = async (message: unknown) => {
    serverStarted.resolve();
    await serverGate.promise;
    toServer.deliver((message as { id: string }).id);
    for (const check of delivered) check();
  };
  const a = await startSessionServer({ store, handler });
  const b = await startSessionServer({ store, handler });

  let target = a.url;
  const line = new Lifeline(() => target, { reconnect: { minDelay: 1, maxDelay: 5 } });
  onTestFinished(() => line.close());
  const client = session(line, { handler: () => clientGate.promise });
  line.on('message', (message) => toClient.deliver((message as { id: string }).id));
  const outcomes: string[] = [];
  line.on('resumed', () => outcomes.push('resumed'));
  line.on('reset', ({ reason }) => outcomes.push(`reset:${reason}`));

  const sendBoth = (on: ServerSession, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      line.send({ id: `c-${i}` });
      toServer.accept(`c-${i}`);
      // the node may be drained before the client acknowledges: the store keeps the message for the next
      on.send({ id: `s-${i}` }).catch(() => {});
      toClient.accept(`s-${i}`);
    }
  };

  sendBoth(await nextServerEvent(a.server, 'session'), 0, 200);
  await serverStarted.promise;
  target = b.url;
  const resumed = nextServerEvent(b.server, 'resumed');
  const drained = a.server.drain();
  serverGate.resolve();
  await drained;
  const handover = await resumed;
  clientGate.resolve();
  expect(handover.replayed).toBe(200);
  sendBoth(handover.session, 200, 400);

  await client.acked();
  await reach(
    () => toClient.delivered.length,
    400,
    (check) => line.on('message', check),
  );
  await reach(
    () => toServer.delivered.length,
    400,
    (check) => delivered.push(check),
  );
  for (const history of [toServer, toClient]) {
    const verdict = history.check({ isDrained: true });
    expect(verdict.ok, describeVerdict(verdict)).toBe(true);
    expect(verdict.delivered).toBe(400);
  }
  expect(outcomes).toEqual(['resumed']);
});
