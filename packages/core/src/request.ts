import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Claim } from './decode.js';
import { LifelineError } from './errors.js';
import { kernel, type Plugin } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import { checkDuration } from './options.js';
import type { DropReason } from './outbound-queue.js';
import type { Outgoing } from './ports.js';
import { formatIssues, type Issues } from './schema.js';

/** Options of a requester; durations in milliseconds. */
export interface RequesterOptions<TResponse, TKey extends string> {
  /** The field carrying the correlation id, in a request and in its response. @default 'id' */
  readonly key?: TKey;
  /** Makes the id of each request that has none. @default a counter, 1, 2, 3…, shared by all requesters */
  readonly id?: () => string | number;
  /** Checks and types every response; a request's own `response` option takes precedence. */
  readonly response?: StandardSchemaV1<unknown, TResponse>;
  /** How long a request waits for its response; `Infinity` waits forever. @default 10000 */
  readonly timeout?: number;
}

/** Options of one request; durations in milliseconds. */
export interface RequestOptions<TResponse> {
  /** @default the requester's `timeout` (10000) */
  readonly timeout?: number;
  /** Aborting rejects the request with the signal's reason (the message may already be on its way). */
  readonly signal?: AbortSignal;
  /**
   * Re-send the request after a reconnect when the connection carrying it is lost, instead of rejecting
   * with `ERR_CONNECTION_LOST`. Only for requests the server may safely see twice. To retry with backoff
   * after a timeout as well, wrap the requester in `retrying()`.
   * @default false
   */
  readonly resend?: boolean;
  /** Checks and types this request's response. */
  readonly response?: StandardSchemaV1<unknown, TResponse>;
}

/** A request value: an object of what `sendSchema` takes, where the id field may be left out. */
export type RequestValue<TSend, TKey extends string> = unknown extends TSend
  ? object
  : TSend extends object
    ? Omit<TSend, TKey> & Partial<Pick<TSend, Extract<keyof TSend, TKey>>>
    : never;

/**
 * What a Lifeline's `send()` takes besides raw frames. Read from `send` rather than inferred from the
 * class's type arguments, so `requester(new Lifeline(…))` does not infer them from this call's context.
 */
type SendType<TLine> = TLine extends { send(data: infer TData, ...rest: never[]): boolean }
  ? Exclude<TData, Outgoing>
  : unknown;

/** Sends requests over a Lifeline and matches responses to them by id. */
export interface Requester<TRequest, TResponse> {
  /**
   * Sends `value` with an id (a fresh one unless it has one) and resolves with the response carrying
   * the same id. Queued like any `send()` while disconnected.
   * @throws (rejects) LifelineError `ERR_REQUEST_TIMEOUT`, `ERR_CONNECTION_LOST`, `ERR_INVALID_RESPONSE`,
   * `ERR_DROPPED`, `ERR_CLOSED`; the signal's reason on abort; `TypeError` for a value that is not an
   * object, a duplicate id, or a value `sendSchema` rejects
   */
  request<R = TResponse>(value: TRequest, options?: RequestOptions<R>): Promise<R>;
  /** Requests waiting for their response. */
  readonly pending: number;
  /** The field carrying the id. */
  readonly key: string;
  /** Makes an id, as a request without one gets (`retrying()` takes one to keep it across attempts). */
  nextId(): string | number;
}

interface Pending {
  readonly id: unknown;
  readonly message: Record<string, unknown>;
  readonly schema: StandardSchemaV1 | undefined;
  readonly resend: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** The connection that carries (or will carry, once the queue flushes) the message. */
  connection: number;
  timer: unknown;
  stopAbort: (() => void) | null;
}

let counter = 0;
const nextId = () => ++counter;

/**
 * Request/response over a Lifeline: responses are matched to requests by an id field. A standalone
 * function, so applications that do not use it do not ship it; while no request is pending it is not
 * attached to the line at all, so an idle requester costs nothing per frame.
 *
 * A response matched to a pending request settles that request only: it is not emitted as `message`,
 * and it is checked against the request's `response` schema, not the Lifeline's `schema`. Frames with
 * no pending id (including a response that comes after its request timed out) are ordinary messages.
 * Timeouts run on the Lifeline's `timers` option.
 * @example
 * const rpc = requester(line, { response: Reply });
 * const reply = await rpc.request({ type: 'get', path: '/price' }, { timeout: 5000 });
 */
export function requester<
  TLine extends Lifeline<unknown, unknown>,
  TResponse = unknown,
  TKey extends string = 'id',
>(
  line: TLine,
  options: RequesterOptions<TResponse, TKey> = {},
): Requester<RequestValue<SendType<TLine>, TKey>, TResponse> {
  const key: string = options.key ?? 'id';
  const makeId = options.id ?? nextId;
  const defaultTimeout = options.timeout ?? 10_000;
  checkDuration('timeout', defaultTimeout, { allowInfinity: true });
  // the Lifeline's own clock and timers, so a `timers` option (a test's, a paused clock) governs timeouts too
  const timers = kernel.timers(line);
  const pending = new Map<unknown, Pending>();
  // Connections opened while attached: `connection` while one is open, the next one's number otherwise.
  // Only relative values matter, and they only while requests are pending, when the plugin is attached.
  let connection = 0;
  let detach: (() => void) | null = null;

  const plugin: Plugin = {
    open() {
      connection++;
    },
    claim(value) {
      if (typeof value !== 'object' || value === null) return undefined;
      const entry = pending.get((value as Record<string, unknown>)[key]);
      if (!entry) return undefined;
      const claim: Claim = {
        schema: entry.schema,
        resolve: (response) => settle(entry, true, response),
        reject: (issues: Issues) =>
          settle(
            entry,
            false,
            new LifelineError(
              'ERR_INVALID_RESPONSE',
              `the response to request ${key} ${String(entry.id)} does not match its schema: ${formatIssues(issues)}`,
              { cause: issues },
            ),
          ),
      };
      return claim;
    },
    detached(wasOpen) {
      if (!wasOpen) return;
      for (const entry of [...pending.values()]) {
        if (entry.connection > connection) continue; // still queued for the next connection
        if (!entry.resend) {
          settle(
            entry,
            false,
            new LifelineError(
              'ERR_CONNECTION_LOST',
              `the connection closed before the response to request ${key} ${String(entry.id)} came`,
            ),
          );
          continue;
        }
        // the socket is already let go, so this send queues for the next connection
        entry.connection = connection + 1;
        send(entry);
      }
    },
  };

  const onDrop = ({ data, reason }: { data: unknown; reason: DropReason }) => {
    const entry = pending.get((data as Record<string, unknown> | null)?.[key]);
    if (entry === undefined || entry.message !== data) return;
    const id = `${key} ${String(entry.id)}`;
    settle(
      entry,
      false,
      reason === 'closed'
        ? new LifelineError('ERR_CLOSED', `request ${id} was not sent: the Lifeline is closed`)
        : new LifelineError('ERR_DROPPED', `request ${id} was dropped before it was sent (${reason})`),
    );
  };

  function send(entry: Pending): void {
    try {
      line.send(entry.message);
    } catch (error) {
      settle(entry, false, error);
    }
  }

  function settle(entry: Pending, ok: boolean, outcome: unknown): void {
    if (pending.get(entry.id) !== entry) return;
    pending.delete(entry.id);
    if (entry.timer !== null) timers.clearTimeout(entry.timer);
    entry.stopAbort?.();
    if (pending.size === 0) {
      detach?.();
      detach = null;
      line.off('drop', onDrop);
    }
    if (ok) entry.resolve(outcome);
    else entry.reject(outcome);
  }

  function request(value: unknown, requestOptions: RequestOptions<unknown> = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new TypeError(`Lifeline: request() takes an object, got ${String(value)}`);
      }
      const { signal, resend = false } = requestOptions;
      const timeout = requestOptions.timeout ?? defaultTimeout;
      checkDuration('timeout', timeout, { allowInfinity: true });
      signal?.throwIfAborted();
      const id = (value as Record<string, unknown>)[key] ?? makeId();
      if (pending.has(id)) throw new TypeError(`Lifeline: a request with ${key} ${String(id)} is pending`);

      if (pending.size === 0) {
        detach = kernel.use(line, plugin);
        line.on('drop', onDrop);
      }
      const entry: Pending = {
        id,
        message: { ...value, [key]: id },
        schema: requestOptions.response ?? options.response,
        resend,
        resolve,
        reject,
        connection: kernel.socket(line) === null ? connection + 1 : connection,
        timer: null,
        stopAbort: null,
      };
      pending.set(id, entry);
      if (timeout !== Number.POSITIVE_INFINITY) {
        entry.timer = timers.setTimeout(() => {
          settle(
            entry,
            false,
            new LifelineError(
              'ERR_REQUEST_TIMEOUT',
              `request ${key} ${String(id)} got no response within ${timeout} ms`,
            ),
          );
        }, timeout);
      }
      if (signal) {
        const onAbort = () => settle(entry, false, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        entry.stopAbort = () => signal.removeEventListener('abort', onAbort);
      }
      // a drop inside send() settles the entry at once, through onDrop
      send(entry);
    });
  }

  return {
    request: request as Requester<RequestValue<SendType<TLine>, TKey>, TResponse>['request'],
    get pending() {
      return pending.size;
    },
    key,
    nextId: makeId,
  };
}
