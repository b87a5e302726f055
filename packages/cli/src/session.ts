import type { Lifeline } from '@lifeline/node';
import { UsageError } from './args.js';

/**
 * The capability `--session` attaches, or undefined without the flag. Acknowledged sessions are issue
 * #15; until `session(line)` lands, the flag is accepted and refused here, before anything connects.
 * Wiring it is this function's body: `return (line) => void session(line);`.
 * @throws UsageError while sessions are not available
 */
export function sessionCapability(
  isWanted: boolean,
): ((line: Lifeline<unknown, unknown>) => void) | undefined {
  if (!isWanted) return undefined;
  throw new UsageError('--session needs @lifeline/server sessions (not available in this build)', false);
}
