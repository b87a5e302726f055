// partysocket 1.3.0's ReconnectingWebSocket on ws (its WebSocket option); bufferedAmount polling.
import ReconnectingWebSocket from 'partysocket/ws';
import WebSocket from 'ws';
import { pumpPolling, validateText, whenOpen } from './common.mjs';

export async function load() {
  const open = (url, onText, options = {}) => {
    const socket = new ReconnectingWebSocket(url, [], { WebSocket, ...options });
    socket.onmessage = (event) => onText(event.data);
    return socket;
  };
  return {
    connect: (url, onText) => whenOpen(open(url, onText)),
    connectDecoding: (url, schema, onValue, onInvalid) =>
      whenOpen(open(url, (text) => validateText(text, schema, onValue, onInvalid))),
    connectReconnecting(url, delayMs, onOpen, onText) {
      const socket = open(url, onText, {
        minReconnectionDelay: delayMs,
        maxReconnectionDelay: delayMs,
        reconnectionDelayGrowFactor: 1,
      });
      socket.onopen = onOpen;
      return socket;
    },
    pump: pumpPolling,
  };
}
