import { expect, onTestFinished, test } from 'vitest';
import { commands } from 'vitest/browser';
// @ts-expect-error: plain JavaScript shared with the Node.js, Bun and Deno runs, without declarations
import { rideThrough } from '../../../test/runtimes/ride-through.mjs';

/*
 * The runtime matrix in Chromium (issue #17): the client that Node.js, Bun and Deno run
 * (test/runtimes/ride-through.mjs) imports `lifeline`, which must resolve to the browser build, and
 * rides through a stopped server from a page and from a dedicated worker, which has no document.
 */

type Report = (fact: string) => void;

/** Runs the ride-through with `start`, driving the outage from here; resolves with what the server got and the facts. */
async function rideThroughOutage(start: (url: string, report: Report) => void) {
  const server = await commands.serverStart();
  onTestFinished(() => commands.serverClose(server.id));
  const facts: string[] = [];
  let onFact = () => {};
  const fact = (word: string) =>
    new Promise<string>((resolve) => {
      onFact = () => {
        const found = facts.find((each) => each.split(' ')[0] === word);
        if (found) resolve(found);
      };
      onFact();
    });
  start(server.url, (text) => {
    facts.push(text);
    onFact();
  });

  expect(await fact('build')).toBe('build browser');
  await commands.serverWaitFor(server.id, 'message', 3);
  await commands.serverStop(server.id);
  expect(await fact('queued')).toMatch(/^queued [1-9]\d*$/);
  await commands.serverListen(server.id);
  await fact('closed');
  expect(facts.filter((each) => each.startsWith('open'))).toEqual(['open 1', 'open 2']);
  const log = await commands.serverLog(server.id);
  return { received: log.flatMap((event) => (event.kind === 'message' ? [event.data] : [])), facts };
}

test('from a page: `lifeline` is the browser build and delivers what was sent during the outage once, in order', async () => {
  const { received } = await rideThroughOutage((url, report) => rideThrough(url, report));
  expect(received).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
});

test('from a dedicated worker, where there is no document: the same', async () => {
  const worker = new Worker(new URL('./one-import.worker.ts', import.meta.url), { type: 'module' });
  onTestFinished(() => worker.terminate());
  const { received, facts } = await rideThroughOutage((url, report) => {
    worker.addEventListener('message', (event: MessageEvent<string>) => report(event.data));
    worker.postMessage(url);
  });
  expect(facts[0]).toBe('document undefined');
  expect(received).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
});
