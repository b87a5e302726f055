/**
 * The server side of Lifeline sessions, on `ws`: exactly-once, in-order messages both ways across
 * reconnects, with sessions kept in memory or in a shared {@link SessionStore}.
 * @module @lifeline/server
 */
export type { Awaitable } from './awaitable.js';
export type { MemorySessionStoreOptions } from './memory-store.js';
export { MemorySessionStore } from './memory-store.js';
export type {
  Attachment,
  Authenticate,
  Bound,
  HandlerContext,
  MessageHandler,
  SessionServerOptions,
} from './options.js';
export { CloseCode, SESSION_PROTOCOL } from './protocol.js';
export { mask } from './secret.js';
export type { ServerSession, Watermarks } from './server-session.js';
export type { EndReason, SessionErrorCode } from './session-error.js';
export { isSessionError, SessionError } from './session-error.js';
export type { SessionServerEvents } from './session-server.js';
export { SessionServer } from './session-server.js';
export type {
  AttachOutcome,
  ResetReason,
  SessionRecord,
  SessionStore,
  StoredMessage,
} from './session-store.js';
