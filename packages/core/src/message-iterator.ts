import type { Lifeline } from './lifeline.js';
import type { ConnectionState } from './state.js';

type Result<TMessage> = IteratorResult<TMessage, undefined>;

/**
 * The messages of a Lifeline as an async iterator, for `for await (const message of line)`. It yields
 * what `on('message')` gets, in arrival order, from the moment it is created. While the consumer is
 * more than `highWaterMark` messages behind, it holds the Lifeline's inbound flow (`hold(1)`), and lets
 * go (`hold(-1)`) once the consumer has caught up to half of that. It ends once the Lifeline is closed
 * by `close()`, and throws the error when it closes for good on its own (fatal close, retries exhausted).
 */
export function iterateMessages<TMessage>(
  line: Lifeline<TMessage>,
  highWaterMark: number,
  hold: (delta: 1 | -1) => void,
): AsyncIterableIterator<TMessage, undefined> {
  const done: Result<TMessage> = { value: undefined, done: true };
  let buffer: TMessage[] = [];
  let readers: Array<(result: Promise<Result<TMessage>>) => void> = [];
  let isHolding = false;
  // once the Lifeline closed for good: what follows the buffered messages (`done`, or a rejection)
  let end: Promise<Result<TMessage>> | null = line.state.phase === 'closed' ? Promise.resolve(done) : null;

  const setHold = (on: boolean) => {
    if (on === isHolding) return;
    isHolding = on;
    hold(on ? 1 : -1);
  };
  const stop = (last: Promise<Result<TMessage>>) => {
    line.off('message', onMessage);
    line.off('state', onState);
    setHold(false);
    end = last;
    for (const reader of readers) reader(next());
    readers = [];
  };
  const onMessage = (value: TMessage) => {
    const reader = readers.shift();
    if (reader) reader(Promise.resolve({ value, done: false }));
    else if (buffer.push(value) > highWaterMark) setHold(true);
  };
  const onState = (state: ConnectionState, previous: ConnectionState) => {
    if (state.phase !== 'closed') return;
    const last = previous.phase === 'closing' ? Promise.resolve(done) : Promise.reject(line.stats.lastError);
    // handled: buffered messages come first, and the consumer may never read as far as the error
    last.catch(() => {});
    stop(last);
  };
  const next = (): Promise<Result<TMessage>> => {
    if (buffer.length > 0) {
      const value = buffer.shift() as TMessage;
      if (buffer.length <= highWaterMark / 2) setHold(false);
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
    /** `break` in `for await` lands here: stop listening, drop the buffer, let go of the flow. */
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
