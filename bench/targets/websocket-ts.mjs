// websocket-ts 2.3.0: it calls the global WebSocket, so this process makes ws the global one.
// bufferedAmount polling for backpressure.
import WebSocket from 'ws';
import { pumpPolling, validateText } from './common.mjs';

export async function load() {
  globalThis.WebSocket = WebSocket;
  const { ConstantBackoff, WebsocketBuilder, WebsocketEvent } = await import('websocket-ts');

  const open = (url, onText, backoff) => {
    const builder = new WebsocketBuilder(url).onMessage((_, event) => onText(event.data));
    return (backoff ? builder.withBackoff(backoff) : builder).build();
  };
  const opened = (socket) =>
    new Promise((resolve) => socket.addEventListener(WebsocketEvent.open, () => resolve(socket)));

  return {
    connect: (url, onText) => opened(open(url, onText)),
    connectDecoding: (url, schema, onValue, onInvalid) =>
      opened(open(url, (text) => validateText(text, schema, onValue, onInvalid))),
    connectReconnecting(url, delayMs, onOpen, onText) {
      const socket = open(url, onText, new ConstantBackoff(delayMs));
      socket.addEventListener(WebsocketEvent.open, onOpen);
      return socket;
    },
    pump: pumpPolling,
  };
}
