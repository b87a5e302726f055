import type { BinaryData, Outgoing } from './ports.js';

/**
 * Size in bytes of what goes on the wire for `data`: UTF-8 bytes for a string (what the frame carries,
 * not the UTF-16 `.length` peers count), byte length for binary data.
 */
export function byteLength(data: Outgoing, countText: (text: string) => number = utf8Length): number {
  if (typeof data === 'string') return countText(data);
  if (isBlob(data)) return data.size;
  return data.byteLength;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the range is the point: all of ASCII
const ASCII = /^[\x00-\x7f]*$/;

/** Counts UTF-8 bytes without encoding: a lone surrogate counts as U+FFFD (3 bytes), as TextEncoder would. */
export function utf8Length(text: string): number {
  // most traffic is ASCII, where the native regex scan is far cheaper than the loop below
  if (ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) bytes += unit < 0x800 ? 1 : 2;
    // a surrogate pair is 2 UTF-16 units and 4 UTF-8 bytes: the high one counted 3, so skip the low one
    // (a lone surrogate stays at 3 bytes, as U+FFFD); NaN past the end fails the mask test
    if ((unit & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return bytes;
}

function isBlob(data: unknown): data is Blob {
  return typeof Blob === 'function' && data instanceof Blob;
}

/** True for every binary type the standard `send()` accepts: ArrayBuffer, any view, Blob. */
export function isBinary(data: unknown): data is BinaryData {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data) || isBlob(data);
}
