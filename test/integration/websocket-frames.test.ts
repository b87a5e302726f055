import { expect, test } from 'vitest';
import { FrameScanner, parseFrame } from '../helpers/websocket-frames.js';

const head = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n');

/** A server frame (unmasked) or, with `mask`, a client frame, with a payload of `length` bytes. */
function frame(length: number, mask?: Buffer): Buffer {
  const lengthBytes =
    length < 126 ? Buffer.from([length]) : length < 65_536 ? Buffer.alloc(3) : Buffer.alloc(9);
  if (length >= 126 && length < 65_536) {
    lengthBytes[0] = 126;
    lengthBytes.writeUInt16BE(length, 1);
  } else if (length >= 65_536) {
    lengthBytes[0] = 127;
    lengthBytes.writeBigUInt64BE(BigInt(length), 1);
  }
  if (mask) lengthBytes[0] = (lengthBytes[0] as number) | 0x80;
  const payload = Buffer.alloc(length, 'a');
  if (mask) for (let index = 0; index < length; index++) payload[index] = 0x61 ^ (mask[index % 4] as number);
  return Buffer.concat([Buffer.from([0x82]), lengthBytes, mask ?? Buffer.alloc(0), payload]);
}

/** The frames the scanner finds when `stream` arrives in chunks of `size` bytes. */
function framesIn(stream: Buffer, size: number): Buffer[] {
  const scanner = new FrameScanner();
  const frames: Buffer[] = [];
  let current: Buffer[] = [];
  let total = 0;
  for (let offset = 0; offset < stream.length; offset += size) {
    for (const piece of scanner.scan(stream.subarray(offset, offset + size))) {
      total += piece.bytes.length;
      if (piece.isFrameStart) current = [];
      if (piece.isFrameStart || current.length > 0) current.push(piece.bytes);
      if (piece.isFrameEnd) {
        frames.push(Buffer.concat(current));
        current = [];
      }
    }
  }
  expect(total).toBe(stream.length); // nothing held back or made up
  return frames;
}

test('finds every frame after the upgrade, however the stream is chunked', () => {
  const mask = Buffer.from([1, 2, 3, 4]);
  const frames = [frame(0), frame(5, mask), frame(126), frame(70_000, mask), frame(125)];
  const stream = Buffer.concat([head, ...frames]);
  const base64 = (buffers: Buffer[]) => buffers.map((buffer) => buffer.toString('base64'));
  for (const size of [1, 2, 7, 1000, stream.length])
    expect(base64(framesIn(stream, size))).toEqual(base64(frames));
});

test('parses a masked frame and unmasks its payload', () => {
  const parsed = parseFrame(frame(300, Buffer.from([9, 8, 7, 6])));
  expect(parsed).toMatchObject({ opcode: 2, isFinal: true, headerLength: 8 });
  expect(parsed.payload()).toEqual(Buffer.alloc(300, 'a'));
});

test('finds no frames after a refused upgrade, nor in a stream that is not HTTP', () => {
  const refused = Buffer.concat([Buffer.from('HTTP/1.1 401 Unauthorized\r\n\r\n'), frame(5)]);
  expect(framesIn(refused, 3)).toEqual([]);
  expect(framesIn(Buffer.alloc(100_000, 0x82), 1000)).toEqual([]);
});
