import { EventEmitter } from 'node:events';
import type { ClientRequest, IncomingMessage } from 'node:http';
import {
  redact,
  type SocketCloseEvent,
  type SocketErrorEvent,
  type SocketMessageEvent,
  type UpgradeResponse,
  type WebSocketLike,
} from '@lifeline/core';
import { WebSocket } from 'ws';

/**
 * The close code ws sends when it fails the connection on a protocol error (its `WS_ERR_*` codes);
 * ws then reports 1006, so the code that says what happened (1009: message too big) is kept here.
 */
const FAIL_CODES: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
};

/** An `on*` attribute handler, as core's port types it; called with the socket as `this`, as the standard's are. */
type Handler<E> = (this: NodeSocket, event: E) => void;

interface SocketHandlers {
  open: Handler<{ type: 'open' }> | null;
  message: Handler<SocketMessageEvent> | null;
  close: Handler<SocketCloseEvent> | null;
  error: Handler<SocketErrorEvent> | null;
}

/** ws's record of the closing handshake, which its own close event reads for `wasClean`. */
interface CloseFrames {
  readonly _closeFrameReceived: boolean;
  readonly _closeFrameSent: boolean;
}

/**
 * A mixin constructor type: TypeScript extends a class given as a value, and intersects the instance
 * types of `new`, only for a single signature with a rest parameter of `any[]`.
 */
// biome-ignore lint/suspicious/noExplicitAny: the mixin form requires exactly `any[]`
type MixinClass<T> = new (...args: any[]) => T;

/**
 * A class whose sockets are `ws` sockets: ws's WebSocket, a subclass of it (an application's
 * instrumentation), or the WebSocket of another copy of ws.
 */
export type WsClass = MixinClass<WebSocket>;

/** What the port adds to a ws socket, beyond what ws has of core's `WebSocketLike` already. */
export interface LifelinePort {
  onpong: (() => void) | null;
  onping: (() => void) | null;
  readonly upgradeResponse: UpgradeResponse | undefined;
  readonly failCode: number | undefined;
  /** Absent where the class overrides `send`; see withLifelinePort. */
  sendWithCallback?(data: Parameters<WebSocket['send']>[0], callback: (error?: Error) => void): void;
}

/** `Base` with the port mixed in: `new` gives `Base`'s instance with the port's members. */
export type WithLifelinePort<TBase extends WsClass> = TBase & MixinClass<LifelinePort>;

/**
 * The port class made for each ws class, so each class is extended once, however many Lifelines use it.
 * A class made here maps to itself, which is how a subclass of one is known to have the port already.
 */
const ports = new WeakMap<object, WsClass>();

/**
 * `Base`, a ws class, with the capabilities core's port names: write callbacks for the queue, ping and
 * pong events for the heartbeat, and the HTTP response of a refused upgrade for classification. `Base`'s
 * own methods still run (each override here calls `super`), so an instrumented subclass keeps its
 * instrumentation. Where `Base` overrides `send`, there are no write callbacks: the override may not pass
 * ws's callback on, and a callback that never comes would hold the queue for good, so core polls
 * `bufferedAmount` instead, as it does in browsers. A class that has the port already (a subclass of
 * `NodeSocket`) is returned as it is.
 */
export function withLifelinePort<TBase extends WsClass>(Base: TBase): WithLifelinePort<TBase> {
  let Port = ports.get(Base);
  if (Port === undefined) {
    Port = hasPort(Base) ? Base : mixPort(Base);
    ports.set(Base, Port);
  }
  return Port as WithLifelinePort<TBase>;
}

/** Whether `Class` was made here or extends a class that was. */
function hasPort(Class: WsClass): boolean {
  let ancestor: unknown = Class;
  while (typeof ancestor === 'function') {
    if (ports.get(ancestor) === ancestor) return true;
    ancestor = Object.getPrototypeOf(ancestor);
  }
  return false;
}

function mixPort(Base: WsClass): WsClass {
  // Node's own emit, not overridden: then a frame no listener takes need not go through it (see 'message').
  // Decided once per class, not per socket or per frame.
  const isPlainEmit = Base.prototype.emit === EventEmitter.prototype.emit;
  // ws's own send sits on the prototype that defines ping, ws's class (of whichever copy of ws)
  const isPlainSend = Base.prototype.send === definer(Base.prototype, 'ping')?.send;

  class NodeSocket extends Base implements WebSocketLike {
    onpong: (() => void) | null = null;
    onping: (() => void) | null = null;
    upgradeResponse: UpgradeResponse | undefined;
    failCode: number | undefined;
    // the `on*` attribute handlers core sets; see the static block
    #on: SocketHandlers = { open: null, message: null, close: null, error: null };

    static {
      // Core attaches through the `on*` attributes. ws's own make a wrapper listener for each, which an
      // idle connection carries for life (about 300 B for the three that are not `onmessage`), and build a
      // MessageEvent per frame that drops the frame's size, which core would then count again by scanning
      // the text (a tenth of the receive cost on a feed of small messages). These keep the handlers, and
      // `emit` below hands them the plain records core reads.
      for (const type of ['open', 'message', 'close', 'error'] as const) {
        Object.defineProperty(NodeSocket.prototype, `on${type}`, {
          enumerable: true,
          get(this: NodeSocket) {
            return this.#on[type];
          },
          set(this: NodeSocket, handler: unknown) {
            // WebIDL: a value that is not callable sets the attribute to null
            this.#on[type] = typeof handler === 'function' ? (handler as never) : null;
          },
        });
      }
    }

    /**
     * Reads ws's own events as they are emitted: one method on the prototype rather than a listener
     * closure per event on every socket, which an idle connection would carry for its whole life. Other
     * listeners still hear every event, after these.
     */
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      switch (event) {
        case 'message': {
          const handler = this.#on.message;
          // indexed, not destructured: no iterator per frame
          const data = args[0] as Buffer;
          // ws converts binary frames per binaryType already; a text frame is a Buffer of its UTF-8 bytes.
          // toString() and not String(): the conversion's generic path costs as much again as the rest of
          // the frame's way to core.
          if (handler !== null)
            handler.call(this, args[1] ? { data } : { data: data.toString(), size: data.length });
          // the per-frame path: emitting to no listener still costs an argument array and a lookup; an
          // overridden emit (an application's instrumentation) still hears every frame. The literal name,
          // not `event`: a constant key, which the compiler specialises
          return !isPlainEmit || this.listenerCount('message') > 0
            ? super.emit(event, ...args)
            : handler !== null;
        }
        case 'open':
          this.#on.open?.call(this, { type: 'open' });
          break;
        case 'close': {
          const [code, reason] = args as [number, Buffer];
          // what ws's own close event says: clean when close frames went both ways
          const { _closeFrameReceived, _closeFrameSent } = this as unknown as CloseFrames;
          this.#on.close?.call(this, {
            code,
            reason: reason.toString(),
            wasClean: _closeFrameReceived && _closeFrameSent,
          });
          break;
        }
        case 'pong':
          this.onpong?.();
          break;
        // ws answers pings by itself (autoPong); the heartbeat only needs to know one arrived
        case 'ping':
          this.onping?.();
          break;
        case 'error': {
          const error = args[0] as Error & { code?: string };
          const { code } = error;
          if (code?.startsWith('WS_ERR_')) this.failCode = FAIL_CODES[code] ?? 1002;
          this.#on.error?.call(this, { type: 'error', error, message: error.message });
          // heard here, so an error no listener takes does not throw, as with any listener
          if (this.listenerCount(event) > 0) super.emit(event, ...args);
          return true;
        }
        case 'unexpected-response': {
          // handled, so ws leaves the refused request to us: record the response, then fail the attempt
          // the way ws itself would (error, then close 1006)
          const [request, response] = args as [ClientRequest, IncomingMessage];
          this.upgradeResponse = { status: response.statusCode ?? 0, headers: safeHeaders(response) };
          response.resume();
          request.destroy();
          this.terminate();
          super.emit(event, ...args);
          return true;
        }
      }
      return super.emit(event, ...args);
    }

    sendWithCallback(data: Parameters<WebSocket['send']>[0], callback: (error?: Error) => void): void {
      this.send(data, callback);
    }
  }

  if (!isPlainSend) Reflect.deleteProperty(NodeSocket.prototype, 'sendWithCallback');
  ports.set(NodeSocket, NodeSocket);
  return NodeSocket;
}

/** The object in `prototype`'s chain that defines `name` itself. */
function definer(prototype: object, name: string): { readonly send?: unknown } | undefined {
  let current: object | null = prototype;
  while (current !== null && !Object.hasOwn(current, name)) current = Object.getPrototypeOf(current);
  return current ?? undefined;
}

/** A NodeSocket: ws's socket with the port, write callbacks included. */
export interface NodeSocket extends WebSocket, LifelinePort {
  sendWithCallback(data: Parameters<WebSocket['send']>[0], callback: (error?: Error) => void): void;
}
/** `ws`'s own WebSocket with the port: the socket of every Lifeline not given a `WebSocket`. */
export const NodeSocket = withLifelinePort(WebSocket) as typeof WebSocket & MixinClass<NodeSocket>;

/** The response's headers, joined per name, with credentials masked: events and errors carry them. */
function safeHeaders(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(', ') : value;
    headers[name] = name === 'set-cookie' ? '***' : name === 'location' ? redact(joined) : joined;
  }
  return headers;
}
