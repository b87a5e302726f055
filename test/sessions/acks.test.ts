import { describe, expect, test } from 'vitest';
import type { FrameDirection } from '../helpers/fault-proxy.js';
import { opened, proxiedSession, rawText } from './harness.js';

/*
 * The protocol's ack rule (issue #15): at most one ack frame per 64 completed messages or per 200 ms,
 * whichever comes first; counted on the wire by the proxy.
 */

const MESSAGES = 640;

describe.each([
  ['server→client', 'to-server'],
  ['client→server', 'to-client'],
] as const)('%s messages', (_, ackDirection: FrameDirection) => {
  test('are acknowledged with at most one ack frame per 64 messages or 200 ms', async () => {
    const { server, proxy, line, session } = await proxiedSession(rawText);
    const remote = await opened(server, line);
    const ackFrames: number[] = [];
    proxy.watchFrames(ackDirection, (frame) => {
      const text = frame.payload().toString('latin1');
      if (frame.opcode === 1 && text.startsWith('a')) ackFrames.push(Number(text.slice(1)));
    });

    const startedAt = performance.now();
    const messages = Array.from({ length: MESSAGES }, (_, index) => `m${index + 1}`);
    if (ackDirection === 'to-server') await Promise.all(messages.map((message) => remote.send(message)));
    else {
      for (const message of messages) line.send(message);
      await session.acked();
    }
    const elapsed = performance.now() - startedAt;

    expect(ackFrames.at(-1)).toBe(MESSAGES); // the last ack covers everything, cumulatively
    expect(ackFrames).toEqual([...ackFrames].sort((a, b) => a - b));
    expect(ackFrames.length).toBeLessThanOrEqual(MESSAGES / 64 + Math.ceil(elapsed / 200) + 1);
  });
});
