import { EventEmitter } from 'eventemitter3';
import { backoffDelay } from './backoff.js';
import { byteLength, utf8Length } from './byte-length.js';
import { type CloseInfo, classify, type Decision } from './classify.js';
import { type Codec, jsonCodec, toFrame } from './codec.js';
import { Inbound, inbounds } from './decode.js';
import { LifelineError, type LifelineErrorCode } from './errors.js';
import type { AttemptReason, LifelineEvents } from './events.js';
import type { HeartbeatMonitor } from './heartbeat.js';
import { iterateMessages } from './message-iterator.js';
import {
  type AnyLifelineOptions,
  type AttemptContext,
  checkDuration,
  defaults,
  type LifelineArgs,
  type LifelineOptions,
  normalizeArgs,
  type ProtocolsProvider,
  type ReconnectOptions,
  type UrlProvider,
} from './options.js';
import { Outbound, type SendOptions } from './outbound.js';
import type { QueueOptions } from './outbound-queue.js';
import type { Outgoing, SocketCloseEvent, Timers, WebSocketConstructor, WebSocketLike } from './ports.js';
import { AttemptFailed, runAttemptLoop, Sleep } from './reconnect.js';
import { redact } from './redact.js';
import { type Requester, type RequestOptions, requester } from './request.js';
import { type RoutedListener, route, type Variant, type VariantOf } from './route.js';
import { checkCloseArguments, checkProtocols, clampCloseCode, parseWebSocketUrl } from './standard.js';
import {
  LifelineCloseEvent,
  LifelineErrorEvent,
  PlatformMessageEvent,
  type StandardEventMap,
} from './standard-events.js';
import {
  assertTransition,
  CLOSED,
  CLOSING,
  CONNECTING,
  type ConnectionState,
  OPEN,
  toReadyState,
} from './state.js';
import { defaultTimers, timersOf } from './timers.js';

/** One bit per standard event type: which ones have listeners is a number, not a `Set` per Lifeline. */
const TYPE_BITS = { open: 1, message: 2, close: 4, error: 8 } as const satisfies Record<
  keyof StandardEventMap,
  number
>;

/** Counters of one Lifeline, since it was created. */
export interface LifelineStats {
  readonly attempts: number;
  readonly connects: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** UTF-8 bytes for text. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly lastClose: CloseInfo | null;
  readonly lastError: LifelineError | null;
  /** Milliseconds the current connection has been open; 0 when not open. */
  readonly uptime: number;
}

type StandardHandler<K extends keyof StandardEventMap> =
  | ((this: Lifeline, event: StandardEventMap[K]) => unknown)
  | null;
type Listener<TMessage, K extends keyof LifelineEvents<TMessage>> = (
  ...args: LifelineEvents<TMessage>[K]
) => void;

/** The fields of a standard close event, as a socket reports them. */
type CloseFields = Pick<CloseInfo, 'code' | 'reason' | 'wasClean'>;

interface Target {
  readonly url: string;
  readonly protocols: string[];
  readonly socketOptions: Record<string, unknown> | undefined;
}

/** The live connection, if any: a socket that is connecting or open. */
interface Connection {
  readonly socket: WebSocketLike;
  readonly attempt: number;
  /**
   * What the attempt loop waits on until Lifeline itself is open on this socket (after the handshake
   * hook, when there is one); null from then on, so an open connection holds no promise or signal.
   */
  dialing: Dialing | null;
  opened: boolean;
  openedAt: number;
  lastError: unknown;
  connectTimer: unknown;
}

/** The attempt that dialled a connection, while it waits for the socket to open or to end. */
interface Dialing {
  /** The attempt loop the connection belongs to. */
  readonly signal: AbortSignal;
  /** Resolves when the socket opens. */
  readonly whenOpen: Promise<void>;
  readonly markOpen: () => void;
  /** Rejects (with AttemptFailed) when the socket fails or closes. */
  readonly ended: Promise<never>;
  readonly fail: (failure: AttemptFailed) => void;
}

/**
 * A WebSocket that stays connected: the standard API, plus reconnect with backoff and jitter, an outbound
 * queue gated on `bufferedAmount`, typed messages and lifecycle events.
 *
 * @example
 * const line = new Lifeline('wss://example.com/feed', { reconnect: { minDelay: 500 } });
 * line.on('message', (msg) => console.log(msg));
 * line.send({ type: 'subscribe', channel: 'trades' }); // queued until open
 * @see https://websockets.spec.whatwg.org/#the-websocket-interface
 */
export class Lifeline<TMessage = unknown, TSend = unknown, TKey extends string = 'type'> extends EventTarget {
  // defined below as WebIDL constants: read-only and non-configurable, which class fields cannot be
  declare static readonly CONNECTING: typeof CONNECTING;
  declare static readonly OPEN: typeof OPEN;
  declare static readonly CLOSING: typeof CLOSING;
  declare static readonly CLOSED: typeof CLOSED;
  declare readonly CONNECTING: typeof CONNECTING;
  declare readonly OPEN: typeof OPEN;
  declare readonly CLOSING: typeof CLOSING;
  declare readonly CLOSED: typeof CLOSED;

  readonly #WebSocket: WebSocketConstructor;
  readonly #urlProvider: UrlProvider;
  readonly #protocolsProvider: ProtocolsProvider;
  readonly #options: AnyLifelineOptions;
  readonly #policy: ReconnectOptions;
  readonly #timers: Timers;
  readonly #codec: Codec;
  readonly #utf8Length: (text: string) => number;
  readonly #inbound: Inbound;
  readonly #outbound: Outbound;
  readonly #heartbeat: HeartbeatMonitor | null = null;
  #requester: Requester<object, unknown> | null = null;

  #state: ConnectionState;
  // closing or closed, kept apart for send(): the state objects differ in shape per phase, which makes
  // reading their `phase` there a slow (megamorphic) property load
  #isClosed = false;
  // while a socket's standard close or error event is dispatched, readyState is CLOSED, as that socket's
  // own is, even when the state already says what comes next (waiting to reconnect)
  #isReportingSocketEnd = false;
  #connection: Connection | null = null;
  #url = '';
  #origin = '';
  #protocol = '';
  #extensions = '';
  #binaryType: string;

  // eventemitter3 for the typed extension events; created on first use to keep idle connections small
  #emitter: EventEmitter | null = null;
  // standard event types with at least one listener (TYPE_BITS): events nobody listens to are never built
  #listenedTypes = 0;
  // the `on<type>` attribute handlers, called by one listener shared by every Lifeline (#callHandler)
  #handlers: { [K in keyof StandardEventMap]?: StandardHandler<K> } = {};

  #loop: AbortController | null = null;
  #sleep: Sleep | null = null;
  #suspended = false;
  #failures = 0;
  #authRetried = false;
  #nextReason: AttemptReason = 'initial';
  #manualReconnect = false;
  #disconnectedAt = 0;
  // consumers (async iterators) that are too far behind: while any is, the socket is paused
  #holds = 0;
  #stats = {
    attempts: 0,
    connects: 0,
    messagesIn: 0,
    bytesIn: 0,
    lastClose: null as CloseInfo | null,
    lastError: null as LifelineError | null,
  };

  /**
   * Same forms as `new WebSocket(url, protocols)`, plus options. `url` and `protocols` may be functions,
   * called before every attempt (e.g. to put a fresh token in the URL).
   * @throws DOMException `SyntaxError` for a bad URL, scheme, fragment or protocol list, as the standard
   * @throws LifelineError `ERR_NO_WEBSOCKET` when no WebSocket constructor is available
   */
  constructor(...args: LifelineArgs<LifelineOptions<TMessage, TSend, TKey>>) {
    super();
    const { url, protocols, options } = normalizeArgs(args);
    if (typeof options.WebSocket !== 'function') {
      throw new LifelineError(
        'ERR_NO_WEBSOCKET',
        'no WebSocket constructor: import Lifeline from @lifeline/node or @lifeline/browser, or pass the WebSocket option',
      );
    }
    this.#WebSocket = options.WebSocket;
    this.#urlProvider = url;
    this.#protocolsProvider = protocols;
    this.#options = options;
    // a Lifeline without settings of its own shares the defaults: a process may hold thousands
    this.#policy = options.reconnect ? { ...defaults.reconnect, ...options.reconnect } : defaults.reconnect;
    this.#timers = options.timers ?? defaultTimers;
    if (options.timers) timersOf.set(this, options.timers);
    this.#codec = options.codec ?? jsonCodec;
    this.#utf8Length = options.utf8Length ?? utf8Length;
    this.#inbound = new Inbound({
      codec: this.#codec,
      schema: options.schema,
      deliver: (value) => this.#deliver(value as TMessage),
      invalid: (data, issues) => this.#emit('invalid', { data, issues }),
    });
    inbounds.set(this, this.#inbound);
    this.#binaryType = defaults.binaryType;
    // a binary codec cannot decode a Blob synchronously
    const binaryType = options.binaryType ?? (this.#codec.binary ? 'arraybuffer' : undefined);
    if (binaryType !== undefined) this.binaryType = binaryType;
    checkOptions(this.#policy, options);

    // static arguments are checked now, as the standard constructor does; providers on every attempt
    if (typeof url !== 'function') this.#setUrl(parseWebSocketUrl(url, options.baseURL));
    if (typeof protocols !== 'function') checkProtocols(protocols ?? undefined);

    const queue: QueueOptions = options.queue ? { ...defaults.queue, ...options.queue } : defaults.queue;
    this.#outbound = new Outbound({
      queue,
      highWaterMark: options.highWaterMark ?? defaults.highWaterMark,
      lowWaterMark: options.lowWaterMark ?? defaults.lowWaterMark,
      timers: this.#timers,
      onDrop: (data, reason) => this.#emit('drop', { data, reason }),
      utf8Length: this.#utf8Length,
    });

    if (options.heartbeat) {
      if (!options.createHeartbeat) throw new TypeError("Lifeline: 'heartbeat' needs 'createHeartbeat'");
      this.#heartbeat = options.createHeartbeat(options.heartbeat, {
        timers: this.#timers,
        WebSocket: options.WebSocket,
        onTimeout: (error) => this.#onHeartbeatTimeout(error),
      });
    }

    this.#state = { phase: 'idle' };
    if (options.autoConnect ?? defaults.autoConnect) this.#start('initial');
  }

  // ---- the standard attributes ----

  /** The URL of the current or last attempt, serialised; `''` until a URL provider has been called. */
  get url(): string {
    return this.#url;
  }

  /** CONNECTING while connecting and while waiting to reconnect; CLOSING only after `close()`; CLOSED when final. */
  get readyState(): 0 | 1 | 2 | 3 {
    return this.#isReportingSocketEnd ? CLOSED : toReadyState(this.#state.phase);
  }

  /** The subprotocol the server selected on the current or last connection. */
  get protocol(): string {
    return this.#protocol;
  }

  get extensions(): string {
    return this.#extensions;
  }

  /**
   * Bytes handed to `send()` and not yet sent (UTF-8 for text): what the socket holds, plus what is queued
   * here, plus, as the standard says, everything sent after `close()`, which never leaves.
   * @see https://websockets.spec.whatwg.org/#dom-websocket-bufferedamount
   */
  get bufferedAmount(): number {
    const socket = this.#connection?.socket;
    const outbound = this.#outbound;
    // at least what was written in this task: ws stops counting bytes the moment the kernel takes them,
    // the standard only once the task ends (issue #13)
    const held =
      this.#state.phase === 'open' && socket ? Math.max(socket.bufferedAmount, outbound.writtenNow) : 0;
    return held + outbound.queuedBytes + outbound.closedBytes;
  }

  /**
   * `'blob'` (the default, as the standard says) or `'arraybuffer'`, plus what the platform adds (Node:
   * `'nodebuffer'`). Kept across reconnects. Like the standard's attribute, an unknown value is ignored.
   */
  get binaryType(): string {
    return this.#binaryType;
  }

  set binaryType(value: string) {
    if (value !== 'blob' && value !== 'arraybuffer' && !this.#options.extraBinaryTypes?.includes(value))
      return;
    this.#binaryType = value;
    const socket = this.#connection?.socket;
    if (socket) socket.binaryType = value;
  }

  /** The phase, with details (attempt, delay, close code). */
  get state(): ConnectionState {
    return this.#state;
  }

  get stats(): LifelineStats {
    const connection = this.#connection;
    const uptime = this.#state.phase === 'open' && connection ? this.#timers.now() - connection.openedAt : 0;
    const { messagesOut, bytesOut } = this.#outbound;
    return { ...this.#stats, messagesOut, bytesOut, uptime };
  }

  // ---- the standard methods ----

  /**
   * Sends now when open and below the high-water mark, otherwise queues. Unlike the standard it never
   * throws `InvalidStateError` while connecting: that is the point of a durable connection.
   * Strings and binary data go as they are; other values are checked by `sendSchema`, when given, and
   * encoded by the codec (JSON by default).
   * @returns true when sent or queued, false when dropped (a `drop` event says why)
   * @throws TypeError for a value `sendSchema` rejects or the codec cannot encode; nothing is queued then
   * @see https://websockets.spec.whatwg.org/#dom-websocket-send
   */
  send(data: TSend | Outgoing, options?: SendOptions): boolean {
    // text goes as it is: the common case reads no options
    const frame = typeof data === 'string' ? data : toFrame(data, this.#codec, this.#options.sendSchema);
    // the clock, not only a timer, says when a connection is dead: a stalled loop must not send into it
    this.#heartbeat?.check();
    return this.#outbound.send(data, frame, options, this.#isClosed);
  }

  /**
   * Closes for good: no attempt follows, in any phase, and exactly one `close` event fires. Messages still
   * queued are dropped with reason `closed` (take them first with `takeQueued()` to keep them).
   * @throws DOMException `InvalidAccessError` for a code other than 1000 or 3000-4999
   * @throws DOMException `SyntaxError` for a reason over 123 UTF-8 bytes
   * @see https://websockets.spec.whatwg.org/#dom-websocket-close
   */
  close(code?: number, reason?: string): void {
    const clamped = clampCloseCode(code);
    const text = reason === undefined ? undefined : String(reason);
    checkCloseArguments(clamped, text);
    const phase = this.#state.phase;
    if (phase === 'closing') return;
    this.#stopLoop();
    // before the queue empties: dropped messages are not "drained"
    this.#outbound.rejectWaiters(this.#closedError());
    this.#outbound.dropQueued('closed');
    if (phase === 'closed') return;
    this.#transition({ phase: 'closing' });
    const connection = this.#connection;
    if (connection) {
      // the socket's own close event finishes the job, with its real code (1006 if it was still connecting)
      clearConnectTimer(connection, this.#timers);
      // a send() from now on is dropped with a `drop` event, not handed to a socket that discards it
      this.#outbound.attach(null);
      closeSocket(connection.socket, clamped, text);
      return;
    }
    // no socket (idle, waiting, or resolving providers), yet readyState was CONNECTING: fail "the
    // connection" as the standard does for a connecting socket, with an error event and then close 1006
    queueMicrotask(() => {
      if (this.#hears('error')) this.#dispatchSocketEnd(new LifelineErrorEvent(undefined));
      this.#finishClose({ code: 1006, reason: '', wasClean: false }, false);
    });
  }

  // ---- the standard events ----

  get onopen(): StandardHandler<'open'> {
    return this.#handlers.open ?? null;
  }
  set onopen(handler: StandardHandler<'open'>) {
    this.#setHandler('open', handler);
  }
  get onmessage(): StandardHandler<'message'> {
    return this.#handlers.message ?? null;
  }
  set onmessage(handler: StandardHandler<'message'>) {
    this.#setHandler('message', handler);
  }
  get onclose(): StandardHandler<'close'> {
    return this.#handlers.close ?? null;
  }
  set onclose(handler: StandardHandler<'close'>) {
    this.#setHandler('close', handler);
  }
  get onerror(): StandardHandler<'error'> {
    return this.#handlers.error ?? null;
  }
  set onerror(handler: StandardHandler<'error'>) {
    this.#setHandler('error', handler);
  }

  override addEventListener<K extends keyof StandardEventMap>(
    type: K,
    listener: ((this: Lifeline, event: StandardEventMap[K]) => unknown) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener && Object.hasOwn(TYPE_BITS, type))
      this.#listenedTypes |= TYPE_BITS[type as keyof StandardEventMap];
    super.addEventListener(type, listener, options);
  }

  // ---- the extensions ----

  /**
   * Listens to a typed extension event. With a variant, listens to the messages of that variant only,
   * routed by the `discriminator` field (default `'type'`), typed as that member of the union.
   * @example line.on('message', 'trade', (trade) => console.log(trade.price))
   */
  on<K extends keyof LifelineEvents<TMessage>>(event: K, listener: Listener<TMessage, K>): this;
  on<
    V extends Variant<TMessage, TKey>,
    TVariant extends VariantOf<TMessage, TKey, V> = VariantOf<TMessage, TKey, V>,
  >(event: 'message', variant: V, listener: (message: TVariant) => void): this;
  on(event: keyof LifelineEvents<TMessage>, ...rest: unknown[]): this {
    this.#events().on(event, this.#listener(rest));
    return this;
  }

  /** Like `on`, for the next event (with a variant: the next message of that variant) only. */
  once<K extends keyof LifelineEvents<TMessage>>(event: K, listener: Listener<TMessage, K>): this;
  once<
    V extends Variant<TMessage, TKey>,
    TVariant extends VariantOf<TMessage, TKey, V> = VariantOf<TMessage, TKey, V>,
  >(event: 'message', variant: V, listener: (message: TVariant) => void): this;
  once(event: keyof LifelineEvents<TMessage>, ...rest: unknown[]): this {
    if (rest.length === 1) this.#events().once(event, rest[0] as (...args: unknown[]) => void);
    else
      this.#events().on(
        event,
        this.#listener(rest, (routed) => this.#emitter?.off(event, routed)),
      );
    return this;
  }

  /** Removes `listener`, also where it was added for a variant; without one, every listener of `event`. */
  off<K extends keyof LifelineEvents<TMessage>>(event: K, listener?: Listener<TMessage, K>): this {
    const emitter = this.#emitter;
    if (!emitter) return this;
    emitter.off(event, listener as ((...args: unknown[]) => void) | undefined);
    if (listener) {
      for (const routed of emitter.listeners(event)) {
        if ((routed as Partial<RoutedListener>).listener === (listener as unknown))
          emitter.off(event, routed);
      }
    }
    return this;
  }

  listenerCount(event: keyof LifelineEvents<TMessage>): number {
    return this.#emitter?.listenerCount(event) ?? 0;
  }

  /** Starts a Lifeline made with `autoConnect: false`; on a closed one it is `reconnect()`. */
  open(): void {
    if (this.#state.phase === 'idle') this.#start('initial');
    else if (this.#state.phase === 'closed') this.reconnect();
  }

  /**
   * Forces a fresh connection now, with the attempt counter reset. By phase:
   * - open: closes the socket with `code` (default 1000) and `reason`, then dials at once; sends made
   *   meanwhile wait for the new socket
   * - connecting, with a socket: drops it (a `close` event with 1006) and dials again at once
   * - connecting, while providers run: that attempt is the fresh one
   * - waiting: skips the rest of the backoff delay
   * - idle, or closed (by `close()`, a fatal close or exhausted retries): starts again
   * @throws DOMException `InvalidAccessError` or `SyntaxError` for arguments `close()` would refuse
   * @throws DOMException `InvalidStateError` while `close()` is in progress
   */
  reconnect(code?: number, reason?: string): void {
    const clamped = clampCloseCode(code);
    checkCloseArguments(clamped, reason);
    const phase = this.#state.phase;
    if (phase === 'closing') {
      throw new DOMException('Lifeline: cannot reconnect while close() is in progress', 'InvalidStateError');
    }
    this.#failures = 0;
    this.#suspended = false;
    // a fresh start: an earlier auth failure must not make the next one fatal without its one retry
    this.#authRetried = false;
    if (phase === 'idle' || phase === 'closed') {
      this.#start(phase === 'idle' ? 'initial' : 'manual');
      return;
    }
    const connection = this.#connection;
    if (connection) {
      this.#manualReconnect = true;
      if (connection.opened) {
        // sends from now on wait for the fresh connection instead of going to a socket that is closing
        this.#outbound.attach(null);
        closeSocket(connection.socket, clamped ?? 1000, reason);
      } else this.#abandon(connection, undefined);
    } else if (this.#sleep) {
      this.#nextReason = 'manual';
      this.#sleep.wake();
    }
    // otherwise an attempt is already resolving its providers: it is the fresh connection
  }

  /**
   * Experimental, for platform packages (a browser going offline, a page entering the back/forward cache):
   * makes no attempt until `experimental_resume()`. Drops the current socket at once, closing it with
   * `code` and `reason` when given, then waits with no timer (`waiting`, `delay: Infinity`). The drop is
   * not a failure: it is not classified and does not count against `reconnect.retries`. Does nothing
   * unless connecting, open or waiting.
   * @throws DOMException `InvalidAccessError` or `SyntaxError` for a bad code or reason, as `close()`
   */
  experimental_suspend(code?: number, reason?: string): void {
    const clamped = clampCloseCode(code);
    checkCloseArguments(clamped, reason);
    const phase = this.#state.phase;
    if (phase !== 'connecting' && phase !== 'open' && phase !== 'waiting') return;
    this.#suspended = true;
    const connection = this.#connection;
    if (connection) this.#abandon(connection, undefined, clamped, reason);
    else this.#sleep?.wake();
  }

  /**
   * Experimental, for platform packages (back online, a page shown again): ends a suspension and skips a
   * running backoff delay, so the next attempt starts now. Unlike `reconnect()`, it leaves a connecting
   * or open socket alone and keeps the attempt counter.
   */
  experimental_resume(): void {
    this.#suspended = false;
    this.#sleep?.wake();
  }

  /**
   * Checks the connection now: pings and drops the socket (then reconnects) if nothing arrives within
   * `timeout` ms (default `heartbeat.timeout`). For moments that make a dead link likely, such as the
   * browser's `online` event. Needs a `heartbeat` in `'frame'` or `'message'` mode; otherwise does nothing.
   */
  probe(timeout?: number): void {
    this.#heartbeat?.probe(timeout);
  }

  /**
   * Sends `value` with an id (a fresh one unless it has one) and resolves with the response that carries
   * the same id; that response is not emitted as `message`. Queued like any `send()` while disconnected.
   * The id field, id generator, default timeout and response schema come from the `request` option.
   * @throws (rejects) LifelineError `ERR_REQUEST_TIMEOUT`, `ERR_CONNECTION_LOST` (unless `retry`),
   * `ERR_INVALID_RESPONSE`, `ERR_DROPPED`, `ERR_CLOSED`; the signal's reason on abort; `TypeError` for a
   * value that is not an object, a duplicate id, or a value `sendSchema` rejects
   * @example const quote = await line.request({ type: 'quote', symbol: 'ETH' }, { timeout: 5000, response: Quote });
   */
  // `value` is not typed from TSend: a parameter built from it would make a Lifeline with a sendSchema
  // unassignable to a plain `Lifeline`. `sendSchema` still checks it at run time; `requester(line)`
  // checks it at compile time too.
  request<TResponse = unknown>(value: object, options?: RequestOptions<TResponse>): Promise<TResponse> {
    // made on first use: a Lifeline that never requests keeps no pending map or taps
    this.#requester ??= requester(this as unknown as Lifeline, this.#options.request);
    return this.#requester.request(value, options) as Promise<TResponse>;
  }

  /**
   * Messages still queued, handed back in order and removed from the queue (no `drop` events). Sticky
   * messages stay sticky: `unstick()` them too to stop their replay.
   */
  takeQueued(): unknown[] {
    return this.#outbound.takeQueued();
  }

  /** Stops re-sending the message sent with `{ sticky: key }` after reconnects; true if there was one. */
  unstick(key: string): boolean {
    return this.#outbound.unstick(key);
  }

  /**
   * Resolves when nothing is queued and the socket holds no more than `limit` bytes (default
   * `lowWaterMark`); `drained(Infinity)` resolves once every queued message was handed to the socket.
   * Rejects with `ERR_CLOSED` if the Lifeline closes for good first.
   * @example for (const chunk of chunks) { line.send(chunk); await line.drained(); }
   */
  drained(limit?: number): Promise<void> {
    const phase = this.#state.phase;
    if (phase === 'closing' || phase === 'closed') return Promise.reject(this.#closedError());
    return this.#outbound.drained(limit);
  }

  /**
   * The decoded messages, in arrival order, from now until the Lifeline is closed: `for await (const
   * message of line)`. While the loop is more than `inboundHighWaterMark` messages behind, the socket is
   * paused where the platform can (Node); browsers cannot pause a WebSocket, so there the buffer grows.
   * `break` stops listening. A fatal close or exhausted retries end the loop with that error.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<TMessage, undefined> {
    const highWaterMark = this.#options.inboundHighWaterMark ?? defaults.inboundHighWaterMark;
    return iterateMessages(this, highWaterMark, (delta) => {
      this.#holds += delta;
      const socket = this.#state.phase === 'open' ? this.#connection?.socket : undefined;
      if (socket && (this.#holds === 0 || (delta > 0 && this.#holds === 1))) this.#pauseReading(socket);
    });
  }

  /** Pauses or resumes reading per `#holds`, where the platform can; unread pongs must not look like a dead link. */
  #pauseReading(socket: WebSocketLike): void {
    if (!socket.pause) return;
    if (this.#holds > 0) {
      socket.pause();
      this.#heartbeat?.stop();
    } else {
      socket.resume?.();
      this.#heartbeat?.start(socket);
    }
  }

  /** Resolves on the next open (at once when open). Rejects with `ERR_CLOSED` if it closes for good first. */
  opened(): Promise<void> {
    const phase = this.#state.phase;
    if (phase === 'open') return Promise.resolve();
    if (phase === 'closed' || phase === 'closing') return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => {
      const onState = (state: ConnectionState) => {
        if (state.phase !== 'open' && state.phase !== 'closed') return;
        this.off('state', onState);
        if (state.phase === 'open') resolve();
        else reject(this.#closedError());
      };
      this.on('state', onState);
    });
  }

  /** A listener as given, or routed to one variant when `on('message', variant, listener)` was used. */
  #listener(rest: unknown[], onMatch?: (routed: RoutedListener) => void): (...args: unknown[]) => void {
    if (rest.length === 1) return rest[0] as (...args: unknown[]) => void;
    const [variant, listener] = rest as [unknown, (message: never) => void];
    return route(this.#options.discriminator ?? 'type', variant, listener, onMatch);
  }

  // ---- the attempt loop ----

  #start(reason: AttemptReason): void {
    this.#nextReason = reason;
    const loop = new AbortController();
    this.#loop = loop;
    this.#run(loop);
  }

  /**
   * Runs `loop` until an attempt opens. With `lost` (the failure of the connection that was open), that
   * failure comes first: its backoff is waited out before the first attempt.
   */
  #run(loop: AbortController, lost?: AttemptFailed): void {
    const { signal } = loop;
    runAttemptLoop(
      () => this.#attempt(signal),
      (failure) => this.#onFailure(failure, signal),
      signal,
      lost,
    ).then(
      () => {
        // open: the open connection is tracked by its socket's handlers alone, with no loop behind it
        if (this.#loop === loop) this.#loop = null;
      },
      (error: unknown) => {
        // aborted: close() took over; replaced: a final close was settled already (#fail), and a handler
        // may have called reconnect() since. Anything else is unexpected.
        if (signal.aborted || this.#loop !== loop) return;
        this.#loop = null;
        this.#finishFinal(error instanceof LifelineError ? error : wrapError('ERR_CONNECT_FAILED', error));
      },
    );
  }

  #stopLoop(): void {
    this.#loop?.abort(new LifelineError('ERR_CLOSED', 'closed by the application'));
    this.#loop = null;
    this.#sleep = null;
  }

  /** One attempt: resolves once Lifeline is open on its socket, rejects when the attempt fails. */
  async #attempt(signal: AbortSignal): Promise<void> {
    const attempt = this.#failures + 1;
    const context: AttemptContext = { attempt, reason: this.#nextReason };
    this.#transition({ phase: 'connecting', attempt });
    this.#stats.attempts++;
    const target = await this.#resolveTarget(context, signal);
    if (this.#suspended) {
      // suspended while the providers ran: no socket now; the attempt waits for resume() like any other
      throw this.#fail(
        { phase: 'connect', code: 1006, reason: '', wasClean: false, attempt },
        undefined,
        signal,
      );
    }
    const connection = this.#dial(target, attempt, signal);
    const dialing = connection.dialing as Dialing;
    await Promise.race([dialing.ended, dialing.whenOpen]);
    // open already: without a handshake hook, the socket's open event made Lifeline open
    if (connection.dialing === null) return;
    await this.#runHandshake(connection, dialing.ended);
    signal.throwIfAborted();
    // the socket may have closed while its open was handled; that close has settled what follows
    if (connection !== this.#connection) await dialing.ended;
    this.#becomeOpen(connection);
  }

  async #resolveTarget(context: AttemptContext, signal: AbortSignal): Promise<Target> {
    try {
      const [url, protocols, socketOptions] = await Promise.all([
        resolve(this.#urlProvider, context),
        resolve(this.#protocolsProvider, context),
        resolve(this.#options.socketOptions, context),
      ]);
      signal.throwIfAborted();
      const parsed = parseWebSocketUrl(url, this.#options.baseURL);
      this.#setUrl(parsed);
      return { url: parsed.href, protocols: checkProtocols(protocols ?? undefined), socketOptions };
    } catch (cause) {
      // close() while a provider ran: the attempt is over, and neither its URL nor its failure matters now
      signal.throwIfAborted();
      throw this.#failBeforeSocket(
        context.attempt,
        'ERR_PROVIDER_FAILED',
        'a url, protocols or socket options provider failed',
        cause,
        signal,
      );
    }
  }

  #dial(target: Target, attempt: number, signal: AbortSignal): Connection {
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(target.url, target.protocols, target.socketOptions);
      socket.binaryType = this.#binaryType;
    } catch (cause) {
      throw this.#failBeforeSocket(
        attempt,
        'ERR_CONNECT_FAILED',
        `could not create a WebSocket for ${redact(target.url)}`,
        cause,
        signal,
      );
    }
    let fail!: (failure: AttemptFailed) => void;
    let markOpen!: () => void;
    const ended = new Promise<never>((_, reject) => {
      fail = reject;
    });
    // attempts await `ended` only later; this keeps an early failure from counting as unhandled
    ended.catch(() => {});
    const whenOpen = new Promise<void>((resolve) => {
      markOpen = resolve;
    });
    const connection: Connection = {
      socket,
      attempt,
      dialing: { signal, whenOpen, markOpen, ended, fail },
      opened: false,
      openedAt: 0,
      lastError: undefined,
      connectTimer: null,
    };
    this.#connection = connection;
    this.#listen(connection);
    const timeout = this.#options.connectTimeout ?? defaults.connectTimeout;
    connection.connectTimer = this.#timers.setTimeout(() => {
      this.#abandon(
        connection,
        new LifelineError(
          'ERR_CONNECT_TIMEOUT',
          `attempt ${attempt} to ${redact(target.url)} timed out after ${timeout} ms`,
        ),
      );
    }, timeout);
    return connection;
  }

  /**
   * Points the socket's handlers at `connection`. Made apart from `#dial`, so that they capture the
   * connection alone: an open connection keeps nothing of the attempt alive.
   */
  #listen(connection: Connection): void {
    const { socket } = connection;
    socket.onopen = () => this.#onSocketOpen(connection);
    socket.onmessage = (event) => this.#onSocketMessage(connection, event.data, event.size);
    socket.onerror = (event) => this.#onSocketError(connection, event);
    socket.onclose = (event) => this.#onSocketClose(connection, event);
  }

  /** Runs the handshake hook, if any; rejects with the connection's failure if it ends first. */
  async #runHandshake(connection: Connection, ended: Promise<never>): Promise<void> {
    const handshake = this.#options.handshake;
    if (!handshake) return;
    const { socket, attempt } = connection;
    try {
      await Promise.race([
        ended,
        handshake({ send: (data: Outgoing) => this.#outbound.sendDirect(socket, data), socket, attempt }),
      ]);
    } catch (cause) {
      if (cause instanceof AttemptFailed) throw cause;
      this.#abandon(connection, wrapError('ERR_HANDSHAKE_FAILED', cause, 'the handshake hook failed'));
      await ended;
    }
  }

  #becomeOpen(connection: Connection): void {
    const { socket, attempt } = connection;
    // from here a loss of this connection starts a new attempt loop (#settle)
    connection.dialing = null;
    this.#protocol = socket.protocol;
    this.#extensions = socket.extensions;
    this.#stats.connects++;
    const downtime = this.#disconnectedAt === 0 ? 0 : this.#timers.now() - this.#disconnectedAt;
    this.#transition({ phase: 'open', openedAt: connection.openedAt });
    this.#inbound.connected();
    // the queue goes first, so messages sent from open handlers cannot overtake it
    this.#outbound.attach(socket);
    // paused only now: the handshake hook may need to read the server's reply
    if (this.#holds > 0) this.#pauseReading(socket);
    this.#emit('open', { attempt, downtime, protocol: this.#protocol });
    if (this.#hears('open')) this.dispatchEvent(new Event('open'));
  }

  /**
   * Carries out what `#fail` decided for a failed attempt or a closed connection: throws to end the loop, or
   * sleeps the backoff delay (p-retry awaits this, then starts the next attempt).
   */
  async #onFailure(failure: AttemptFailed, signal: AbortSignal): Promise<void> {
    if (!(failure instanceof AttemptFailed)) throw wrapError('ERR_CONNECT_FAILED', failure);
    if (signal.aborted) throw signal.reason;
    if (failure.stop) throw failure.stop;
    for (;;) {
      const sleep = this.#sleep;
      await sleep?.done;
      if (this.#sleep === sleep) this.#sleep = null;
      // suspended meanwhile (offline, a page in the back/forward cache): no attempt until resumed
      if (!this.#suspended) return;
      this.#announceWaiting(this.#startWaiting(0, signal), failure.info);
    }
  }

  /**
   * Settles a failed attempt or a closed connection at once: decides what follows and moves to that state
   * before any event goes out. The standard's `close` event sees the next readyState (CONNECTING while
   * waiting, CLOSED when final), and a handler that calls `close()` or `reconnect()` acts on the new state.
   * @param socketClose what the socket itself reported, for the standard `close` event; undefined when no
   * socket was made (a provider failed), so there is no such event
   * @returns the rejection that ends the attempt, carrying the error that stops the loop, if it stops
   */
  #fail(info: CloseInfo, socketClose: CloseFields | undefined, signal: AbortSignal): AttemptFailed {
    this.#stats.lastClose = info;
    const next = this.#next(info);
    // the socket's own event first, then what Lifeline makes of it
    const dispatchClose = () => {
      if (socketClose && this.#hears('close')) this.#dispatchSocketEnd(new LifelineCloseEvent(socketClose));
      if (info.error) this.#reportError(info.error);
    };
    if ('stop' in next) {
      this.#loop = null;
      // set before the state event, so opened() rejects with this error as the cause
      this.#stats.lastError = next.stop;
      this.#transition({ phase: 'closed', code: info.code, reason: info.reason });
      this.#outbound.rejectWaiters(next.stop);
      dispatchClose();
      if (next.stop.code === 'ERR_RETRIES_EXHAUSTED') this.#emit('exhausted', next.stop);
      this.#reportError(next.stop);
      this.#emit('close', { ...info, willReconnect: false });
      return new AttemptFailed(info, next.stop);
    }
    const waiting = this.#startWaiting(next.delay, signal);
    dispatchClose();
    // false when a close handler has just called close()
    this.#emit('close', { ...info, willReconnect: this.#state === waiting });
    this.#announceWaiting(waiting, info);
    return new AttemptFailed(info);
  }

  /**
   * Moves to `waiting` and starts the sleep (endless while suspended) before anyone hears of it, so a
   * `reconnect()` or `experimental_resume()` from a handler cuts it short.
   */
  #startWaiting(delay: number, signal: AbortSignal): ConnectionState & { phase: 'waiting' } {
    const wait = this.#suspended ? Number.POSITIVE_INFINITY : delay;
    const waiting = { phase: 'waiting', attempt: this.#failures + 1, delay: wait } as const;
    this.#transition(waiting);
    this.#sleep = new Sleep(this.#timers, wait, signal);
    return waiting;
  }

  /** Announces the attempt `waiting` scheduled, unless a handler closed or restarted meanwhile. */
  #announceWaiting(waiting: ConnectionState & { phase: 'waiting' }, reason: CloseInfo): void {
    if (this.#state !== waiting) return;
    this.#emit('reconnecting', { attempt: waiting.attempt, delay: waiting.delay, reason });
  }

  /** What follows a close: the delay before the next attempt, or the error that stops. Updates the counters. */
  #next(info: CloseInfo): { delay: number } | { stop: LifelineError } {
    if (this.#suspended) {
      // the socket suspend() dropped, or an attempt that raced it: nothing to classify or count
      this.#manualReconnect = false;
      if (info.phase === 'open') this.#nextReason = 'reconnect';
      return { delay: 0 };
    }
    if (this.#manualReconnect) {
      this.#manualReconnect = false;
      this.#failures = 0;
      this.#nextReason = 'manual';
      return { delay: 0 };
    }
    this.#failures++;
    const decision = this.#decide(info);
    if (!decision.retry) {
      return {
        stop: new LifelineError(decision.code, decision.why, {
          cause: info.error,
          ...(info.response && { response: info.response }),
        }),
      };
    }
    if (this.#failures > this.#policy.retries) {
      const why = `gave up after ${this.#failures} consecutive failed attempts (reconnect.retries is ${this.#policy.retries})`;
      return { stop: new LifelineError('ERR_RETRIES_EXHAUSTED', why, { cause: info.error }) };
    }
    if (decision.refreshCredentials) this.#authRetried = true;
    this.#nextReason = decision.refreshCredentials ? 'auth-failed' : 'reconnect';
    return { delay: decision.delay };
  }

  /** The default classification, then the application's `shouldReconnect` hook, then the delay. */
  #decide(
    info: CloseInfo,
  ):
    | { retry: false; code: LifelineErrorCode; why: string }
    | { retry: true; delay: number; refreshCredentials: boolean } {
    const base: Decision = classify(info, this.#authRetried, this.#policy.maxRetryAfter, this.#timers.now());
    let verdict: ReturnType<NonNullable<LifelineOptions['shouldReconnect']>>;
    try {
      verdict = this.#options.shouldReconnect?.(info, base);
    } catch (cause) {
      this.#reportError(
        wrapError('ERR_CONNECT_FAILED', cause, 'the shouldReconnect hook threw; the default policy applies'),
      );
    }
    if (verdict === false) {
      return base.retry
        ? { retry: false, code: 'ERR_FATAL_CLOSE', why: 'shouldReconnect returned false' }
        : base;
    }
    if (typeof verdict === 'object' && verdict !== null) {
      return { retry: true, delay: verdict.delay, refreshCredentials: false };
    }
    if (!base.retry && verdict !== true) return base;
    const minDelay = base.retry ? base.minDelay : 0;
    const delay = minDelay + backoffDelay(this.#policy, this.#failures, this.#options.random ?? Math.random);
    return { retry: true, delay, refreshCredentials: base.retry && base.refreshCredentials };
  }

  // ---- socket events ----

  #onSocketOpen(connection: Connection): void {
    const { dialing } = connection;
    if (connection !== this.#connection || dialing === null) return;
    clearConnectTimer(connection, this.#timers);
    connection.opened = true;
    connection.openedAt = this.#timers.now();
    this.#heartbeat?.start(connection.socket);
    // open now, before the socket can deliver a frame: ws parses a frame that came with the upgrade
    // right after its own open, and the standard promises `open` before any `message`
    // (test/regressions/open-before-first-message). A handshake hook opens later, as it must read replies.
    if (!this.#options.handshake && !dialing.signal.aborted && !this.#suspended) this.#becomeOpen(connection);
    dialing.markOpen();
  }

  #onSocketMessage(connection: Connection, data: unknown, size: number | undefined): void {
    if (connection !== this.#connection) return;
    this.#stats.messagesIn++;
    // a frame is text or binary data, as send() takes; anything else a platform hands over counts as 0
    // rather than making the total NaN
    this.#stats.bytesIn += size ?? (byteLength(data as Outgoing, this.#utf8Length) || 0);
    // the standard's "if readyState is not OPEN, return": after close(), frames already received are not
    // delivered, as standard events or decoded
    if (this.#isClosed) return;
    if (this.#heartbeat?.onMessage(data)) return;
    if (this.#hears('message'))
      this.dispatchEvent(new PlatformMessageEvent('message', { data, origin: this.#origin }));
    // decoding costs only where someone takes decoded values: raw drop-in use never parses. Requesters
    // listen to `drop`, so the emitter exists whenever the inbound path is active.
    const emitter = this.#emitter;
    if (
      emitter !== null &&
      (emitter.listenerCount('message') > 0 || emitter.listenerCount('invalid') > 0 || this.#inbound.isActive)
    )
      this.#inbound.push(data);
  }

  /** The one place decoded, schema-checked messages leave core. */
  #deliver(message: TMessage): void {
    // the per-message path: no rest array and spread call, as #emit has
    try {
      this.#emitter?.emit('message', message);
    } catch (error) {
      reportListenerError(error);
    }
  }

  #onSocketError(connection: Connection, event: { error?: unknown; message?: string }): void {
    if (connection !== this.#connection) return;
    const error = event.error ?? (event.message ? new Error(event.message) : undefined);
    connection.lastError = error;
    if (this.#hears('error')) this.#dispatchSocketEnd(new LifelineErrorEvent(error));
    // the standard closes a failed attempt before its error event; undici 6 (Node 22) fires the error
    // alone and stays CONNECTING, so no close would ever come (nodejs/undici#3697)
    if (!connection.opened && connection.socket.readyState === CONNECTING) {
      this.#onSocketClose(connection, { code: 1006, reason: '', wasClean: false });
    }
  }

  #onSocketClose(connection: Connection, event: SocketCloseEvent): void {
    if (connection !== this.#connection) return;
    this.#detach(connection);
    const close = { code: event.code, reason: event.reason, wasClean: event.wasClean };
    if (this.#state.phase === 'closing') {
      this.#finishClose(close, connection.opened);
      // ends the wait of an attempt still dialing; its loop was aborted, so nothing follows
      connection.dialing?.fail(new AttemptFailed({ phase: 'open', ...close, attempt: 0 }));
      return;
    }
    const { upgradeResponse: response, failCode } = connection.socket;
    const info: CloseInfo = {
      phase: connection.opened ? 'open' : 'connect',
      ...close,
      ...(failCode !== undefined && { code: failCode }),
      attempt: connection.opened ? 0 : connection.attempt,
      ...(response && { response }),
      ...(!connection.opened && {
        error: new LifelineError(
          'ERR_CONNECT_FAILED',
          response
            ? `attempt ${connection.attempt} to ${redact(this.#url)} was refused with HTTP ${response.status}`
            : `attempt ${connection.attempt} to ${redact(this.#url)} failed (code ${close.code})`,
          { cause: connection.lastError, ...(response && { response }) },
        ),
      }),
    };
    this.#settle(connection, info, close);
  }

  /**
   * Gives up on a connection now (timeout, failed handshake, manual reconnect, suspend) without waiting for
   * its close; with `code`, starts a closing handshake the server sees, but does not wait for it either.
   */
  #abandon(connection: Connection, error: LifelineError | undefined, code?: number, reason = ''): void {
    // while closing, the socket was asked to close: its own close event ends close(), and detaching it
    // here (a handshake hook that failed meanwhile) would leave Lifeline in CLOSING for good
    if (connection !== this.#connection || this.#state.phase === 'closing') return;
    this.#detach(connection);
    const { socket } = connection;
    if (code !== undefined) closeSocket(socket, code, reason);
    else if (socket.terminate) socket.terminate();
    else socket.close();
    // the detached socket's own close event is ignored; this one (1006, or the code sent) is what the
    // application sees
    const info: CloseInfo = {
      phase: connection.opened ? 'open' : 'connect',
      code: code ?? 1006,
      reason,
      wasClean: false,
      attempt: connection.opened ? 0 : connection.attempt,
      ...(error && { error }),
    };
    this.#settle(connection, info, info);
  }

  /**
   * Settles a failed attempt or a lost connection (`#fail`), then hands the failure to an attempt loop:
   * the one still dialing this connection, or, for a connection that was open and so has none, a new
   * loop that waits out the backoff first.
   */
  #settle(connection: Connection, info: CloseInfo, socketClose: CloseFields): void {
    const { dialing } = connection;
    if (dialing !== null) {
      dialing.fail(this.#fail(info, socketClose, dialing.signal));
      return;
    }
    const loop = new AbortController();
    // before #fail: a close() from one of its handlers must abort this loop's backoff
    this.#loop = loop;
    const failure = this.#fail(info, socketClose, loop.signal);
    // a final close (#fail ended the loop) or close() from a handler: there is nothing to wait for
    if (this.#loop === loop) this.#run(loop, failure);
  }

  /** Detaches a socket: its late events are ignored, and a no-op `onerror` keeps a late error from crashing Node. */
  #detach(connection: Connection): void {
    clearConnectTimer(connection, this.#timers);
    this.#heartbeat?.stop();
    const { socket } = connection;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = () => {};
    this.#connection = null;
    this.#outbound.attach(null);
    // after attach(null): requests re-sent from here queue for the next connection
    this.#inbound.disconnected();
    if (!connection.opened) return;
    const now = this.#timers.now();
    this.#disconnectedAt = now;
    if (now - connection.openedAt >= this.#policy.minUptime) {
      // only a connection that stayed up resets the counter: accept-then-close servers must not cause a storm
      this.#failures = 0;
      this.#authRetried = false;
    }
  }

  /** The heartbeat found the socket dead: drop it now, without a closing handshake that could never finish. */
  #onHeartbeatTimeout(error: LifelineError): void {
    const connection = this.#connection;
    if (!connection) return;
    if (this.#state.phase === 'closing') {
      // close() already runs; ending the socket now lets its close event finish it without ws's 30 s wait
      connection.socket.terminate?.();
      return;
    }
    this.#abandon(connection, error);
  }

  // ---- endings ----

  /**
   * The end of `close()`: one close event, with the code the socket reported (or 1006 when there was none).
   * @param opened whether the socket that closed had opened
   */
  #finishClose(close: { code: number; reason: string; wasClean: boolean }, opened: boolean): void {
    if (this.#state.phase !== 'closing') return;
    this.#transition({ phase: 'closed', code: close.code, reason: close.reason });
    this.#outbound.rejectWaiters(this.#closedError());
    const info: CloseInfo = { phase: opened ? 'open' : 'connect', ...close, attempt: 0 };
    this.#stats.lastClose = info;
    if (this.#hears('close')) this.#dispatchSocketEnd(new LifelineCloseEvent(close));
    this.#emit('close', { ...info, willReconnect: false });
  }

  /**
   * The attempt loop ended on an unexpected error (a platform socket that threw, or a bug): closed until
   * `reconnect()`, the queue kept for it, and no socket left running. Fatal closes and exhausted retries
   * are settled by `#fail` instead.
   */
  #finishFinal(error: LifelineError): void {
    const connection = this.#connection;
    if (connection) {
      this.#detach(connection);
      connection.socket.close();
    }
    const last = this.#stats.lastClose;
    this.#reportError(error);
    this.#transition({ phase: 'closed', code: last?.code ?? 1006, reason: last?.reason ?? '' });
    this.#outbound.rejectWaiters(error);
  }

  #closedError(): LifelineError {
    return new LifelineError('ERR_CLOSED', 'the Lifeline is closed', {
      cause: this.#stats.lastError ?? undefined,
    });
  }

  #failBeforeSocket(
    attempt: number,
    code: LifelineErrorCode,
    message: string,
    cause: unknown,
    signal: AbortSignal,
  ): AttemptFailed {
    const info: CloseInfo = {
      phase: 'connect',
      code: 1006,
      reason: '',
      wasClean: false,
      attempt,
      error: new LifelineError(
        code,
        `attempt ${attempt}: ${message}: ${(cause as Error)?.message ?? String(cause)}`,
        { cause },
      ),
    };
    return this.#fail(info, undefined, signal);
  }

  // ---- plumbing ----

  #transition(next: ConnectionState): void {
    const previous = this.#state;
    assertTransition(previous.phase, next.phase);
    this.#state = next;
    this.#isClosed = next.phase === 'closing' || next.phase === 'closed';
    this.#emit('state', next, previous);
  }

  #reportError(error: LifelineError): void {
    this.#stats.lastError = error;
    this.#emit('error', error);
  }

  #events(): EventEmitter {
    this.#emitter ??= new EventEmitter();
    return this.#emitter;
  }

  #emit<K extends keyof LifelineEvents<TMessage>>(event: K, ...args: LifelineEvents<TMessage>[K]): void {
    try {
      this.#emitter?.emit(event, ...args);
    } catch (error) {
      reportListenerError(error);
    }
  }

  /**
   * Dispatches the standard `close` or `error` event of a socket that ended. Its handlers read CLOSED, as
   * on that socket; Lifeline's own state (and a `close()` or `reconnect()` they call) already acts on
   * what follows.
   */
  #dispatchSocketEnd(event: Event): void {
    const wasReporting = this.#isReportingSocketEnd;
    this.#isReportingSocketEnd = true;
    try {
      this.dispatchEvent(event);
    } finally {
      this.#isReportingSocketEnd = wasReporting;
    }
  }

  /** Whether a standard event of `type` has a listener: events nobody hears are never built. */
  #hears(type: keyof StandardEventMap): boolean {
    return (this.#listenedTypes & TYPE_BITS[type]) !== 0;
  }

  #setHandler<K extends keyof StandardEventMap>(type: K, handler: StandardHandler<K>): void {
    // WebIDL: a non-callable value assigned to an event handler attribute is null
    const next = typeof handler === 'function' ? handler : null;
    const handlers = this.#handlers as Record<K, StandardHandler<K> | undefined>;
    const previous = handlers[type] ?? null;
    if (previous === null && next !== null) this.addEventListener(type, Lifeline.#callHandler);
    if (previous !== null && next === null) this.removeEventListener(type, Lifeline.#callHandler);
    handlers[type] = next;
  }

  /**
   * The listener behind the `on<type>` attributes of every Lifeline: EventTarget calls it with the
   * Lifeline as `this`, so an attribute needs no closure of its own.
   */
  static readonly #callHandler = function (this: Lifeline, event: Event): void {
    const handler = this.#handlers[event.type as keyof StandardEventMap] as
      | ((this: Lifeline, event: Event) => unknown)
      | null
      | undefined;
    handler?.call(this, event);
  };

  #setUrl(url: URL): void {
    this.#url = url.href;
    this.#origin = url.origin;
  }
}

// WebIDL constants, on the interface object and its prototype: enumerable, read-only, non-configurable
const READY_STATES: PropertyDescriptorMap = {
  CONNECTING: { value: CONNECTING, enumerable: true },
  OPEN: { value: OPEN, enumerable: true },
  CLOSING: { value: CLOSING, enumerable: true },
  CLOSED: { value: CLOSED, enumerable: true },
};
Object.defineProperties(Lifeline, READY_STATES);
Object.defineProperties(Lifeline.prototype, READY_STATES);

function checkOptions(policy: ReconnectOptions, options: AnyLifelineOptions): void {
  checkDuration('reconnect.minDelay', policy.minDelay);
  checkDuration('reconnect.maxDelay', policy.maxDelay);
  checkDuration('reconnect.factor', policy.factor);
  checkDuration('reconnect.retries', policy.retries, { allowInfinity: true });
  checkDuration('reconnect.minUptime', policy.minUptime);
  checkDuration('reconnect.maxRetryAfter', policy.maxRetryAfter);
  if (policy.jitter !== 'full' && policy.jitter !== 'equal' && policy.jitter !== false) {
    throw new RangeError(
      `Lifeline: option 'reconnect.jitter' must be 'full', 'equal' or false, got ${String(policy.jitter)}`,
    );
  }
  if (options.connectTimeout !== undefined) checkDuration('connectTimeout', options.connectTimeout);
  if (options.highWaterMark !== undefined) checkDuration('highWaterMark', options.highWaterMark);
  if (options.lowWaterMark !== undefined) checkDuration('lowWaterMark', options.lowWaterMark);
  if (options.inboundHighWaterMark !== undefined) {
    checkDuration('inboundHighWaterMark', options.inboundHighWaterMark, { allowInfinity: true });
  }
  if (options.utf8Length !== undefined && typeof options.utf8Length !== 'function') {
    throw new TypeError(
      `Lifeline: option 'utf8Length' must be a function, got ${String(options.utf8Length)}`,
    );
  }
  // line.request() makes its requester on first use; a bad setting should not wait until then
  if (options.request?.timeout !== undefined) {
    checkDuration('request.timeout', options.request.timeout, { allowInfinity: true });
  }
}

async function resolve<T>(
  provider: T | ((context: AttemptContext) => T | Promise<T>),
  context: AttemptContext,
): Promise<T> {
  return typeof provider === 'function'
    ? (provider as (context: AttemptContext) => T | Promise<T>)(context)
    : provider;
}

/**
 * eventemitter3 lets a listener's exception through, which would leave a transition half done (an open
 * socket in a 'closed' Lifeline). It is reported as EventTarget reports a throwing listener: out of band,
 * as an uncaught error, while Lifeline carries on.
 */
function reportListenerError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Starts the closing handshake; a socket paused for a slow consumer reads again, or it would never see the reply. */
function closeSocket(socket: WebSocketLike, code: number | undefined, reason: string | undefined): void {
  socket.resume?.();
  socket.close(code, reason);
}

function clearConnectTimer(connection: Connection, timers: Timers): void {
  if (connection.connectTimer === null) return;
  timers.clearTimeout(connection.connectTimer);
  connection.connectTimer = null;
}

function wrapError(code: LifelineErrorCode, cause: unknown, message?: string): LifelineError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new LifelineError(code, message ? `${message}: ${detail}` : detail, { cause });
}
