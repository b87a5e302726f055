import { Lifeline } from '@lifeline/node';
import { onTestFinished } from 'vitest';

/** A Lifeline from @lifeline/node, closed when the test finishes. */
export function nodeLifeline(...args: ConstructorParameters<typeof Lifeline>): Lifeline {
  const line = new Lifeline(...args);
  onTestFinished(() => line.close());
  return line;
}
