import { byteLength } from './byte-length.js';
import type { CloseInfo } from './classify.js';
import { type Codec, toFrame } from './codec.js';
import { Inbound, type InboundHooks } from './decode.js';
import { LifelineError, type LifelineErrorCode, messageOf } from './errors.js';
import type { Plugin } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import { LineEvents } from './line-events.js';
import { type AnyLifelineOptions, defaults } from './options.js';
import { Outbound, type OutboundHooks, type OutboundSettings } from './outbound.js';
import type { Outgoing, SocketCloseEvent, Timers, WebSocketConstructor, WebSocketLike } from './ports.js';
import { redact } from './redact.js';
import { LifelineErrorEvent, PlatformMessageEvent } from './standard-events.js';
import { CONNECTING } from './state.js';

/** What a line is made with, once its arguments are checked. */
export interface LineConfig {
  readonly options: AnyLifelineOptions;
  readonly WebSocket: WebSocketConstructor;
  readonly timers: Timers;
  readonly codec: Codec;
  readonly utf8Length: (text: string) => number;
}

/** The fields of a standard close event, as a socket reports them. */
export type CloseFields = Pick<CloseInfo, 'code' | 'reason' | 'wasClean'>;

/** The socket of the current attempt, from dial until it is let go. */
export interface Connection {
  readonly socket: WebSocketLike;
  readonly attempt: number;
  /** The socket opened (its own `open` event). */
  isOpen: boolean;
  /** The line opened on it (after the `opening` hooks). */
  isLive: boolean;
  openedAt: number;
  lastError: unknown;
}

const NO_PLUGINS: readonly Plugin[] = Object.freeze([]);
/** The per-message hooks, one bit each in `hookBits`. */
export const SENDING = 1;
const WROTE = 2;
const FRAME = 4;
/** The line a socket belongs to, so the four socket handlers are shared functions, not closures per socket. */
const LINE = Symbol('lifeline');
type Tagged = WebSocketLike & { [LINE]?: LineSocket<unknown> | undefined };
type SocketHandler<K extends 'onopen' | 'onmessage' | 'onerror' | 'onclose'> = NonNullable<WebSocketLike[K]>;
// what the inbound and outbound paths ask of a line, one object each for all lines; set in the class's
// static block
let inboundHooks: InboundHooks<LineSocket<unknown>>;
let outboundHooks: OutboundHooks<LineSocket<unknown>>;
/** Lines with the same options share their outbound settings: a process may hold thousands. */
const settingsOf = new WeakMap<AnyLifelineOptions, OutboundSettings>();

function outboundSettings({ options, timers, utf8Length }: LineConfig): OutboundSettings {
  let settings = settingsOf.get(options);
  if (settings === undefined) {
    settings = {
      queue: options.queue ? { ...defaults.queue, ...options.queue } : defaults.queue,
      highWaterMark: options.highWaterMark ?? defaults.highWaterMark,
      lowWaterMark: options.lowWaterMark ?? defaults.lowWaterMark,
      timers,
      utf8Length,
    };
    settingsOf.set(options, settings);
  }
  return settings;
}

// shared by every socket; set in the class's static block, where the private methods are in reach
let onSocketOpen: SocketHandler<'onopen'>;
let onSocketMessage: SocketHandler<'onmessage'>;
let onSocketError: SocketHandler<'onerror'>;
let onSocketClose: SocketHandler<'onclose'>;

/**
 * The socket side of a line: dials the socket of each attempt, turns its events into the line's, hands
 * frames to the decoder and the line's outbound queue to the socket, and reports every end of a socket
 * to the attempt loop above (`socketEnded`). Capabilities hook in here (kernel.ts).
 */
export abstract class LineSocket<TMessage> extends LineEvents<TMessage> {
  protected readonly outbound: Outbound<LineSocket<unknown>>;
  protected readonly config: LineConfig;
  readonly #inbound: Inbound<LineSocket<unknown>>;
  #plugins: readonly Plugin[] = NO_PLUGINS;
  // which per-message hooks some plugin has (SENDING, WROTE, FRAME): a send or a frame skips the loop
  // when none does
  protected hookBits = 0;
  #connection: Connection | null = null;
  // the one timer of the attempt loop: the connect timeout or the backoff delay, never both
  #timer: unknown = null;
  // closing or closed, set by the loop: frames that arrive then are not delivered
  protected isClosed = false;
  #url = '';
  #origin = '';
  #protocol = '';
  #extensions = '';
  #binaryType: string = defaults.binaryType;

  constructor(config: LineConfig) {
    super();
    this.config = config;
    this.#inbound = new Inbound(
      config.codec,
      config.options.schema,
      inboundHooks,
      this as LineSocket<unknown>,
    );
    this.outbound = new Outbound(outboundSettings(config), outboundHooks, this as LineSocket<unknown>);
  }

  /** The URL of the current or last attempt, serialised; `''` until a URL provider has been called. */
  get url(): string {
    return this.#url;
  }

  /** The subprotocol the server selected on the current or last connection. */
  get protocol(): string {
    return this.#protocol;
  }

  /** The extensions the server accepted on the current or last connection. */
  get extensions(): string {
    return this.#extensions;
  }

  /**
   * `'blob'` (the default, as the standard says) or `'arraybuffer'`, plus what the platform adds (Node:
   * `'nodebuffer'`). Kept across reconnects. Like the standard's attribute, an unknown value is ignored.
   */
  get binaryType(): string {
    return this.#binaryType;
  }

  /** Applies to the current socket at once and to every later one. */
  set binaryType(value: string) {
    if (value !== 'blob' && value !== 'arraybuffer' && !this.config.options.extraBinaryTypes?.includes(value))
      return;
    this.#binaryType = value;
    const socket = this.#connection?.socket;
    if (socket) socket.binaryType = value;
  }

  /** The current attempt's socket, from dial until it is let go. */
  protected get connection(): Readonly<Connection> | null {
    return this.#connection;
  }

  /** Encodes a value as `send()` does. @throws TypeError for a value `sendSchema` rejects or the codec cannot encode */
  protected encode(value: unknown): Outgoing {
    return toFrame(value, this.config.codec, this.config.options.sendSchema);
  }

  protected setUrl(url: URL): void {
    this.#url = url.href;
    this.#origin = url.origin;
  }

  protected setTimer(callback: () => void, ms: number): void {
    this.clearTimer();
    this.#timer = this.config.timers.setTimeout(() => {
      this.#timer = null;
      callback();
    }, ms);
  }

  protected clearTimer(): void {
    if (this.#timer === null) return;
    this.config.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** This line as capabilities see it: every line is a `Lifeline`. */
  protected get line(): Lifeline<unknown, unknown> {
    return this as unknown as Lifeline<unknown, unknown>;
  }

  protected get plugins(): readonly Plugin[] {
    return this.#plugins;
  }

  protected use(plugin: Plugin): () => void {
    // concat: a spread into a new array reserves 17 slots, 128 B more per line that has one plugin
    this.#setPlugins(this.#plugins.concat([plugin]));
    return () => this.#setPlugins(this.#plugins.filter((each) => each !== plugin));
  }

  #setPlugins(plugins: readonly Plugin[]): void {
    this.#plugins = plugins;
    this.#inbound.claimers = plugins.filter((each) => each.claim);
    let bits = 0;
    for (const plugin of plugins) {
      if (plugin.sending) bits |= SENDING;
      if (plugin.wrote) bits |= WROTE;
      if (plugin.frame) bits |= FRAME;
    }
    this.hookBits = bits;
    this.outbound.wrapper = plugins.find((each) => each.write);
  }

  /** The loop's word on an attempt that opened: the line is open on it now, or the open was abandoned. */
  protected abstract socketOpened(connection: Connection): void;
  /**
   * Every end of a socket comes here once: its close, a failed or abandoned attempt, or a failure before a
   * socket existed (`socketClose` undefined: no standard close event).
   * @param uptime how long it had been open, in ms; -1 if it never opened
   */
  protected abstract socketEnded(info: CloseInfo, socketClose: CloseFields | undefined, uptime: number): void;

  protected dial(attempt: number, url: string, protocols: string[], socketOptions: unknown): void {
    let socket: Tagged;
    try {
      socket = new this.config.WebSocket(
        url,
        protocols,
        socketOptions as Record<string, unknown> | undefined,
      );
      socket.binaryType = this.#binaryType;
    } catch (cause) {
      this.failBeforeSocket(
        attempt,
        'ERR_CONNECT_FAILED',
        `could not create a WebSocket for ${redact(url)}`,
        cause,
      );
      return;
    }
    const connection: Connection = {
      socket,
      attempt,
      isOpen: false,
      isLive: false,
      openedAt: 0,
      lastError: undefined,
    };
    this.#connection = connection;
    socket[LINE] = this as LineSocket<unknown>;
    socket.onopen = onSocketOpen;
    socket.onmessage = onSocketMessage;
    socket.onerror = onSocketError;
    socket.onclose = onSocketClose;
    const timeout = this.config.options.connectTimeout ?? defaults.connectTimeout;
    this.setTimer(() => {
      const message = `attempt ${attempt} to ${redact(url)} timed out after ${timeout} ms`;
      this.abandon(new LifelineError('ERR_CONNECT_TIMEOUT', message));
    }, timeout);
  }

  /** Starts writing to the socket the line just opened on: what capabilities replay first, then the queue. */
  protected attach(connection: Connection): void {
    const { socket } = connection;
    connection.isLive = true;
    this.#protocol = socket.protocol;
    this.#extensions = socket.extensions;
    for (const plugin of this.#plugins) plugin.open?.(socket, this.line);
    this.outbound.attach(socket);
  }

  /**
   * Gives up on the socket now (timeout, failed handshake, manual reconnect, hold, dead link) without
   * waiting for its close; with `code`, starts a closing handshake the server sees, but does not wait for it.
   */
  protected abandon(error: LifelineError | undefined, code?: number, reason = ''): void {
    const connection = this.#connection;
    if (connection === null) return;
    const { socket } = connection;
    // while closing, the socket's own close event ends close(): end it now rather than wait for a reply
    if (this.isClosed) {
      socket.terminate?.();
      return;
    }
    const uptime = this.#detach(connection);
    if (code !== undefined) closeSocket(socket, code, reason);
    else if (socket.terminate) socket.terminate();
    else socket.close();
    // the detached socket's own close event is ignored; this one (1006, or the code sent) is what is seen
    const close = { code: code ?? 1006, reason, wasClean: false };
    this.socketEnded(endOf(connection, close, error), close, uptime);
  }

  /** Starts the closing handshake of the current socket; its close event ends what follows. */
  protected closeSocket(code: number | undefined, reason: string | undefined): void {
    const connection = this.#connection;
    if (connection === null) return;
    // sends from now on are not handed to a socket that is closing
    this.outbound.attach(null);
    closeSocket(connection.socket, code, reason);
  }

  /** Ends an attempt that has no socket (held, or failed before one existed): a 1006 with no close event. */
  protected endAttempt(attempt: number, error?: LifelineError): void {
    this.socketEnded({ phase: 'connect', ...ABNORMAL, attempt, ...(error && { error }) }, undefined, -1);
  }

  protected failBeforeSocket(
    attempt: number,
    code: LifelineErrorCode,
    message: string,
    cause: unknown,
  ): void {
    this.endAttempt(
      attempt,
      new LifelineError(code, `attempt ${attempt}: ${message}: ${messageOf(cause)}`, { cause }),
    );
  }

  #onOpen(connection: Connection): void {
    this.clearTimer();
    connection.isOpen = true;
    connection.openedAt = this.config.timers.now();
    const holds: Promise<void>[] = [];
    for (const plugin of this.#plugins) {
      const held = plugin.opening?.(connection.socket, connection.attempt, this.line);
      if (held) holds.push(held);
    }
    // open now, before the socket can deliver a frame: ws parses a frame that came with the upgrade right
    // after its own open, and the standard promises `open` before any `message`
    // (test/regressions/open-before-first-message). A handshake opens later, as it must read replies.
    if (holds.length === 0) {
      this.socketOpened(connection);
      return;
    }
    Promise.all(holds).then(
      () => {
        if (this.#connection === connection) this.socketOpened(connection);
      },
      (error: LifelineError) => {
        if (this.#connection === connection) this.abandon(error);
      },
    );
  }

  #onMessage(data: unknown, size: number | undefined): void {
    // the standard's "if readyState is not OPEN, return": after close(), frames already received are not
    // delivered, as standard events or decoded
    if (this.isClosed) return;
    if (this.hookBits & FRAME) {
      // a frame is text or binary data; anything else a platform hands over counts as 0, not NaN
      const bytes = size ?? (byteLength(data as Outgoing, this.config.utf8Length) || 0);
      let isSwallowed = false;
      // every hook sees every frame: a heartbeat must hear the frames a session swallows
      for (const plugin of this.#plugins) if (plugin.frame?.(data, bytes, this.line)) isSwallowed = true;
      if (isSwallowed) return;
    }
    this.receive(data);
  }

  /** The message path of a frame no plugin swallowed, or of a payload a plugin unwrapped (Kernel.receive). */
  protected receive(data: unknown, done?: () => void): void {
    if (this.isClosed) {
      done?.();
      return;
    }
    if (this.hears('message'))
      this.dispatchEvent(new PlatformMessageEvent('message', { data, origin: this.#origin }));
    // decoding costs only where someone takes decoded values: raw drop-in use never parses
    const inbound = this.#inbound;
    if (inbound.isActive || this.takesMessages) inbound.push(data, done);
    else done?.();
  }

  #onError(connection: Connection, event: { error?: unknown; message?: string }): void {
    const error = event.error ?? (event.message ? new Error(event.message) : undefined);
    connection.lastError = error;
    if (this.hears('error')) this.dispatchSocketEnd(new LifelineErrorEvent(error));
    // the standard closes a failed attempt before its error event; undici 6 (Node 22) fires the error
    // alone and stays CONNECTING, so no close would ever come (nodejs/undici#3697)
    if (
      !connection.isOpen &&
      connection.socket.readyState === CONNECTING &&
      this.#connection === connection
    ) {
      this.#onClose(connection, ABNORMAL);
    }
  }

  #onClose(connection: Connection, event: SocketCloseEvent): void {
    const uptime = this.#detach(connection);
    const close = { code: event.code, reason: event.reason, wasClean: event.wasClean };
    const error = connection.isOpen
      ? undefined
      : new LifelineError(
          'ERR_CONNECT_FAILED',
          `attempt ${connection.attempt} to ${redact(this.#url)} failed (code ${close.code})`,
          { cause: connection.lastError },
        );
    let info = endOf(connection, close, error);
    for (const plugin of this.#plugins)
      if (plugin.describe) info = plugin.describe(connection.socket, info, this.line);
    this.socketEnded(info, close, uptime);
  }

  /**
   * Lets a socket go: its late events are ignored, and a no-op `onerror` keeps a late error from crashing
   * Node. Returns how long it had been open (-1: never).
   */
  #detach(connection: Connection): number {
    this.clearTimer();
    const socket = connection.socket as Tagged;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = ignore;
    socket[LINE] = undefined;
    this.#connection = null;
    this.outbound.attach(null);
    for (const plugin of this.#plugins) plugin.detached?.(connection.isLive, this.line);
    return connection.isOpen ? this.config.timers.now() - connection.openedAt : -1;
  }

  static {
    inboundHooks = {
      deliver: (line, value) => line.deliver(value),
      invalid: (line, data, issues) => line.emit('invalid', { data, issues }),
    };
    outboundHooks = {
      encode: (line, value) => line.encode(value),
      isClosed: (line) => line.isClosed,
      dropped: (line, data, reason) => line.emit('drop', { data, reason }),
      wrote: (line, bytes) => {
        if (line.hookBits & WROTE) for (const plugin of line.#plugins) plugin.wrote?.(bytes, line.line);
      },
      flushed: (line) => {
        for (const plugin of line.#plugins) plugin.flushed?.(line.line);
      },
    };
    // LINE is set on the current socket only (dial sets it, #detach clears it): a handler that finds its
    // line acts for the line's current connection
    onSocketOpen = function (this: Tagged) {
      const line = this[LINE];
      if (line) line.#onOpen(line.#connection as Connection);
    };
    onSocketMessage = function (this: Tagged, event) {
      const line = this[LINE];
      if (line) line.#onMessage(event.data, event.size);
    };
    onSocketError = function (this: Tagged, event) {
      const line = this[LINE];
      if (line) line.#onError(line.#connection as Connection, event);
    };
    onSocketClose = function (this: Tagged, event) {
      const line = this[LINE];
      if (line) line.#onClose(line.#connection as Connection, event);
    };
  }
}

function ignore(): void {}

/** A failed attempt's close, or an abandoned socket's, as the standard reports a connection that failed. */
const ABNORMAL: CloseFields = { code: 1006, reason: '', wasClean: false };

/** How the socket of `connection` ended: a lost connection (attempt 0) or a failed attempt. */
function endOf(connection: Connection, close: CloseFields, error: LifelineError | undefined): CloseInfo {
  const { isOpen } = connection;
  return {
    phase: isOpen ? 'open' : 'connect',
    ...close,
    attempt: isOpen ? 0 : connection.attempt,
    ...(error && { error }),
  };
}

/** Starts the closing handshake; a socket paused for a slow consumer reads again, or it would never see the reply. */
function closeSocket(socket: WebSocketLike, code: number | undefined, reason: string | undefined): void {
  socket.resume?.();
  socket.close(code, reason);
}
