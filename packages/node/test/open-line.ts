import { Lifeline, type NodeLifelineOptions } from '@lifeline/node';
import { onTestFinished } from 'vitest';

/** A Lifeline with near-instant reconnects (1-5 ms), closed when the test finishes. */
export function openLine(url: string, options: NodeLifelineOptions = {}): Lifeline {
  const line = new Lifeline(url, { reconnect: { minDelay: 1, maxDelay: 5 }, ...options });
  onTestFinished(() => line.close());
  return line;
}
