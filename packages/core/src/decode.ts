import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Codec } from './codec.js';
import type { BinaryData } from './ports.js';
import { failure, type Issues, isPromise, validate } from './schema.js';

type Result = StandardSchemaV1.Result<unknown>;

/** A pending request taking a decoded frame: checked against its own schema instead of the Lifeline's. */
export interface Claim {
  /** The request's response schema; `undefined` takes the decoded value as it is. */
  readonly schema: StandardSchemaV1 | undefined;
  /** Settles the request with the validated value. */
  resolve(value: unknown): void;
  /** Fails the request: its response did not pass the schema. */
  reject(issues: Issues): void;
}

/** What takes decoded frames ahead of the schema and `message`: a capability's plugin (kernel.ts). */
export interface Claimer {
  claim?(value: unknown): Claim | undefined;
}

/**
 * What the inbound path asks of its line. One object serves every line (each call names its line), so a
 * connection carries no closures for them. Neither hook throws: listeners are isolated.
 */
export interface InboundHooks<TLine> {
  readonly deliver: (line: TLine, value: unknown) => void;
  readonly invalid: (line: TLine, data: unknown, issues: Issues) => void;
}

const NO_CLAIMERS: readonly Claimer[] = Object.freeze([]);

/**
 * The inbound path after the standard `message` event: frame → codec → claim (pending requests) →
 * schema → deliver, or `invalid`. Arrival order is kept: while an async validation is pending, later
 * frames wait behind it, even those whose own validation would be instant. A frame's `done` runs once
 * its path ended (delivered, claimed or `invalid`), at once or later.
 */
export class Inbound<TLine = unknown> {
  /** The plugins that claim decoded frames (pending requests), tried in order; replaced, never changed in place. */
  claimers: readonly Claimer[] = NO_CLAIMERS;
  readonly #codec: Codec;
  readonly #schema: StandardSchemaV1 | undefined;
  readonly #hooks: InboundHooks<TLine>;
  readonly #line: TLine;
  // frames that arrived while an async validation was pending, in order, each followed by its `done`;
  // #head is the next to process
  #backlog: unknown[] = [];
  #head = 0;
  #isWaiting = false;

  constructor(codec: Codec, schema: StandardSchemaV1 | undefined, hooks: InboundHooks<TLine>, line: TLine) {
    this.#codec = codec;
    this.#schema = schema;
    this.#hooks = hooks;
    this.#line = line;
  }

  /** True while frames must be decoded even with no listener: something claims them, or frames wait. */
  get isActive(): boolean {
    return this.claimers.length > 0 || this.#isWaiting || this.#head < this.#backlog.length;
  }

  push(data: unknown, done?: () => void): void {
    if (this.#isWaiting || this.#head < this.#backlog.length) this.#backlog.push(data, done);
    else this.#process(data, done);
  }

  #process(data: unknown, done: (() => void) | undefined): void {
    const codec = this.#codec;
    let value = data;
    // binary frames bypass a text-only codec, as they are
    if (typeof data === 'string' || codec.binary) {
      try {
        value = codec.decode(data as string | BinaryData);
      } catch (error) {
        this.#settle(data, failure(error), undefined, done);
        return;
      }
    }
    let claim: Claim | undefined;
    for (const claimer of this.claimers) {
      claim = claimer.claim?.(value);
      if (claim) break;
    }
    const schema = claim ? claim.schema : this.#schema;
    const result = schema ? validate(schema, value) : { value };
    if (!isPromise(result)) {
      this.#settle(data, result, claim, done);
      return;
    }
    this.#isWaiting = true;
    result.then(undefined, failure).then((settled) => {
      this.#isWaiting = false;
      this.#settle(data, settled, claim, done);
      this.#resume();
    });
  }

  #settle(data: unknown, result: Result, claim: Claim | undefined, done: (() => void) | undefined): void {
    if (result.issues) {
      this.#hooks.invalid(this.#line, data, result.issues);
      claim?.reject(result.issues);
    } else if (claim) {
      claim.resolve(result.value);
    } else {
      this.#hooks.deliver(this.#line, result.value);
    }
    done?.();
  }

  #resume(): void {
    while (!this.#isWaiting && this.#head < this.#backlog.length) {
      const backlog = this.#backlog;
      const head = this.#head;
      const data = backlog[head];
      const done = backlog[head + 1] as (() => void) | undefined;
      backlog[head] = backlog[head + 1] = undefined;
      this.#head = head + 2;
      this.#process(data, done);
    }
    if (this.#head === this.#backlog.length) {
      this.#backlog = [];
      this.#head = 0;
    }
  }
}
