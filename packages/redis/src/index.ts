/**
 * A Redis {@link @lifeline/server!SessionStore} for `@lifeline/server`, so a session can resume on any
 * server node; every write is fenced against a node that lost the session.
 * @module @lifeline/redis
 */
export type {
  RedisConnectOptions,
  RedisSessionStoreOptions,
  RedisSessionStoreSettings,
} from './redis-session-store.js';
export { RedisSessionStore } from './redis-session-store.js';
export type { RedisCommander } from './script-runner.js';
