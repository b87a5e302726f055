import { Buffer } from 'node:buffer';
import type {
  AttemptContext,
  HeartbeatOptions,
  LifelineOptions,
  Provider,
  WebSocketConstructor,
} from '@lifeline/core';
import type { ClientOptions } from 'ws';
import { NodeSocket, type WsClass, withLifelinePort } from './socket.js';

/** The `ws` client options passed through to every socket, unchanged. */
const WS_OPTIONS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'agent',
  'origin',
  'family',
  'followRedirects',
  'maxRedirects',
  'maxPayload',
  'perMessageDeflate',
] as const satisfies ReadonlyArray<keyof ClientOptions>;

/** `ws` client options Lifeline passes to every socket; see ws's `new WebSocket(address, protocols, options)`. */
export type NodeSocketOptions = Pick<ClientOptions, (typeof WS_OPTIONS)[number]>;

/** Options of the Node Lifeline: core's, plus headers and `ws`'s client options. Sizes in bytes. */
export interface NodeLifelineOptions<TMessage = unknown, TSend = unknown>
  extends LifelineOptions<TMessage, TSend>,
    NodeSocketOptions {
  /**
   * HTTP headers of the upgrade request, or a function (sync or async) called before every attempt with
   * `{ attempt, reason }`; `reason` is `'auth-failed'` after an HTTP 401, the moment to mint a fresh token.
   * @example headers: async ({ reason }) => ({ authorization: `Bearer ${await getToken(reason === 'auth-failed')}` })
   */
  readonly headers?: Provider<Readonly<Record<string, string>> | undefined>;
  /** @default true */
  readonly rejectUnauthorized?: boolean;
  /** Largest inbound message; a bigger one closes the connection with 1009. @default 16777216 (16 MiB) */
  readonly maxPayload?: number;
  /**
   * Offer `permessage-deflate` in the upgrade request, as browsers and undici do; the server decides, and
   * `extensions` says what it accepted. Set `false` when one process holds thousands of connections to
   * a server that accepts it: each compressing connection keeps its own zlib contexts (up to about
   * 300 KiB with the default window) and spends CPU on every message. An object tunes the offer (ws's
   * `PerMessageDeflateOptions`).
   * @default true (ws's offer, the browsers' one: `permessage-deflate; client_max_window_bits`)
   * @example new Lifeline(url, { perMessageDeflate: false }) // a fan-out process: no compression
   */
  readonly perMessageDeflate?: ClientOptions['perMessageDeflate'];
  /** @default false */
  readonly followRedirects?: boolean;
  /**
   * The dead-link check, attached by the constructor as `heartbeat(line, options)`; `false` (or `mode:
   * false`) turns it off. With a `WebSocket` that is not ws (undici's: no ping frames) it is off unless
   * given, and `'frame'` mode is a `TypeError` there.
   * @default { mode: 'frame' } (protocol pings, 15000 / 10000 ms)
   */
  readonly heartbeat?: HeartbeatOptions | false;
}

/**
 * Defaults that protect the process (ws's own allows 100 MiB messages). Frozen: a Lifeline without
 * options of its own hands this very object to every socket (ws copies it).
 */
const SOCKET_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  maxPayload: 16 * 1024 * 1024,
  // the offer every browser makes, so `extensions` reports the server's answer as it would there; ws
  // bounds a compressed message's inflated size by maxPayload
  perMessageDeflate: true,
  rejectUnauthorized: true,
  followRedirects: false,
} satisfies NodeSocketOptions);

/** ws's binary types beyond the standard's; one array for every Lifeline. */
const EXTRA_BINARY_TYPES: readonly string[] = Object.freeze(['nodebuffer']);

/**
 * Node's native UTF-8 count: on every send, a scan in JavaScript costs more than ws's own send work.
 * Buffer is imported: the global one is a getter, called on every send.
 */
const utf8Length = (text: string): number => Buffer.byteLength(text); // UTF-8 when no encoding is named, by its fastest path

/**
 * Turns Node options into core's: the `ws` options and headers become a per-attempt `socketOptions`
 * provider. A `WebSocket` that is ws (a subclass, another copy) gets the port mixed in, so it keeps all of
 * the above. With another `WebSocket` (undici's), which takes none of them, they are refused rather than
 * silently dropped (the heartbeat is the constructor's: see index.ts).
 * @throws TypeError for `ws`-only options with another `WebSocket`
 */
export function toCoreOptions<TMessage, TSend>(
  options: NodeLifelineOptions<TMessage, TSend>,
): LifelineOptions<TMessage, TSend> {
  if (Object.keys(options).length > 0) return convert(options);
  // a Lifeline keeps its options for life: those without any share one frozen object
  defaultCoreOptions ??= Object.freeze(convert({}));
  return defaultCoreOptions as LifelineOptions<TMessage, TSend>;
}

let defaultCoreOptions: LifelineOptions<unknown, unknown> | undefined;

function convert<TMessage, TSend>(
  options: NodeLifelineOptions<TMessage, TSend>,
): LifelineOptions<TMessage, TSend> {
  if (!isWs(options.WebSocket)) {
    const foreign = ['headers', ...WS_OPTIONS].find(
      (name) => options[name as keyof NodeLifelineOptions] !== undefined,
    );
    if (foreign !== undefined) {
      throw new TypeError(
        `Lifeline: option '${foreign}' needs the ws socket of @lifeline/node; the given WebSocket cannot take it`,
      );
    }
    return { utf8Length, ...options };
  }
  const { headers, socketOptions, ...rest } = options;
  const wsOptions = withWsOptions(options);
  return {
    utf8Length,
    ...rest,
    WebSocket:
      options.WebSocket === undefined
        ? NodeSocket
        : withLifelinePort(options.WebSocket as unknown as WsClass),
    extraBinaryTypes: options.extraBinaryTypes ?? EXTRA_BINARY_TYPES,
    // without headers or socket options, every attempt gets the same options: no provider to keep
    socketOptions:
      headers === undefined && socketOptions === undefined
        ? wsOptions
        : async (context) => {
            const [extra, headerValues] = await Promise.all([
              call(socketOptions, context),
              call(headers, context),
            ]);
            return { ...wsOptions, ...extra, ...(headerValues && { headers: { ...headerValues } }) };
          },
  };
}

/** The protective defaults with the ws options given on top; the shared defaults when none are. */
function withWsOptions(options: NodeSocketOptions): Readonly<Record<string, unknown>> {
  const given = WS_OPTIONS.filter((name) => options[name] !== undefined);
  if (given.length === 0) return SOCKET_DEFAULTS;
  const wsOptions: Record<string, unknown> = { ...SOCKET_DEFAULTS };
  for (const name of given) wsOptions[name] = options[name];
  return wsOptions;
}

/**
 * Whether `WebSocket` is ws: judged by what its sockets can do, not by identity, so a subclass (an
 * application's instrumentation) and the class of another copy of ws count. Their sockets emit ws's
 * events, among them 'unexpected-response' with a refused upgrade's status, and can ping and terminate;
 * undici's, an EventTarget, can do none of it.
 */
export function isWs(WebSocket: WebSocketConstructor | undefined): boolean {
  if (WebSocket === undefined) return true;
  const prototype: Partial<Record<'emit' | 'ping' | 'terminate', unknown>> | undefined = WebSocket.prototype;
  return (
    typeof prototype?.emit === 'function' &&
    typeof prototype.ping === 'function' &&
    typeof prototype.terminate === 'function'
  );
}

function call<T>(provider: Provider<T>, context: AttemptContext): T | Promise<T> {
  return typeof provider === 'function'
    ? (provider as (context: AttemptContext) => T | Promise<T>)(context)
    : provider;
}
