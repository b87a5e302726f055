import type { StoredMessage } from '@lifeline/server';

/*
 * A message in the outbound list is its payload's bytes after a one-byte tag: `t` for text (UTF-8),
 * `b` for binary. Raw bytes rather than base64: Redis strings are binary-safe, node-redis sends Buffers
 * as they are and returns them when asked (RESP_TYPES.BLOB_STRING → Buffer), and base64 would cost a
 * third more memory and an encode and a decode per message.
 */

const TEXT = 0x74; // 't'
const BINARY = Buffer.from('b');

/** The list element for `data`. */
export function encodePayload(data: string | Uint8Array): string | Buffer {
  if (typeof data === 'string') return `t${data}`;
  return Buffer.concat([BINARY, data]);
}

/**
 * The message stored as `element` under `seq`.
 * @throws TypeError when the element has neither tag (not written by this store)
 */
export function decodePayload(seq: number, element: Buffer): StoredMessage {
  const tag = element[0];
  const payload = element.subarray(1);
  if (tag === TEXT) return { seq, data: payload.toString('utf8'), bytes: payload.byteLength };
  if (tag === BINARY[0]) return { seq, data: payload, bytes: payload.byteLength };
  throw new TypeError(`RedisSessionStore: outbound message ${seq} has an unknown tag ${String(tag)}`);
}
