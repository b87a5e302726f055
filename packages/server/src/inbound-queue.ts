import type { Bound } from './options.js';

/** A client message received in order, waiting for (or in) its handler. */
export interface Inbound {
  readonly seq: number;
  readonly payload: string | Buffer;
  readonly isBinary: boolean;
  readonly bytes: number;
}

/** What the queue asks of its session. */
export interface InboundWork {
  /** Runs the handler (with its retries) for one message; settles when the message counts as handled. */
  handle(message: Inbound): Promise<void>;
  /** Persists `seq` as completed, then calls `recorded` (never, when the session can no longer record it). */
  record(seq: number, recorded: () => void): void;
  /** `seq` is completed and recorded: it may be acknowledged. */
  completed(seq: number): void;
}

/** How a data frame was taken. */
export type Receipt = 'accepted' | 'duplicate' | 'gap' | 'over-window';

/**
 * A session's client→server messages: sequence checks, then handlers one at a time, in seq order. A
 * copy of a message already received (completed or in progress) is recognised and not run again; a
 * message past a gap is never run.
 */
export class InboundQueue {
  readonly #window: Bound;
  readonly #work: InboundWork;
  readonly #queue: Inbound[] = [];
  #queuedBytes = 0;
  #received: number;
  #completed: number;
  #running: Promise<void> | null = null;
  #isStopped = false;
  /** Highest seq handled, to be recorded; at most one record is in flight, carrying the highest. */
  #handled: number;
  #isRecording = false;

  /** `completed`: the record's `rx`, where a session (re)loaded from the store starts. */
  constructor(window: Bound, completed: number, work: InboundWork) {
    this.#window = window;
    this.#work = work;
    this.#received = completed;
    this.#completed = completed;
    this.#handled = completed;
  }

  /** Highest seq received (completed or in progress). */
  get received(): number {
    return this.#received;
  }

  /** Highest seq completed and recorded: the acknowledgement. */
  get completed(): number {
    return this.#completed;
  }

  /** Checks the sequence and the window, and queues the message when it is the next one. */
  receive(message: Inbound): Receipt {
    if (message.seq <= this.#received) return 'duplicate';
    if (message.seq > this.#received + 1) return 'gap';
    // the client writes while what it has unacknowledged is under the window, so one message may cross it
    if (
      this.#received - this.#completed >= this.#window.messages ||
      this.#queuedBytes >= this.#window.bytes
    ) {
      return 'over-window';
    }
    this.#received = message.seq;
    this.#queue.push(message);
    this.#queuedBytes += message.bytes;
    this.#running ??= this.#run();
    return 'accepted';
  }

  /** Starts no more handlers; resolves when the one running (if any) is done (its record may be in flight). */
  stop(): Promise<void> {
    this.#isStopped = true;
    return this.#running ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    try {
      while (!this.#isStopped) {
        const message = this.#queue[0];
        if (!message) return;
        await this.#work.handle(message);
        this.#queue.shift();
        this.#queuedBytes -= message.bytes;
        this.#handled = message.seq;
        // the next handler runs while this one is recorded: a remote store costs a round trip per
        // record in flight, not per message, and only what is recorded is ever acknowledged
        if (!this.#isRecording) this.#record();
      }
    } finally {
      this.#running = null;
    }
  }

  #record(): void {
    const seq = this.#handled;
    this.#isRecording = true;
    this.#work.record(seq, () => {
      this.#isRecording = false;
      this.#completed = seq;
      this.#work.completed(seq);
      if (this.#handled > seq) this.#record();
    });
  }
}
