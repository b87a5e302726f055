import { type Codec, Lifeline, type StandardSchemaV1 } from '@lifeline/core';
import { describe, expect, test, vi } from 'vitest';
import * as z from 'zod';
import { catchUncaught } from '../../../test/helpers/uncaught.js';
import { fakeLine, openFakeLine } from './harness.js';

const Tick = z.object({ type: z.literal('tick'), n: z.number() });

/** A validator that answers later for messages marked `slow`, once the test has released them. */
function deferredSchema() {
  const waiting = new Map<number, () => void>();
  const released = new Set<number>();
  const schema: StandardSchemaV1<unknown, { n: number; ok?: boolean }> = {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate(value) {
        const message = value as { n: number; slow?: boolean; ok?: boolean };
        const result =
          message.ok === false ? { issues: [{ message: `n ${message.n} is not ok` }] } : { value: message };
        if (!message.slow) return result;
        if (released.has(message.n)) return Promise.resolve(result);
        return new Promise((resolve) => waiting.set(message.n, () => resolve(result)));
      },
    },
  };
  const release = (n: number) => {
    released.add(n);
    waiting.get(n)?.();
  };
  return { schema, release };
}

/** A connected Lifeline whose schema answers `slow` messages only once `release(n)` is called. */
async function connectWithDeferredSchema() {
  const { schema, release } = deferredSchema();
  return { ...(await openFakeLine({ schema })), release };
}

describe('decoding', () => {
  test('delivers decoded JSON and reports a frame that does not parse as invalid, without closing', async () => {
    const { line, socket } = await openFakeLine();
    const messages: unknown[] = [];
    const invalid: unknown[] = [];
    line.on('message', (message) => messages.push(message));
    line.on('invalid', (info) => invalid.push(info));
    socket.receive('{"a":1}');
    socket.receive('{not json');
    socket.receive('[2]');
    expect(messages).toEqual([{ a: 1 }, [2]]);
    expect(invalid).toEqual([{ data: '{not json', issues: [{ message: expect.stringContaining('JSON') }] }]);
    expect(line.readyState).toBe(Lifeline.OPEN);
  });

  test('never parses when nobody takes decoded messages, while raw message events still fire', async () => {
    const codec: Codec = { encode: JSON.stringify, decode: vi.fn((data) => JSON.parse(data as string)) };
    const { line, socket } = await openFakeLine({ codec, schema: Tick });
    const raw: unknown[] = [];
    line.addEventListener('message', (event) => raw.push(event.data));
    socket.receive('{"type":"tick","n":1}');
    socket.receive('not json');
    expect(codec.decode).not.toHaveBeenCalled();

    const invalid = vi.fn();
    line.on('invalid', invalid);
    socket.receive('not json');
    expect(codec.decode).toHaveBeenCalledTimes(1);
    expect(invalid).toHaveBeenCalledTimes(1);
    expect(raw).toEqual(['{"type":"tick","n":1}', 'not json', 'not json']);
  });

  test('a value that fails the schema is reported with its issues and not delivered', async () => {
    const { line, socket } = await openFakeLine({ schema: Tick });
    const messages: unknown[] = [];
    const invalid: Array<{ data: unknown; issues: readonly StandardSchemaV1.Issue[] }> = [];
    line.on('message', (message) => messages.push(message));
    line.on('invalid', (info) => invalid.push(info));
    socket.receive('{"type":"tick","n":"one"}');
    socket.receive('{"type":"tick","n":2}');
    expect(messages).toEqual([{ type: 'tick', n: 2 }]);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.data).toBe('{"type":"tick","n":"one"}');
    expect(invalid[0]?.issues[0]?.path).toEqual(['n']);
  });

  test('a validator that throws counts as one issue, not as a crash', async () => {
    const schema: StandardSchemaV1<unknown, unknown> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => {
          throw new Error('validator bug');
        },
      },
    };
    const { line, socket } = await openFakeLine({ schema });
    const invalid = vi.fn();
    line.on('invalid', invalid);
    socket.receive('{}');
    expect(invalid).toHaveBeenCalledWith({ data: '{}', issues: [{ message: 'validator bug' }] });
  });

  test('async validation keeps arrival order: a slow message is not overtaken', async () => {
    const { line, socket, release } = await connectWithDeferredSchema();
    const log: string[] = [];
    const done = new Promise<void>((resolve) => {
      line.on('message', ({ n }) => {
        log.push(`message ${n}`);
        if (n === 6) resolve();
      });
    });
    line.on('invalid', ({ issues }) => log.push(`invalid: ${issues[0]?.message}`));
    socket.receive('{"n":1,"slow":true}');
    socket.receive('{"n":2}');
    socket.receive('{"n":3,"slow":true,"ok":false}');
    socket.receive('oops');
    socket.receive('{"n":5,"ok":false}');
    socket.receive('{"n":6}');
    await Promise.resolve();
    expect(log).toEqual([]);
    release(3);
    await Promise.resolve();
    expect(log).toEqual([]);
    release(1);
    await done;
    expect(log).toEqual([
      'message 1',
      'message 2',
      'invalid: n 3 is not ok',
      expect.stringMatching(/^invalid: .*JSON/),
      'invalid: n 5 is not ok',
      'message 6',
    ]);
  });

  test('frames behind a slow one still arrive, in order, when a listener throws', async () => {
    const reported = catchUncaught();
    const { line, socket, release } = await connectWithDeferredSchema();
    const seen: number[] = [];
    const failure = new Error('listener failed');
    const done = new Promise<void>((resolve) => {
      line.on('message', ({ n }) => {
        seen.push(n);
        if (n === 3) resolve();
        if (n === 1) throw failure;
      });
    });
    socket.receive('{"n":1,"slow":true}');
    socket.receive('{"n":2}');
    socket.receive('{"n":3}');
    release(1);
    await done;
    expect(seen).toEqual([1, 2, 3]);
    await vi.waitFor(() => expect(reported).toEqual([failure]));
  });
});

describe('binary codec', () => {
  // a stand-in for a binary format: UTF-8 JSON in binary frames
  const utf8Json: Codec = {
    binary: true,
    encode: (value) => new TextEncoder().encode(JSON.stringify(value)),
    decode: (data) =>
      JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer)),
  };

  test('decodes binary frames, encodes values as binary, and makes binaryType arraybuffer', async () => {
    const { line, socket } = await openFakeLine({ codec: utf8Json, schema: Tick });
    expect(line.binaryType).toBe('arraybuffer');
    expect(socket.binaryType).toBe('arraybuffer');
    const received = new Promise((resolve) => line.once('message', resolve));
    socket.receive(new TextEncoder().encode('{"type":"tick","n":7}').buffer);
    expect(await received).toEqual({ type: 'tick', n: 7 });

    line.send({ type: 'tick', n: 8 });
    const frame = socket.sent.at(-1);
    expect(frame).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(frame as Uint8Array)).toBe('{"type":"tick","n":8}');
  });

  test('a binary type given explicitly wins over the codec default', () => {
    const { line } = fakeLine({ codec: utf8Json, binaryType: 'blob', autoConnect: false });
    expect(line.binaryType).toBe('blob');
  });

  test('with the JSON codec, binary frames are delivered as they are', async () => {
    const { line, socket } = await openFakeLine({ binaryType: 'arraybuffer' });
    const buffer = new ArrayBuffer(3);
    const received = new Promise((resolve) => line.once('message', resolve));
    socket.receive(buffer);
    expect(await received).toBe(buffer);
  });
});
