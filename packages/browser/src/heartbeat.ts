import { heartbeat as coreHeartbeat, type HeartbeatOptions, type Lifeline } from '@lifeline/core';

/**
 * The heartbeat's `timeoutScale` in a page: deadlines double while it is hidden, where browsers run
 * timers late, so a throttled timer is not taken for a silent server.
 */
const hiddenTimeoutScale = (): number => (globalThis.document?.visibilityState === 'hidden' ? 2 : 1);

/** The options with the page's scale, made once per options object: lines that share one share this too. */
const withScale = new WeakMap<HeartbeatOptions, HeartbeatOptions>();

/**
 * Core's `heartbeat(line, options)` for a page: the timeout doubles while the page is hidden (a
 * `timeoutScale` you pass wins). A browser has no ping frames: use `'message'` or `'passive'` mode.
 * @returns a function that detaches it
 * @example heartbeat(line, { mode: 'message', ping: '{"type":"ping"}', isPong: (data) => data === '{"type":"pong"}' })
 */
export function heartbeat(line: Lifeline<unknown, unknown>, options?: HeartbeatOptions): () => void {
  if (options === null || typeof options !== 'object' || options.timeoutScale !== undefined)
    return coreHeartbeat(line, options);
  let scaled = withScale.get(options);
  if (scaled === undefined) {
    scaled = { timeoutScale: hiddenTimeoutScale, ...options };
    withScale.set(options, scaled);
  }
  return coreHeartbeat(line, scaled);
}
