import { Lifeline as CoreLifeline, type LifelineArgs, normalizeArgs } from '@lifeline/core';
import { type NodeLifelineOptions, toCoreOptions } from './options.js';

export * from '@lifeline/core';
export type { NodeLifelineOptions, NodeSocketOptions } from './options.js';

/**
 * Lifeline on `ws`: per-attempt headers, TLS and agent options, protocol-level heartbeat pings (on by
 * default), and the HTTP status of a refused upgrade for the reconnect policy.
 */
export class Lifeline<TMessage = unknown, TSend = unknown, TKey extends string = 'type'> extends CoreLifeline<
  TMessage,
  TSend,
  TKey
> {
  constructor(...args: LifelineArgs<NodeLifelineOptions<TMessage, TSend, TKey>>) {
    const { url, protocols, options } = normalizeArgs(args);
    super(url, protocols, toCoreOptions(options));
  }
}
