// What the target adapters share. Every adapter module exports `load(config)`, resolving to:
//   connect(url, onText)                         -> Promise<client>, resolved on open
//   connectDecoding(url, schema, onValue, onInvalid) -> Promise<client>; `decodeMode` says how it validates
//   connectReconnecting(url, delayMs, onOpen, onText) -> client, reconnecting on a constant `delayMs`
//   pump(client, chunk, count)                   -> Promise, sends with the library's best backpressure API
// A client has send(data), bufferedAmount and close().
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

/** The high-water mark every hand-gated loop uses: Lifeline's default. */
export const HIGH_WATER_MARK = 1024 * 1024;

/** What an application does with a text frame when its library hands it only the text. */
export function validateText(text, schema, onValue, onInvalid) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    onInvalid();
    return;
  }
  const result = schema.safeParse(value);
  if (result.success) onValue(result.data);
  else onInvalid();
}

/** Resolves with `client` on its first `open` event (standard `onopen` attribute). */
export function whenOpen(client) {
  return new Promise((resolve) => {
    client.onopen = () => resolve(client);
  });
}

/** For libraries whose only backpressure signal is `bufferedAmount`: poll it while above the mark. */
export async function pumpPolling(client, chunk, count) {
  for (let i = 0; i < count; i++) {
    while (client.bufferedAmount >= HIGH_WATER_MARK) await sleep(1);
    client.send(chunk);
  }
}

/** The adapter for reconnecting-websocket and its fork partysocket: same constructor, same options. */
export function reconnectingWebSocketAdapter(ReconnectingWebSocket) {
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
