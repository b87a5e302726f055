import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { BackoffPolicy } from './backoff.js';
import type { CloseInfo, Decision } from './classify.js';
import type { Codec } from './codec.js';
import type { AttemptReason } from './events.js';
import type { QueueOptions } from './outbound-queue.js';
import type { Timers, WebSocketConstructor } from './ports.js';

/** What a provider is called with before every attempt. */
export interface AttemptContext {
  /**
   * 1 for the very first attempt and after `reconnect()`; then 1 + the consecutive failures since the
   * last connection that stayed up `minUptime` (the close of that connection counting as the first), so
   * the first attempt after a drop is 2.
   */
  readonly attempt: number;
  /** Why this attempt is made: `'auth-failed'` asks for fresh credentials. */
  readonly reason: AttemptReason;
}

/** A value, or a function (sync or async) evaluated before every attempt. */
export type Provider<T> = T | ((context: AttemptContext) => T | Promise<T>);

/** The URL, or a function that returns it before every attempt (e.g. with a fresh token in it). */
export type UrlProvider = Provider<string | URL>;
/** The subprotocols, or a function that returns them before every attempt. */
export type ProtocolsProvider = Provider<string | string[] | undefined>;

/** Durations in milliseconds. */
export interface ReconnectOptions extends BackoffPolicy {
  /**
   * Consecutive failed attempts retried before giving up with `exhausted`. A fatal close, not a count,
   * is what normally stops a durable connection.
   * @default Infinity
   */
  readonly retries: number;
  /** A connection must stay open this long before the attempt counter resets. @default 5000 */
  readonly minUptime: number;
  /** Cap on a server's Retry-After or `retryAfter` advice. @default 300000 (5 minutes) */
  readonly maxRetryAfter: number;
}

/** Returned by `shouldReconnect`: `false` stops, `true` retries with backoff, `{ delay }` retries after `delay` ms. */
export type ReconnectVerdict =
  | boolean
  | {
      /** Milliseconds until the next attempt, in place of the backoff's. */
      readonly delay: number;
    }
  | undefined;

/**
 * Options of a Lifeline. All durations are in milliseconds and all sizes in bytes.
 * `TMessage` and `TSend` are inferred from `schema` and `sendSchema`.
 */
export interface LifelineOptions<TMessage = unknown, TSend = unknown> {
  /** The WebSocket constructor; the platform packages supply one. */
  readonly WebSocket?: WebSocketConstructor;
  /** Start connecting at once. With `false`, `open()` starts it; sends queue meanwhile. @default true */
  readonly autoConnect?: boolean;
  /** @default 'blob', as the standard says, on every platform */
  readonly binaryType?: string;
  /** Covers TCP, TLS and the upgrade. @default 10000 */
  readonly connectTimeout?: number;
  /** When and how fast to retry; each field falls back to {@link defaults}. */
  readonly reconnect?: Partial<ReconnectOptions>;
  /**
   * Overrides the default close classification. Gets the close and the default decision; return
   * `undefined` to keep it.
   */
  readonly shouldReconnect?: (info: CloseInfo, decision: Decision) => ReconnectVerdict;
  /** Bounds of the outbound queue that holds sends while the line is down; each field falls back to {@link defaults}. */
  readonly queue?: Partial<QueueOptions>;
  /** Sends queue while the socket holds more than this. @default 1048576 (1 MiB) */
  readonly highWaterMark?: number;
  /** `drained(line)` resolves once the socket holds no more than this. @default 0 */
  readonly lowWaterMark?: number;
  /** Platform options for the socket constructor, per attempt (the node package maps `headers` here). */
  readonly socketOptions?: Provider<Record<string, unknown> | undefined>;
  /** Binary types the platform accepts besides the standard `'blob'` and `'arraybuffer'`. */
  readonly extraBinaryTypes?: readonly string[];
  /**
   * Counts the UTF-8 bytes of a string, for the queue's bounds and the stats; runs on every send.
   * Platform packages pass a native one (`@lifeline/node`: `Buffer.byteLength`).
   * @default a portable count, in JavaScript
   */
  readonly utf8Length?: (text: string) => number;
  /** Base for relative URLs (browsers: the document's URL). */
  readonly baseURL?: string;
  /** Clock and timers. @default the global ones, looked up at call time */
  readonly timers?: Timers;
  /** Random source for jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /**
   * Turns values into frames and frames into values. With `binary: true` binary frames are decoded too,
   * and `binaryType` defaults to `'arraybuffer'`.
   * @default jsonCodec (JSON text frames; binary frames are delivered as they are)
   */
  readonly codec?: Codec;
  /**
   * Any Standard Schema v1 validator (zod, valibot, arktype…) for inbound messages; types `on('message')`.
   * A decoded value that fails it emits `invalid` and is not delivered.
   */
  readonly schema?: StandardSchemaV1<unknown, TMessage>;
  /**
   * Validates values before `send()` encodes them (strings and binary data are frames already and skip
   * it); the schema's output is what is encoded. A failure throws a `TypeError` before anything is queued.
   * Must validate synchronously.
   */
  readonly sendSchema?: StandardSchemaV1<TSend, unknown>;
}

/** Any options object, whatever its message types. */
export type AnyLifelineOptions = LifelineOptions<unknown, unknown>;

/** Defaults of every option with one. */
export const defaults = {
  /** See {@link LifelineOptions.autoConnect}. */
  autoConnect: true,
  /** See {@link LifelineOptions.binaryType}. */
  binaryType: 'blob',
  /** See {@link LifelineOptions.connectTimeout}. */
  connectTimeout: 10_000,
  /** See {@link ReconnectOptions} and {@link BackoffPolicy}. */
  reconnect: {
    minDelay: 1000,
    maxDelay: 30_000,
    factor: 2,
    jitter: 'full',
    retries: Infinity,
    minUptime: 5000,
    maxRetryAfter: 300_000,
  } satisfies ReconnectOptions as ReconnectOptions,
  /** See {@link QueueOptions}. */
  queue: {
    maxMessages: 10_000,
    maxBytes: 16 * 1024 * 1024,
    overflow: 'drop-oldest',
  } satisfies QueueOptions as QueueOptions,
  /** See {@link LifelineOptions.highWaterMark}. */
  highWaterMark: 1024 * 1024,
  /** See {@link LifelineOptions.lowWaterMark}. */
  lowWaterMark: 0,
} as const;

/** The constructor's arguments, in any of the standard's forms plus the options forms. */
export type LifelineArgs<TOptions extends AnyLifelineOptions = LifelineOptions> =
  // one optional element rather than `[url] | [url, protocols]`: only this form lets Lifeline stand in
  // where a `new (url, protocols?) => WebSocket` constructor is expected (e.g. a library's WebSocket option)
  | [url: UrlProvider, protocols?: ProtocolsProvider | null]
  | [url: UrlProvider, protocols: ProtocolsProvider | null, options: TOptions]
  | [url: UrlProvider, options: TOptions];

/** Brings the four constructor forms to one shape. */
export function normalizeArgs<TOptions extends AnyLifelineOptions>(
  args: LifelineArgs<TOptions>,
): {
  /** The first argument, as given. */
  url: UrlProvider;
  /** The protocols, `undefined` when the form had none. */
  protocols: ProtocolsProvider;
  /** The options, `{}` when the form had none. */
  options: TOptions | Record<string, never>;
} {
  // WebIDL: a missing required argument is a TypeError; an undefined url is the string 'undefined'
  if ((args as readonly unknown[]).length === 0) {
    throw new TypeError('Lifeline: the url argument is required');
  }
  const [url, second, third] = args as [UrlProvider, unknown, unknown];
  // options are a plain object, never an array: that tells `(url, options)` from `(url, protocols)`
  if (typeof second === 'object' && second !== null && !Array.isArray(second)) {
    return { url, protocols: undefined, options: second as TOptions };
  }
  return { url, protocols: (second ?? undefined) as ProtocolsProvider, options: (third ?? {}) as TOptions };
}

/**
 * Fills in platform defaults under the caller's options; the platform packages' constructors use it.
 * @example super(...withDefaults(args, { WebSocket: NodeSocket }))
 */
export function withDefaults<TOptions extends AnyLifelineOptions>(
  args: LifelineArgs<TOptions>,
  platform: Partial<TOptions>,
): [UrlProvider, ProtocolsProvider, TOptions] {
  const { url, protocols, options } = normalizeArgs(args);
  return [url, protocols, { ...platform, ...options } as TOptions];
}

/** Throws `ErrorClass` naming the option, what it must be and the bad value. */
function badOption(name: string, what: string, value: unknown, ErrorClass = RangeError): never {
  throw new ErrorClass(`Lifeline: option '${name}' must be ${what}, got ${String(value)}`);
}

/** Checks a number option, naming it and the bad value. */
export function checkDuration(name: string, value: unknown, { allowInfinity = false } = {}): void {
  // `>= 0` is false for NaN; -Infinity fails it too, so only +Infinity needs the flag
  if (typeof value !== 'number' || !(value >= 0) || (!allowInfinity && value === Infinity)) {
    badOption(name, `a number >= 0${allowInfinity ? ' or Infinity' : ''}`, value);
  }
}

// the options without a default that are numbers when given
const OPTIONAL_NUMBERS = ['connectTimeout', 'highWaterMark', 'lowWaterMark'] as const;

/** Checks the options the constructor reads, naming the option and the bad value. */
export function checkOptions(policy: ReconnectOptions, options: AnyLifelineOptions): void {
  // the policy's keys are those of its defaults: every one is a number but `jitter`, and only `retries`
  // may be Infinity
  for (const key of Object.keys(defaults.reconnect) as Array<keyof ReconnectOptions>) {
    if (key !== 'jitter')
      checkDuration(`reconnect.${key}`, policy[key], { allowInfinity: key === 'retries' });
    else if (!['full', 'equal', false].includes(policy.jitter)) {
      badOption('reconnect.jitter', "'full', 'equal' or false", policy.jitter);
    }
  }
  for (const key of OPTIONAL_NUMBERS) if (options[key] !== undefined) checkDuration(key, options[key]);
  if (options.utf8Length !== undefined && typeof options.utf8Length !== 'function') {
    badOption('utf8Length', 'a function', options.utf8Length, TypeError);
  }
}
