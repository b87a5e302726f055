import { closedError, LifelineError } from './errors.js';
import type { SessionInfo } from './events.js';
import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import { checkDuration } from './options.js';
import type { QueuedMessage } from './outbound-queue.js';
import { type Outbox, queuedMessages, type SendData } from './outbox.js';
import { type LinkSettings, SessionLink } from './session-link.js';

/** What a session's `handler` gets with each message. */
export interface SessionContext {
  /** The message's server sequence number. */
  readonly seq: number;
  /** 1 on the first call, then counting the retries of a handler that rejected. */
  readonly attempt: number;
}

/** Session settings; durations in milliseconds, sizes in bytes (UTF-8 for text). */
export interface SessionOptions<TMessage = unknown> {
  /**
   * Runs for each message from the server, one at a time in order, after the `message` listeners; the
   * server's copy is acknowledged only once it settles. A rejection is retried, up to `maxAttempts` calls,
   * then reported once as `deadletter` and acknowledged, so one poison message cannot block the session.
   * It sees the messages the line's schema accepted, after an async schema settled; a message the schema
   * refuses emits `invalid` and is acknowledged without reaching it.
   */
  readonly handler?: (message: TMessage, context: SessionContext) => unknown;
  /** Calls of `handler` per message before `deadletter`. @default 3 */
  readonly maxAttempts?: number;
  /**
   * The most sent and unacknowledged data kept for a resume (the server's window may lower it). When it
   * is full, sends wait in the line's queue and `drained(line)` waits. Bytes are payload bytes; the last
   * message may go over by its own size.
   * @default { messages: 1000, bytes: 1048576 }
   */
  readonly replay?: {
    /** Most unacknowledged messages kept. @default 1000 */
    readonly messages?: number;
    /** Most unacknowledged payload bytes kept. @default 1048576 (1 MiB) */
    readonly bytes?: number;
  };
  /**
   * A server that does not select `lifeline.session.v1`: `'error'` closes the line for good with
   * `ERR_SESSION_UNSUPPORTED` (a configuration error, not retried); `'plain'` detaches the session, emits
   * one `reset` with reason `'protocol'`, and the line goes on at most once.
   * @default 'error'
   */
  readonly fallback?: 'error' | 'plain';
  /** How long an open waits for the server's welcome before the attempt fails and is retried. @default 10000 */
  readonly welcomeTimeout?: number;
}

/**
 * An acknowledged session on a line: what `session(line)` returns. `line.send()` keeps its meaning and
 * return value, and is sequenced and delivered exactly once, in order, across reconnects.
 */
export interface Session<TSend = unknown> {
  /**
   * Sends `value` as `line.send()` does, and resolves once the server's handler completed it.
   * @throws TypeError for a value `sendSchema` rejects or the codec cannot encode
   * @returns rejects with `ERR_SESSION_RESET` (the session was reset before the ack), `ERR_DROPPED` (the
   * line's queue dropped it before it was sent), `ERR_CLOSED` (the line closed), `ERR_QUEUE_FULL`
   * (the `'reject'` overflow policy), `ERR_SESSION_UNSUPPORTED` (the session fell back to a plain line)
   */
  sendAcked(value: TSend): Promise<void>;
  /** Resolves once everything sent so far (also what still waits in the queue) is acknowledged. */
  acked(): Promise<void>;
  /** The session id, masked (first 4 characters and `…`); `''` before the first welcome. */
  readonly id: string;
  /** The epoch of the last welcome; 0 before the first. */
  readonly epoch: number;
  /** The sequence watermarks of both directions. */
  readonly watermarks: Omit<SessionInfo, 'id' | 'epoch'>;
}

// the lines that have a session: one per line
const sessionLines = new WeakSet<Lifeline<unknown, unknown>>();

/**
 * Makes `line` an acknowledged session (protocol `lifeline.session.v1`, docs/protocol.md) with a server
 * that speaks it (`@lifeline/server`): messages both ways are delivered exactly once and in order across
 * reconnects within the session's ttl, each acknowledged once its handler completed. Every reconnect ends
 * in one `resumed` or one `reset` event. Only `line.close()` ends the session on the server (it sends the
 * end frame first); `line.reconnect()` and lost connections resume it. Attach it right after `new`,
 * before the line opens; one per line.
 * @throws TypeError or RangeError for bad options, naming the option and the value; TypeError when the
 * line already has a session or is already open
 * @example
 * const line = new Lifeline('wss://example.com/orders');
 * const orders = session(line, { handler: async (message) => apply(message) });
 * await orders.sendAcked({ type: 'place', id: 42 }); // the server's handler has completed it
 */
export function session<TLine extends Lifeline<unknown, unknown>>(
  line: TLine,
  options: SessionOptions<TLine extends Lifeline<infer TMessage, unknown> ? TMessage : unknown> = {},
): Session<SendData<TLine>> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`Lifeline: session() takes an options object, got ${String(options)}`);
  if (sessionLines.has(line)) throw new TypeError('Lifeline: this line already has a session');
  if (line.state.phase === 'open')
    throw new TypeError('Lifeline: session() must be attached before the line opens (right after new)');
  const link = new SessionLink(line, checkSettings(options as SessionOptions));
  const handle = new SessionHandle(line, link);
  sessionLines.add(line);
  return handle as Session<SendData<TLine>>;
}

class SessionHandle implements Session<unknown> {
  readonly #line: Lifeline<unknown, unknown>;
  readonly #link: SessionLink;
  readonly #outbox: Outbox;

  constructor(line: Lifeline<unknown, unknown>, link: SessionLink) {
    this.#line = line;
    this.#link = link;
    this.#outbox = kernel.outbox(line);
  }

  get id(): string {
    return this.#link.info().id;
  }

  get epoch(): number {
    return this.#link.epoch;
  }

  get watermarks(): Omit<SessionInfo, 'id' | 'epoch'> {
    const { sent, acked, received, completed } = this.#link.info();
    return { sent, acked, received, completed };
  }

  sendAcked(value: unknown): Promise<void> {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    const outbox = this.#outbox;
    const frame = outbox.encode(value);
    return new Promise((resolve, reject) => {
      let result: QueuedMessage | null | false | undefined;
      try {
        result = outbox.push(value, frame);
      } catch (error) {
        reject(error);
        return;
      }
      if (result === false) {
        reject(
          new LifelineError('ERR_DROPPED', 'the message was dropped before it was sent (see the drop event)'),
        );
      } else if (result === null) {
        // written at once: the write hook has just made it the newest entry
        const entry = this.#link.replay.last;
        if (entry) entry.receipt = { resolve, reject };
      } else if (result !== undefined) {
        this.#link.receipts.queue(result, { resolve, reject });
      }
    });
  }

  acked(): Promise<void> {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    // the newest queued message is the one to wait for
    const target = queuedMessages(this.#outbox).at(-1) ?? this.#link.sent;
    return new Promise((resolve, reject) => this.#link.receipts.wait(target, { resolve, reject }));
  }

  /** Why nothing can be sent acknowledged now, if so. */
  #refusal(): LifelineError | undefined {
    const { state } = this.#line;
    if (state.phase === 'closing' || state.phase === 'closed') return closedError(state);
    if (this.#link.isDetached) {
      const message = 'the server does not speak the session protocol: the line fell back to plain sends';
      return new LifelineError('ERR_SESSION_UNSUPPORTED', message);
    }
    return undefined;
  }
}

function checkSettings(options: SessionOptions): LinkSettings {
  const { handler, maxAttempts = 3, replay = {}, fallback = 'error', welcomeTimeout = 10_000 } = options;
  if (handler !== undefined && typeof handler !== 'function')
    throw new TypeError(`Lifeline: session() option 'handler' must be a function, got ${String(handler)}`);
  if (fallback !== 'error' && fallback !== 'plain')
    throw new RangeError(
      `Lifeline: session() option 'fallback' must be 'error' or 'plain', got ${String(fallback)}`,
    );
  const { messages = 1000, bytes = 1_048_576 } = replay;
  for (const [name, value] of [
    ['maxAttempts', maxAttempts],
    ['replay.messages', messages],
    ['replay.bytes', bytes],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(
        `Lifeline: session() option '${name}' must be an integer >= 1, got ${String(value)}`,
      );
  }
  checkDuration('welcomeTimeout', welcomeTimeout);
  return {
    handler: handler as LinkSettings['handler'],
    maxAttempts,
    replay: { messages, bytes },
    fallback,
    welcomeTimeout,
  };
}
