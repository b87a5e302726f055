// partysocket 1.3.0's ReconnectingWebSocket (a fork of reconnecting-websocket, same options) on ws;
// bufferedAmount polling for backpressure.
import ReconnectingWebSocket from 'partysocket/ws';
import { reconnectingWebSocketAdapter } from './common.mjs';

export const load = async () => reconnectingWebSocketAdapter(ReconnectingWebSocket);
