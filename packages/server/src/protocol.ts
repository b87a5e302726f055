/*
 * The frames of `lifeline.session.v1` as the server reads and writes them (docs/protocol.md). Every frame
 * starts with a one-letter type; sequence numbers are decimal integers, 0 meaning "none yet".
 */

/** The WebSocket subprotocol a session client offers and the server selects. */
export const SESSION_PROTOCOL = 'lifeline.session.v1';

/** Close codes the server uses (docs/protocol.md). */
export const CloseCode = {
  /** The server ended the session (`session.close()`), or the client ended it with an end frame. */
  ended: 1000,
  /** The server closed without draining. */
  goingAway: 1001,
  /** The store failed: the client resumes and the store decides what survived. */
  storeFailed: 1011,
  /** The node is draining: resume elsewhere at once. */
  draining: 1012,
  /** A malformed frame or a protocol violation. */
  malformed: 4400,
  /** A newer connection took the session over, or the node was fenced. */
  takenOver: 4409,
  /** A sequence gap (a skipped or reordered frame). */
  gap: 4500,
} as const;

/** The first frame of every connection, from the client. */
export interface Hello {
  readonly sid: string | null;
  /** The highest server seq the client has completed. */
  readonly rx: number;
  readonly gen: string | null;
}

/** A frame from the client, parsed; `malformed` carries what was wrong, for the `invalid` event. */
export type ClientFrame =
  | { readonly type: 'hello'; readonly hello: Hello }
  | {
      readonly type: 'data';
      readonly seq: number;
      readonly ack: number;
      readonly payload: string | Buffer;
      readonly isBinary: boolean;
      /** Payload bytes, header excluded (what windows count). */
      readonly bytes: number;
    }
  | { readonly type: 'ack'; readonly ack: number }
  | { readonly type: 'ping' | 'pong'; readonly id: string }
  /** The client's final `close()`: the session ends (a close without it only detaches). */
  | { readonly type: 'end' }
  | { readonly type: 'malformed'; readonly problem: string };

const DIGIT_0 = 0x30;
const NEWLINE = 0x0a;
const SPACE = 0x20;
// 'd' + two 16-digit numbers + space + newline: anything longer cannot be a header
const MAX_HEADER = 36;

/** Reads a decimal at `start` up to `end` (exclusive); -1 unless all digits, no leading zero, safe. */
function decimal(bytes: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 16 || (bytes[start] === DIGIT_0 && end - start > 1)) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = (bytes[i] as number) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return Number.isSafeInteger(value) ? value : -1;
}

function parseData(bytes: Buffer, isBinary: boolean): ClientFrame {
  const limit = Math.min(bytes.length, MAX_HEADER);
  const newline = bytes.indexOf(NEWLINE);
  if (newline < 0 || newline >= limit)
    return { type: 'malformed', problem: 'a data frame without a header line' };
  const space = bytes.indexOf(SPACE);
  if (space < 0 || space > newline) return { type: 'malformed', problem: 'a data header without an ack' };
  const seq = decimal(bytes, 1, space);
  const ack = decimal(bytes, space + 1, newline);
  if (seq < 1 || ack < 0) return { type: 'malformed', problem: 'a data header with a bad seq or ack' };
  const body = bytes.subarray(newline + 1);
  return {
    type: 'data',
    seq,
    ack,
    payload: isBinary ? body : body.toString('utf8'),
    isBinary,
    bytes: body.length,
  };
}

function parseHello(text: string): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { type: 'malformed', problem: 'a hello that is not JSON' };
  }
  const hello = value as Record<string, unknown> | null;
  if (typeof hello !== 'object' || hello === null || hello.v !== 1) {
    return { type: 'malformed', problem: 'a hello without "v": 1' };
  }
  const { sid = null, rx, gen = null } = hello;
  const isToken = (token: unknown) => token === null || typeof token === 'string';
  if (!isToken(sid) || !isToken(gen) || !Number.isSafeInteger(rx) || (rx as number) < 0) {
    return { type: 'malformed', problem: 'a hello with a bad sid, rx or gen' };
  }
  return { type: 'hello', hello: { sid: sid as string | null, rx: rx as number, gen: gen as string | null } };
}

/** Parses one WebSocket message from a session client (ws hands text frames over as bytes too). */
export function parseClientFrame(bytes: Buffer, isBinary: boolean): ClientFrame {
  const type = bytes[0];
  if (type === 0x64) return parseData(bytes, isBinary); // d
  if (isBinary) return { type: 'malformed', problem: 'a binary frame that is not data' };
  if (type === 0x61) {
    const ack = decimal(bytes, 1, bytes.length); // a
    return ack < 0 ? { type: 'malformed', problem: 'an ack with a bad number' } : { type: 'ack', ack };
  }
  if (type === 0x70 || type === 0x71) {
    // p / q: the id is echoed, so it must be a plain decimal (or nothing)
    const id = bytes.toString('latin1', 1);
    if (id !== '' && decimal(bytes, 1, bytes.length) < 0)
      return { type: 'malformed', problem: 'a ping with a bad id' };
    return { type: type === 0x70 ? 'ping' : 'pong', id };
  }
  if (type === 0x68) return parseHello(bytes.toString('utf8', 1)); // h
  if (type === 0x65) {
    return bytes.length === 1
      ? { type: 'end' }
      : { type: 'malformed', problem: 'an end frame with a payload' }; // e
  }
  return { type: 'malformed', problem: 'an unknown frame type' };
}

/** What a welcome tells the client. */
export interface Welcome {
  readonly sid: string;
  readonly resumed: boolean;
  readonly reason?: string;
  readonly epoch: number;
  readonly gen: string;
  readonly rx: number;
  readonly ttl: number;
  readonly window: { readonly messages: number; readonly bytes: number };
}

/** The welcome frame's text. */
export function welcomeFrame(welcome: Welcome): string {
  return `w${JSON.stringify(welcome)}`;
}

/** A data frame: text for a string payload, a binary frame with the same ASCII header otherwise. */
export function dataFrame(seq: number, ack: number, payload: string | Uint8Array): string | Buffer {
  const header = `d${seq} ${ack}\n`;
  if (typeof payload === 'string') return header + payload;
  return Buffer.concat([Buffer.from(header, 'latin1'), payload]);
}
