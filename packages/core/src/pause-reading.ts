import { kernel, type Plugin } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import type { WebSocketLike } from './ports.js';

/*
 * Inbound backpressure: a consumer that is too far behind (`messages()`) pauses reading from the socket,
 * where the platform can (Node's `ws`; a browser WebSocket cannot pause). Counted per line, so holds
 * nest, and kept across reconnects. A function of the line like any capability: a bundle without such a
 * consumer does not carry it.
 */

type Line = Lifeline<unknown, unknown>;

interface Holds {
  count: number;
  detach: () => void;
}

// by line: a line no consumer ever held carries nothing
const holdsOf = new WeakMap<Line, Holds>();

/** Pauses each socket the line opens on while some consumer holds reading. */
const pauser: Plugin = {
  // the open hooks run after the handshake, which may need to read the server's reply
  open: (socket, line) => setPaused(line, socket, true),
};

/** Pauses (`1`) or resumes (`-1`) reading for one consumer: the socket reads while no consumer holds it. */
export function pauseReading(line: Line, delta: 1 | -1): void {
  let holds = holdsOf.get(line);
  if (holds === undefined) {
    holds = { count: 0, detach: () => {} };
    holdsOf.set(line, holds);
  }
  holds.count += delta;
  if (delta > 0 && holds.count === 1) holds.detach = kernel.use(line, pauser);
  else if (holds.count === 0) holds.detach();
  else return;
  const socket = kernel.socket(line);
  if (socket) setPaused(line, socket, holds.count > 0);
}

/** Whether some consumer holds reading paused (the heartbeat rests meanwhile). */
export function isReadingPaused(line: Line): boolean {
  return (holdsOf.get(line)?.count ?? 0) > 0;
}

function setPaused(line: Line, socket: WebSocketLike, isPaused: boolean): void {
  if (!socket.pause) return;
  if (isPaused) socket.pause();
  else socket.resume?.();
  kernel.notify(line, 'paused', isPaused);
}
