export type {
  RedisConnectOptions,
  RedisSessionStoreOptions,
  RedisSessionStoreSettings,
} from './redis-session-store.js';
export { RedisSessionStore } from './redis-session-store.js';
export type { RedisCommander } from './script-runner.js';
