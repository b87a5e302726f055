import { afterRun } from './after-run.js';
import { LifelineError } from './errors.js';
import { checkDuration } from './options.js';
import type { Outgoing, Timers, WebSocketConstructor, WebSocketLike } from './ports.js';

/**
 * How liveness is checked:
 * - `'frame'`: protocol ping frames (RFC 6455 §5.5.2) through the socket's `ping()`; every server answers
 *   them, no server code needed. Needs a socket with `ping()` (Node's `ws`), not a browser's or undici's.
 * - `'message'`: an application message (`ping`), for sockets without ping frames (browsers, undici);
 *   the server must answer it.
 * - `'passive'`: sends nothing and expects the server's own pings or traffic.
 */
export type HeartbeatMode = 'frame' | 'message' | 'passive';

/**
 * Heartbeat settings; durations in milliseconds. Any inbound frame (message, ping or pong) counts as
 * life, so a busy connection sends no pings at all.
 */
export interface HeartbeatOptions {
  /** `false` turns the heartbeat off. @default 'frame' */
  readonly mode?: HeartbeatMode | false;
  /**
   * Silence after which a ping goes out. In `'passive'` mode: the silence allowed before `timeout`
   * starts counting, so the server's ping period.
   * @default 15000
   */
  readonly interval?: number;
  /** How long a ping may go unanswered (no inbound frame at all) before the connection counts as dead. @default 10000 */
  readonly timeout?: number;
  /** `'message'` mode: what to send as a ping; a function is called for each ping. */
  readonly ping?: Outgoing | (() => Outgoing);
  /**
   * `'message'` mode: true for a frame (its raw `data`: a string for text) that is the server's answer to
   * a ping. Such frames count as life and are kept from the application (no `message` event).
   */
  readonly isPong?: (data: unknown) => boolean;
  /**
   * Multiplies `timeout` (a number > 0; anything else counts as 1); read every time a deadline is set or checked. For throttled environments, e.g.
   * `() => (document.hidden ? 2 : 1)` in a browser, whose hidden pages run timers late.
   * @default () => 1
   */
  readonly timeoutScale?: () => number;
}

/** What a Lifeline needs from a heartbeat: one per Lifeline, started on every socket that opens. */
export interface HeartbeatMonitor {
  /** Starts watching a socket that just opened. */
  start(socket: WebSocketLike): void;
  /** Stops watching (the socket closed or was detached). */
  stop(): void;
  /** Records an inbound message as life; true when it is a heartbeat reply the application must not see. */
  onMessage(data: unknown): boolean;
  /** Checks the deadlines against the clock, once per synchronous run of calls; the Lifeline calls it on every send. */
  check(): void;
  /** Pings now and expects an answer within `timeout` ms (default: the configured timeout). */
  probe(timeout?: number): void;
}

/** What the heartbeat gets from its Lifeline. */
export interface HeartbeatContext {
  readonly timers: Timers;
  /** The socket constructor, checked for `ping()` in `'frame'` mode. */
  readonly WebSocket: WebSocketConstructor;
  /**
   * The watched socket is dead (`ERR_HEARTBEAT_TIMEOUT`, saying how long it was silent). The heartbeat has
   * stopped; ending the socket is the caller's job.
   */
  readonly onTimeout: (error: LifelineError) => void;
}

/** Makes the heartbeat `options` describe, or none for `mode: false`. Platform packages pass it as `createHeartbeat`. */
export type HeartbeatFactory = (
  options: HeartbeatOptions,
  context: HeartbeatContext,
) => HeartbeatMonitor | null;

/**
 * The heartbeat implementation. Kept out of the Lifeline class so bundles that never configure a
 * heartbeat (a browser page by default) do not carry it: pass it as the `createHeartbeat` option.
 * @throws TypeError or RangeError for bad options, naming the option and the value
 */
export const createHeartbeat: HeartbeatFactory = (options, context) =>
  options.mode === false ? null : new Heartbeat(options, context);

class Heartbeat implements HeartbeatMonitor {
  readonly #mode: HeartbeatMode;
  readonly #interval: number;
  readonly #timeout: number;
  readonly #options: HeartbeatOptions;
  readonly #context: HeartbeatContext;
  #socket: WebSocketLike | null = null;
  #timer: unknown = null;
  /** When the timer is due; a send after this means the timer is late (throttled or a stalled loop). */
  #due = Number.POSITIVE_INFINITY;
  #lastFrame = 0;
  /** Frames arrived whose time is not read yet: the clock is read once per burst, not once per frame. */
  #isStampDue = false;
  /**
   * A send in this synchronous run has read the clock already. The sends of one run share that one
   * reading, as the frames of one read do: no timer or frame can arrive in between, so only the run's
   * own duration could pass a deadline, and the first send of the next run sees it. A flag on the
   * heartbeat itself: the per-send test touches nothing else.
   */
  #isChecked = false;
  /**
   * Heartbeats with once-per-run work to finish (a stamp due, a check to forget). One callback shared by
   * all finishes it when the run ends, so no heartbeat carries a callback of its own.
   */
  static #pending: Heartbeat[] = [];
  static readonly #endRun = (): void => {
    const pending = Heartbeat.#pending;
    Heartbeat.#pending = [];
    for (const heartbeat of pending) {
      heartbeat.#stamp();
      heartbeat.#isChecked = false;
    }
  };
  /** The outstanding ping's send time and timeout; null when none is outstanding. */
  #ping: { sentAt: number; timeout: number } | null = null;

  constructor(options: HeartbeatOptions, context: HeartbeatContext) {
    const { mode = 'frame', interval = 15_000, timeout = 10_000 } = options;
    if (mode !== 'frame' && mode !== 'message' && mode !== 'passive') {
      throw new RangeError(
        `Lifeline: option 'heartbeat.mode' must be 'frame', 'message', 'passive' or false, got ${String(mode)}`,
      );
    }
    checkPositive('heartbeat.interval', interval);
    checkPositive('heartbeat.timeout', timeout);
    if (mode === 'frame' && typeof context.WebSocket.prototype?.ping !== 'function') {
      throw new TypeError(
        "Lifeline: heartbeat mode 'frame' needs a WebSocket with ping() (Node's ws); use 'message' or 'passive'",
      );
    }
    if (mode === 'message' && options.ping === undefined) {
      throw new TypeError("Lifeline: heartbeat mode 'message' needs the option 'heartbeat.ping'");
    }
    for (const name of ['isPong', 'timeoutScale'] as const) {
      const value = options[name];
      if (value !== undefined && typeof value !== 'function') {
        throw new TypeError(`Lifeline: option 'heartbeat.${name}' must be a function, got ${String(value)}`);
      }
    }
    this.#mode = mode;
    this.#interval = interval;
    this.#timeout = timeout;
    this.#options = options;
    this.#context = context;
  }

  start(socket: WebSocketLike): void {
    this.stop();
    this.#socket = socket;
    // pings and pongs are frames too; the platform reports them where it can see them (ws)
    socket.onpong = socket.onping = () => this.#alive();
    this.#heardNow();
    this.#tick();
  }

  stop(): void {
    const socket = this.#socket;
    if (socket === null) return;
    socket.onpong = socket.onping = null;
    this.#socket = null;
    this.#ping = null;
    this.#context.timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.#due = Number.POSITIVE_INFINITY;
  }

  onMessage(data: unknown): boolean {
    if (this.#socket === null) return false;
    this.#alive();
    return this.#options.isPong?.(data) === true;
  }

  check(): void {
    // a frame heard in this run is life now: no deadline can have passed, and no clock need be read
    if (this.#socket === null || this.#isChecked || this.#isStampDue) return;
    this.#isChecked = true;
    this.#finishAfterRun();
    if (this.#context.timers.now() >= this.#due) this.#tick();
  }

  probe(timeout = this.#timeout): void {
    if (this.#socket === null || this.#mode === 'passive') return;
    checkPositive('timeout', timeout);
    this.#sendPing(timeout);
  }

  // The timer is re-armed once per answered ping, not per frame (that would cost a timer per message);
  // otherwise it re-arms itself from the newest frame's time when it fires. The frames of one read come
  // in one synchronous burst, so their time is read once, when the run ends (#tick stamps first).
  #alive(): void {
    if (this.#ping !== null) {
      this.#ping = null;
      this.#heardNow();
      if (this.#socket !== null) this.#arm(this.#lastFrame + this.#interval);
    } else if (!this.#isStampDue) {
      this.#isStampDue = true;
      this.#finishAfterRun();
    }
  }

  #finishAfterRun(): void {
    if (Heartbeat.#pending.push(this) === 1) afterRun(Heartbeat.#endRun);
  }

  /** Reads the time of the frames heard in this run, if any wait for it. */
  #stamp(): void {
    if (this.#isStampDue) this.#heardNow();
  }

  #heardNow(): void {
    this.#isStampDue = false;
    this.#lastFrame = this.#context.timers.now();
  }

  #tick(): void {
    this.#stamp();
    const now = this.#context.timers.now();
    const ping = this.#ping;
    if (ping !== null) {
      this.#expireOrWait(now, ping.sentAt + this.#scaled(ping.timeout));
    } else if (this.#mode === 'passive') {
      this.#expireOrWait(now, this.#lastFrame + this.#interval + this.#scaled(this.#timeout));
    } else if (now - this.#lastFrame >= this.#interval) {
      // a late timer sends its ping late rather than blaming the server for the silence it caused
      this.#sendPing(this.#timeout);
    } else {
      this.#arm(this.#lastFrame + this.#interval);
    }
  }

  #expireOrWait(now: number, deadline: number): void {
    if (now < deadline) {
      this.#arm(deadline);
      return;
    }
    const silentFor = now - this.#lastFrame;
    this.stop();
    this.#context.onTimeout(new LifelineError('ERR_HEARTBEAT_TIMEOUT', `no frame for ${silentFor} ms`));
  }

  #sendPing(timeout: number): void {
    const socket = this.#socket as WebSocketLike;
    const now = this.#context.timers.now();
    this.#ping = { sentAt: now, timeout };
    if (this.#mode === 'frame') {
      socket.ping?.();
    } else {
      const { ping } = this.#options;
      socket.send(typeof ping === 'function' ? ping() : (ping as Outgoing));
    }
    this.#arm(now + this.#scaled(timeout));
  }

  #scaled(timeout: number): number {
    const scale = this.#options.timeoutScale?.() ?? 1;
    // a NaN or negative scale would make every deadline pass at once: ignore it
    return scale > 0 ? timeout * scale : timeout;
  }

  #arm(at: number): void {
    const { timers } = this.#context;
    timers.clearTimeout(this.#timer);
    this.#due = at;
    this.#timer = timers.setTimeout(
      () => {
        this.#timer = null;
        this.#tick();
      },
      Math.max(0, at - timers.now()),
    );
  }
}

function checkPositive(name: string, value: unknown): void {
  checkDuration(name, value);
  if (value === 0) throw new RangeError(`Lifeline: option '${name}' must be > 0, got 0`);
}
