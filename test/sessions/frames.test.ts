import { describe, expect, test } from 'vitest';
import type { FrameDirection, FrameFault } from '../helpers/fault-proxy.js';
import { describeVerdict, HistoryRecorder } from '../helpers/history.js';
import { opened, proxiedSession, rawText, recordEvents } from './harness.js';

/*
 * Guarantee 8 of issue #15: a duplicated, skipped or reordered data frame, injected by the proxy in
 * either direction, is detected and handled (a copy is ignored; a gap closes with 4500 and the session
 * resumes), never delivered: the history checker decides.
 */

const MESSAGES = ['m1', 'm2', 'm3', 'm4', 'm5'];
/** Data frame seq 3 of the session protocol: `d3 <ack>\n…`. */
const isData = (frame: { payload(): Buffer }) => frame.payload()[0] === 0x64; // 'd'
const thirdDataFrame = (frame: { payload(): Buffer }) => frame.payload().toString('latin1').startsWith('d3 ');

/** Runs five messages in `direction` through the proxy with `fault` on the third: what happened. */
async function withFault(fault: FrameFault, direction: FrameDirection) {
  const history = new HistoryRecorder();
  const { server, proxy, line, session } = await proxiedSession({
    ...rawText,
    handler: (message) => history.deliver(message as string),
  });
  if (direction === 'to-client') line.on('message', (message) => history.deliver(message as string));
  const events = recordEvents(line, ['resumed', 'reset']);
  const closeCodes: number[] = [];
  server.on('detached', ({ code }) => closeCodes.push(code));
  const serverInvalid: string[] = [];
  server.on('invalid', ({ problem }) => serverInvalid.push(problem));
  const remote = await opened(server, line);

  // a reorder sends frame 3 after the next data frame, not after an ack or a pong between them
  const applied = proxy.injectFrameFault(fault, { direction, match: thirdDataFrame, after: isData });
  for (const message of MESSAGES) history.accept(message);
  if (direction === 'to-client') await Promise.all(MESSAGES.map((message) => remote.send(message)));
  else {
    for (const message of MESSAGES) line.send(message);
    await session.acked();
  }
  await applied;
  return {
    verdict: history.check({ isDrained: true }),
    events: events.map(({ name }) => name),
    closeCodes,
    serverInvalid,
  };
}

describe.each(['to-client', 'to-server'] as const)('%s', (direction) => {
  // the server reports the gap it detects, once: the frames behind it on the closing connection are not news
  const gapsReported = direction === 'to-server' ? 1 : 0;

  test('a duplicated frame is recognised as a copy and not delivered again', async () => {
    const { verdict, events } = await withFault('duplicate', direction);
    expect(verdict.ok, describeVerdict(verdict)).toBe(true);
    expect(events).not.toContain('reset');
  });

  test('a skipped frame is a gap: the connection closes with 4500 and the session resumes', async () => {
    const { verdict, events, closeCodes, serverInvalid } = await withFault('skip', direction);
    expect(verdict.ok, describeVerdict(verdict)).toBe(true);
    expect(events).toEqual(['resumed']);
    expect(closeCodes).toEqual([4500]);
    expect(serverInvalid.length, serverInvalid.join('; ')).toBe(gapsReported);
  });

  test('a reordered frame is a gap: the connection closes with 4500 and the session resumes', async () => {
    const { verdict, events, closeCodes, serverInvalid } = await withFault('reorder', direction);
    expect(verdict.ok, describeVerdict(verdict)).toBe(true);
    expect(events).toEqual(['resumed']);
    expect(closeCodes).toEqual([4500]);
    expect(serverInvalid.length, serverInvalid.join('; ')).toBe(gapsReported);
  });
});
