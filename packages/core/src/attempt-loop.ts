import type { CloseInfo, Decision } from './classify.js';
import type { LifelineError } from './errors.js';
import type { AttemptReason } from './events.js';
import { type CloseFields, type Connection, type LineConfig, LineSocket } from './line-socket.js';
import type { ProtocolsProvider, Provider, ReconnectOptions, UrlProvider } from './options.js';
import { type Counters, nextAttempt } from './reconnect-policy.js';
import { checkCloseArguments, checkProtocols, clampCloseCode, parseWebSocketUrl } from './standard.js';
import { LifelineCloseEvent, LifelineErrorEvent } from './standard-events.js';
import type { ConnectionState } from './state.js';

/** A line's arguments as the attempt loop reads them. */
export interface LoopConfig extends LineConfig {
  readonly url: UrlProvider;
  readonly protocols: ProtocolsProvider;
  readonly policy: ReconnectOptions;
}

const NO_FAILURES: Counters = Object.freeze({ failures: 0, authRetried: false });

/**
 * The attempt loop: one state value, changed only by `#transition`. The current state object is also the
 * token of the attempt or delay that started it, so a provider result or a timer whose state is no longer
 * current does nothing: no AbortController, sleep or promise loop per attempt. What follows a close is
 * decided by the pure policy (reconnect-policy.ts) and carried out here; the next attempt starts after all
 * of the close's events (on a microtask when there is no delay), so their handlers act first.
 */
export abstract class AttemptLoop<TMessage> extends LineSocket<TMessage> {
  #state: ConnectionState = { phase: 'idle' };
  #counters: Counters = NO_FAILURES;
  #lastClose: CloseInfo | null = null;
  #nextReason: AttemptReason = 'initial';
  // reconnect() dropped the socket: its close starts the fresh attempt at once, unclassified
  #isManual = false;
  // attempts are held (Kernel.hold: offline, a page in the back/forward cache)
  #isHeld = false;
  #disconnectedAt = 0;

  // the config is LineSocket's, as a LoopConfig: one object per line, not a copy per class
  declare protected readonly config: LoopConfig;

  /** The phase, with details (attempt, delay, close code, and the error that closed it for good). */
  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * Closes for good: no attempt follows, in any phase, and exactly one `close` event fires. Messages still
   * queued are dropped with reason `closed` (take them first with `takeQueued(line)` to keep them).
   * @throws DOMException `InvalidAccessError` for a code other than 1000 or 3000-4999
   * @throws DOMException `SyntaxError` for a reason over 123 UTF-8 bytes
   * @see https://websockets.spec.whatwg.org/#dom-websocket-close
   */
  close(code?: number, reason?: string): void {
    const clamped = clampCloseCode(code);
    const text = reason === undefined ? undefined : String(reason);
    checkCloseArguments(clamped, text);
    const phase = this.#state.phase;
    if (phase === 'closing') return;
    this.clearTimer();
    if (phase !== 'closed') this.#transition({ phase: 'closing' });
    this.outbound.dropQueued('closed');
    if (phase === 'closed') return;
    // the socket's own close event finishes the job, with its real code (1006 if it was still connecting)
    if (this.connection) {
      this.closeSocket(clamped, text);
      return;
    }
    // no socket (idle, waiting, or resolving providers), yet readyState was CONNECTING: fail "the
    // connection" as the standard does for a connecting socket, with an error event and then close 1006
    queueMicrotask(() => {
      if (this.hears('error')) this.dispatchSocketEnd(new LifelineErrorEvent(undefined));
      this.#finishClose({ code: 1006, reason: '', wasClean: false }, false);
    });
  }

  /** Starts a Lifeline made with `autoConnect: false`; on a closed one it is `reconnect()`. */
  open(): void {
    if (this.#state.phase === 'idle') this.connect('initial');
    else if (this.#state.phase === 'closed') this.reconnect();
  }

  /**
   * Forces a fresh connection now, with the attempt counter reset. By phase:
   * - open: closes the socket with `code` (default 1000) and `reason`, then dials at once; sends made
   *   meanwhile wait for the new socket
   * - connecting, with a socket: drops it (a `close` event with 1006) and dials again at once
   * - connecting, while providers run: that attempt is the fresh one
   * - waiting: skips the rest of the backoff delay
   * - idle, or closed (by `close()`, a fatal close or exhausted retries): starts again
   * @throws DOMException `InvalidAccessError` or `SyntaxError` for arguments `close()` would refuse
   * @throws DOMException `InvalidStateError` while `close()` is in progress
   */
  reconnect(code?: number, reason?: string): void {
    const clamped = clampCloseCode(code);
    checkCloseArguments(clamped, reason);
    const phase = this.#state.phase;
    if (phase === 'closing') {
      throw new DOMException('Lifeline: cannot reconnect while close() is in progress', 'InvalidStateError');
    }
    // a fresh start: an earlier auth failure must not make the next one fatal without its one retry
    this.#counters = NO_FAILURES;
    this.#isHeld = false;
    const connection = this.connection;
    if (phase === 'idle' || phase === 'closed' || phase === 'waiting') {
      this.connect(phase === 'idle' ? 'initial' : 'manual');
    } else if (connection) {
      this.#isManual = true;
      if (connection.isLive) this.closeSocket(clamped ?? 1000, reason);
      else this.abandon(undefined);
    }
    // otherwise an attempt is resolving its providers: it is the fresh connection
  }

  /** Starts an attempt now: resolves the providers, then dials. */
  protected connect(reason: AttemptReason): void {
    this.clearTimer();
    const attempt = this.#counters.failures + 1;
    const state: ConnectionState = { phase: 'connecting', attempt };
    // a hold repeats this attempt with this reason; a failure replaces it
    this.#nextReason = reason;
    this.#transition(state);
    for (const plugin of this.plugins) plugin.connecting?.(attempt, this.line);
    const context = { attempt, reason };
    const { url, protocols, options } = this.config;
    // providers are awaited even when static, so the first socket is never made synchronously: a
    // capability attached right after `new` sees every socket
    Promise.all([resolve(url, context), resolve(protocols, context), resolve(options.socketOptions, context)])
      .then(([href, list, socketOptions]) => {
        const parsed = parseWebSocketUrl(href, options.baseURL);
        let checked = checkProtocols(list ?? undefined);
        if (this.#state !== state) return;
        for (const plugin of this.plugins) checked = plugin.protocols?.(checked, this.line) ?? checked;
        this.setUrl(parsed);
        this.dial(attempt, parsed.href, checked, socketOptions);
      })
      .catch((cause: unknown) => {
        // close(), reconnect() or a hold while a provider ran: the attempt is over, its failure moot
        if (this.#state !== state) return;
        const message = 'a url, protocols or socket options provider failed';
        this.failBeforeSocket(attempt, 'ERR_PROVIDER_FAILED', message, cause);
      });
  }

  protected socketOpened(connection: Connection): void {
    if (this.#state.phase !== 'connecting') return;
    const downtime = this.#disconnectedAt === 0 ? 0 : this.config.timers.now() - this.#disconnectedAt;
    this.#transition({ phase: 'open', openedAt: connection.openedAt });
    this.attach(connection);
    this.emit('open', { attempt: connection.attempt, downtime, protocol: this.protocol });
    if (this.hears('open')) this.dispatchEvent(new Event('open'));
  }

  /**
   * Settles a failed attempt or a lost connection: decides what follows and moves to that state before any
   * event goes out, so a `close()` or `reconnect()` from a handler acts on the new state; then schedules
   * the next attempt if the state is still the one it set.
   */
  protected socketEnded(info: CloseInfo, socketClose: CloseFields | undefined, uptime: number): void {
    if (uptime >= 0) {
      this.#disconnectedAt = this.config.timers.now();
      // only a connection that stayed up resets the counter: accept-then-close servers must not cause a storm
      if (uptime >= this.config.policy.minUptime) this.#counters = NO_FAILURES;
    }
    if (this.#state.phase === 'closing') {
      if (socketClose) this.#finishClose(socketClose, uptime >= 0);
      return;
    }
    this.#lastClose = info;
    let delay = 0;
    // a hold is not a failure: an attempt that never opened is made again as it was
    let reason: AttemptReason = this.#isManual
      ? 'manual'
      : this.#isHeld && info.phase === 'connect'
        ? this.#nextReason
        : 'reconnect';
    if (!this.#isManual && !this.#isHeld) {
      const { policy, options } = this.config;
      const next = nextAttempt(info, this.#counters, {
        policy,
        random: options.random ?? Math.random,
        shouldReconnect: options.shouldReconnect,
        classify: (closed, authRetried) => this.#classify(closed, authRetried),
      });
      if (next.hookError) this.emit('error', next.hookError);
      if ('stop' in next) {
        this.#closeForGood(info, socketClose, next.stop);
        return;
      }
      delay = next.delay;
      reason = next.reason;
      this.#counters = next.counters;
    }
    this.#isManual = false;
    this.#nextReason = reason;
    const attempt = this.#counters.failures + 1;
    const waiting = { phase: 'waiting', attempt, delay: this.#isHeld ? Infinity : delay } as const;
    this.#transition(waiting);
    this.#reportClose(info, socketClose);
    // false when a close handler has just called close() or reconnect()
    this.emit('close', { ...info, willReconnect: this.#state === waiting });
    this.#announce(waiting);
  }

  /**
   * Holds the attempts (Kernel.hold): the socket is dropped, closed with `code` and `reason` when given,
   * and the line waits with no timer until released; releasing tries at once. Not a failure: nothing is
   * classified or counted. Holding does nothing unless connecting, open or waiting.
   */
  protected hold(isHeld: boolean, code?: number, reason?: string): void {
    const clamped = clampCloseCode(code);
    checkCloseArguments(clamped, reason);
    const state = this.#state;
    if (!isHeld) {
      this.#isHeld = false;
      if (state.phase === 'waiting') this.connect(this.#nextReason);
      return;
    }
    if (state.phase !== 'connecting' && state.phase !== 'open' && state.phase !== 'waiting') return;
    this.#isHeld = true;
    if (this.connection) this.abandon(undefined, clamped, reason);
    else if (state.phase === 'waiting') {
      this.clearTimer();
      const waiting = { phase: 'waiting', attempt: state.attempt, delay: Infinity } as const;
      this.#transition(waiting);
      this.#announce(waiting);
    } else this.endAttempt(this.#counters.failures + 1);
  }

  /** The socket's own events first, then the line's error for a failed attempt. */
  #reportClose(info: CloseInfo, socketClose: CloseFields | undefined): void {
    if (socketClose && this.hears('close')) this.dispatchSocketEnd(new LifelineCloseEvent(socketClose));
    if (info.error) this.emit('error', info.error);
  }

  /** Announces the delay `waiting` holds and starts it, unless a handler closed or restarted meanwhile. */
  #announce(waiting: ConnectionState & { phase: 'waiting' }): void {
    if (this.#state !== waiting) return;
    const { attempt, delay } = waiting;
    this.emit('reconnecting', { attempt, delay, reason: this.#lastClose as CloseInfo });
    if (this.#state !== waiting || delay === Infinity) return;
    const next = () => {
      if (this.#state === waiting) this.connect(this.#nextReason);
    };
    if (delay > 0) this.setTimer(next, delay);
    else queueMicrotask(next);
  }

  /** The plugins' `classify` hooks as one, for the policy; undefined when there are none. */
  #classify(info: CloseInfo, authRetried: boolean): Decision | undefined {
    for (const plugin of this.plugins) {
      const decision = plugin.classify?.(info, authRetried, this.line);
      if (decision) return decision;
    }
    return undefined;
  }

  /** The end of `close()`: one close event, with the code the socket reported (or 1006 when there was none). */
  #finishClose(close: CloseFields, wasOpen: boolean): void {
    if (this.#state.phase !== 'closing') return;
    const info: CloseInfo = { phase: wasOpen ? 'open' : 'connect', ...close, attempt: 0 };
    this.#lastClose = info;
    this.#closeForGood(info, close);
  }

  /** Closed for good: by `close()`, or by the policy's `stop` (a fatal close, exhausted retries). */
  #closeForGood(info: CloseInfo, socketClose: CloseFields | undefined, stop?: LifelineError): void {
    this.#transition({ phase: 'closed', code: info.code, reason: info.reason, ...(stop && { error: stop }) });
    for (const plugin of this.plugins) plugin.closed?.(this.line);
    this.#reportClose(info, socketClose);
    if (stop) {
      if (stop.code === 'ERR_RETRIES_EXHAUSTED') this.emit('exhausted', stop);
      this.emit('error', stop);
    }
    this.emit('close', { ...info, willReconnect: false });
  }

  #transition(next: ConnectionState): void {
    const previous = this.#state;
    this.#state = next;
    this.isClosed = next.phase === 'closing' || next.phase === 'closed';
    this.emit('state', next, previous);
  }
}

async function resolve<T>(
  provider: Provider<T>,
  context: { attempt: number; reason: AttemptReason },
): Promise<T> {
  return typeof provider === 'function'
    ? (provider as (context: { attempt: number; reason: AttemptReason }) => T | Promise<T>)(context)
    : provider;
}
