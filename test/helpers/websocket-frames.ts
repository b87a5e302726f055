/*
 * Finds the WebSocket frames (RFC 6455 §5.2) in one direction of a TCP stream, so the fault proxy can
 * act on whole frames: duplicate, drop or swap one, or cut in the middle of one. The bytes up to the end
 * of the HTTP upgrade are passed as they are; a response other than 101 means no frames follow.
 */

/** A complete frame as it was on the wire, with its payload unmasked for matching. */
export interface WebSocketFrame {
  /** The frame's bytes exactly as they travelled (still masked, client to server). */
  readonly bytes: Buffer;
  /** 1 text, 2 binary, 0 continuation, 8 close, 9 ping, 10 pong. */
  readonly opcode: number;
  /** The last frame of its message. */
  readonly isFinal: boolean;
  /** Where the payload starts in `bytes`. */
  readonly headerLength: number;
  /** The payload, unmasked (compressed if the connection negotiated permessage-deflate). */
  payload(): Buffer;
}

/** A run of bytes from the stream: part of a frame, or bytes outside any frame. */
export interface Piece {
  readonly bytes: Buffer;
  /** True when this run starts a frame (it holds the whole header). */
  readonly isFrameStart: boolean;
  /** True when this run ends a frame. */
  readonly isFrameEnd: boolean;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

/** Splits one direction of a stream into pieces along frame boundaries, without holding payload back. */
export class FrameScanner {
  #phase: 'http' | 'frames' | 'raw' = 'http';
  #head = Buffer.alloc(0); // bytes of an HTTP head or a frame header not yet complete
  #payloadLeft = 0; // payload bytes of the current frame still to come

  /** Pieces of `chunk`, in order; a frame header split across chunks is held until it is whole. */
  scan(chunk: Buffer): Piece[] {
    const pieces: Piece[] = [];
    let rest = chunk;
    while (rest.length > 0) {
      if (this.#phase === 'raw') {
        pieces.push({ bytes: rest, isFrameStart: false, isFrameEnd: false });
        break;
      }
      if (this.#phase === 'http') {
        rest = this.#scanHttp(rest, pieces);
        continue;
      }
      if (this.#payloadLeft > 0) {
        const taken = rest.subarray(0, this.#payloadLeft);
        this.#payloadLeft -= taken.length;
        pieces.push({ bytes: taken, isFrameStart: false, isFrameEnd: this.#payloadLeft === 0 });
        rest = rest.subarray(taken.length);
        continue;
      }
      const head = this.#head.length > 0 ? Buffer.concat([this.#head, rest]) : rest;
      const length = headerLength(head);
      if (length === undefined || head.length < length) {
        this.#head = Buffer.from(head);
        break;
      }
      const fromRest = length - this.#head.length; // header bytes that came in this chunk
      this.#head = Buffer.alloc(0);
      const payloadLength = readPayloadLength(head);
      const taken = Math.min(payloadLength, head.length - length);
      this.#payloadLeft = payloadLength - taken;
      pieces.push({
        bytes: Buffer.from(head.subarray(0, length + taken)),
        isFrameStart: true,
        isFrameEnd: this.#payloadLeft === 0,
      });
      rest = rest.subarray(fromRest + taken);
    }
    return pieces;
  }

  /** Passes the HTTP head on as it comes (a stream that is not HTTP passes untouched), watching for its end. */
  #scanHttp(rest: Buffer, pieces: Piece[]): Buffer {
    const seenBefore = this.#head.length;
    const seen = Buffer.concat([this.#head, rest]);
    const end = seen.indexOf(HEADER_END);
    if (end === -1) {
      // a head this long is no upgrade: the stream is something else
      this.#head = seen.length > MAX_HEAD ? Buffer.alloc(0) : seen;
      if (seen.length > MAX_HEAD) this.#phase = 'raw';
      pieces.push({ bytes: rest, isFrameStart: false, isFrameEnd: false });
      return Buffer.alloc(0);
    }
    const headLength = end + HEADER_END.length;
    const firstLine = seen.subarray(0, seen.indexOf('\r\n')).toString('latin1');
    // a request is followed by frames once the server agrees; a response only if it is a 101
    this.#phase = firstLine.startsWith('HTTP/') && !/^HTTP\/1\.1 101 /.test(firstLine) ? 'raw' : 'frames';
    this.#head = Buffer.alloc(0);
    pieces.push({ bytes: rest.subarray(0, headLength - seenBefore), isFrameStart: false, isFrameEnd: false });
    return rest.subarray(headLength - seenBefore);
  }
}

/** Parses a complete frame held in `bytes` (as assembled from pieces). */
export function parseFrame(bytes: Buffer): WebSocketFrame {
  const length = headerLength(bytes) as number;
  const isMasked = ((bytes[1] as number) & 0x80) !== 0;
  return {
    bytes,
    opcode: (bytes[0] as number) & 0x0f,
    isFinal: ((bytes[0] as number) & 0x80) !== 0,
    headerLength: length,
    payload() {
      const payload = Buffer.from(bytes.subarray(length));
      if (!isMasked) return payload;
      const key = bytes.subarray(length - 4, length);
      for (let index = 0; index < payload.length; index++) {
        payload[index] = (payload[index] as number) ^ (key[index % 4] as number);
      }
      return payload;
    },
  };
}

/** The header's length once its first two bytes are known, else undefined. */
function headerLength(bytes: Buffer): number | undefined {
  if (bytes.length < 2) return undefined;
  const second = bytes[1] as number;
  const lengthField = second & 0x7f;
  const extended = lengthField === 126 ? 2 : lengthField === 127 ? 8 : 0;
  return 2 + extended + (second & 0x80 ? 4 : 0);
}

function readPayloadLength(header: Buffer): number {
  const lengthField = (header[1] as number) & 0x7f;
  if (lengthField === 126) return header.readUInt16BE(2);
  if (lengthField === 127) return Number(header.readBigUInt64BE(2));
  return lengthField;
}
