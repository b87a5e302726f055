import type { Lifeline } from './lifeline.js';
import { pauseReading } from './pause-reading.js';
import type { ConnectionState } from './state.js';

type Result<TMessage> = IteratorResult<TMessage, undefined>;

/** Options of {@link messages}. */
export interface MessagesOptions {
  /**
   * How many messages may wait for the consumer before the socket is paused (where the platform can:
   * Node's `ws`; a browser WebSocket cannot pause, so there the buffer grows). Reading resumes once the
   * consumer has caught up to half of it.
   * @default 100
   */
  readonly highWaterMark?: number;
}

/**
 * The decoded messages of a Lifeline as an async iterator: what `on('message')` gets, in arrival order,
 * from the moment it is created. While the consumer is more than `highWaterMark` messages behind, reading
 * from the socket is paused; it resumes once the consumer has caught up to half of that. `break` stops
 * listening. It ends once the Lifeline is closed by `close()`, and throws the error when it closes for good
 * on its own (a fatal close, retries exhausted).
 *
 * @example
 * for await (const message of messages(line, { highWaterMark: 1000 })) handle(message);
 * @throws RangeError when `highWaterMark` is not a number >= 0 (or Infinity)
 */
export function messages<TMessage, TSend>(
  line: Lifeline<TMessage, TSend>,
  { highWaterMark = 100 }: MessagesOptions = {},
): AsyncIterableIterator<TMessage, undefined> {
  if (typeof highWaterMark !== 'number' || Number.isNaN(highWaterMark) || highWaterMark < 0) {
    throw new RangeError(
      `Lifeline: messages() option 'highWaterMark' must be a number >= 0 or Infinity, got ${String(highWaterMark)}`,
    );
  }
  const done: Result<TMessage> = { value: undefined, done: true };
  let buffer: TMessage[] = [];
  let readers: Array<(result: Promise<Result<TMessage>>) => void> = [];
  let isPausing = false;
  // once the Lifeline closed for good: what follows the buffered messages (`done`, or a rejection)
  let end: Promise<Result<TMessage>> | null = line.state.phase === 'closed' ? Promise.resolve(done) : null;

  const setPausing = (on: boolean) => {
    if (on === isPausing) return;
    isPausing = on;
    pauseReading(line, on ? 1 : -1);
  };
  const stop = (last: Promise<Result<TMessage>>) => {
    line.off('message', onMessage);
    line.off('state', onState);
    setPausing(false);
    end = last;
    for (const reader of readers) reader(next());
    readers = [];
  };
  const onMessage = (value: TMessage) => {
    const reader = readers.shift();
    if (reader) reader(Promise.resolve({ value, done: false }));
    else if (buffer.push(value) > highWaterMark) setPausing(true);
  };
  const onState = (state: ConnectionState) => {
    if (state.phase !== 'closed') return;
    // the application's close() leaves no error: the iteration simply ends
    const last = state.error ? Promise.reject(state.error) : Promise.resolve(done);
    // handled: buffered messages come first, and the consumer may never read as far as the error
    last.catch(() => {});
    stop(last);
  };
  const next = (): Promise<Result<TMessage>> => {
    if (buffer.length > 0) {
      const value = buffer.shift() as TMessage;
      if (buffer.length <= highWaterMark / 2) setPausing(false);
      return Promise.resolve({ value, done: false });
    }
    if (!end) return new Promise((resolve) => readers.push(resolve));
    const last = end;
    // an error is thrown once; the iterator is done after that
    end = Promise.resolve(done);
    return last;
  };

  if (!end) line.on('message', onMessage).on('state', onState);
  return {
    next,
    /** `break` in `for await` lands here: stop listening, drop the buffer, resume reading. */
    return() {
      buffer = [];
      stop(Promise.resolve(done));
      return end as Promise<Result<TMessage>>;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
