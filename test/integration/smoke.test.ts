import { Lifeline } from '@lifeline/node';
import { expect, onTestFinished, test } from 'vitest';
import { nextEvent, startServer } from '../helpers/server.js';

test('round-trips a message through a real ws server', async () => {
  const server = await startServer({ echo: true });
  const line = new Lifeline(server.url, { reconnect: { minDelay: 1 } });
  onTestFinished(() => line.close());
  const received = nextEvent(line, 'message');
  line.send({ hello: 'world' });
  expect((await received)[0]).toEqual({ hello: 'world' });
});
