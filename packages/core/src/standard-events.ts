/*
 * The standard events core builds itself. Core never re-dispatches a platform event object: `ws`,
 * undici and browsers each shape theirs differently, and a re-dispatched event keeps the old target.
 * Node 20 has no global CloseEvent, so the close and error classes are core's own, with the standard's
 * fields; message events are the platform's own `MessageEvent`.
 */

/** What every WebSocket message event has for `ports`: the standard's frozen, empty array. */
const NO_PORTS: readonly never[] = Object.freeze([]);

/**
 * A `message` event for runtimes without a `MessageEvent` of their own (React Native); everywhere else
 * Lifeline dispatches the platform's. The fields a WebSocket never sets are getters on the prototype, as
 * the standard's attributes are.
 */
export class LifelineMessageEvent<TData = unknown> extends Event {
  declare readonly data: TData;
  /** The serialisation of the URL's origin, e.g. `wss://example.com`. */
  declare readonly origin: string;

  constructor(type: string, init: { data?: TData; origin?: string } = {}) {
    super(type);
    this.data = init.data as TData;
    this.origin = init.origin ?? '';
  }

  get lastEventId(): string {
    return '';
  }

  get source(): null {
    return null;
  }

  get ports(): readonly never[] {
    return NO_PORTS;
  }
}

/**
 * The class of the `message` events Lifeline dispatches: the platform's `MessageEvent` (browsers, workers,
 * Node, Deno, Bun), so `event instanceof MessageEvent` holds as for any WebSocket; core's own where none exists.
 */
export const PlatformMessageEvent: new (
  type: 'message',
  init: { data: unknown; origin: string },
) => MessageEvent =
  typeof MessageEvent === 'function'
    ? MessageEvent
    : (LifelineMessageEvent as unknown as new (
        type: 'message',
        init: { data: unknown; origin: string },
      ) => MessageEvent);

// the fields are `declare`d and set in the constructors: no class-field initialisers to ship

/** A `close` event with the code, reason and `wasClean` the socket itself reported. */
export class LifelineCloseEvent extends Event {
  /** The socket's close code; 1006 when the connection was lost without a closing handshake. */
  declare readonly code: number;
  /** The close reason the peer sent, `''` when none. */
  declare readonly reason: string;
  /** Whether the closing handshake completed. */
  declare readonly wasClean: boolean;

  constructor(init: { code: number; reason: string; wasClean: boolean }) {
    super('close');
    this.code = init.code;
    this.reason = init.reason;
    this.wasClean = init.wasClean;
  }
}

/** An `error` event. The standard's is a plain `Event`; `error` adds what the platform said, when it said anything. */
export class LifelineErrorEvent extends Event {
  /** What the platform reported (`ws` and undici give an Error; browsers nothing, by design). */
  declare readonly error: unknown;
  /** `error`'s message, `''` when the platform gave none. */
  declare readonly message: string;

  constructor(error: unknown) {
    super('error');
    this.error = error;
    this.message = error instanceof Error ? error.message : '';
  }
}

/**
 * The standard events, by type, as `addEventListener` and the `on*` attributes deliver them; the typed
 * extension events are {@link LifelineEvents}.
 */
export interface StandardEventMap {
  /** Each connection opened, after the `handshake` hook and the queue flush. */
  open: Event;
  /** Each frame as received, before decoding: `data` is a string or binary in the `binaryType` asked for. */
  message: MessageEvent;
  /** Each socket that closed, reconnect or not: the socket's own code, reason and `wasClean`. */
  close: LifelineCloseEvent;
  /** Each socket error; the line's own failures go to the `error` extension event instead. */
  error: LifelineErrorEvent;
}
