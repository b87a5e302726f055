// reconnecting-websocket 4.4.0 on ws (its WebSocket option); bufferedAmount polling for backpressure.
import ReconnectingWebSocket from 'reconnecting-websocket';
import WebSocket from 'ws';
import { pumpPolling, validateText, whenOpen } from './common.mjs';

export async function load() {
  const open = (url, onText, options = {}) => {
    const rws = new ReconnectingWebSocket(url, [], { WebSocket, ...options });
    rws.onmessage = (event) => onText(event.data);
    return rws;
  };
  return {
    connect: (url, onText) => whenOpen(open(url, onText)),
    connectDecoding: (url, schema, onValue, onInvalid) =>
      whenOpen(open(url, (text) => validateText(text, schema, onValue, onInvalid))),
    connectReconnecting(url, delayMs, onOpen, onText) {
      const rws = open(url, onText, {
        minReconnectionDelay: delayMs,
        maxReconnectionDelay: delayMs,
        reconnectionDelayGrowFactor: 1,
      });
      rws.onopen = onOpen;
      return rws;
    },
    pump: pumpPolling,
  };
}
