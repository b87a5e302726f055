import type { CloseInfo } from './classify.js';
import type { LifelineError } from './errors.js';
import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';

/** Counters of one Lifeline, from the moment `stats(line)` was called (an attempt under way counts). */
export interface LifelineStats {
  /** Connection attempts started, failed ones included. */
  readonly attempts: number;
  /** Attempts that opened; `attempts - connects` is how many failed or are under way. */
  readonly connects: number;
  /** Messages received, undecodable ones included. */
  readonly messagesIn: number;
  /** Messages written to a socket; queued ones count when they are flushed, not when `send()` is called. */
  readonly messagesOut: number;
  /** UTF-8 bytes for text. */
  readonly bytesIn: number;
  /** Bytes written to a socket, UTF-8 bytes for text. */
  readonly bytesOut: number;
  /** How the last socket or attempt ended; `null` until one has. */
  readonly lastClose: CloseInfo | null;
  /** The last `error` event's error, kept because an unheard `error` event is not thrown; `null` until one. */
  readonly lastError: LifelineError | null;
  /** Milliseconds the current connection has been open; 0 when not open. */
  readonly uptime: number;
}

/**
 * Live counters of `line`: read them whenever needed. Frames a capability keeps from the application (a
 * heartbeat's pongs in `'message'` mode) are not counted in.
 * @example const counters = stats(line); setInterval(() => report(counters.bytesIn), 10_000);
 */
export function stats(line: Lifeline<unknown, unknown>): LifelineStats {
  const timers = kernel.timers(line);
  const counters = {
    attempts: line.state.phase === 'connecting' ? 1 : 0,
    connects: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    lastClose: null as CloseInfo | null,
    lastError: null as LifelineError | null,
    get uptime() {
      const { state } = line;
      return state.phase === 'open' ? timers.now() - state.openedAt : 0;
    },
  };
  kernel.use(line, {
    frame(_data, size) {
      counters.messagesIn++;
      counters.bytesIn += size;
      return undefined;
    },
    wrote(bytes) {
      counters.messagesOut++;
      counters.bytesOut += bytes;
    },
  });
  line.on('state', (state) => {
    if (state.phase === 'connecting') counters.attempts++;
    else if (state.phase === 'open') counters.connects++;
  });
  line.on('close', ({ willReconnect: _, ...info }) => {
    counters.lastClose = info;
  });
  line.on('error', (error) => {
    counters.lastError = error;
  });
  return counters;
}
