import { EventEmitter } from 'eventemitter3';
import type { LifelineEvents } from './events.js';
import type { StandardEventMap } from './standard-events.js';

/*
 * The two event surfaces of a line, kept apart as ws's lib/event-target.js does: the standard one
 * (`on<type>` attributes and `addEventListener`, carrying `Event`s core builds only when someone listens)
 * and the typed extension events (`on`/`once`/`off`, on eventemitter3).
 */

/** One bit per standard event type: which ones have listeners is a number, not a `Set` per line. */
const TYPE_BITS = { open: 1, message: 2, close: 4, error: 8 } as const satisfies Record<
  keyof StandardEventMap,
  number
>;

type StandardHandler<K extends keyof StandardEventMap> =
  | ((this: LineEvents<unknown>, event: StandardEventMap[K]) => unknown)
  | null;
type Listener<TMessage, K extends keyof LifelineEvents<TMessage>> = (
  ...args: LifelineEvents<TMessage>[K]
) => void;

/** The event surfaces of `Lifeline`; the attempt loop and the standard attributes build on it. */
export abstract class LineEvents<TMessage> extends EventTarget {
  // eventemitter3 for the typed extension events; created on first use to keep idle connections small
  #emitter: EventEmitter | null = null;
  // standard event types with at least one listener (TYPE_BITS): events nobody listens to are never built
  #listenedTypes = 0;
  // the `on<type>` attribute handlers, called by one listener shared by every line (#callHandler)
  #handlers: { [K in keyof StandardEventMap]?: StandardHandler<K> } = {};
  // while a socket's standard close or error event is dispatched, readyState is CLOSED, as that socket's
  // own is, even when the state already says what comes next (waiting to reconnect)
  #isReportingSocketEnd = false;

  // enumerable accessors on the prototype, as WebIDL attributes are, defined in one loop below (the static
  // block): four pairs written out cost 140 B more of minified bundle
  /** Called for each connection that opens, as the standard's `onopen`. */
  declare onopen: StandardHandler<'open'>;
  /** Called for each frame, undecoded, as the standard's `onmessage`; decoded messages go to `on('message')`. */
  declare onmessage: StandardHandler<'message'>;
  /** Called for each socket that closes, reconnect or not, as the standard's `onclose`. */
  declare onclose: StandardHandler<'close'>;
  /** Called for each socket error, as the standard's `onerror`. */
  declare onerror: StandardHandler<'error'>;

  /**
   * Listens to a standard event ({@link StandardEventMap}). The event objects are built only while someone
   * listens, so a line nobody listens to this way allocates none.
   */
  override addEventListener<K extends keyof StandardEventMap>(
    type: K,
    listener: ((this: this, event: StandardEventMap[K]) => unknown) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Listens to any event type, as `EventTarget` allows; only the standard four are ever dispatched. */
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

  /** Listens to a typed extension event. A listener that throws is reported out of band and starves no other. */
  on<K extends keyof LifelineEvents<TMessage>>(event: K, listener: Listener<TMessage, K>): this {
    this.#emitter ??= new EventEmitter();
    this.#emitter.on(event, isolated, listener);
    return this;
  }

  /** Like `on`, for the next event only. */
  once<K extends keyof LifelineEvents<TMessage>>(event: K, listener: Listener<TMessage, K>): this {
    this.#emitter ??= new EventEmitter();
    this.#emitter.once(event, isolated, listener);
    return this;
  }

  /** Removes `listener`; without one, every listener of `event`. */
  off<K extends keyof LifelineEvents<TMessage>>(event: K, listener?: Listener<TMessage, K>): this {
    if (listener) this.#emitter?.off(event, isolated, listener);
    else this.#emitter?.removeAllListeners(event);
    return this;
  }

  /** How many `on`/`once` listeners `event` has, e.g. to skip work nobody would hear. */
  listenerCount(event: keyof LifelineEvents<TMessage>): number {
    return this.#emitter?.listenerCount(event) ?? 0;
  }

  /** Emits a typed extension event; nothing is built or called when nobody listens. */
  protected emit<K extends keyof LifelineEvents<TMessage>>(
    event: K,
    ...args: LifelineEvents<TMessage>[K]
  ): void {
    this.#emitter?.emit(event, ...args);
  }

  /** Emits a decoded message: the per-message path, without the rest array `emit` makes. */
  protected deliver(message: TMessage): void {
    this.#emitter?.emit('message', message);
  }

  /** Whether decoded values are wanted: a typed `message` or `invalid` listener exists. */
  protected get takesMessages(): boolean {
    const emitter = this.#emitter;
    return emitter !== null && (emitter.listenerCount('message') > 0 || emitter.listenerCount('invalid') > 0);
  }

  /** Whether a standard event of `type` has a listener: events nobody hears are never built. */
  protected hears(type: keyof StandardEventMap): boolean {
    return (this.#listenedTypes & TYPE_BITS[type]) !== 0;
  }

  /** True while a socket's standard `close` or `error` event is being dispatched. */
  protected get isReportingSocketEnd(): boolean {
    return this.#isReportingSocketEnd;
  }

  /**
   * Dispatches the standard `close` or `error` event of a socket that ended. Its handlers read CLOSED, as
   * on that socket; the line's own state (and a `close()` or `reconnect()` they call) already acts on
   * what follows.
   */
  protected dispatchSocketEnd(event: Event): void {
    const wasReporting = this.#isReportingSocketEnd;
    this.#isReportingSocketEnd = true;
    try {
      this.dispatchEvent(event);
    } finally {
      this.#isReportingSocketEnd = wasReporting;
    }
  }

  static {
    /**
     * The listener behind the `on<type>` attributes of every line: EventTarget calls it with the line as
     * `this`, so an attribute needs no closure of its own.
     */
    const callHandler = function (this: LineEvents<unknown>, event: Event): void {
      const handler = this.#handlers[event.type as keyof StandardEventMap] as
        | ((this: LineEvents<unknown>, event: Event) => unknown)
        | null
        | undefined;
      handler?.call(this, event);
    };
    // the `on<type>` event handler attributes, as WebIDL defines them: accessors on the prototype
    for (const type of Object.keys(TYPE_BITS) as Array<keyof StandardEventMap>) {
      Object.defineProperty(LineEvents.prototype, `on${type}`, {
        configurable: true,
        enumerable: true,
        get(this: LineEvents<unknown>) {
          return this.#handlers[type] ?? null;
        },
        set(this: LineEvents<unknown>, handler: unknown) {
          // WebIDL: a non-callable value assigned to an event handler attribute is null
          const next = typeof handler === 'function' ? handler : null;
          const handlers = this.#handlers as Record<string, unknown>;
          const previous = handlers[type] ?? null;
          if (previous === null && next !== null) this.addEventListener(type, callHandler);
          if (previous !== null && next === null) this.removeEventListener(type, callHandler);
          handlers[type] = next;
        },
      });
    }
  }
}

/**
 * Every typed listener is registered through this one function, with the application's listener as its
 * `this` (eventemitter3's context): a listener that throws is reported as EventTarget reports one, out of
 * band as an uncaught error, and neither derails a transition nor starves the listeners after it. No
 * event has more than two arguments.
 */
const isolated = function (this: (...args: unknown[]) => void, first?: unknown, second?: unknown): void {
  try {
    // as many arguments as the event has (a listener may count them), without a rest array per call
    // biome-ignore lint/complexity/noArguments: its length is all that is read
    if (arguments.length < 2) this(first);
    else this(first, second);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
};
