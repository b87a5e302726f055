import { Lifeline } from '@lifeline/browser';
import { expect, onTestFinished, test } from 'vitest';
import { nextEvent, startServer, WebSocket } from '../helpers/server.js';

// server-side rendering and tests import @lifeline/browser where there is no window or document
test('@lifeline/browser works where the global scope has no event listeners and there is no document', async () => {
  expect(typeof globalThis.addEventListener).toBe('undefined');
  expect(typeof globalThis.document).toBe('undefined');
  const server = await startServer({ echo: true });
  const line = new Lifeline(server.url, { WebSocket });
  onTestFinished(() => line.close());
  const echoed = nextEvent(line, 'message');
  line.send({ hello: 'server' });
  expect((await echoed)[0]).toEqual({ hello: 'server' });
  line.close();
  expect(line.readyState).toBe(Lifeline.CLOSING);
});
