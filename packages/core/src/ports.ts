/*
 * Everything core needs from a platform. The platform packages supply these: @lifeline/node a `ws`
 * subclass, @lifeline/browser the global WebSocket. Core never reaches for a global socket itself.
 */

/** Binary payloads the standard `send()` accepts. */
export type BinaryData = ArrayBuffer | ArrayBufferView | Blob;
/** What can be handed to a socket. */
export type Outgoing = string | BinaryData;

/** The HTTP response of an upgrade the server refused (only platforms that can see it report it). */
export interface UpgradeResponse {
  /** The HTTP status, e.g. 401 or 503; the reconnect policy decides on it as on a close code. */
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The standard event shapes core reads from a socket; only these fields are used. */
export interface SocketMessageEvent {
  /** A string, or binary data in the form `binaryType` asked for. */
  readonly data: unknown;
  /** Payload bytes, where the platform knows them without counting (Node); otherwise core counts. */
  readonly size?: number;
}
/** The standard close event's fields core reads to classify a closure. */
export interface SocketCloseEvent {
  /** The close code; 1006 when the connection was lost without a closing handshake. */
  readonly code: number;
  /** The peer's close reason, UTF-8, at most 123 bytes. */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
}
/** The standard error event, plus the details the Node sockets add. */
export interface SocketErrorEvent {
  /** `'error'`: present so a platform's own event objects fit without adaptation. */
  readonly type: string;
  /** `ws` and undici say what failed here; browsers say nothing, by design. */
  readonly error?: unknown;
  /** `ws`'s description of the failure, where there is one. */
  readonly message?: string;
}

/**
 * An event handler slot. Method syntax makes the parameter bivariant, so a platform socket whose handler
 * expects its own richer event type (a DOM `MessageEvent`, a `ws` event) still fits the port.
 */
type Handler<E> = { handle(event: E): void }['handle'];

/**
 * The part of the standard WebSocket core drives, plus optional capabilities a platform may add.
 * Core attaches through the `on*` attributes: both `ws` and browsers have them, and replacing them
 * detaches a socket in one assignment.
 */
export interface WebSocketLike {
  /** 0 to 3, as the standard's CONNECTING, OPEN, CLOSING, CLOSED. */
  readonly readyState: number;
  /** Bytes passed to `send()` but not yet on the wire; the queue holds back while it is high. */
  readonly bufferedAmount: number;
  /** The subprotocol the server selected, `''` when none. */
  readonly protocol: string;
  /** The extensions the server accepted, e.g. `permessage-deflate`. */
  readonly extensions: string;
  /** The URL this socket connected to, after resolution. */
  readonly url: string;
  /** Core sets it on every socket it creates, because `ws` defaults to `'nodebuffer'`, not the standard's `'blob'`. */
  binaryType: string;
  /** Core's handler for the open event. */
  onopen: Handler<unknown> | null;
  /** Core's handler for each incoming message. */
  onmessage: Handler<SocketMessageEvent> | null;
  /** Core's handler for the close event, which decides on reconnecting. */
  onclose: Handler<SocketCloseEvent> | null;
  /** Core's handler for errors; a detached socket keeps a no-op one, so its late errors stay silent. */
  onerror: Handler<SocketErrorEvent> | null;
  /** Sends one message, as the standard `send()`. */
  send(data: Outgoing): void;
  /** Starts the closing handshake, as the standard `close()`. */
  close(code?: number, reason?: string): void;

  /** Sends and calls back once the bytes left the process; lets the queue drain without polling. */
  sendWithCallback?(data: Outgoing, callback: (error?: Error) => void): void;
  /** Protocol-level ping (RFC 6455 §5.5.2); browsers have none. */
  ping?(): void;
  /** Called for every pong frame, where the platform exposes them. */
  onpong?: (() => void) | null;
  /** Called for every ping frame from the server (the platform answers it by itself), where it exposes them. */
  onping?: (() => void) | null;
  /** Drops the connection at once, without the closing handshake. */
  terminate?(): void;
  /** Stops reading from the network (inbound backpressure), where the platform can. */
  pause?(): void;
  /** Reads from the network again after `pause()`. */
  resume?(): void;
  /**
   * The close code the platform sent when it failed the connection itself on a protocol error (Node: 1009
   * for a message over `maxPayload`); its close event then says 1006, as the standard does for a failure.
   */
  readonly failCode?: number | undefined;
  /**
   * Set when the server refused the upgrade with an HTTP response the platform can see. Values that carry
   * credentials (`set-cookie`, tokens in a `location` URL) must already be masked: events and errors carry it.
   */
  readonly upgradeResponse?: UpgradeResponse | undefined;
}

/**
 * A WebSocket constructor. The third argument carries per-attempt platform options (for `ws`: headers,
 * TLS, agent); platforms without such options ignore it.
 */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: Record<string, unknown>,
) => WebSocketLike;

/** Clock and timers, injectable so backoff arithmetic can be tested with fake time. */
export interface Timers {
  /** Schedules `callback` after `ms` milliseconds; the handle is opaque to core. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer `setTimeout` returned. */
  clearTimeout(handle: unknown): void;
  /** Wall-clock milliseconds; deadlines are checked against it, not only by timers (throttled tabs). */
  now(): number;
}
