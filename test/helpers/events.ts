import type { Lifeline, LifelineEvents } from '@lifeline/core';

/** Resolves with the arguments of the first typed `event` that `matches` (every one, by default). */
export function eventMatching<TMessage, K extends keyof LifelineEvents<TMessage>>(
  line: Lifeline<TMessage>,
  event: K,
  matches: (...args: LifelineEvents<TMessage>[K]) => boolean = () => true,
): Promise<LifelineEvents<TMessage>[K]> {
  return new Promise((resolve) => {
    const listener = ((...args: LifelineEvents<TMessage>[K]) => {
      if (!matches(...args)) return;
      line.off(event, listener);
      resolve(args);
    }) as never;
    line.on(event, listener);
  });
}

/** Resolves once the Lifeline has stopped for good (a fatal close, or exhausted retries). */
export function finalClose<TMessage>(line: Lifeline<TMessage>) {
  return eventMatching(line, 'state', (state) => state.phase === 'closed');
}
