import { WebSocket } from 'ws';
import { settle } from './awaitable.js';
import { type Inbound, InboundQueue } from './inbound-queue.js';
import type { Settings } from './options.js';
import { type ClientFrame, CloseCode, dataFrame, welcomeFrame } from './protocol.js';
import { ReplayBuffer, type Settle } from './replay-buffer.js';
import { mask } from './secret.js';
import type { ServerSession, Watermarks } from './server-session.js';
import { type EndReason, isSessionError, SessionError } from './session-error.js';
import type { ResetReason, SessionRecord } from './session-store.js';
import { closeSocket } from './socket-close.js';
import { StoreWrites } from './store-writes.js';

/** The key of a session's whole id (see `Session[SESSION_ID]`). */
export const SESSION_ID = Symbol('session id');

/** What a session needs from its server. */
export interface SessionHost {
  readonly settings: Settings;
  /** The session holds `delta` more (or fewer) unacknowledged bytes. */
  account(session: Session, delta: number): void;
  detached(session: Session, code: number): void;
  /** The session is gone from this server (ended, or only let go: fenced, store failed, server closed). */
  gone(session: Session, reason: EndReason): void;
  invalid(session: Session, problem: string): void;
  deadletter(session: Session, seq: number, error: unknown, attempts: number): void;
  fenced(session: Session): void;
  storeFailed(session: Session, error: unknown): void;
}

/** A `send()` waiting for room in the replay buffer. */
interface Waiting {
  readonly data: string | Uint8Array;
  readonly bytes: number;
  readonly settle: Settle;
}

const ACK_EVERY = 64;
const ACK_DELAY = 200;

/** The server's side of one session: its socket, its replay buffer and its handler queue. */
export class Session implements ServerSession {
  readonly id: string;
  readonly principal: string;
  readonly generation: string;
  readonly #sid: string;
  readonly #host: SessionHost;
  readonly #replay: ReplayBuffer;
  readonly #inbound: InboundQueue;
  /** Sends waiting for room in the replay buffer, oldest first. */
  #waiting: Waiting[] = [];
  #epoch: number;
  #socket: WebSocket | null = null;
  #ended: EndReason | null = null;
  /** Highest client seq acknowledged to the current socket (welcome, ack frame or data frame). */
  #ackSent = 0;
  #ackTimer: NodeJS.Timeout | null = null;
  #expiry: NodeJS.Timeout | null = null;
  readonly #writes = new StoreWrites({
    epoch: () => this.#epoch,
    isGone: () => this.#ended !== null,
    failed: (error) => this.#writeFailed(error),
  });

  constructor(host: SessionHost, record: SessionRecord) {
    this.#host = host;
    this.#sid = record.sid;
    this.id = mask(record.sid);
    this.principal = record.principal;
    this.generation = record.generation;
    this.#epoch = record.epoch;
    const { settings } = host;
    this.#replay = new ReplayBuffer(settings.replay, record.tx, record.outbound);
    this.#inbound = new InboundQueue(settings.window, record.rx, {
      handle: (message) => this.#handle(message),
      record: (seq, recorded) => this.#record(seq, recorded),
      completed: () => this.#completed(),
    });
  }

  /**
   * The whole session id, for the server and the store only: under a symbol the package does not export,
   * so no event payload or log of a session offers it as a property.
   */
  get [SESSION_ID](): string {
    return this.#sid;
  }

  get epoch(): number {
    return this.#epoch;
  }

  get isAttached(): boolean {
    return this.#socket !== null;
  }

  /** Unacknowledged server→client bytes held. */
  get bytes(): number {
    return this.#replay.bytes;
  }

  get watermarks(): Watermarks {
    return {
      sent: this.#replay.tx,
      acked: this.#replay.acked,
      received: this.#inbound.received,
      completed: this.#inbound.completed,
    };
  }

  send(value: unknown): Promise<void> {
    if (this.#ended) return Promise.reject(this.#endedError());
    const data = this.#host.settings.encode(value);
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    return new Promise<void>((resolve, reject) => {
      const entry = { data, bytes, settle: { resolve, reject } };
      if (this.#waiting.length === 0 && this.#replay.hasRoom(bytes)) {
        this.#accept(entry.data, entry.bytes, entry.settle);
        return;
      }
      this.#waiting.push(entry);
      // a client that is away cannot make room: over the bound now ends the session, visibly
      if (!this.#socket) this.end('overflow');
    });
  }

  close(): void {
    this.end('closed');
  }

  /**
   * Takes `socket` (a hello under `epoch`): a socket already attached is closed as taken over; the
   * welcome goes out, then everything the client has not completed, then new messages.
   */
  attach(
    socket: WebSocket,
    epoch: number,
    hello: { rx: number; resumed: boolean; reason?: ResetReason },
  ): void {
    const previous = this.#socket;
    this.#socket = socket;
    if (previous) closeSocket(previous, CloseCode.takenOver, 'session taken over');
    this.#epoch = epoch;
    this.#clearExpiry();
    const { settings } = this.#host;
    const welcome = welcomeFrame({
      sid: this.#sid,
      resumed: hello.resumed,
      ...(hello.reason ? { reason: hello.reason } : {}),
      epoch,
      gen: this.generation,
      rx: this.#inbound.completed,
      ttl: settings.ttl,
      window: settings.window,
    });
    socket.send(welcome);
    this.#ackSent = this.#inbound.completed;
    this.#acknowledged(hello.rx);
    this.#replay.rewind();
    this.#pump();
  }

  /** A frame from the attached client, after the hello. */
  receive(socket: WebSocket, frame: ClientFrame): void {
    if (socket !== this.#socket) return;
    switch (frame.type) {
      case 'data':
        if (!this.#acknowledged(frame.ack)) return;
        this.#received(frame);
        return;
      case 'ack':
        this.#acknowledged(frame.ack);
        return;
      case 'ping':
        socket.send(`q${frame.id}`);
        return;
      case 'pong':
        return;
      case 'end':
        this.end('closed');
        return;
      case 'hello':
        this.#violation(CloseCode.malformed, 'a second hello on one connection');
        return;
      default:
        this.#violation(CloseCode.malformed, frame.problem);
    }
  }

  /** `socket` closed with `code` (any code: only an end frame ends a session): the ttl starts. */
  detach(socket: WebSocket, code: number): void {
    if (socket !== this.#socket || this.#ended) return;
    this.#socket = null;
    this.#clearAckTimer();
    this.#writes.run((epoch) => this.#detachWrite(epoch));
    this.#expiry = setTimeout(() => this.end('expired'), this.#host.settings.ttl);
    // the time-to-live must not keep a process alive that has nothing else to do
    this.#expiry.unref();
    this.#host.detached(this, code);
  }

  /** Ends the session for `reason`: the store forgets it (remembering `overflow` and `evicted`). */
  end(reason: EndReason): void {
    if (this.#ended) return;
    const epoch = this.#epoch;
    this.#stop(reason, reason === 'closed' ? CloseCode.ended : CloseCode.goingAway, 'session ended');
    settle(
      () => this.#host.settings.store.end(this.#sid, epoch, reason),
      () => {},
      (error) => {
        // fenced: another connection owns the session now, and it is not ours to end
        if (!isSessionError(error) || error.code !== 'ERR_SESSION_FENCED')
          this.#host.storeFailed(this, error);
      },
    );
    this.#host.gone(this, reason);
  }

  /**
   * Lets the session go from this server without ending it in the store (`reason` says why, for the
   * pending sends): fenced, a failed store, a closed or drained server.
   */
  abandon(reason: 'fenced' | 'store-failed' | 'server-closed', code: number): void {
    if (this.#ended) return;
    this.#stop(reason, code, reason);
    // handed over, not ended: the store's time-to-live starts, as for any detach
    if (reason === 'server-closed') this.#writes.run((epoch) => this.#detachWrite(epoch));
    this.#host.gone(this, reason);
  }

  /** Finishes the running handler and the store writes, then closes the socket with 1012 and lets go. */
  async drain(): Promise<void> {
    await this.#inbound.stop();
    await this.#writes.settled();
    this.#sendAck();
    this.abandon('server-closed', CloseCode.draining);
    await this.#writes.settled();
  }

  #stop(reason: EndReason, code: number, closeReason: string): void {
    this.#ended = reason;
    void this.#inbound.stop();
    this.#clearAckTimer();
    this.#clearExpiry();
    if (this.#socket) closeSocket(this.#socket, code, closeReason);
    this.#socket = null;
    const error = this.#endedError();
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const { settle: pending } of waiting) pending.reject(error);
    const freed = this.#replay.bytes;
    this.#replay.rejectAll(error);
    this.#host.account(this, -freed);
  }

  #endedError(): SessionError {
    const reason = this.#ended ?? 'closed';
    if (reason === 'server-closed') {
      return new SessionError(
        'ERR_SERVER_CLOSED',
        `the server let session ${this.id} go before the client completed the message`,
      );
    }
    if (reason === 'fenced') {
      return new SessionError('ERR_SESSION_FENCED', `session ${this.id} was attached elsewhere`);
    }
    if (reason === 'store-failed') {
      return new SessionError('ERR_STORE_FAILED', `the store failed for session ${this.id}`);
    }
    return new SessionError('ERR_SESSION_ENDED', `session ${this.id} ended (${reason})`, { reason });
  }

  #accept(data: string | Uint8Array, bytes: number, pending: Settle): void {
    const message = this.#replay.accept(data, bytes, pending);
    this.#host.account(this, bytes);
    if (this.#ended) return; // the accounting evicted this very session
    this.#writes.run(
      (epoch) => this.#host.settings.store.append(this.#sid, epoch, message),
      () => {
        this.#replay.persisted(message.seq);
        this.#pump();
      },
    );
  }

  /** Writes what is persisted and not yet on this socket; each data frame carries the current ack. */
  #pump(): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const ack = this.#inbound.completed;
    let wrote = false;
    for (const message of this.#replay.unwritten()) {
      socket.send(dataFrame(message.seq, ack, message.data));
      wrote = true;
    }
    if (wrote) {
      this.#ackSent = ack;
      this.#clearAckTimer();
    }
  }

  /** The client completed every server seq up to `seq`; false (and the socket closed) when that was never sent. */
  #acknowledged(seq: number): boolean {
    if (seq <= this.#replay.acked) return true;
    if (!this.#replay.isValidAck(seq)) {
      this.#violation(CloseCode.malformed, `an ack of ${seq}, above the highest seq sent`);
      return false;
    }
    const freed = this.#replay.acknowledge(seq);
    this.#host.account(this, -freed);
    this.#writes.run((epoch) => this.#host.settings.store.acknowledge(this.#sid, epoch, seq));
    const waiting = this.#waiting;
    let taken = 0;
    while (taken < waiting.length && !this.#ended) {
      const next = waiting[taken] as Waiting;
      if (!this.#replay.hasRoom(next.bytes)) break;
      taken++;
      this.#accept(next.data, next.bytes, next.settle);
    }
    // one splice per ack rather than a shift per message: with thousands of sends waiting, each shift
    // copied the whole backlog (an ending session has swapped its list out already)
    if (taken > 0 && this.#waiting === waiting) waiting.splice(0, taken);
    return true;
  }

  #received(frame: Extract<ClientFrame, { type: 'data' }>): void {
    const receipt = this.#inbound.receive(frame);
    if (receipt === 'gap') {
      this.#violation(CloseCode.gap, `seq ${frame.seq} after ${this.#inbound.received}: a gap`);
    } else if (receipt === 'over-window') {
      this.#violation(CloseCode.malformed, `seq ${frame.seq} is over the window`);
    }
  }

  async #handle(message: Inbound): Promise<void> {
    const { settings } = this.#host;
    let value: unknown;
    try {
      value = settings.decode(message.payload, message.isBinary);
    } catch (error) {
      // it will never decode: report it and go on, or it would block the session for good
      this.#host.invalid(
        this,
        `seq ${message.seq} could not be decoded: ${(error as Error)?.message ?? error}`,
      );
      return;
    }
    const key = `${this.#sid}:c:${message.seq}`;
    let failure: unknown;
    for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
      try {
        await settings.handler(value, { session: this, seq: message.seq, key, attempt });
        return;
      } catch (error) {
        failure = error;
      }
      // gone from here (fenced, ended): another run could not be recorded, and is no one's to report
      if (this.#ended) return;
    }
    this.#host.deadletter(this, message.seq, failure, settings.maxAttempts);
  }

  #record(seq: number, recorded: () => void): void {
    if (this.#ended) return;
    this.#writes.run(
      (epoch) => this.#host.settings.store.complete(this.#sid, epoch, seq),
      () => {
        if (!this.#ended) recorded();
      },
    );
  }

  /** A handler completed: acknowledge at most once per 64 messages or per 200 ms, unless data carries it. */
  #completed(): void {
    const pending = this.#inbound.completed - this.#ackSent;
    if (!this.#socket || pending <= 0) return;
    if (pending >= ACK_EVERY) this.#sendAck();
    else this.#ackTimer ??= setTimeout(() => this.#sendAck(), ACK_DELAY);
  }

  #sendAck(): void {
    this.#clearAckTimer();
    const completed = this.#inbound.completed;
    if (!this.#socket || completed <= this.#ackSent) return;
    this.#socket.send(`a${completed}`);
    this.#ackSent = completed;
  }

  #clearAckTimer(): void {
    if (this.#ackTimer) clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
  }

  #clearExpiry(): void {
    if (this.#expiry) clearTimeout(this.#expiry);
    this.#expiry = null;
  }

  /** A protocol violation: reported, and the socket closed with `code`; the client resumes. */
  #violation(code: number, problem: string): void {
    this.#host.invalid(this, problem);
    const socket = this.#socket;
    if (!socket) return;
    closeSocket(socket, code, problem.slice(0, 120));
    // detached now: what the socket still delivers before it closes is past the violation, and ignored
    this.detach(socket, code);
  }

  /** A hello naming this session is with the store: writes wait for the epoch it gives (see `StoreWrites`). */
  hold(): void {
    this.#writes.hold();
  }

  /** The store answered the hello: held writes go under the epoch now current. */
  release(): void {
    this.#writes.release();
  }

  /** A detach is moot once a newer connection attached: the ttl must not run while attached. */
  #detachWrite(epoch: number): unknown {
    return this.#socket ? undefined : this.#host.settings.store.detach(this.#sid, epoch);
  }

  #writeFailed(error: unknown): void {
    if (this.#ended) return;
    if (isSessionError(error) && error.code === 'ERR_SESSION_FENCED') {
      this.abandon('fenced', CloseCode.takenOver);
      this.#host.fenced(this);
    } else {
      this.abandon('store-failed', CloseCode.storeFailed);
      this.#host.storeFailed(this, error);
    }
  }
}
