import { LifelineError, messageOf } from './errors.js';
import { kernel } from './kernel.js';
import type { Lifeline } from './lifeline.js';
import type { Outgoing, WebSocketLike } from './ports.js';

/**
 * Runs after each socket opens, before Lifeline is open: before the sticky messages, the queue and the
 * `open` event (auth, resubscribe). Its `send` goes out at once, ahead of the queue, and it may read the
 * server's replies from the line's events. If it throws or rejects, the socket is dropped and the attempt
 * retried with backoff, and an `error` (`ERR_HANDSHAKE_FAILED`) says why.
 */
export type HandshakeHook = (context: {
  readonly send: (data: Outgoing) => void;
  readonly socket: WebSocketLike;
  readonly attempt: number;
}) => void | Promise<void>;

/**
 * Holds every open of `line` until `hook` has run. Attach it right after `new`, so it sees the first socket.
 * @returns a function that detaches it
 * @example handshake(line, async ({ send }) => { send({ type: 'auth', token }); await authenticated; });
 */
export function handshake(line: Lifeline<unknown, unknown>, hook: HandshakeHook): () => void {
  if (typeof hook !== 'function')
    throw new TypeError(`Lifeline: handshake() takes a function, got ${String(hook)}`);
  const outbox = kernel.outbox(line);
  return kernel.use(line, {
    // async: a hook that throws at once fails the attempt like one that rejects
    opening: async (socket, attempt) => {
      try {
        await hook({ send: (data) => outbox.writeNow(socket, data), socket, attempt });
      } catch (cause) {
        throw new LifelineError('ERR_HANDSHAKE_FAILED', `the handshake hook failed: ${messageOf(cause)}`, {
          cause,
        });
      }
    },
  });
}
