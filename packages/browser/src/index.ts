import { Lifeline as CoreLifeline, type LifelineArgs, withDefaults } from '@lifeline/core';

export * from '@lifeline/core';

/**
 * Lifeline on the browser's own WebSocket. Relative URLs resolve against the document, as
 * `new WebSocket()` does.
 */
export class Lifeline<TMessage = unknown> extends CoreLifeline<TMessage> {
  constructor(...args: LifelineArgs) {
    super(
      ...withDefaults(args, {
        // looked up at construction, not import, so the module loads where no WebSocket exists (SSR)
        WebSocket: globalThis.WebSocket,
        ...(globalThis.location && { baseURL: globalThis.location.href }),
      }),
    );
  }
}
