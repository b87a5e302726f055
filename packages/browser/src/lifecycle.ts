import { kernel, type Lifeline, type Plugin } from '@lifeline/core';

/**
 * The close code a Lifeline sends when its page enters the back/forward cache, with the reason
 * `'page hidden'`. It means "going away, will be back" (1001's meaning, which pages may not send: they
 * may send only 1000 and 3000-4999), so a server can keep the session for the page's return.
 */
export const PAGE_HIDDEN_CODE = 4001;

type Line = Lifeline<unknown, unknown>;
type Method = 'addEventListener' | 'removeEventListener';

/**
 * The lines of this page that follow its lifecycle. One set of window and document listeners serves
 * them all (as TanStack Query's onlineManager does), so a page with many lines has five listeners, not
 * five per line; they are added with the first line and removed with the last.
 */
const lines = new Set<Line>();

const windowEvents = ['online', 'offline', 'pagehide', 'pageshow'] as const;

/**
 * `offline` and `pagehide` into the back/forward cache drop every socket at once and hold the attempts;
 * `online`, `pageshow` back from the cache and the page becoming visible release them, which tries at
 * once (a backoff is cut short), unless the browser says it is offline. `online` also asks whatever
 * watches an open line's link (a heartbeat) to check it now: the network under it may have changed.
 */
function onPageEvent(event: Event): void {
  const { type } = event;
  const { persisted } = event as PageTransitionEvent;
  if (type === 'offline') hold(true);
  // a page with an open WebSocket is not cached; one that is not being cached is being unloaded
  else if (type === 'pagehide') {
    if (persisted) hold(true, PAGE_HIDDEN_CODE, 'page hidden');
  } else if (
    (type !== 'pageshow' || persisted) &&
    (type !== 'visibilitychange' || document.visibilityState === 'visible') &&
    navigator.onLine !== false
  ) {
    hold(false);
    if (type === 'online') for (const line of lines) kernel.notify(line, 'probe', undefined);
  }
}

function hold(isHeld: boolean, code?: number, reason?: string): void {
  for (const line of lines) kernel.hold(line, isHeld, code, reason);
}

function listen(method: Method): void {
  // no global event target in server-side rendering or React Native; no document in workers, whose
  // scope still has online and offline
  if (typeof globalThis[method] === 'function')
    for (const type of windowEvents) globalThis[method](type, onPageEvent);
  const doc = globalThis.document;
  if (typeof doc?.[method] === 'function') doc[method]('visibilitychange', onPageEvent);
}

function watch(line: Line): void {
  if (lines.size === 0) listen('addEventListener');
  lines.add(line);
}

/**
 * One plugin for every line: a line closed for good stops following, and the attempt that `reconnect()`
 * or `open()` starts after that makes it follow again (watching twice is harmless). Through the seam
 * rather than `line.on('state')`, so an application's `line.off('state')` cannot undo it.
 */
const follower: Plugin = {
  connecting: (_attempt, line) => watch(line),
  closed: (line) => {
    if (lines.delete(line) && lines.size === 0) listen('removeEventListener');
  },
};

/** Makes `line` follow the page lifecycle until it closes for good, and again after it starts over. */
export function followPageLifecycle(line: Line): void {
  watch(line);
  kernel.use(line, follower);
}
