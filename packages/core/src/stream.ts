import { drained } from './drained.js';
import { LifelineError } from './errors.js';
import type { LifelineEvents } from './events.js';
import type { Lifeline } from './lifeline.js';
import { type MessagesOptions, messages } from './messages.js';
import type { DropReason } from './outbound-queue.js';

/** A Lifeline as a pair of Web Streams. */
export interface LifelineStreams<TMessage> {
  /** Decoded messages, as `on('message')` gets them; reading slowly pauses the socket where it can. */
  readonly readable: ReadableStream<TMessage>;
  /** Anything `send()` takes; each write resolves once the chunk has left the outbound queue. */
  readonly writable: WritableStream<unknown>;
}

/**
 * The Lifeline as a `{ readable, writable }` pair, in the spirit of `WebSocketStream`, across reconnects.
 * A standalone function rather than a method, so bundles that never call it do not carry it.
 *
 * - Reads apply backpressure: the readable pulls from `messages(line, options)`, which pauses the socket
 *   while more than `highWaterMark` messages (default 100) wait (where the platform can pause).
 * - Writes wait for the gate: a write resolves once its chunk has been handed to an open socket that held
 *   no more than `highWaterMark`, so `pipeTo` never fills the queue. It rejects if the chunk is dropped.
 * - Like `WebSocketStream`: closing the writable (after the queue drains), aborting it, or cancelling the
 *   readable closes the Lifeline; a reason shaped like `WebSocketError` (`{ closeCode, reason }`) gives the
 *   close code and reason. The readable ends when the Lifeline closes, and errors when it fails for good.
 *
 * @example
 * const { readable, writable } = stream(line);
 * await readable.pipeThrough(transform).pipeTo(writable);
 */
export function stream<TMessage>(
  line: Lifeline<TMessage>,
  options: MessagesOptions = {},
): LifelineStreams<TMessage> {
  const inbound = messages(line, options);
  const closeWith = (reason: unknown) => {
    const { closeCode, reason: text } = (reason ?? {}) as { closeCode?: number; reason?: string };
    try {
      line.close(closeCode, text);
    } catch {
      // WebSocketStream ignores a code or reason it cannot use, and closes plainly
      line.close();
    }
  };
  const readable = new ReadableStream<TMessage>(
    {
      async pull(controller) {
        const next = await inbound.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel(reason) {
        inbound.return?.();
        closeWith(reason);
      },
    },
    // nothing buffered here: the iterator's buffer and its high-water mark are the only ones
    { highWaterMark: 0 },
  );
  const writable = new WritableStream<unknown>({
    async write(chunk) {
      let dropped: DropReason | undefined;
      const onDrop = ({ data, reason }: LifelineEvents<TMessage>['drop'][0]) => {
        if (data === chunk) dropped = reason;
      };
      line.on('drop', onDrop);
      try {
        line.send(chunk);
        // the queue holds a message only while the socket is closed or above the high-water mark
        await drained(line, Number.POSITIVE_INFINITY);
      } finally {
        line.off('drop', onDrop);
      }
      if (dropped) {
        throw new LifelineError(
          dropped === 'closed' ? 'ERR_CLOSED' : 'ERR_QUEUE_FULL',
          `a written chunk was dropped (${dropped})`,
        );
      }
    },
    async close() {
      await drained(line);
      line.close();
    },
    abort: closeWith,
  });
  return { readable, writable };
}
