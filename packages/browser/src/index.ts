/**
 * Lifeline on the runtime's own WebSocket (browsers, workers, Deno, Bun), following the page lifecycle.
 * Re-exports all of `@lifeline/core`.
 * @module @lifeline/browser
 */
import {
  Lifeline as CoreLifeline,
  type LifelineArgs,
  type LifelineOptions,
  withDefaults,
} from '@lifeline/core';
import { followPageLifecycle } from './lifecycle.js';

export * from '@lifeline/core';
export { heartbeat } from './heartbeat.js';
export { PAGE_HIDDEN_CODE } from './lifecycle.js';

/**
 * Lifeline on the browser's own WebSocket, aware of the page lifecycle: it waits while the browser is
 * offline, tries at once when the network returns or the page becomes visible, and steps out of the way
 * of the back/forward cache. Relative URLs resolve against the document, as `new WebSocket()` does.
 */
export class Lifeline<TMessage = unknown, TSend = unknown> extends CoreLifeline<TMessage, TSend> {
  constructor(...args: LifelineArgs<LifelineOptions<TMessage, TSend>>) {
    super(
      ...withDefaults(args, {
        // looked up at construction, not import, so the module loads where no WebSocket exists (SSR)
        WebSocket: globalThis.WebSocket,
        ...(globalThis.location && { baseURL: globalThis.location.href }),
      }),
    );
    followPageLifecycle(this);
  }
}
