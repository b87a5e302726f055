import { type Issues, Lifeline, requester, route } from '@lifeline/browser';
import { expect, inject, onTestFinished, test } from 'vitest';
import * as z from 'zod/mini';

const Note = z.object({ type: z.literal('note'), text: z.string() });

test('decodes and checks echoed frames with a zod/mini schema in Chromium; a bad one is reported', async () => {
  const line = new Lifeline(inject('wsUrl'), { schema: Note, reconnect: { minDelay: 1 } });
  onTestFinished(() => line.close());
  const texts: string[] = [];
  const invalid: Array<{ data: unknown; issues: Issues }> = [];
  line.on('invalid', (info) => invalid.push(info));
  const done = new Promise<void>((resolve) =>
    route(line, 'note', (note) => texts.push(note.text) === 2 && resolve()),
  );
  line.send({ type: 'note', text: 'one' });
  line.send('{"type":"note","text":2}');
  line.send({ type: 'note', text: 'three' });
  await done;
  expect(texts).toEqual(['one', 'three']);
  expect(invalid.map(({ data }) => data)).toEqual(['{"type":"note","text":2}']);
  expect(line.readyState).toBe(Lifeline.OPEN);
});

test('a request is answered through the echo: the echoed request carries its own id', async () => {
  const line = new Lifeline(inject('wsUrl'), { reconnect: { minDelay: 1 } });
  onTestFinished(() => line.close());
  const rpc = requester(line, { key: 'ref', id: () => 'browser-1' });
  await expect(rpc.request({ ask: 'echo' })).resolves.toEqual({ ask: 'echo', ref: 'browser-1' });
});
