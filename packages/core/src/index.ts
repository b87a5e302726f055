/**
 * The platform-free core: the `Lifeline` class and every capability, on a WebSocket constructor the
 * caller supplies. Applications import `@lifeline/node` or `@lifeline/browser` (or `lifeline`), which
 * re-export all of this with the platform's socket as the default.
 * @module @lifeline/core
 */
export type { StandardSchemaV1 } from '@standard-schema/spec';
export type { BackoffPolicy } from './backoff.js';
export { backoffDelay } from './backoff.js';
export type { CloseAdvice, CloseInfo, Decision } from './classify.js';
export { classify, parseCloseAdvice } from './classify.js';
export type { Codec } from './codec.js';
export { jsonCodec } from './codec.js';
export type { Claim } from './decode.js';
export { drained } from './drained.js';
export type { LifelineErrorCode } from './errors.js';
export { isLifelineError, LifelineError } from './errors.js';
export type { AttemptReason, LifelineEvents, SessionInfo, SessionResetReason } from './events.js';
export { sendWithin } from './expiry.js';
export type { HandshakeHook } from './handshake.js';
export { handshake } from './handshake.js';
export type { HeartbeatMode, HeartbeatOptions } from './heartbeat.js';
export { heartbeat, probe } from './heartbeat.js';
export type { Kernel, Plugin } from './kernel.js';
export { kernel } from './kernel.js';
export { Lifeline } from './lifeline.js';
export type { MessagesOptions } from './messages.js';
export { messages } from './messages.js';
export { opened } from './opened.js';
export type {
  AnyLifelineOptions,
  AttemptContext,
  LifelineArgs,
  LifelineOptions,
  ProtocolsProvider,
  Provider,
  ReconnectOptions,
  ReconnectVerdict,
  UrlProvider,
} from './options.js';
export { defaults, normalizeArgs, withDefaults } from './options.js';
export type { DropReason, QueuedMessage, QueueOptions } from './outbound-queue.js';
export type { Outbox, SendData } from './outbox.js';
export type {
  BinaryData,
  Outgoing,
  SocketCloseEvent,
  SocketErrorEvent,
  SocketMessageEvent,
  Timers,
  UpgradeResponse,
  WebSocketConstructor,
  WebSocketLike,
} from './ports.js';
export { redact } from './redact.js';
export type { Requester, RequesterOptions, RequestOptions, RequestValue } from './request.js';
export { requester } from './request.js';
export type { RetryingOptions } from './request-retry.js';
export { retrying } from './request-retry.js';
export type { RouteOptions, Variant, VariantOf } from './route.js';
export { route } from './route.js';
export type { Issues } from './schema.js';
export type { Session, SessionContext, SessionOptions } from './session.js';
export { session } from './session.js';
export type { StandardEventMap } from './standard-events.js';
export { LifelineCloseEvent, LifelineErrorEvent } from './standard-events.js';
export type { ConnectionState, Phase } from './state.js';
export type { LifelineStats } from './stats.js';
export { stats } from './stats.js';
export { sendSticky, unstick } from './sticky.js';
export type { LifelineStreams } from './stream.js';
export { stream } from './stream.js';
export { resume, suspend } from './suspend.js';
export { takeQueued } from './take-queued.js';
export { sendNowOrDrop } from './volatile.js';
