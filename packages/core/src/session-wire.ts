import type { Outgoing } from './ports.js';

/*
 * The frames of the session protocol `lifeline.session.v1` (docs/protocol.md): building the client's and
 * parsing the server's. Pure functions: what a frame means for the session is decided in session.ts.
 */

/** The subprotocol a session offers first; a server that does not select it is not a session server. */
export const SESSION_PROTOCOL = 'lifeline.session.v1';

/** The server's answer to a hello, checked field by field. */
export interface Welcome {
  readonly sid: string;
  readonly resumed: boolean;
  readonly reason: string | undefined;
  readonly epoch: number;
  readonly gen: string;
  /** The highest client sequence number the server has completed. */
  readonly rx: number;
  /** Milliseconds: how long the server keeps a detached session (a hint). */
  readonly ttl: number;
  readonly window: { readonly messages: number; readonly bytes: number };
}

/** A server frame, parsed; `malformed` says what is wrong with one that does not parse. */
export type ServerFrame =
  | { readonly type: 'welcome'; readonly welcome: Welcome }
  | { readonly type: 'data'; readonly seq: number; readonly ack: number; readonly payload: Outgoing }
  | { readonly type: 'ack'; readonly ack: number }
  | { readonly type: 'ping'; readonly id: string }
  | { readonly type: 'pong' }
  | { readonly type: 'malformed'; readonly why: string };

// a data header is `d<seq> <ack>\n`: two numbers of at most 16 digits, so a newline further in is no header
const MAX_HEADER = 40;
const NEWLINE = 10;
const DIGITS = /^\d{1,16}$/;

/** The first frame on every connection: `sid` null starts a session; `rx` acknowledges what completed here. */
export function helloFrame(sid: string | null, rx: number, gen: string | null): string {
  return `h${JSON.stringify({ v: 1, sid, rx, gen })}`;
}

/**
 * The end of the session, sent by the line's final `close()` just before the close frame: only this ends
 * a session on the server; a close of any code without it only detaches the session (its ttl starts).
 */
export const END_FRAME = 'e';

/** A cumulative acknowledgement: every server sequence number up to `ack` has completed here. */
export function ackFrame(ack: number): string {
  return `a${ack}`;
}

/**
 * A data frame: the header `d<seq> <ack>\n`, then the payload. Text stays text; binary data becomes one
 * binary frame whose first bytes are the same ASCII header.
 */
export function dataFrame(seq: number, ack: number, payload: Outgoing): Outgoing {
  const header = `d${seq} ${ack}\n`;
  if (typeof payload === 'string') return header + payload;
  const head = new Uint8Array(header.length);
  for (let i = 0; i < header.length; i++) head[i] = header.charCodeAt(i);
  // a Blob cannot be read synchronously; the platform sends the joined Blob as one binary frame
  if (!(payload instanceof ArrayBuffer) && !ArrayBuffer.isView(payload)) return new Blob([head, payload]);
  const body = ArrayBuffer.isView(payload)
    ? new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)
    : new Uint8Array(payload);
  const frame = new Uint8Array(head.length + body.length);
  frame.set(head);
  frame.set(body, head.length);
  return frame;
}

/** Parses a frame from the server: text by its first letter, binary as a data frame. */
export function parseServerFrame(data: unknown): ServerFrame {
  if (typeof data !== 'string') return parseBinaryData(data);
  switch (data[0]) {
    case 'd': {
      const end = data.indexOf('\n');
      if (end < 0 || end > MAX_HEADER) return malformed('a data frame without its header line');
      return dataOf(data.slice(1, end), data.slice(end + 1));
    }
    case 'a': {
      const ack = data.slice(1);
      return DIGITS.test(ack) ? { type: 'ack', ack: Number(ack) } : malformed(`a bad ack '${clip(data)}'`);
    }
    case 'p':
      return { type: 'ping', id: data.slice(1, MAX_HEADER) };
    case 'q':
      return { type: 'pong' };
    case 'w':
      return parseWelcome(data.slice(1));
    default:
      return malformed(`an unknown frame '${clip(data)}'`);
  }
}

function parseBinaryData(data: unknown): ServerFrame {
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : undefined;
  if (bytes === undefined)
    return malformed('a binary frame that is not an ArrayBuffer (is binaryType blob?)');
  const end = bytes.subarray(0, MAX_HEADER + 1).indexOf(NEWLINE);
  if (bytes[0] !== 0x64 || end < 0) return malformed('a binary frame without a data header');
  const header = String.fromCharCode(...bytes.subarray(1, end));
  // the payload keeps the type the platform delivers: an ArrayBuffer, or a Buffer under 'nodebuffer'
  const payload = data instanceof ArrayBuffer ? data.slice(end + 1) : (data as Uint8Array).subarray(end + 1);
  return dataOf(header, payload);
}

/** `<seq> <ack>` and the payload, as a data frame: seq ≥ 1, ack ≥ 0, both decimal. */
function dataOf(header: string, payload: Outgoing): ServerFrame {
  const space = header.indexOf(' ');
  const seq = header.slice(0, space);
  const ack = header.slice(space + 1);
  if (space < 0 || !DIGITS.test(seq) || !DIGITS.test(ack) || Number(seq) < 1) {
    return malformed(`a bad data header 'd${clip(header)}'`);
  }
  return { type: 'data', seq: Number(seq), ack: Number(ack), payload };
}

function parseWelcome(json: string): ServerFrame {
  let welcome: Record<string, unknown>;
  try {
    welcome = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return malformed('a welcome that is not JSON');
  }
  if (welcome === null || typeof welcome !== 'object') return malformed('a welcome that is not an object');
  const { sid, resumed, reason, epoch, gen, rx, ttl, window } = welcome;
  const windowOf = (window ?? {}) as Record<string, unknown>;
  const bad =
    (typeof sid !== 'string' || sid === '' ? 'sid' : undefined) ??
    (typeof resumed !== 'boolean' ? 'resumed' : undefined) ??
    (reason !== undefined && typeof reason !== 'string' ? 'reason' : undefined) ??
    (!isCount(epoch) ? 'epoch' : undefined) ??
    (typeof gen !== 'string' ? 'gen' : undefined) ??
    (!isCount(rx) ? 'rx' : undefined) ??
    (!isCount(ttl) ? 'ttl' : undefined) ??
    (!isCount(windowOf.messages) || windowOf.messages === 0 ? 'window.messages' : undefined) ??
    (!isCount(windowOf.bytes) || windowOf.bytes === 0 ? 'window.bytes' : undefined);
  if (bad !== undefined) return malformed(`a welcome with a bad '${bad}'`);
  return {
    type: 'welcome',
    welcome: {
      sid: sid as string,
      resumed: resumed as boolean,
      reason: reason as string | undefined,
      epoch: epoch as number,
      gen: gen as string,
      rx: rx as number,
      ttl: ttl as number,
      window: { messages: windowOf.messages as number, bytes: windowOf.bytes as number },
    },
  };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function malformed(why: string): ServerFrame {
  return { type: 'malformed', why };
}

/** A frame's start, for messages: never a whole payload. */
function clip(text: string): string {
  return text.length > 24 ? `${text.slice(0, 24)}…` : text;
}

/** A session id as events and errors show it: its first 4 characters and `…` (ids are bearer secrets). */
export function maskId(sid: string | null): string {
  return sid === null ? '' : `${sid.slice(0, 4)}…`;
}

/** A welcome's session id is a secret: an `invalid` event shows a bad welcome with the id masked. */
export function maskWelcomeId(data: unknown): unknown {
  return typeof data === 'string' && data[0] === 'w'
    ? data.replace(/("sid"\s*:\s*")([^"]{0,4})[^"]*"/, '$1$2…"')
    : data;
}

/**
 * Why a welcome that says `resumed` does not fit the session the client holds (its id and generation, and
 * the client sequence numbers between what the server acknowledged and what was sent), if it does not:
 * a resume across a hole is never taken.
 */
export function resumeMismatch(
  welcome: Welcome,
  sid: string | null,
  gen: string | null,
  { acked, sent }: { readonly acked: number; readonly sent: number },
): string | undefined {
  if (sid === null) return 'no session was asked for';
  if (welcome.sid !== sid) return 'another session id';
  if (welcome.gen !== gen) return 'another store generation';
  if (welcome.rx < acked || welcome.rx > sent) return `its rx ${welcome.rx} is outside ${acked}..${sent}`;
  return undefined;
}
