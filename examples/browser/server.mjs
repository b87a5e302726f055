// The server behind `pnpm demo:browser`, all on 127.0.0.1: an HTTP server for the page, its script
// (bundled at start) and the control endpoint the page's buttons call; and the session server the page's
// line talks to, on a port of its own, so that stopping it really closes the listener while the page
// stays reachable.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { MemorySessionStore, SessionServer } from '@lifeline/server';
import { build } from 'esbuild';
import { WebSocketServer } from 'ws';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const source = (pkg) => here(`../../packages/${pkg}/src/index.ts`);

/**
 * `page.js` with `@lifeline/browser` in it, as one ES module. Bundled from the sources, so the page needs
 * no build and shows the code as it is; each package's own dependencies resolve from its folder.
 */
async function bundlePage() {
  const { outputFiles } = await build({
    entryPoints: [here('page.js')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    alias: { '@lifeline/browser': source('browser'), '@lifeline/core': source('core') },
    logLevel: 'silent',
  });
  return outputFiles[0].text;
}

/**
 * The session server, stoppable and restartable on the same port. Its store outlives each start, so the
 * page's session resumes after a restart as it would on another node sharing a store.
 */
function sessionServer() {
  const store = new MemorySessionStore();
  // how often the handler ran for each message (by its key, the same for every run): the session makes
  // it once, and each echo carries the count so the page can show it
  const runs = new Map();
  let wss = null;
  let sessions = null;
  let port = 0;

  const handler = (message, { session, key }) => {
    const count = (runs.get(key) ?? 0) + 1;
    runs.set(key, count);
    // not awaited: it settles when the page has completed the echo, and rejects if the server stops
    // first (the echo stays in the store and is replayed on resume)
    session.send({ n: message?.n, text: message?.text, runs: count }).catch(() => {});
  };

  return {
    get isUp() {
      return wss !== null;
    },
    get port() {
      return port;
    },
    async start() {
      if (wss) return;
      const next = new WebSocketServer({ host: '127.0.0.1', port });
      await once(next, 'listening');
      wss = next;
      port = wss.address().port;
      sessions = new SessionServer({ wss, store, handler });
    },
    async stop() {
      if (!wss) return;
      const [stopping, closing] = [wss, sessions];
      wss = sessions = null;
      // closes each session's socket with 1001 (going away) and leaves the sessions in the store
      await closing.close();
      await new Promise((resolve) => stopping.close(resolve));
    },
    /** Cuts every connection without a close frame, as a dying link does: the page sees 1006. */
    drop() {
      for (const socket of wss?.clients ?? []) socket.terminate();
    },
  };
}

const types = { html: 'text/html', js: 'text/javascript', css: 'text/css', json: 'application/json' };

/**
 * Starts the demo on 127.0.0.1: the page at `url` (`port` 0: one the OS picks) and the session server
 * on a port of its own.
 */
export async function startDemoServer({ port = 0 } = {}) {
  const ws = sessionServer();
  await ws.start();
  const wsUrl = `ws://127.0.0.1:${ws.port}`;
  const files = {
    '/': {
      type: types.html,
      body: (await readFile(here('index.html'), 'utf8')).replace('%WS_URL%', wsUrl),
    },
    '/page.js': { type: types.js, body: await bundlePage() },
    '/style.css': { type: types.css, body: await readFile(here('style.css'), 'utf8') },
  };
  const controls = { drop: () => ws.drop(), stop: () => ws.stop(), start: () => ws.start() };

  const http = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = files[path];
    const action = path.startsWith('/control/') ? controls[path.slice('/control/'.length)] : undefined;
    if (request.method === 'GET' && file) {
      response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
    } else if (request.method === 'POST' && action) {
      await action();
      response
        .writeHead(200, { 'content-type': types.json })
        .end(JSON.stringify({ server: ws.isUp ? 'up' : 'down' }));
    } else {
      response.writeHead(404).end();
    }
  });
  http.listen(port, '127.0.0.1');
  await once(http, 'listening');

  return {
    url: `http://127.0.0.1:${http.address().port}/`,
    wsUrl,
    async close() {
      http.closeAllConnections();
      await Promise.all([new Promise((resolve) => http.close(resolve)), ws.stop()]);
    },
  };
}
