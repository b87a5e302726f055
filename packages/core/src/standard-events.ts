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
  declare readonly code: number;
  declare readonly reason: string;
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
  declare readonly error: unknown;
  declare readonly message: string;

  constructor(error: unknown) {
    super('error');
    this.error = error;
    this.message = error instanceof Error ? error.message : '';
  }
}

export interface StandardEventMap {
  open: Event;
  message: MessageEvent;
  close: LifelineCloseEvent;
  error: LifelineErrorEvent;
}
