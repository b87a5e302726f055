export type { StandardSchemaV1 } from '@standard-schema/spec';
export type { BackoffPolicy } from './backoff.js';
export { backoffDelay } from './backoff.js';
export type { CloseAdvice, CloseInfo, Decision } from './classify.js';
export { classify, parseCloseAdvice, parseRetryAfter } from './classify.js';
export type { Codec } from './codec.js';
export { jsonCodec } from './codec.js';
export type { LifelineErrorCode } from './errors.js';
export { isLifelineError, LifelineError } from './errors.js';
export type { AttemptReason, LifelineEvents } from './events.js';
export type {
  HeartbeatContext,
  HeartbeatFactory,
  HeartbeatMode,
  HeartbeatMonitor,
  HeartbeatOptions,
} from './heartbeat.js';
export { createHeartbeat } from './heartbeat.js';
export type { LifelineStats } from './lifeline.js';
export { Lifeline } from './lifeline.js';
export type {
  AnyLifelineOptions,
  AttemptContext,
  HandshakeHook,
  LifelineArgs,
  LifelineOptions,
  ProtocolsProvider,
  Provider,
  ReconnectOptions,
  ReconnectVerdict,
  UrlProvider,
} from './options.js';
export { defaults, normalizeArgs, withDefaults } from './options.js';
export type { SendOptions } from './outbound.js';
export type { DropReason, QueueOptions } from './outbound-queue.js';
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
export type { Variant, VariantOf } from './route.js';
export type { Issues } from './schema.js';
export type { StandardEventMap } from './standard-events.js';
export { LifelineCloseEvent, LifelineErrorEvent } from './standard-events.js';
export type { ConnectionState, Phase } from './state.js';
export type { LifelineStreams } from './stream.js';
export { stream } from './stream.js';
