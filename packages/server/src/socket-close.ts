import type { WebSocket } from 'ws';

/**
 * How long a closed socket may take to finish its closing handshake before it is cut, in milliseconds.
 * A peer whose path died silently (a half-open connection) never answers the close frame, and ws would
 * wait 30 s for it: a drain would take that long per dead peer.
 */
const CLOSE_GRACE = 1000;

/** Closes `socket` with `code`, and cuts it if the peer has not answered within `CLOSE_GRACE`. */
export function closeSocket(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === socket.CLOSED) return;
  socket.close(code, reason);
  const cut = setTimeout(() => socket.terminate(), CLOSE_GRACE);
  // the grace timer must not keep an otherwise idle process alive
  cut.unref();
  socket.once('close', () => clearTimeout(cut));
}
