import type { Outgoing } from './ports.js';

/** What the receiving side of a session asks of the session it belongs to. */
export interface ReceiverHooks {
  /**
   * Runs the line's message path for `payload` (the `message` events), then calls `delivered` with the
   * decoded message when a handler should see it, or `NOT_DELIVERED` when nothing was delivered (an
   * invalid or claimed frame): at once, or later when an async schema validates it.
   */
  deliver(payload: Outgoing, delivered: (message: unknown) => void): void;
  /** The session's `handler`, if any: its settling completes the message. */
  readonly handler: ((message: unknown, context: { seq: number; attempt: number }) => unknown) | undefined;
  readonly maxAttempts: number;
  /** `seq` completed (its listeners ran, its handler settled): the session acknowledges it. */
  completed(receiver: Receiver, seq: number): void;
  /** The handler rejected `message` `attempts` times; it counts as completed all the same. */
  deadletter(message: unknown, seq: number, attempts: number, error: unknown): void;
}

/** What `deliver` returns when no message reached the listeners. */
export const NOT_DELIVERED: unique symbol = Symbol('not delivered');

/** What became of a data frame: taken, a copy of one already received, or a gap in the sequence. */
export type Arrival = 'new' | 'copy' | 'gap';

interface Pending {
  readonly seq: number;
  readonly payload: Outgoing;
}

/**
 * The receiving side of one session: checks each data frame's sequence number, and completes messages one
 * at a time in sequence order (listeners, then the handler with its retries). A copy of a message already
 * received, completed or still in progress, is never delivered again; a gap is never delivered at all.
 * A reset starts a new Receiver; the old one finishes its messages, but acknowledges nothing any more.
 */
export class Receiver {
  /** The highest sequence number received (completed or in progress). */
  received = 0;
  /** The highest sequence number completed. */
  completed = 0;
  readonly #hooks: ReceiverHooks;
  #queue: Pending[] = [];
  #head = 0;
  // a handler is running: the next message waits for it
  #isBusy = false;
  // held until the line is open: the standard's `open` comes before any `message`
  #isHeld = true;

  constructor(hooks: ReceiverHooks) {
    this.#hooks = hooks;
  }

  /** Messages received and not yet completed. */
  get backlog(): number {
    return this.received - this.completed;
  }

  /** Takes a data frame, or says it is a copy or a gap (then nothing is taken). */
  accept(seq: number, payload: Outgoing): Arrival {
    if (seq <= this.received) return 'copy';
    if (seq !== this.received + 1) return 'gap';
    this.received = seq;
    this.#queue.push({ seq, payload });
    this.#run();
    return 'new';
  }

  /** Holds delivery (no line open yet) or lets it go on. */
  hold(isHeld: boolean): void {
    this.#isHeld = isHeld;
    this.#run();
  }

  #run(): void {
    while (!this.#isHeld && !this.#isBusy && this.#head < this.#queue.length) {
      const { seq, payload } = this.#queue[this.#head] as Pending;
      this.#queue[this.#head++] = undefined as unknown as Pending;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      }
      // busy until the message path ended: an async schema must not let the ack overtake the dispatch
      this.#isBusy = true;
      let isSync = true;
      let syncMessage: unknown = NOT_DELIVERED;
      let isDelivered = false;
      this.#hooks.deliver(payload, (message) => {
        if (isSync) {
          isDelivered = true;
          syncMessage = message;
          return;
        }
        this.#isBusy = false;
        this.#delivered(message, seq);
        this.#run();
      });
      isSync = false;
      if (!isDelivered) return;
      // the common case: no microtask, no recursion
      this.#isBusy = false;
      this.#delivered(syncMessage, seq);
    }
  }

  /** The listeners have run: the handler's turn, if there is one and the message reached them. */
  #delivered(message: unknown, seq: number): void {
    if (this.#hooks.handler === undefined || message === NOT_DELIVERED) this.#complete(seq);
    else this.#handle(message, seq, 1);
  }

  /** Runs the handler; a result that is not a promise completes at once, with no microtask. */
  #handle(message: unknown, seq: number, attempt: number): void {
    let result: unknown;
    try {
      result = this.#hooks.handler?.(message, { seq, attempt });
    } catch (error) {
      this.#failed(message, seq, attempt, error);
      return;
    }
    if (!isThenable(result)) {
      this.#complete(seq);
      return;
    }
    this.#isBusy = true;
    result.then(
      () => {
        this.#isBusy = false;
        this.#complete(seq);
        this.#run();
      },
      (error: unknown) => {
        this.#isBusy = false;
        this.#failed(message, seq, attempt, error);
        this.#run();
      },
    );
  }

  #failed(message: unknown, seq: number, attempt: number, error: unknown): void {
    if (attempt < this.#hooks.maxAttempts) {
      this.#handle(message, seq, attempt + 1);
      return;
    }
    // one poison message must not block the session: reported once, then acknowledged
    this.#hooks.deadletter(message, seq, attempt, error);
    this.#complete(seq);
  }

  #complete(seq: number): void {
    this.completed = seq;
    this.#hooks.completed(this, seq);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
