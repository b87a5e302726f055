// Browser bundle size of a minimal use of each library (import, construct, send, listen), bundled by
// esbuild the way an application's bundler would (minified ESM for browsers), then gzip -9. Raw ws has
// no browser build: its column is the same use written against the browser's own WebSocket.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const LISTEN = '(event) => { document.title = String(JSON.parse(event.data)); }';
const SEND = "JSON.stringify({ type: 'hello' })";
const URL = "'wss://example.com/feed'";

const USES = {
  ws: `const socket = new WebSocket(${URL});
socket.onmessage = ${LISTEN};
socket.onopen = () => socket.send(${SEND});`,
  lifeline: `import { Lifeline } from '@lifeline/browser';
const line = new Lifeline(${URL});
line.on('message', (message) => { document.title = String(message); });
line.send({ type: 'hello' });`,
  'reconnecting-websocket': `import ReconnectingWebSocket from 'reconnecting-websocket';
const socket = new ReconnectingWebSocket(${URL});
socket.onmessage = ${LISTEN};
socket.send(${SEND});`,
  // the package's documented import for its plain reconnecting WebSocket
  partysocket: `import { WebSocket } from 'partysocket';
const socket = new WebSocket(${URL});
socket.onmessage = ${LISTEN};
socket.send(${SEND});`,
  // with a backoff (it does not reconnect without one) and a buffer (it drops sends before open without one)
  'websocket-ts': `import { ArrayQueue, ExponentialBackoff, WebsocketBuilder, WebsocketEvent } from 'websocket-ts';
const socket = new WebsocketBuilder(${URL}).withBuffer(new ArrayQueue()).withBackoff(new ExponentialBackoff(1000, 5)).build();
socket.addEventListener(WebsocketEvent.message, (_, event) => { document.title = String(JSON.parse(event.data)); });
socket.send(${SEND});`,
};

/** Minified bytes per package, from esbuild's metafile: where the bytes come from. */
function byPackage(metafile) {
  const bytes = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name =
        /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ??
        (path.startsWith('packages/') ? `@lifeline/${path.split('/')[1]}` : '(application)');
      bytes[name] = (bytes[name] ?? 0) + bytesInOutput;
    }
  }
  return bytes;
}

/**
 * Minified and min+gzip bytes per target. `alias` maps package names to source entry points (the
 * harness's --source mode); without it, packages resolve to what is built.
 */
export async function bundleSizes(targets, { resolveDir, alias = {} }) {
  const sizes = {};
  for (const target of targets) {
    const result = await build({
      stdin: { contents: USES[target], resolveDir, loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      alias,
      metafile: true,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0].contents;
    sizes[target] = {
      minBytes: code.length,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      minBytesByPackage: byPackage(result.metafile),
    };
  }
  return sizes;
}
