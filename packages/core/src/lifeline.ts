import { AttemptLoop, type LoopConfig } from './attempt-loop.js';
import { utf8Length } from './byte-length.js';
import { jsonCodec } from './codec.js';
import { LifelineError } from './errors.js';
import { type Kernel, kernel } from './kernel.js';
import { SENDING } from './line-socket.js';
import { checkOptions, defaults, type LifelineArgs, type LifelineOptions, normalizeArgs } from './options.js';
import type { Outgoing } from './ports.js';
import { checkProtocols, parseWebSocketUrl } from './standard.js';
import { CLOSED, CLOSING, CONNECTING, OPEN, toReadyState } from './state.js';
import { defaultTimers } from './timers.js';

/**
 * A WebSocket that stays connected: the standard API, plus reconnect with backoff and jitter, an outbound
 * queue gated on `bufferedAmount`, typed messages and lifecycle events. Everything else is a capability: a
 * function that takes the line (`requester`, `messages`, `heartbeat`, …), bundled only when imported.
 *
 * @example
 * const line = new Lifeline('wss://example.com/feed', { reconnect: { minDelay: 500 } });
 * line.on('message', (msg) => console.log(msg));
 * line.send({ type: 'subscribe', channel: 'trades' }); // queued until open
 * @see https://websockets.spec.whatwg.org/#the-websocket-interface
 */
export class Lifeline<TMessage = unknown, TSend = unknown> extends AttemptLoop<TMessage> {
  // defined below as WebIDL constants: read-only and non-configurable, which class fields cannot be
  /** `readyState` 0: connecting, or waiting to reconnect. */
  declare static readonly CONNECTING: typeof CONNECTING;
  /** `readyState` 1: open; `send()` writes at once. */
  declare static readonly OPEN: typeof OPEN;
  /** `readyState` 2: closing after the application's `close()`. */
  declare static readonly CLOSING: typeof CLOSING;
  /** `readyState` 3: closed for good, until `reconnect()`. */
  declare static readonly CLOSED: typeof CLOSED;
  /** `readyState` 0, also on instances as the standard has it. */
  declare readonly CONNECTING: typeof CONNECTING;
  /** `readyState` 1, also on instances as the standard has it. */
  declare readonly OPEN: typeof OPEN;
  /** `readyState` 2, also on instances as the standard has it. */
  declare readonly CLOSING: typeof CLOSING;
  /** `readyState` 3, also on instances as the standard has it. */
  declare readonly CLOSED: typeof CLOSED;

  /**
   * Same forms as `new WebSocket(url, protocols)`, plus options. `url` and `protocols` may be functions,
   * called before every attempt (e.g. to put a fresh token in the URL).
   * @throws TypeError without arguments, as the standard; RangeError or TypeError for a bad option
   * @throws DOMException `SyntaxError` for a bad URL, scheme, fragment or protocol list, as the standard
   * @throws LifelineError `ERR_NO_WEBSOCKET` when no WebSocket constructor is available
   */
  constructor(...args: LifelineArgs<LifelineOptions<TMessage, TSend>>) {
    const { url, protocols, options } = normalizeArgs(args);
    const { WebSocket, codec = jsonCodec } = options;
    if (typeof WebSocket !== 'function') {
      throw new LifelineError(
        'ERR_NO_WEBSOCKET',
        'no WebSocket constructor: import Lifeline from @lifeline/node or @lifeline/browser, or pass the WebSocket option',
      );
    }
    // a line without settings of its own shares the defaults: a process may hold thousands
    const policy = options.reconnect ? { ...defaults.reconnect, ...options.reconnect } : defaults.reconnect;
    checkOptions(policy, options);
    // static arguments are checked now, as the standard constructor does; providers on every attempt
    const parsed = typeof url === 'function' ? undefined : parseWebSocketUrl(url, options.baseURL);
    if (typeof protocols !== 'function') checkProtocols(protocols ?? undefined);
    const config: LoopConfig = {
      url,
      protocols,
      options,
      policy,
      WebSocket,
      codec,
      utf8Length: options.utf8Length ?? utf8Length,
      timers: options.timers ?? defaultTimers,
    };
    super(config);
    if (parsed) this.setUrl(parsed);
    // a binary codec cannot decode a Blob synchronously
    const binaryType = options.binaryType ?? (codec.binary ? 'arraybuffer' : undefined);
    if (binaryType !== undefined) this.binaryType = binaryType;
    if (options.autoConnect ?? defaults.autoConnect) this.connect('initial');
  }

  /** CONNECTING while connecting and while waiting to reconnect; CLOSING only after `close()`; CLOSED when final. */
  get readyState(): 0 | 1 | 2 | 3 {
    return this.isReportingSocketEnd ? CLOSED : toReadyState(this.state.phase);
  }

  /**
   * Bytes handed to `send()` and not yet sent (UTF-8 for text): what the socket holds, plus what is queued
   * here, plus, as the standard says, everything sent after `close()`, which never leaves.
   * @see https://websockets.spec.whatwg.org/#dom-websocket-bufferedamount
   */
  get bufferedAmount(): number {
    const connection = this.connection;
    const outbound = this.outbound;
    // at least what was written in this task: ws stops counting bytes the moment the kernel takes them,
    // the standard only once the task ends
    const held = connection?.isLive ? Math.max(connection.socket.bufferedAmount, outbound.writtenNow) : 0;
    return held + outbound.queuedBytes + outbound.closedBytes;
  }

  /**
   * Sends now when open and below the high-water mark, otherwise queues. Unlike the standard it never
   * throws `InvalidStateError` while connecting: that is the point of a durable connection.
   * Strings and binary data go as they are; other values are checked by `sendSchema`, when given, and
   * encoded by the codec (JSON by default).
   * @returns true when sent or queued, false when dropped (a `drop` event says why)
   * @throws TypeError for a value `sendSchema` rejects or the codec cannot encode; nothing is queued then
   * @see https://websockets.spec.whatwg.org/#dom-websocket-send
   */
  send(data: TSend | Outgoing): boolean {
    // text goes as it is: the common case reads no options
    const frame = typeof data === 'string' ? data : this.encode(data);
    if (this.hookBits & SENDING) for (const plugin of this.plugins) plugin.sending?.(this);
    return this.outbound.push(data, frame, true, this.isClosed) !== false;
  }

  static {
    // the seam: capabilities reach a line's insides only through these functions
    Object.assign(kernel, {
      use: (line, plugin) => line.use(plugin),
      outbox: (line) => line.outbound,
      abandon: (line, error, code) => line.abandon(error, code),
      receive: (line, data, done) => line.receive(data, done),
      emit: (line, event, ...args) => line.emit(event, ...args),
      hold: (line, isHeld, code, reason) => line.hold(isHeld, code, reason),
      socket: (line) => (line.connection?.isLive ? line.connection.socket : null),
      timers: (line) => line.config.timers,
      WebSocket: (line) => line.config.WebSocket,
      notify: (line, hook, value) => {
        for (const plugin of line.plugins)
          (plugin[hook] as ((value: unknown, line: Lifeline) => void) | undefined)?.(value, line);
      },
    } satisfies Kernel);
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
