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
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The standard event shapes core reads from a socket; only these fields are used. */
export interface SocketMessageEvent {
  readonly data: unknown;
  /** Payload bytes, where the platform knows them without counting (Node); otherwise core counts. */
  readonly size?: number;
}
export interface SocketCloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}
export interface SocketErrorEvent {
  readonly type: string;
  /** `ws` and undici say what failed here; browsers say nothing, by design. */
  readonly error?: unknown;
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
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly protocol: string;
  readonly extensions: string;
  readonly url: string;
  binaryType: string;
  onopen: Handler<unknown> | null;
  onmessage: Handler<SocketMessageEvent> | null;
  onclose: Handler<SocketCloseEvent> | null;
  onerror: Handler<SocketErrorEvent> | null;
  send(data: Outgoing): void;
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
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Wall-clock milliseconds; deadlines are checked against it, not only by timers (throttled tabs). */
  now(): number;
}
