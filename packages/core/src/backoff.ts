/** How long to wait between attempts. All durations in milliseconds. */
export interface BackoffPolicy {
  /** @default 1000 */
  readonly minDelay: number;
  /** @default 30000 */
  readonly maxDelay: number;
  /** @default 2 */
  readonly factor: number;
  /**
   * `'full'`: random(0, window); `'equal'`: window/2 + random(0, window/2); `false`: the window itself.
   * Applied after the cap, so clients at the cap still spread out (socket.io's cap erases its jitter).
   * @default 'full'
   */
  readonly jitter: 'full' | 'equal' | false;
}

/**
 * The delay before the next attempt after `failures` consecutive failures (1 for the first):
 * jitter over `min(maxDelay, minDelay * factor^(failures - 1))`.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number): number {
  const window = Math.min(policy.maxDelay, policy.minDelay * policy.factor ** Math.max(0, failures - 1));
  if (!policy.jitter) return window;
  // the random part: all of the window ('full') or its upper half ('equal')
  const spread = policy.jitter === 'full' ? window : window / 2;
  return Math.floor(window - spread + random() * spread);
}
