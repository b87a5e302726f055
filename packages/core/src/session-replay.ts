import type { Outgoing } from './ports.js';

/** A `sendAcked()` promise's settlers. */
export interface Receipt {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** One sent message the server has not acknowledged yet. */
export interface Unacked {
  readonly seq: number;
  /** The data frame as written (header included): a replay writes it again byte for byte. */
  readonly frame: Outgoing;
  /** What the application sent, for the `drop` event if the session is reset. */
  readonly value: unknown;
  /** The payload's bytes (UTF-8 for text), without the header. */
  readonly bytes: number;
  receipt: Receipt | undefined;
}

/**
 * The client's sent and unacknowledged messages, in sequence order, with their count and bytes: what a
 * resume writes again, and what the session's window is measured on.
 */
export class ReplayBuffer {
  // an array with a moving head, as the outbound queue: acks take from the front
  #items: Unacked[] = [];
  #head = 0;
  #bytes = 0;

  get count(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The newest entry (what was just written), or undefined when all are acknowledged. */
  get last(): Unacked | undefined {
    return this.count === 0 ? undefined : this.#items[this.#items.length - 1];
  }

  add(entry: Unacked): void {
    this.#items.push(entry);
    this.#bytes += entry.bytes;
  }

  /** Takes out every entry with `seq <= ack`, oldest first. */
  ackUpTo(ack: number): Unacked[] {
    const items = this.#items;
    let head = this.#head;
    const acked: Unacked[] = [];
    while (head < items.length && (items[head] as Unacked).seq <= ack) {
      const entry = items[head] as Unacked;
      acked.push(entry);
      this.#bytes -= entry.bytes;
      items[head++] = undefined as unknown as Unacked;
    }
    if (head === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (head > 1024 && head * 2 > items.length) {
      this.#items = items.slice(head);
      this.#head = 0;
    } else this.#head = head;
    return acked;
  }

  /** The entries, oldest first, without taking them out (a replay). */
  entries(): readonly Unacked[] {
    return this.#items.slice(this.#head);
  }

  /** Empties the buffer, handing the entries back oldest first (a reset). */
  takeAll(): Unacked[] {
    const all = this.entries() as Unacked[];
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return all;
  }
}
