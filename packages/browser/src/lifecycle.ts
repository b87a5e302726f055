import type { Lifeline } from '@lifeline/core';

/**
 * The close code a Lifeline sends when its page enters the back/forward cache, with the reason
 * `'page hidden'`. It means "going away, will be back" (1001's meaning, which pages may not send: they
 * may send only 1000 and 3000-4999), so a server can keep the session for the page's return.
 */
export const PAGE_HIDDEN_CODE = 4001;

/** What the page lifecycle drives. */
type Controls = Pick<Lifeline, 'experimental_suspend' | 'experimental_resume' | 'probe'>;

/**
 * The heartbeat's `timeoutScale` in a page: deadlines double while it is hidden, where browsers run
 * timers late, so a throttled timer is not taken for a silent server.
 */
export const hiddenTimeoutScale = (): number => (globalThis.document?.visibilityState === 'hidden' ? 2 : 1);

const windowEvents = ['online', 'offline', 'pagehide', 'pageshow'] as const;

/**
 * Connects the page lifecycle to a Lifeline: `offline` and `pagehide` (into the back/forward cache)
 * drop the socket at once and hold every attempt; `online`, `pageshow` (back from the cache) and the
 * page becoming visible start the next attempt now, unless the browser says it is offline. `online`
 * also pings a connection that is still open (with a heartbeat configured), as the network under it
 * may have changed.
 * @returns removes every listener it added
 */
export function watchPageLifecycle(line: Controls): () => void {
  const doc = globalThis.document;
  const onEvent = (event: Event): void => {
    const { type } = event;
    const persisted = (event as PageTransitionEvent).persisted;
    if (type === 'offline') line.experimental_suspend();
    else if (type === 'pagehide') {
      // a page with an open WebSocket is not cached; one that is not being cached is being unloaded
      if (persisted) line.experimental_suspend(PAGE_HIDDEN_CODE, 'page hidden');
    } else if (
      (type !== 'pageshow' || persisted) &&
      (type !== 'visibilitychange' || doc.visibilityState === 'visible') &&
      navigator.onLine !== false
    ) {
      line.experimental_resume();
      if (type === 'online') line.probe();
    }
  };
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    // no global event target in server-side rendering; no document in workers, whose scope still has online/offline
    if (typeof globalThis[method] === 'function')
      for (const type of windowEvents) globalThis[method](type, onEvent);
    doc?.[method]('visibilitychange', onEvent);
  };
  listen('addEventListener');
  return () => listen('removeEventListener');
}
