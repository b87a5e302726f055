import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import type { WebSocketLike } from './ports.js';
import { ackFrame } from './session-wire.js';

// the protocol's ack cadence: one ack frame per this many completed messages, or after this many ms
const ACK_EVERY = 64;
const ACK_DELAY_MS = 200;

/** What the cadence reads from its session: the welcomed socket (or null) and what completed here. */
export interface AckSource {
  readonly socket: () => WebSocketLike | null;
  readonly completed: () => number;
}

/**
 * When a session acknowledges the server messages that completed here: an ack frame once 64 are
 * unacknowledged, or 200 ms after a completion (armed from the receive path, not a free-running
 * interval), unless a data frame or a hello carried the ack first.
 */
export class AckCadence {
  /** The last ack the server was given: by an ack frame, a data frame's ack, or a hello's rx. */
  given = 0;
  readonly #line: Lifeline<unknown, unknown>;
  readonly #source: AckSource;
  #timer: unknown = null;

  constructor(line: Lifeline<unknown, unknown>, source: AckSource) {
    this.#line = line;
    this.#source = source;
  }

  /** A message completed here (`completed` is the new highest): acknowledge now, or soon. */
  completed(completed: number): void {
    if (completed - this.given >= ACK_EVERY) this.send();
    else this.arm();
  }

  /** Acknowledges within the delay (also a copy of what completed: its sender has not seen the ack). */
  arm(): void {
    this.#timer ??= kernel.timers(this.#line).setTimeout(this.send, ACK_DELAY_MS);
  }

  /** Writes an ack frame now, if there is something new to acknowledge and a welcomed socket for it. */
  readonly send = (): void => {
    this.stop();
    const socket = this.#source.socket();
    const completed = this.#source.completed();
    // while no welcomed socket is open, the next hello carries the ack
    if (socket === null || kernel.socket(this.#line) !== socket || completed <= this.given) return;
    kernel.outbox(this.#line).writeNow(socket, ackFrame(completed));
    this.carried(completed);
  };

  /** A frame carried the ack `ack`: a pending ack frame is needless. */
  carried(ack: number): void {
    this.given = ack;
    this.stop();
  }

  /** Cancels a pending ack frame (the socket is gone, or the line closed). */
  stop(): void {
    if (this.#timer === null) return;
    kernel.timers(this.#line).clearTimeout(this.#timer);
    this.#timer = null;
  }
}
