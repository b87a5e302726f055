import type { StandardSchemaV1 } from '@standard-schema/spec';
import { isBinary } from './byte-length.js';
import type { BinaryData, Outgoing } from './ports.js';
import { checkOutgoing } from './schema.js';

/**
 * Turns application values into frames and frames into values. Pass one as the `codec` option to replace
 * JSON, e.g. with a binary format.
 */
export interface Codec {
  /** Encodes a value that is not already a string or binary data; throws `TypeError` for values it cannot take. */
  encode(value: unknown): Outgoing;
  /** Decodes a text frame (and a binary frame when `binary` is true); throws on malformed input. */
  decode(data: string | BinaryData): unknown;
  /**
   * Whether binary frames go through `decode` too; otherwise they are delivered as they are. A binary
   * codec gets an `ArrayBuffer` unless `binaryType` says otherwise.
   */
  readonly binary?: boolean;
}

/** The default codec: JSON text frames. */
export const jsonCodec: Codec = {
  encode(value) {
    // JSON.stringify returns undefined for undefined, functions and symbols, and throws for BigInt and cycles
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (cause) {
      throw new TypeError(
        `Lifeline: cannot encode the ${describe(value)} as JSON: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (text === undefined)
      throw new TypeError(`Lifeline: cannot send ${describe(value)}: JSON has no encoding for it`);
    return text;
  },
  decode: (data) => JSON.parse(data as string),
};

/**
 * Encodes what `send()` was given: strings and binary data are frames already and go as they are;
 * anything else is checked by `sendSchema` (when given) and encoded by the codec.
 * @throws TypeError for a value the schema rejects or the codec cannot encode
 */
export function toFrame(value: unknown, codec: Codec, sendSchema: StandardSchemaV1 | undefined): Outgoing {
  if (typeof value === 'string' || isBinary(value)) return value;
  return codec.encode(sendSchema ? checkOutgoing(sendSchema, value) : value);
}

function describe(value: unknown): string {
  if (value === null) return 'value null';
  if (typeof value === 'object') return `object ${Object.prototype.toString.call(value)}`;
  return `${typeof value} ${String(value)}`;
}
