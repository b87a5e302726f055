import { afterRun } from './after-run.js';
import { LifelineError } from './errors.js';
import { kernel, type Plugin } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import { checkDuration } from './options.js';
import { isReadingPaused } from './pause-reading.js';
import type { Outgoing, Timers, WebSocketLike } from './ports.js';

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
  /** `false` attaches nothing (for options passed through, as `@lifeline/node`'s `heartbeat`). @default 'frame' */
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
   * Multiplies `timeout` (a number > 0; anything else counts as 1); read every time a deadline is set or
   * checked. For throttled environments, e.g. `() => (document.hidden ? 2 : 1)` in a browser, whose
   * hidden pages run timers late (`@lifeline/browser`'s `heartbeat` passes that one).
   * @default () => 1
   */
  readonly timeoutScale?: () => number;
}

/*
 * One clock per `Timers` object, not a timer per line: a ticker walks a set of small per-line records
 * (`Watch`) every `period` ms while the set is not empty, and stops when the last line stops being
 * watched, so nothing keeps an idle process alive.
 *
 * Accuracy. A frame only sets a flag (no clock read per frame); the walk that finds the flag stamps the
 * frame with its own time, which is never early and at most one period late. A deadline is found at the
 * first walk at or after it, again at most one period late. So a ping goes out, and a silence counts as
 * dead, at most two periods after the exact moment, never before (times are whole milliseconds); a ping's
 * own timeout (its send time is read exactly) at most one period late. The period is a twentieth of the shortest `interval` or
 * `timeout` among the watched lines (a probe's timeout included), at least 1 ms: every deadline fires
 * within a tenth of its setting. Node's defaults (15 s / 10 s) walk twice a second.
 *
 * Deadlines are also checked on `send()`, against one reading of the clock per synchronous run shared by
 * every line on that clock, so a stalled event loop or throttled timers cannot keep writing into a dead
 * socket.
 */

/** Walks per shortest setting: two periods (the worst case) are a tenth of it. */
const WALKS_PER_SETTING = 20;

const NEVER = Infinity;

const tickOf = (ms: number): number => Math.max(1, Math.floor(ms / WALKS_PER_SETTING));

/** What one options object says, checked once; the lines given the same object share it. */
interface Settings {
  readonly mode: HeartbeatMode;
  readonly interval: number;
  readonly timeout: number;
  /** The ticker period this line needs. */
  readonly tick: number;
  readonly options: HeartbeatOptions;
}

/** The clock shared by every line on one `Timers` object. */
class Ticker {
  readonly watches = new Set<Watch>();
  handle: unknown = null;
  /** When the armed timer is due. */
  next = NEVER;
  period = NEVER;
  /** The clock reading this synchronous run's send checks share; NaN when none was taken yet. */
  runNow = Number.NaN;
  readonly endRun = (): void => {
    this.runNow = Number.NaN;
  };
  readonly walk = (): void => walk(this);
  /**
   * Times are whole milliseconds since the ticker's start: small integers sit in a record's fields as
   * they are, where epoch milliseconds (or any fraction) would each take a 16-byte box on the heap.
   */
  readonly #epoch: number;
  constructor(readonly timers: Timers) {
    this.#epoch = timers.now();
  }
  now(): number {
    return Math.round(this.timers.now() - this.#epoch);
  }
}

const tickers = new WeakMap<Timers, Ticker>();
/** The line's live heartbeat: another heartbeat() replaces it; a replaced one stays attached but inert. */
const watchOfLine = new WeakMap<object, Watch>();
/** The watched socket's record, for the ping and pong frames it reports (ws). */
const watchOfSocket = new WeakMap<object, Watch>();
/** Options objects already checked: lines that share one (Node's default) share its settings. */
const settingsOf = new WeakMap<HeartbeatOptions, Settings>();

/**
 * One line's heartbeat; it is also the plugin, so a line carries one small object and no closures. Its
 * socket is null while it does not watch (not open, detached, reading paused, closed).
 */
class Watch implements Plugin {
  socket: WebSocketLike | null = null;
  /** A frame arrived since the last stamp. */
  heard = false;
  /** When the latest frame was stamped (see Accuracy). */
  lastFrame = 0;
  /** The outstanding ping's send time and timeout; `pingTimeout` 0 when none is outstanding. */
  pingAt = 0;
  pingTimeout = 0;
  /** The next moment this record needs a visit, while it watches; a walk or a send that finds it passed visits. */
  due = 0;

  constructor(
    readonly line: Lifeline<unknown, unknown>,
    readonly settings: Settings,
    readonly ticker: Ticker,
  ) {}

  open(socket: WebSocketLike): void {
    // else replaced by a later heartbeat(); while reading is paused it rests until `paused(false)`
    if (watchOfLine.get(this.line) === this && !isReadingPaused(this.line)) start(this, socket);
  }

  frame(data: unknown): boolean {
    if (this.socket === null) return false;
    this.heard = true;
    return this.settings.options.isPong?.(data) === true;
  }

  sending(): void {
    if (this.socket === null) return;
    const ticker = this.ticker;
    let now = ticker.runNow;
    if (Number.isNaN(now)) {
      now = ticker.runNow = ticker.now();
      afterRun(ticker.endRun);
    }
    // a frame heard since the last stamp is life now: stamp it, so a stalled clock still sees it age
    if (this.heard || now >= this.due) safeVisit(this, now);
  }

  detached(): void {
    stop(this);
  }

  /** Unread pongs must not look like a dead link: rest while paused, start afresh after. */
  paused(isPaused: boolean): void {
    if (isPaused) stop(this);
    else if (watchOfLine.get(this.line) === this) {
      const socket = kernel.socket(this.line);
      if (socket !== null) start(this, socket);
    }
  }

  closed(): void {
    stop(this);
  }

  /** The `probe` hook (`probe(line)`, the browser's `online`): pings now, expecting any frame within `timeout`. */
  probe(timeout?: number): void {
    if (this.socket === null || this.settings.mode === 'passive') return;
    // a hook must not throw: probe() checked what it was given; anything else gets the configured timeout
    const ms = timeout !== undefined && timeout > 0 && timeout < NEVER ? timeout : this.settings.timeout;
    sendPing(this, ms, this.ticker.now());
  }
}

/**
 * Watches `line` for a dead link: pings after `interval` ms of silence and, when nothing at all arrives
 * within `timeout` ms, drops the socket (`ERR_HEARTBEAT_TIMEOUT` in `error` and `close`) and reconnects
 * as the policy says. Attach it right after `new`, so it watches the first connection. One heartbeat per
 * line: another call replaces it, and `{ mode: false }` removes it. Every line on one `timers` object
 * shares one clock (see Accuracy above).
 * @returns a function that detaches it
 * @throws TypeError or RangeError for bad options, naming the option and the value
 * @example heartbeat(line, { mode: 'message', ping: '{"type":"ping"}', isPong: (data) => data === '{"type":"pong"}' })
 */
export function heartbeat(line: Lifeline<unknown, unknown>, options: HeartbeatOptions = {}): () => void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Lifeline: heartbeat() takes an options object, got ${String(options)}`);
  }
  const settings = options.mode === false ? null : (settingsOf.get(options) ?? checkSettings(options));
  if (settings?.mode === 'frame' && typeof kernel.WebSocket(line).prototype?.ping !== 'function') {
    throw new TypeError(
      "Lifeline: heartbeat mode 'frame' needs a WebSocket with ping() (Node's ws); use 'message' or 'passive'",
    );
  }
  // the previous heartbeat stays attached but inert: its hooks find the line watched by another
  const previous = watchOfLine.get(line);
  if (previous !== undefined) {
    stop(previous);
    watchOfLine.delete(line);
  }
  if (settings === null) return noop;
  const timers = kernel.timers(line);
  let ticker = tickers.get(timers);
  if (ticker === undefined) {
    ticker = new Ticker(timers);
    tickers.set(timers, ticker);
  }
  const watch = new Watch(line, settings, ticker);
  watchOfLine.set(line, watch);
  const off = kernel.use(line, watch);
  // attached to a line already open: watch its socket from now on
  const socket = line.state.phase === 'open' ? kernel.socket(line) : null;
  if (socket !== null) watch.open(socket);
  return () => {
    off();
    stop(watch);
    if (watchOfLine.get(line) === watch) watchOfLine.delete(line);
  };
}

/**
 * Checks the link now: pings and drops the socket if nothing at all arrives within `timeout` ms (default:
 * the heartbeat's `timeout`). For moments that make a dead link likely, such as the browser's `online`
 * event (`@lifeline/browser` probes then by itself). Does nothing without a heartbeat in `'frame'` or
 * `'message'` mode, or while the line is not open. It runs the line's `probe` hooks (`kernel.notify`), so
 * it carries none of the heartbeat's code into a bundle.
 * @throws RangeError for a `timeout` that is not a number > 0
 */
export function probe(line: Lifeline<unknown, unknown>, timeout?: number): void {
  if (timeout !== undefined) checkPositive('timeout', timeout);
  kernel.notify(line, 'probe', timeout);
}

const noop = (): void => {};

function checkSettings(options: HeartbeatOptions): Settings {
  const { mode = 'frame', interval = 15_000, timeout = 10_000 } = options;
  if (mode !== 'frame' && mode !== 'message' && mode !== 'passive') {
    throw new RangeError(
      `Lifeline: option 'heartbeat.mode' must be 'frame', 'message', 'passive' or false, got ${String(mode)}`,
    );
  }
  checkPositive('heartbeat.interval', interval);
  checkPositive('heartbeat.timeout', timeout);
  if (mode === 'message' && options.ping === undefined) {
    throw new TypeError("Lifeline: heartbeat mode 'message' needs the option 'heartbeat.ping'");
  }
  for (const name of ['isPong', 'timeoutScale'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`Lifeline: option 'heartbeat.${name}' must be a function, got ${String(value)}`);
    }
  }
  const settings = { mode, interval, timeout, tick: tickOf(Math.min(interval, timeout)), options };
  settingsOf.set(options, settings);
  return settings;
}

function checkPositive(name: string, value: unknown): void {
  checkDuration(name, value);
  if (value === 0) throw new RangeError(`Lifeline: option '${name}' must be > 0, got 0`);
}

/** Pings and pongs are frames too: the platform reports them where it can see them (ws), the socket as `this`. */
function heardControlFrame(this: WebSocketLike): void {
  const watch = watchOfSocket.get(this);
  if (watch !== undefined) watch.heard = true;
}

function start(watch: Watch, socket: WebSocketLike): void {
  stop(watch);
  const { ticker, settings } = watch;
  const now = ticker.now();
  watch.socket = socket;
  // only a platform that shows ping and pong frames (ws) has the slots; browsers and undici get no expando
  if ('onpong' in socket) {
    watchOfSocket.set(socket, watch);
    socket.onpong = socket.onping = heardControlFrame;
  }
  watch.lastFrame = now;
  watch.due = now + settings.interval + (settings.mode === 'passive' ? scaled(watch, settings.timeout) : 0);
  ticker.watches.add(watch);
  tighten(ticker, settings.tick, now);
}

function stop(watch: Watch): void {
  const socket = watch.socket;
  if (socket === null) return;
  if (watchOfSocket.delete(socket)) {
    if (socket.onpong === heardControlFrame) socket.onpong = null;
    if (socket.onping === heardControlFrame) socket.onping = null;
  }
  watch.socket = null;
  watch.heard = false;
  watch.pingTimeout = 0;
  const ticker = watch.ticker;
  if (!ticker.watches.delete(watch) || ticker.watches.size > 0) return;
  // the last line left: nothing may keep the process alive
  if (ticker.handle !== null) ticker.timers.clearTimeout(ticker.handle);
  ticker.handle = null;
  ticker.next = ticker.period = NEVER;
}

/** Makes the ticker walk at least every `tick` ms from now on (a line joined, or a probe's short timeout). */
function tighten(ticker: Ticker, tick: number, now: number): void {
  if (tick < ticker.period) ticker.period = tick;
  if (ticker.next <= now + ticker.period) return;
  if (ticker.handle !== null) ticker.timers.clearTimeout(ticker.handle);
  arm(ticker, now);
}

function arm(ticker: Ticker, now: number): void {
  ticker.next = now + ticker.period;
  ticker.handle = ticker.timers.setTimeout(ticker.walk, ticker.period);
}

function walk(ticker: Ticker): void {
  ticker.handle = null;
  ticker.next = NEVER;
  const now = ticker.now();
  let period = NEVER;
  // a visit may stop a record (a timeout) or, through the events it causes, start others: a Set's
  // iteration skips the deleted and includes the added
  for (const watch of ticker.watches) {
    if (watch.heard || now >= watch.due) safeVisit(watch, now);
    if (watch.socket === null) continue;
    const { tick } = watch.settings;
    period = Math.min(period, watch.pingTimeout > 0 ? Math.min(tick, tickOf(watch.pingTimeout)) : tick);
  }
  if (ticker.watches.size === 0) return;
  // the period also grows back here, once the lines that needed a short one have gone
  if (ticker.handle === null) {
    ticker.period = period;
    arm(ticker, now);
  } else ticker.period = Math.min(ticker.period, period);
}

/**
 * Visits, keeping a throwing `ping` or `timeoutScale` function from ending the walk of every other line
 * (or the application's `send()`): the error is thrown on its own, as an uncaught one.
 */
function safeVisit(watch: Watch, now: number): void {
  try {
    visit(watch, now);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** Stamps what was heard, then pings, times out or sets the next due time. */
function visit(watch: Watch, now: number): void {
  const { settings } = watch;
  if (watch.heard) {
    // any frame after a ping answers it: the flag is cleared when a ping goes out
    watch.heard = false;
    watch.lastFrame = now;
    watch.pingTimeout = 0;
  }
  if (watch.pingTimeout > 0) {
    expireOrWait(watch, now, watch.pingAt + scaled(watch, watch.pingTimeout));
  } else if (settings.mode === 'passive') {
    expireOrWait(watch, now, watch.lastFrame + settings.interval + scaled(watch, settings.timeout));
  } else if (now - watch.lastFrame >= settings.interval) {
    // a late walk sends its ping late rather than blaming the server for the silence it caused
    sendPing(watch, settings.timeout, now);
  } else {
    watch.due = watch.lastFrame + settings.interval;
  }
}

function expireOrWait(watch: Watch, now: number, deadline: number): void {
  if (now < deadline) {
    watch.due = deadline;
    return;
  }
  const silentFor = now - watch.lastFrame;
  stop(watch);
  // ending the socket is the kernel's job: at once, without a closing handshake a dead peer never answers
  kernel.abandon(watch.line, new LifelineError('ERR_HEARTBEAT_TIMEOUT', `no frame for ${silentFor} ms`));
}

function sendPing(watch: Watch, timeout: number, now: number): void {
  const socket = watch.socket as WebSocketLike;
  // frames heard before the ping are not its answer
  if (watch.heard) {
    watch.heard = false;
    watch.lastFrame = now;
  }
  watch.pingAt = now;
  watch.pingTimeout = timeout;
  watch.due = now + scaled(watch, timeout);
  tighten(watch.ticker, tickOf(timeout), now);
  if (watch.settings.mode === 'frame') {
    socket.ping?.();
  } else {
    const { ping } = watch.settings.options;
    socket.send(typeof ping === 'function' ? ping() : (ping as Outgoing));
  }
}

function scaled(watch: Watch, timeout: number): number {
  const scale = watch.settings.options.timeoutScale?.() ?? 1;
  // a NaN or negative scale would make every deadline pass at once: ignore it
  return scale > 0 ? Math.ceil(timeout * scale) : timeout;
}
