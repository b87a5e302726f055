import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { byteLength, isBinary, utf8Length } from '../src/byte-length.js';

const encoder = new TextEncoder();

describe('utf8Length', () => {
  test.each([
    ['', 0],
    ['hello', 5],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['a😀é€', 10],
    // a lone surrogate is encoded as U+FFFD: 3 bytes
    ['\ud800', 3],
    ['\udc00x', 4],
  ])('%j is %i bytes', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
    expect(utf8Length(text)).toBe(encoder.encode(text).length);
  });

  test('equals what TextEncoder produces for any string, lone surrogates included', () => {
    // any sequence of UTF-16 code units: paired and lone surrogates, ASCII, BMP (fast-check's 'binary'
    // unit costs seconds to set up)
    const utf16 = fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 64 })
      .map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(utf16, (text) => utf8Length(text) === encoder.encode(text).length),
      { numRuns: 500 },
    );
  });
});

describe('byteLength', () => {
  test('counts UTF-8 bytes for text, not UTF-16 units', () => {
    expect(byteLength('héllo')).toBe(6);
  });

  test('counts bytes for every binary type the standard send() takes', () => {
    const buffer = new ArrayBuffer(16);
    expect(byteLength(buffer)).toBe(16);
    expect(byteLength(new Uint8Array(buffer, 4, 8))).toBe(8);
    expect(byteLength(new Float64Array(3))).toBe(24);
    expect(byteLength(new DataView(buffer, 2, 5))).toBe(5);
    expect(byteLength(new Blob(['héllo']))).toBe(6);
  });
});

describe('isBinary', () => {
  test('accepts ArrayBuffer, views and Blob', () => {
    for (const value of [
      new ArrayBuffer(1),
      new Uint16Array(1),
      new DataView(new ArrayBuffer(1)),
      new Blob(),
    ]) {
      expect(isBinary(value)).toBe(true);
    }
  });

  test('rejects everything else', () => {
    for (const value of ['text', 1, null, undefined, {}, [1, 2], { byteLength: 3 }]) {
      expect(isBinary(value)).toBe(false);
    }
  });
});
