import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Codec } from './codec.js';
import type { BinaryData } from './ports.js';
import { failure, type Issues, isPromise, validate } from './schema.js';

type Result = StandardSchemaV1.Result<unknown>;

/** A pending request taking a decoded frame: checked against its own schema instead of the Lifeline's. */
export interface Claim {
  readonly schema: StandardSchemaV1 | undefined;
  resolve(value: unknown): void;
  reject(issues: Issues): void;
}

/** What request.ts hooks into a Lifeline's inbound path while requests are pending. */
export interface Tap {
  /** Looks at a decoded frame before the schema and `on('message')`; returns a claim to take it. */
  claim(value: unknown): Claim | undefined;
  /** The open connection is gone: what it carried will get no response on it. */
  lost(): void;
}

export interface InboundOptions {
  readonly codec: Codec;
  readonly schema: StandardSchemaV1 | undefined;
  /** Never throws: Lifeline reports a throwing listener out of band. */
  readonly deliver: (value: unknown) => void;
  /** Never throws, as `deliver`. */
  readonly invalid: (data: unknown, issues: Issues) => void;
}

/**
 * The inbound path after the standard `message` event: frame → codec → claim (pending requests) →
 * schema → deliver, or `invalid`. Arrival order is kept: while an async validation is pending, later
 * frames wait behind it, even those whose own validation would be instant.
 */
export class Inbound {
  /** Taps of requesters with pending requests, tried in order; replaced, never changed in place. */
  taps: readonly Tap[] = [];
  /** Connections opened so far: 1 while the first is open, 2 from the second on. */
  connection = 0;
  /** Whether `connection` is open; false from the moment its socket is detached. */
  isConnected = false;
  readonly #options: InboundOptions;
  // frames that arrived while an async validation was pending, in order; #head is the next to process
  #backlog: unknown[] = [];
  #head = 0;
  #isWaiting = false;

  constructor(options: InboundOptions) {
    this.#options = options;
  }

  /** True while frames must be decoded even with no listener: requests are pending, or frames wait. */
  get isActive(): boolean {
    return this.taps.length > 0 || this.#isWaiting || this.#head < this.#backlog.length;
  }

  /** A connection opened; called before the queue is flushed into it. */
  connected(): void {
    this.connection++;
    this.isConnected = true;
  }

  /** The open connection's socket was detached. */
  disconnected(): void {
    if (!this.isConnected) return;
    this.isConnected = false;
    for (const tap of this.taps) tap.lost();
  }

  push(data: unknown): void {
    if (this.#isWaiting || this.#head < this.#backlog.length) this.#backlog.push(data);
    else this.#process(data);
  }

  #process(data: unknown): void {
    const { codec } = this.#options;
    let value = data;
    // binary frames bypass a text-only codec, as they are
    if (typeof data === 'string' || codec.binary) {
      try {
        value = codec.decode(data as string | BinaryData);
      } catch (error) {
        this.#options.invalid(data, failure(error).issues);
        return;
      }
    }
    let claim: Claim | undefined;
    for (const tap of this.taps) {
      claim = tap.claim(value);
      if (claim) break;
    }
    const schema = claim ? claim.schema : this.#options.schema;
    if (!schema) {
      this.#settle(data, { value }, claim);
      return;
    }
    const result = validate(schema, value);
    if (!isPromise(result)) {
      this.#settle(data, result, claim);
      return;
    }
    this.#isWaiting = true;
    result.then(undefined, failure).then((settled) => {
      this.#isWaiting = false;
      this.#settle(data, settled, claim);
      this.#resume();
    });
  }

  #settle(data: unknown, result: Result, claim: Claim | undefined): void {
    if (result.issues) {
      this.#options.invalid(data, result.issues);
      claim?.reject(result.issues);
    } else if (claim) {
      claim.resolve(result.value);
    } else {
      this.#options.deliver(result.value);
    }
  }

  #resume(): void {
    while (!this.#isWaiting && this.#head < this.#backlog.length) {
      const data = this.#backlog[this.#head];
      this.#backlog[this.#head++] = undefined;
      this.#process(data);
    }
    if (this.#head === this.#backlog.length) {
      this.#backlog = [];
      this.#head = 0;
    }
  }
}

/** Each Lifeline's inbound path, for request.ts: requests claim their responses there. */
export const inbounds = new WeakMap<object, Inbound>();
