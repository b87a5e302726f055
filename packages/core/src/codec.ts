import type { StandardSchemaV1 } from '@standard-schema/spec';
import { isBinary } from './byte-length.js';
import { messageOf } from './errors.js';
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
    let cause: unknown;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      cause = error;
    }
    if (text !== undefined) return text;
    // null encodes, so an object here is a real one, e.g. with a cycle
    const what =
      typeof value === 'object' ? Object.prototype.toString.call(value) : `${typeof value} ${String(value)}`;
    throw new TypeError(
      `Lifeline: cannot encode the ${what} as JSON: ${cause ? messageOf(cause) : 'JSON has no encoding for it'}`,
      cause ? { cause } : undefined,
    );
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
