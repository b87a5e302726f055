// Browser bundle size of a minimal use of each library (import, construct, send, listen), bundled by
// esbuild the way an application's bundler would (minified ESM for browsers), then gzip -9. Raw ws has
// no browser build: its column is the same use written against the browser's own WebSocket.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

// each library with its own reconnect and its defaults, used as its README shows
const USES = {
  ws: `
const socket = new WebSocket('wss://example.com/feed');
socket.addEventListener('message', (event) => document.title = String(JSON.parse(event.data)));
socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'hello' })));
`,
  lifeline: `
import { Lifeline } from '@lifeline/browser';
const line = new Lifeline('wss://example.com/feed');
line.on('message', (message) => document.title = String(message));
line.send({ type: 'hello' });
`,
  'reconnecting-websocket': `
import ReconnectingWebSocket from 'reconnecting-websocket';
const socket = new ReconnectingWebSocket('wss://example.com/feed');
socket.addEventListener('message', (event) => document.title = String(JSON.parse(event.data)));
socket.send(JSON.stringify({ type: 'hello' }));
`,
  partysocket: `
import ReconnectingWebSocket from 'partysocket/ws';
const socket = new ReconnectingWebSocket('wss://example.com/feed');
socket.addEventListener('message', (event) => document.title = String(JSON.parse(event.data)));
socket.send(JSON.stringify({ type: 'hello' }));
`,
  // it reconnects only with a backoff; without a buffer (its default) a send before open is dropped
  'websocket-ts': `
import { ExponentialBackoff, WebsocketBuilder, WebsocketEvent } from 'websocket-ts';
const socket = new WebsocketBuilder('wss://example.com/feed').withBackoff(new ExponentialBackoff(1000, 5)).build();
socket.addEventListener(WebsocketEvent.message, (_, event) => document.title = String(JSON.parse(event.data)));
socket.send(JSON.stringify({ type: 'hello' }));
`,
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
