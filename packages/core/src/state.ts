import type { LifelineError } from './errors.js';

/**
 * The phase of a Lifeline. There is one state value and one function that changes it
 * (`Lifeline#transition`); `readyState` is derived from it, never stored.
 */
export type ConnectionState =
  /** Created with `autoConnect: false`; `open()` starts it. */
  | {
      /** Which member of the union this is; switch on it. */
      readonly phase: 'idle';
    }
  | {
      /** Which member of the union this is; switch on it. */
      readonly phase: 'connecting';
      /** This attempt's number, counted as {@link AttemptContext.attempt} is. */
      readonly attempt: number;
    }
  /** The socket itself stays inside: it knows its URL and request headers, and state is what gets logged. */
  | {
      /** Which member of the union this is; switch on it. */
      readonly phase: 'open';
      /** When the socket opened, in milliseconds on the line's clock (`Date.now()` unless `timers` replace it). */
      readonly openedAt: number;
    }
  /** Between attempts: the backoff delay is running; `Infinity` while suspended (e.g. the browser is offline). */
  | {
      /** Which member of the union this is; switch on it. */
      readonly phase: 'waiting';
      /** The next attempt's number, counted as {@link AttemptContext.attempt} is. */
      readonly attempt: number;
      /** Milliseconds until the next attempt, counted from entering this phase. */
      readonly delay: number;
    }
  /** Only after the application's `close()`. */
  | {
      /** Which member of the union this is; switch on it. */
      readonly phase: 'closing';
    }
  /**
   * Final until `reconnect()`: closed by the application, or by a fatal close or exhausted retries, whose
   * error `error` is.
   */
  | {
      /** Which member of the union this is; switch on it. */
      readonly phase: 'closed';
      /** The close code the last socket reported; 1006 when there was no socket to close. */
      readonly code: number;
      /** The close reason that went with `code`. */
      readonly reason: string;
      /** Set when Lifeline gave up by itself, so the application can tell why it stopped. */
      readonly error?: LifelineError;
    };

/** The names of the phases, for tables and switches keyed by phase. */
export type Phase = ConnectionState['phase'];

// Every close goes through `waiting` (even a manual reconnect, with no delay) or ends in `closed`
const allowed: Record<Phase, readonly Phase[]> = {
  idle: ['connecting', 'closing'],
  connecting: ['open', 'waiting', 'closing', 'closed'],
  open: ['waiting', 'closing', 'closed'],
  // waiting -> waiting: a suspension replaced the running delay with an endless one
  waiting: ['connecting', 'waiting', 'closing', 'closed'],
  closing: ['closed'],
  closed: ['connecting'],
};

/**
 * Throws on a transition the state machine does not allow: such a call is a bug in Lifeline. The kernel
 * does not carry the table; the tests check every `state` event against it.
 */
export function assertTransition(from: Phase, to: Phase): void {
  if (!allowed[from].includes(to)) throw new Error(`Lifeline bug: no transition from '${from}' to '${to}'`);
}

/** The standard readyState values. */
export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

// the phases that are not CONNECTING
const READY_STATES: Partial<Record<Phase, 1 | 2 | 3>> = { open: OPEN, closing: CLOSING, closed: CLOSED };

/** Waiting to reconnect is CONNECTING, as the standard's `send()` caller should see it. */
export function toReadyState(phase: Phase): 0 | 1 | 2 | 3 {
  return READY_STATES[phase] ?? CONNECTING;
}
