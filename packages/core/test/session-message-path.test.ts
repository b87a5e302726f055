import { kernel, type StandardSchemaV1 } from '@lifeline/core';
import { describe, expect, test } from 'vitest';
import { openFakeLine } from './harness.js';

/*
 * Kernel.receive's `done`, which a session's acknowledgements rest on: it must run right after the
 * payload's own path ended (its `message`, its `invalid`, or nothing), never before, in arrival order.
 */

/** Validates `{n}` at once, except `n` listed in `held`, which waits until the test calls `release()`. */
function holdingSchema(held: number[]) {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const schema: StandardSchemaV1<unknown, { n: number }> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate(value) {
        const { n } = value as { n: number };
        const result = n < 0 ? { issues: [{ message: `n ${n} is negative` }] } : { value: { n } };
        return held.includes(n) ? gate.then(() => result) : result;
      },
    },
  };
  return { schema, release };
}

describe("the message path's done callback (Kernel.receive)", () => {
  test('runs right after each payload was dispatched or reported invalid, in order, also behind an async validation', async () => {
    const { schema, release } = holdingSchema([1]);
    const { line } = await openFakeLine({ schema });
    const log: string[] = [];
    line.on('message', ({ n }) => log.push(`message ${n}`));
    line.on('invalid', ({ issues }) => log.push(`invalid: ${issues[0]?.message}`));
    const finished = new Promise<void>((resolve) => {
      kernel.receive(line, '{"n":1}', () => log.push('done 1'));
      kernel.receive(line, '{"n":-2}', () => log.push('done 2'));
      kernel.receive(line, 'not json', () => log.push('done 3'));
      kernel.receive(line, '{"n":4}', () => {
        log.push('done 4');
        resolve();
      });
    });
    await Promise.resolve();
    expect(log).toEqual([]);
    release();
    await finished;
    expect(log).toEqual([
      'message 1',
      'done 1',
      'invalid: n -2 is negative',
      'done 2',
      expect.stringMatching(/^invalid: .*JSON/),
      'done 3',
      'message 4',
      'done 4',
    ]);
  });

  test('runs at once when nothing takes decoded messages, and when the line is closed', async () => {
    const { line } = await openFakeLine();
    const log: string[] = [];
    kernel.receive(line, '{"n":1}', () => log.push('done, nobody listens'));
    line.close();
    line.on('message', () => log.push('message'));
    kernel.receive(line, '{"n":2}', () => log.push('done, closed'));
    expect(log).toEqual(['done, nobody listens', 'done, closed']);
  });
});
