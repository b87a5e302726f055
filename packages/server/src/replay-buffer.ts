import type { Bound } from './options.js';
import type { StoredMessage } from './session-store.js';

/** How a `send()` promise is settled. */
export interface Settle {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Entry extends StoredMessage {
  isPersisted: boolean;
  /** Absent for messages reloaded from the store: their `send()` ran on another node or server. */
  readonly settle: Settle | undefined;
}

/**
 * A session's server→client messages from acceptance until the client acknowledges them, in seq order:
 * the replay buffer, bounded by `replay`. A message is written only once persisted, and after a resume
 * everything above the client's `rx` is written again.
 */
export class ReplayBuffer {
  readonly #bound: Bound;
  #entries: Entry[] = [];
  #head = 0;
  #tx: number;
  #acked: number;
  /** Highest seq persisted with every one below it: what may be written. */
  #persisted: number;
  /** Highest seq written on the current socket. */
  #written: number;
  /** Highest seq ever written: an ack above it acknowledges something never sent. */
  #highestWritten: number;
  #bytes = 0;

  /** `tx` and `stored`: the record's highest seq and unacknowledged messages (a new session: 0, none). */
  constructor(bound: Bound, tx: number, stored: readonly StoredMessage[]) {
    this.#bound = bound;
    const acked = stored[0] ? stored[0].seq - 1 : tx;
    this.#acked = acked;
    for (const message of stored) {
      this.#entries.push({ ...message, isPersisted: true, settle: undefined });
      this.#bytes += message.bytes;
    }
    this.#tx = tx;
    this.#persisted = tx;
    this.#written = acked;
    this.#highestWritten = this.#tx;
  }

  /** Highest seq accepted. */
  get tx(): number {
    return this.#tx;
  }

  /** Highest seq the client acknowledged. */
  get acked(): number {
    return this.#acked;
  }

  /** Payload bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether a message of `bytes` fits; a message bigger than the whole bound fits an empty buffer. */
  hasRoom(bytes: number): boolean {
    const count = this.#entries.length - this.#head;
    return count === 0 || (count < this.#bound.messages && this.#bytes + bytes <= this.#bound.bytes);
  }

  /** Takes a message under the next seq, not yet persisted. */
  accept(data: string | Uint8Array, bytes: number, settle: Settle): StoredMessage {
    const entry: Entry = { seq: ++this.#tx, data, bytes, isPersisted: false, settle };
    this.#entries.push(entry);
    this.#bytes += bytes;
    return entry;
  }

  /** The store holds `seq` now. */
  persisted(seq: number): void {
    const entry = this.#entries[this.#head + seq - this.#acked - 1];
    if (entry) entry.isPersisted = true;
    for (let i = this.#head + this.#persisted - this.#acked; i < this.#entries.length; i++) {
      const next = this.#entries[i] as Entry;
      if (!next.isPersisted) break;
      this.#persisted = next.seq;
    }
  }

  /** The persisted messages not yet written on this socket, in order; each counts as written. */
  *unwritten(): Generator<StoredMessage> {
    while (this.#written < this.#persisted) {
      const entry = this.#entries[this.#head + this.#written - this.#acked] as Entry;
      this.#written = entry.seq;
      if (entry.seq > this.#highestWritten) this.#highestWritten = entry.seq;
      yield entry;
    }
  }

  /** Whether `seq` acknowledges only what was written. */
  isValidAck(seq: number): boolean {
    return seq <= this.#highestWritten;
  }

  /** The client completed every seq up to `seq`: resolves their sends and returns the bytes freed. */
  acknowledge(seq: number): number {
    let freed = 0;
    while (this.#acked < seq && this.#head < this.#entries.length) {
      const entry = this.#entries[this.#head++] as Entry;
      this.#acked = entry.seq;
      freed += entry.bytes;
      entry.settle?.resolve();
    }
    if (this.#written < this.#acked) this.#written = this.#acked;
    // cut the array once the acknowledged part is most of it: amortised O(1) per message
    if (this.#head > 64 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    this.#bytes -= freed;
    return freed;
  }

  /** A new socket: everything above what the client has completed is written again. */
  rewind(): void {
    this.#written = this.#acked;
  }

  /** Rejects every send still waiting for its acknowledgement (the session is gone from here). */
  rejectAll(error: Error): void {
    for (let i = this.#head; i < this.#entries.length; i++) this.#entries[i]?.settle?.reject(error);
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
