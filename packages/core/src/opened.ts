import { closedError } from './errors.js';
import type { Lifeline } from './lifeline.js';
import type { ConnectionState } from './state.js';

/**
 * Resolves on the line's next open (at once when it is open). Rejects with `ERR_CLOSED` if it closes for
 * good first, or is closing or closed already.
 * @example await opened(line); console.log(line.protocol);
 */
export function opened(line: Lifeline<unknown, unknown>): Promise<void> {
  const { state } = line;
  if (state.phase === 'open') return Promise.resolve();
  if (state.phase === 'closed' || state.phase === 'closing') return Promise.reject(closedError(state));
  return new Promise((resolve, reject) => {
    const onState = (next: ConnectionState) => {
      if (next.phase !== 'open' && next.phase !== 'closed') return;
      line.off('state', onState);
      if (next.phase === 'open') resolve();
      else reject(closedError(next));
    };
    line.on('state', onState);
  });
}
