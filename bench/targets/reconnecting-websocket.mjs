// reconnecting-websocket 4.4.0 on ws (its WebSocket option); bufferedAmount polling for backpressure.
import ReconnectingWebSocket from 'reconnecting-websocket';
import { reconnectingWebSocketAdapter } from './common.mjs';

export const load = async () => reconnectingWebSocketAdapter(ReconnectingWebSocket);
