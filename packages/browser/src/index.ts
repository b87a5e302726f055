import {
  Lifeline as CoreLifeline,
  type LifelineArgs,
  type LifelineOptions,
  withDefaults,
} from '@lifeline/core';
import { hiddenTimeoutScale, watchPageLifecycle } from './lifecycle.js';

export * from '@lifeline/core';
export { PAGE_HIDDEN_CODE } from './lifecycle.js';

/**
 * Lifeline on the browser's own WebSocket, aware of the page lifecycle: it waits while the browser is
 * offline, tries at once when the network returns or the page becomes visible, and steps out of the way
 * of the back/forward cache. Relative URLs resolve against the document, as `new WebSocket()` does.
 */
export class Lifeline<TMessage = unknown, TSend = unknown, TKey extends string = 'type'> extends CoreLifeline<
  TMessage,
  TSend,
  TKey
> {
  #unwatch: (() => void) | null;

  constructor(...args: LifelineArgs<LifelineOptions<TMessage, TSend, TKey>>) {
    const [url, protocols, options] = withDefaults(args, {
      // looked up at construction, not import, so the module loads where no WebSocket exists (SSR)
      WebSocket: globalThis.WebSocket,
      ...(globalThis.location && { baseURL: globalThis.location.href }),
    });
    const { heartbeat } = options;
    super(
      url,
      protocols,
      heartbeat ? { ...options, heartbeat: { timeoutScale: hiddenTimeoutScale, ...heartbeat } } : options,
    );
    this.#unwatch = watchPageLifecycle(this);
  }

  /** As core's `close()`, and removes every listener this Lifeline added to the window and document. */
  override close(code?: number, reason?: string): void {
    super.close(code, reason);
    this.#unwatch?.();
    this.#unwatch = null;
  }

  /** As core's `reconnect()`; after `close()`, it watches the page lifecycle again. */
  override reconnect(code?: number, reason?: string): void {
    super.reconnect(code, reason);
    this.#unwatch ??= watchPageLifecycle(this);
  }
}
