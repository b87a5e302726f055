import type { CloseInfo, Decision } from './classify.js';
import { closedError, isLifelineError, LifelineError } from './errors.js';
import type { SessionInfo, SessionResetReason } from './events.js';
import { kernel, type Plugin } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import type { QueuedMessage } from './outbound-queue.js';
import type { Outbox } from './outbox.js';
import type { Outgoing, WebSocketLike } from './ports.js';
import { redact } from './redact.js';
import { AckCadence } from './session-acks.js';
import { Receipts } from './session-receipts.js';
import { NOT_DELIVERED, Receiver, type ReceiverHooks } from './session-receive.js';
import { ReplayBuffer, type Unacked } from './session-replay.js';
import {
  dataFrame,
  END_FRAME,
  helloFrame,
  maskId,
  maskWelcomeId,
  parseServerFrame,
  resumeMismatch,
  SESSION_PROTOCOL,
  type Welcome,
} from './session-wire.js';
import type { ConnectionState } from './state.js';

/** A session's settings, checked (session.ts). */
export interface LinkSettings {
  readonly handler: ReceiverHooks['handler'];
  readonly maxAttempts: number;
  readonly replay: { readonly messages: number; readonly bytes: number };
  readonly fallback: 'error' | 'plain';
  readonly welcomeTimeout: number;
}

interface WelcomeWait {
  readonly socket: WebSocketLike;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly timer: unknown;
}

// closes after which the client resumes: malformed, taken over, gap, draining (the kernel's default counts
// 4400-4999 as fatal)
const RESUME_CODES = [4400, 4409, 4500, 1012];
const RESUME: Decision = { retry: true, minDelay: 0, refreshCredentials: false };
// how ws fails an upgrade whose response selects none of the offered subprotocols
const WS_NO_SUBPROTOCOL = 'Server sent no subprotocol';

/**
 * One line's session, as the kernel sees it: the hello/welcome exchange that holds each open, sequence
 * numbers on the queue path's frames, the replay of what the server has not acknowledged, acks for what
 * completed here, and the window gate. The application's handle (session.ts) reads and drives it.
 */
export class SessionLink implements Plugin {
  sid: string | null = null;
  epoch = 0;
  /** The last client sequence number written, and the last the server acknowledged. */
  sent = 0;
  acked = 0;
  receiver: Receiver;
  /** Set once the session detached itself (`fallback: 'plain'`): the line goes on as a plain one. */
  isDetached = false;
  readonly replay = new ReplayBuffer();
  /** What waits on acknowledgements before its message has a sequence number. */
  readonly receipts: Receipts;
  readonly #line: Lifeline<unknown, unknown>;
  readonly #outbox: Outbox;
  readonly #settings: LinkSettings;
  readonly #off: () => void;
  #gen: string | null = null;
  #window: { messages: number; bytes: number };
  #isGateShut = false;
  readonly #acks: AckCadence;
  #wait: WelcomeWait | null = null;
  // the socket whose welcome came: acks and the replay go only to it
  #socket: WebSocketLike | null = null;
  // the typed message of the payload whose path is being settled (the message path runs only for the
  // session's payloads while it is attached)
  #captured: unknown = NOT_DELIVERED;
  // this attempt offered the protocol (the `protocols` hook ran for it)
  #hasOffered = false;

  constructor(line: Lifeline<unknown, unknown>, settings: LinkSettings) {
    this.#line = line;
    this.#outbox = kernel.outbox(line);
    this.#settings = settings;
    this.#window = { ...settings.replay };
    this.#acks = new AckCadence(line, {
      socket: () => this.#socket,
      completed: () => this.receiver.completed,
    });
    this.receiver = this.#newReceiver();
    // a session parses binary frames as they come: a Blob cannot be read synchronously
    if (line.binaryType === 'blob') line.binaryType = 'arraybuffer';
    if (settings.handler) line.on('message', this.#capture);
    this.receipts = new Receipts(this.#outbox, this);
    line.on('drop', this.receipts.dropped).on('state', this.#ending);
    this.#off = kernel.use(line, this);
  }

  /** Where the session stands, for events. */
  info(): SessionInfo {
    const { received, completed } = this.receiver;
    return {
      id: maskId(this.sid),
      epoch: this.epoch,
      sent: this.sent,
      acked: this.acked,
      received,
      completed,
    };
  }

  // ---- plugin hooks (kernel.ts) ----

  protocols(offered: string[]): string[] {
    this.#hasOffered = true;
    return [SESSION_PROTOCOL, ...offered.filter((each) => each.toLowerCase() !== SESSION_PROTOCOL)];
  }

  opening(socket: WebSocketLike): Promise<void> | undefined {
    if (!this.#hasOffered) {
      // attached while this attempt was dialing, so it did not offer the protocol: not the server's fault
      const message = 'the session was attached after this attempt began: connecting again';
      return Promise.reject(new LifelineError('ERR_SESSION_PROTOCOL', message));
    }
    if (socket.protocol !== SESSION_PROTOCOL) return this.#unsupported(socket);
    this.receiver.hold(true);
    this.#outbox.writeNow(socket, helloFrame(this.sid, this.receiver.completed, this.#gen));
    return new Promise((resolve, reject) => {
      const { welcomeTimeout } = this.#settings;
      const timer = kernel.timers(this.#line).setTimeout(() => {
        this.#wait = null;
        reject(new LifelineError('ERR_SESSION_PROTOCOL', `no welcome within ${welcomeTimeout} ms`));
      }, welcomeTimeout);
      this.#wait = { socket, resolve, reject, timer };
    });
  }

  open(socket: WebSocketLike): void {
    if (socket !== this.#socket) return;
    // what the server has not acknowledged goes again, in order and byte for byte, before the queue
    // flushes new sends (their stale acks are harmless: acks are cumulative)
    for (const entry of this.replay.entries()) this.#outbox.writeNow(socket, entry.frame);
    // after the line's `open` event, which follows these hooks: no message comes before it
    const { receiver } = this;
    queueMicrotask(() => {
      if (this.#socket === socket) receiver.hold(false);
    });
    this.#acks.send();
    this.#updateGate();
  }

  frame(data: unknown): boolean {
    const frame = parseServerFrame(data);
    const wait = this.#wait;
    if (wait !== null) {
      if (frame.type === 'welcome') this.#welcome(frame.welcome, wait);
      else if (frame.type !== 'ping' && frame.type !== 'pong') this.#notWelcomed(wait, data);
      return true;
    }
    const socket = this.#socket;
    if (socket === null) return true;
    switch (frame.type) {
      case 'data': {
        if (frame.ack > 0 && !this.#ack(frame.ack)) break;
        const arrival = this.receiver.accept(frame.seq, frame.payload);
        if (arrival === 'gap') {
          this.#violation(`data ${frame.seq} after ${this.receiver.received} (a gap)`, 4500);
        } else if (arrival === 'copy' && frame.seq <= this.receiver.completed) {
          // the server resent what completed here: it has not seen the ack yet
          this.#acks.arm();
        }
        break;
      }
      case 'ack':
        this.#ack(frame.ack);
        break;
      case 'ping':
        this.#outbox.writeNow(socket, `q${frame.id}`);
        break;
      case 'pong':
        break;
      case 'welcome':
        this.#violation('a second welcome', 4400, data);
        break;
      case 'malformed':
        this.#violation(frame.why, 4400, data);
        break;
    }
    return true;
  }

  write(frame: Outgoing, bytes: number, value: unknown, queued: QueuedMessage | undefined): Outgoing {
    const seq = ++this.sent;
    const ack = this.receiver.completed;
    const wire = dataFrame(seq, ack, frame);
    this.#acks.carried(ack);
    const receipt = queued && this.receipts.written(queued, seq);
    this.replay.add({ seq, frame: wire, value, bytes, receipt });
    if (!this.#hasRoom()) this.#setGate(false);
    return wire;
  }

  detached(): void {
    this.#hasOffered = false;
    if (this.#wait !== null) this.#endWait(this.#wait);
    this.#socket = null;
    this.#acks.stop();
  }

  classify(info: CloseInfo): Decision | undefined {
    // the opening hook's rejection is the attempt's error
    const { error } = info;
    if (isLifelineError(error) && error.code === 'ERR_SESSION_UNSUPPORTED')
      return { retry: false, code: 'ERR_SESSION_UNSUPPORTED', why: error.message };
    const cause = error?.cause;
    // ws fails the upgrade itself when the server selects no subprotocol, where browsers open with ''
    if (info.phase === 'connect' && cause instanceof Error && cause.message === WS_NO_SUBPROTOCOL) {
      if (this.#settings.fallback === 'error')
        return { retry: false, code: 'ERR_SESSION_UNSUPPORTED', why: this.#unsupportedMessage('') };
      this.#fallBack();
      return RESUME;
    }
    return RESUME_CODES.includes(info.code) ? RESUME : undefined;
  }

  /** The line closed for good: the session ends here (the server ended it too if the end frame went out). */
  closed(): void {
    const error = closedError(this.#line.state);
    this.#acks.stop();
    this.#drop(this.#end(error), error, 'closed');
    this.receipts.rejectAll(error);
  }

  // ---- the session's life ----

  #welcome(welcome: Welcome, wait: WelcomeWait): void {
    this.#endWait(wait);
    if (welcome.resumed) {
      const why = resumeMismatch(welcome, this.sid, this.#gen, this);
      if (why !== undefined) {
        // never a resume with a hole: report the loss, and start a fresh session on the next attempt
        if (this.sid !== null) this.#reset('store-lost', undefined);
        const message = `the server resumed session ${maskId(welcome.sid)} inconsistently (${why})`;
        wait.reject(new LifelineError('ERR_SESSION_PROTOCOL', message));
        return;
      }
      // the hello acknowledged what had completed here
      this.#acks.given = this.receiver.completed;
      this.epoch = welcome.epoch;
      this.#ack(welcome.rx);
      kernel.emit(this.#line, 'resumed', this.info());
    } else {
      if (this.sid !== null)
        this.#reset((welcome.reason as SessionResetReason | undefined) ?? 'expired', welcome);
      this.sid = welcome.sid;
      this.#gen = welcome.gen;
      this.epoch = welcome.epoch;
    }
    const { replay } = this.#settings;
    this.#window = {
      messages: Math.min(replay.messages, welcome.window.messages),
      bytes: Math.min(replay.bytes, welcome.window.bytes),
    };
    this.#socket = wait.socket;
    wait.resolve();
  }

  /** The session could not be resumed: what the server never acknowledged is dropped, and reported. */
  #reset(reason: SessionResetReason, welcome: Welcome | undefined): void {
    const before = this.info();
    const error = new LifelineError(
      'ERR_SESSION_RESET',
      `session ${before.id} was not resumed (${reason}): what it had not acknowledged was dropped`,
    );
    const epoch = welcome?.epoch ?? this.epoch;
    const unacked = this.#end(error);
    // the new session's id and epoch (none yet without a welcome), the old one's watermarks
    const id = maskId(welcome?.sid ?? null);
    kernel.emit(this.#line, 'reset', { ...before, id, epoch, reason, dropped: unacked.length });
    this.#drop(unacked, error, 'reset');
  }

  /**
   * Ends the session: the next hello starts afresh, and waits on its sequence numbers fail with `error`.
   * Returns what it had not had acknowledged, for the caller to report as dropped.
   */
  #end(error: LifelineError): Unacked[] {
    const unacked = this.replay.takeAll();
    const old = this.receiver;
    this.sid = this.#gen = null;
    this.sent = this.acked = this.#acks.given = 0;
    this.receiver = this.#newReceiver();
    // its messages still reach the application; their acks would mean nothing to a new session
    old.hold(false);
    this.receipts.rejectSent(error);
    this.#updateGate();
    return unacked;
  }

  /** Sends the session did not get acknowledged: each receipt fails, and each is a `drop`. */
  #drop(unacked: Unacked[], error: LifelineError, reason: 'reset' | 'closed'): void {
    for (const entry of unacked) {
      entry.receipt?.reject(error);
      this.#outbox.drop(entry.value, reason);
    }
  }

  /**
   * The server selected the protocol but its first frame is no welcome: it is not a session server (ws's
   * WebSocketServer selects the first offered subprotocol unless told otherwise, and may echo the hello).
   */
  #notWelcomed(wait: WelcomeWait, data: unknown): void {
    this.#endWait(wait);
    if (this.#settings.fallback === 'plain') {
      this.#fallBack();
      // the plain server's first frame is the application's, after the open it precedes
      this.#line.once('open', () => kernel.receive(this.#line, data));
      wait.resolve();
      return;
    }
    const message = this.#unsupportedMessage(undefined);
    wait.reject(new LifelineError('ERR_SESSION_UNSUPPORTED', message));
  }

  /** The server does not speak the protocol: an error that closes the line, or a plain line from now on. */
  #unsupported(socket: WebSocketLike): Promise<void> | undefined {
    if (this.#settings.fallback === 'plain') {
      this.#fallBack();
      return undefined;
    }
    const message = this.#unsupportedMessage(socket.protocol);
    return Promise.reject(new LifelineError('ERR_SESSION_UNSUPPORTED', message));
  }

  /** `fallback: 'plain'`: the session leaves the line, which goes on at most once. */
  #fallBack(): void {
    this.isDetached = true;
    this.#off();
    this.#line.off('message', this.#capture).off('drop', this.receipts.dropped).off('state', this.#ending);
    this.#setGate(true);
    this.#reset('protocol', undefined);
  }

  #unsupportedMessage(chosen: string | undefined): string {
    const url = redact(this.#line.url);
    if (chosen === undefined)
      return `the server at ${url} is not a session server: its first frame was no welcome`;
    const chose = chosen ? ` (it chose '${chosen}')` : '';
    return `the server at ${url} did not select the subprotocol '${SESSION_PROTOCOL}'${chose}: it is not a session server`;
  }

  /** A server frame broke the protocol: close with `code` and resume, which repairs it. */
  #violation(why: string, code: 4400 | 4500, data?: unknown): void {
    if (data !== undefined)
      kernel.emit(this.#line, 'invalid', { data: maskWelcomeId(data), issues: [{ message: why }] });
    const error = new LifelineError(
      'ERR_SESSION_PROTOCOL',
      `the server sent ${why}: closing with ${code} to resume`,
    );
    kernel.abandon(this.#line, error, code);
  }

  /** The server acknowledged up to `ack`: receipts resolve, room opens. False when `ack` is impossible. */
  #ack(ack: number): boolean {
    if (ack <= this.acked) return true;
    if (ack > this.sent) {
      this.#violation(`an ack of ${ack}, beyond the last sequence number sent (${this.sent})`, 4400);
      return false;
    }
    this.acked = ack;
    for (const entry of this.replay.ackUpTo(ack)) entry.receipt?.resolve();
    this.receipts.settle();
    this.#updateGate();
    return true;
  }

  #hasRoom(): boolean {
    return this.replay.count < this.#window.messages && this.replay.bytes < this.#window.bytes;
  }

  #updateGate(): void {
    this.#setGate(this.#hasRoom());
  }

  #setGate(isOpen: boolean): void {
    if (isOpen !== this.#isGateShut) return;
    this.#isGateShut = !isOpen;
    this.#outbox.gate(isOpen);
  }

  #endWait(wait: WelcomeWait): void {
    kernel.timers(this.#line).clearTimeout(wait.timer);
    this.#wait = null;
  }

  // ---- what completes here ----

  #newReceiver(): Receiver {
    const { handler, maxAttempts } = this.#settings;
    return new Receiver({
      handler,
      maxAttempts,
      // the message path settles each payload in order, and runs its `done` right after its `message`
      deliver: (payload, delivered) =>
        kernel.receive(this.#line, payload, () => {
          const message = this.#captured;
          this.#captured = NOT_DELIVERED;
          delivered(message);
        }),
      completed: (receiver) => {
        if (receiver === this.receiver) this.#acks.completed(receiver.completed);
      },
      deadletter: (message, seq, attempts, error) =>
        kernel.emit(this.#line, 'deadletter', { message, seq, attempts, error }),
    });
  }

  /**
   * `close()` moves the line to `closing` before it writes the close frame, so the end frame goes first:
   * the server ends the session only on it. Only a live session can be ended (welcomed, on the open
   * socket); a reconnect, a hold or exhausted retries never pass through `closing`, and so only detach.
   */
  readonly #ending = ({ phase }: ConnectionState): void => {
    const socket = this.#socket;
    if (
      phase === 'closing' &&
      socket !== null &&
      kernel.socket(this.#line) === socket &&
      socket.readyState === 1
    )
      this.#outbox.writeNow(socket, END_FRAME);
  };

  readonly #capture = (message: unknown): void => {
    this.#captured = message;
  };
}
