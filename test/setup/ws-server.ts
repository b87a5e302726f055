import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import type { TestProject } from 'vitest/node';
import { WebSocketServer } from 'ws';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * An echoing ws server on loopback: every message comes back, text as text, binary as binary. It
     * accepts permessage-deflate.
     */
    wsUrl: string;
    /** A loopback port that resets every connection before the upgrade: every attempt fails (1006). */
    failUrl: string;
  }
}

/**
 * Starts the loopback servers that the browser tests (which cannot start servers) and the shared
 * conformance suite talk to, and closes them after the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // accepts permessage-deflate, which browsers and @lifeline/node offer, as many servers do: the
  // conformance suite checks that `extensions` reports it
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  project.provide('wsUrl', `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);

  // A listening port that resets, rather than a closed port: a closed port may be taken by another
  // server during the run, this one cannot
  const resetting: Server = createServer((socket) => socket.resetAndDestroy());
  await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
  project.provide('failUrl', `ws://127.0.0.1:${(resetting.address() as AddressInfo).port}`);

  return async () => {
    for (const socket of wss.clients) socket.terminate();
    await Promise.all([
      new Promise<void>((resolve) => wss.close(() => resolve())),
      new Promise<void>((resolve) => resetting.close(() => resolve())),
    ]);
  };
}
