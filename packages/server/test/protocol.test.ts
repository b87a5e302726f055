import { describe, expect, test } from 'vitest';
import { dataFrame, parseClientFrame } from '../src/protocol.js';

const text = (frame: string) => parseClientFrame(Buffer.from(frame), false);

describe('parseClientFrame', () => {
  test('reads a text data frame: seq, ack, payload and its UTF-8 size', () => {
    expect(text('d12 7\n{"é":1}')).toEqual({
      type: 'data',
      seq: 12,
      ack: 7,
      payload: '{"é":1}',
      isBinary: false,
      bytes: 8,
    });
  });

  test('reads a binary data frame behind the same ASCII header', () => {
    const frame = Buffer.concat([Buffer.from('d1 0\n'), Buffer.from([0, 10, 255])]);
    expect(parseClientFrame(frame, true)).toEqual({
      type: 'data',
      seq: 1,
      ack: 0,
      payload: Buffer.from([0, 10, 255]),
      isBinary: true,
      bytes: 3,
    });
  });

  test('reads hello, ack, ping and pong', () => {
    expect(text('h{"v":1,"sid":null,"rx":0,"gen":null}')).toEqual({
      type: 'hello',
      hello: { sid: null, rx: 0, gen: null },
    });
    expect(text('a64')).toEqual({ type: 'ack', ack: 64 });
    expect(text('p')).toEqual({ type: 'ping', id: '' });
    expect(text('p42')).toEqual({ type: 'ping', id: '42' });
    expect(text('q42')).toEqual({ type: 'pong', id: '42' });
    expect(text('e')).toEqual({ type: 'end' });
  });

  test.each([
    ['d0 0\nx', /bad seq/],
    ['d01 0\nx', /bad seq/],
    ['d1 -1\nx', /bad seq or ack/],
    ['d1 0', /without a header line/],
    ['d1\nx', /without an ack/],
    ['d99999999999999999 0\nx', /./],
    ['a', /ack with a bad number/],
    ['a1x', /ack with a bad number/],
    ['pabc', /ping with a bad id/],
    ['h{"v":2,"sid":null,"rx":0}', /"v": 1/],
    ['h{"v":1,"sid":5,"rx":0}', /bad sid/],
    ['h{"v":1,"sid":null,"rx":-1}', /bad sid, rx/],
    ['h{oops', /not JSON/],
    ['', /unknown frame type/],
    ['x', /unknown frame type/],
    ['e1', /end frame with a payload/],
  ])('%j is malformed', (frame, problem) => {
    const parsed = text(frame);
    expect(parsed.type).toBe('malformed');
    expect(parsed.type === 'malformed' && parsed.problem).toMatch(problem);
  });

  test('a binary frame must be data', () => {
    expect(parseClientFrame(Buffer.from('a1'), true)).toMatchObject({ type: 'malformed' });
  });
});

describe('dataFrame', () => {
  test('puts the header before a text payload, and before binary bytes in one buffer', () => {
    expect(dataFrame(3, 2, 'hi')).toBe('d3 2\nhi');
    expect(dataFrame(1, 0, new Uint8Array([1, 2]))).toEqual(
      Buffer.from([0x64, 0x31, 0x20, 0x30, 0x0a, 1, 2]),
    );
  });
});
