import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { WebSocketServer } from 'ws';

declare module 'vitest' {
  export interface ProvidedContext {
    /** An echoing ws server on loopback, for the tests that run in Chromium. */
    wsUrl: string;
  }
}

/** Starts the loopback echo server the browser tests talk to, and closes it after the run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  project.provide('wsUrl', `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of wss.clients) socket.terminate();
      wss.close(() => resolve());
    });
}
