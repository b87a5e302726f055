// Raw ws, the floor: its own EventEmitter API, a hand-written reconnect, a hand-gated send loop.
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { HIGH_WATER_MARK, validateText } from './common.mjs';

const ignore = () => {};

function open(url, onText) {
  const ws = new WebSocket(url);
  ws.on('error', ignore);
  ws.on('message', (data, isBinary) => {
    if (!isBinary) onText(data.toString());
  });
  return ws;
}

function opened(ws) {
  return new Promise((resolve) => ws.once('open', () => resolve(ws)));
}

/** `naive`: the send loop ignores backpressure and lets ws buffer everything (the bad reference). */
export async function load({ naive = false } = {}) {
  return {
    connect: (url, onText) => opened(open(url, onText)),

    connectDecoding: (url, schema, onValue, onInvalid) =>
      opened(open(url, (text) => validateText(text, schema, onValue, onInvalid))),

    connectReconnecting(url, delayMs, onOpen, onText) {
      const client = {
        socket: null,
        send: (data) => client.socket?.send(data),
        get bufferedAmount() {
          return client.socket?.bufferedAmount ?? 0;
        },
        close: () => client.socket?.close(),
      };
      const dial = () => {
        const ws = open(url, onText);
        client.socket = ws;
        ws.on('open', onOpen);
        ws.on('close', () => sleep(delayMs).then(dial));
      };
      dial();
      return client;
    },

    async pump(ws, chunk, count) {
      for (let i = 0; i < count; i++) {
        if (naive || ws.bufferedAmount < HIGH_WATER_MARK) {
          ws.send(chunk);
          continue;
        }
        // above the mark: wait until this frame (and so all before it) has been written out
        await new Promise((resolve, reject) =>
          ws.send(chunk, (error) => (error ? reject(error) : resolve())),
        );
      }
    },
  };
}
