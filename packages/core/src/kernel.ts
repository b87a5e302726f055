import type { CloseInfo, Decision } from './classify.js';
import type { Claim } from './decode.js';
import type { LifelineError } from './errors.js';
import type { LifelineEvents } from './events.js';
import type { Lifeline } from './lifeline.js';
import type { Outbox } from './outbound.js';
import type { QueuedMessage } from './outbound-queue.js';
import type { Outgoing, Timers, WebSocketConstructor, WebSocketLike } from './ports.js';

/*
 * The seam between the kernel (the Lifeline class) and its capabilities. A capability is a function that
 * takes a line and attaches a plugin here, or listens to public events where watching is enough; the
 * kernel imports none of them, so a bundle carries only the capabilities it imports.
 */

/** The line a hook is called for: plugins may be shared by many lines. */
type Line = Lifeline<unknown, unknown>;

/**
 * What a capability may take part in; every hook is optional and hooks run in the order plugins were
 * attached. A hook must not throw: the kernel calls it in the middle of a transition. Each hook but
 * `claim` gets the line last, so one plugin object can serve every line (no closures per line).
 */
export interface Plugin {
  /** An attempt starts: the line leaves `idle`, `waiting` or `closed` (its providers run next). */
  connecting?(attempt: number, line: Line): void;
  /** The subprotocols this attempt offers, checked: returns the list to dial with (a session puts its own first). */
  protocols?(offered: string[], line: Line): string[];
  /**
   * A socket opened; a returned promise holds Lifeline's open until it settles (the handshake). If it
   * rejects, the attempt fails with its reason, a `LifelineError` that says what failed.
   */
  opening?(socket: WebSocketLike, attempt: number, line: Line): void | Promise<void>;
  /** Lifeline is open on `socket`; runs before the queue flushes into it (sticky replay, heartbeat start). */
  open?(socket: WebSocketLike, line: Line): void;
  /**
   * An inbound frame of `size` bytes (UTF-8 for text), before any event; `true` swallows it (a heartbeat
   * reply). Every plugin's hook sees every frame, also one an earlier hook swallowed (a frame is life).
   */
  frame?(data: unknown, size: number, line: Line): boolean | undefined;
  /** A decoded value, before the schema and `message`; a claim takes it (a request's response). */
  claim?(value: unknown): Claim | undefined;
  /** Before a `send()` is handled (the heartbeat checks its deadlines against the clock). */
  sending?(line: Line): void;
  /** A frame of `bytes` bytes was handed to the socket. */
  wrote?(bytes: number, line: Line): void;
  /**
   * The queue path (`send()`, `Outbox.push`, a flush) is about to write `frame` of `bytes` bytes: returns
   * what goes on the wire instead (a session numbers it here and keeps it for replay). `queued` is the
   * queue's message when it waited there. Only the first plugin with this hook wraps; `Outbox.writeNow`
   * never does.
   */
  write?(
    frame: Outgoing,
    bytes: number,
    value: unknown,
    queued: QueuedMessage | undefined,
    line: Line,
  ): Outgoing;
  /** The queue flushed what it could, or the socket drained: the moment to check `isDrained(outbox)`. */
  flushed?(line: Line): void;
  /** The socket was let go; `wasOpen` says whether Lifeline had been open on it. */
  detached?(wasOpen: boolean, line: Line): void;
  /** Reading from the socket was paused (true) or resumed (false) for a slow consumer. */
  paused?(isPaused: boolean, line: Line): void;
  /** Adds what only this platform's socket knows to a close (Node: the refused upgrade's HTTP status). */
  describe?(socket: WebSocketLike, info: CloseInfo, line: Line): CloseInfo;
  /** Decides before the close codes when it returns a decision (Node: HTTP statuses and Retry-After). */
  classify?(info: CloseInfo, authRetried: boolean, line: Line): Decision | undefined;
  /** The line closed for good: by `close()`, a fatal close or exhausted retries. */
  closed?(line: Line): void;
  /** Check the link now, within `timeout` ms (a browser came back `online`): the heartbeat pings. */
  probe?(timeout: number | undefined, line: Line): void;
}

/** The kernel's functions, each taking the line it acts on. */
export interface Kernel {
  /** Attaches `plugin`; the returned function detaches it. */
  use(line: Lifeline<unknown, unknown>, plugin: Plugin): () => void;
  /** The outbound queue and its gate. */
  outbox(line: Lifeline<unknown, unknown>): Outbox;
  /**
   * Drops the current socket now (a dead link) and reconnects as the policy says; with `code`, the
   * server is told why in a close frame (not waited for).
   */
  abandon(line: Lifeline<unknown, unknown>, error: LifelineError, code?: number): void;
  /**
   * Runs the message path for `data` as if it were a frame: the standard `message` event, then decode,
   * schema and the typed `message` (a session hands over the payloads its `frame` hook unwrapped). `done`
   * runs once that path ended (delivered, claimed or `invalid`): at once, or after an async schema.
   */
  receive(line: Lifeline<unknown, unknown>, data: unknown, done?: () => void): void;
  /**
   * Holds (`true`) or releases the attempts: while held, the socket is dropped (closed with `code` and
   * `reason` when given) and no attempt is made; releasing tries at once. Not a failure: nothing is counted.
   */
  hold(line: Lifeline<unknown, unknown>, isHeld: boolean, code?: number, reason?: string): void;
  /** Emits a typed event on the line (a session's `resumed`, `reset`, `deadletter`, `invalid`). */
  emit<K extends keyof LifelineEvents<unknown>>(
    line: Lifeline<unknown, unknown>,
    event: K,
    ...args: LifelineEvents<unknown>[K]
  ): void;
  /** The socket Lifeline is open on, or null. */
  socket(line: Lifeline<unknown, unknown>): WebSocketLike | null;
  /** The line's clock and timers (the `timers` option, or the global ones). */
  timers(line: Lifeline<unknown, unknown>): Timers;
  /** The line's socket constructor, for what only some sockets can do (ping frames). */
  WebSocket(line: Lifeline<unknown, unknown>): WebSocketConstructor;
  /**
   * Runs the plugins' `hook` hooks with `value`: `probe` (the page lifecycle asks whatever watches the
   * link to check it), `paused` (reading was paused for a slow consumer, pause-reading.ts).
   */
  notify<K extends 'probe' | 'paused'>(
    line: Lifeline<unknown, unknown>,
    hook: K,
    value: Parameters<NonNullable<Plugin[K]>>[0],
  ): void;
}

/** Filled in by the Lifeline class's static block: only the class body can reach its private state. */
export const kernel = {} as Kernel;
