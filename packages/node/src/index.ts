/**
 * Lifeline for Node.js, on `ws`: per-attempt headers and TLS options, protocol-level heartbeat pings, and
 * the HTTP status of a refused upgrade. Re-exports all of `@lifeline/core`.
 * @module @lifeline/node
 */
import { Lifeline as CoreLifeline, heartbeat, type LifelineArgs, normalizeArgs } from '@lifeline/core';
import { isWs, type NodeLifelineOptions, toCoreOptions } from './options.js';
import { upgradeStatus } from './upgrade-status.js';

export * from '@lifeline/core';
export type { NodeLifelineOptions, NodeSocketOptions } from './options.js';
export type { UpgradeStatusOptions } from './upgrade-status.js';
export { parseRetryAfter, upgradeStatus } from './upgrade-status.js';

/** The default heartbeat: protocol pings, which every server answers. One object, so lines share its settings. */
const HEARTBEAT_DEFAULT = Object.freeze({ mode: 'frame' } as const);

/**
 * Lifeline on `ws`: per-attempt headers, TLS and agent options, protocol-level heartbeat pings (on by
 * default), and the HTTP status of a refused upgrade for the reconnect policy.
 */
export class Lifeline<TMessage = unknown, TSend = unknown> extends CoreLifeline<TMessage, TSend> {
  /** @throws TypeError or RangeError for bad options, among them `heartbeat`'s */
  constructor(...args: LifelineArgs<NodeLifelineOptions<TMessage, TSend>>) {
    const { url, protocols, options } = normalizeArgs(args);
    super(url, protocols, toCoreOptions(options));
    // undici's socket has no ping frames: no heartbeat unless asked for ('frame' mode is a TypeError there)
    const isWsSocket = isWs(options.WebSocket);
    const beat = options.heartbeat ?? (isWsSocket ? HEARTBEAT_DEFAULT : false);
    // attached before the first socket, which is never made synchronously
    if (beat) {
      try {
        heartbeat(this, beat);
      } catch (error) {
        this.close(); // bad heartbeat options: no line may go on connecting behind the thrown error
        throw error;
      }
    }
    // only ws's sockets record a refused upgrade's response and their own close code; reconnect's
    // maxRetryAfter caps Retry-After as it caps a close reason's retryAfter advice
    if (isWsSocket) upgradeStatus(this, options.reconnect);
  }
}
