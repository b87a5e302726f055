import { Lifeline } from '@lifeline/node';
import { expect, onTestFinished, test } from 'vitest';
import { startServer } from '../helpers/server.js';

// A server that speaks first (a welcome frame) used to reach message listeners before Lifeline's own
// `open`: ws parses the first frame right after its open event, while Lifeline opened a few promise
// steps later. The standard promises `open` before any `message`, on every connection.
test('open comes before the first message on every connection, also when the server speaks first', async () => {
  const server = await startServer();
  server.wss.on('connection', (socket) => socket.send(JSON.stringify({ type: 'welcome' })));
  const line = new Lifeline(server.url, { reconnect: { minDelay: 1, maxDelay: 5 } });
  onTestFinished(() => line.close());

  const order: string[] = [];
  line.addEventListener('open', () => order.push('open'));
  line.addEventListener('message', () => order.push('message'));
  line.on('open', () => order.push('typed open'));
  line.on('message', () => order.push('typed message'));

  const connections = 20;
  for (let i = 1; i <= connections; i++) {
    await new Promise((resolve) => line.once('message', resolve));
    if (i < connections) server.drop();
  }

  const expected = Array.from({ length: connections }, () => [
    'typed open',
    'open',
    'message',
    'typed message',
  ]);
  expect(order).toEqual(expected.flat());
});
