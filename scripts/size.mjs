// Prints the min+gzip size of the browser bundle for a minimal use of @lifeline/browser (import,
// construct, send, listen), bundled from the built package the way an application's bundler would,
// and the same use of the peer libraries, bundled the same way.
// With --budget, exits non-zero when Lifeline is over the budget. Run `pnpm build` first.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

// bytes, min+gzip, without the application's schema library
const budgetArg = process.argv.indexOf('--budget');
const BUDGET = budgetArg === -1 ? undefined : Number(process.argv[budgetArg + 1]);

// each peer with its own reconnect and its defaults, used as its README shows
const uses = {
  '@lifeline/browser': `
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
  'websocket-ts': `
import { ExponentialBackoff, WebsocketBuilder, WebsocketEvent } from 'websocket-ts';
const socket = new WebsocketBuilder('wss://example.com/feed').withBackoff(new ExponentialBackoff(1000, 5)).build();
socket.addEventListener(WebsocketEvent.message, (_, event) => document.title = String(JSON.parse(event.data)));
socket.send(JSON.stringify({ type: 'hello' }));
`,
};

async function measure(contents) {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
  });
  const code = result.outputFiles[0].contents;
  const byPackage = {};
  const inputs = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs;
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const name =
      path.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/)?.[1] ??
      '@lifeline/*';
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length, byPackage };
}

const sizes = {};
for (const [name, contents] of Object.entries(uses)) sizes[name] = await measure(contents);

const lifeline = sizes['@lifeline/browser'];
console.log(
  `@lifeline/browser, minimal use: ${lifeline.min} B min, ${lifeline.gzip} B min+gzip${BUDGET ? ` (budget ${BUDGET} B)` : ''}`,
);
for (const [name, bytes] of Object.entries(lifeline.byPackage).sort((a, b) => b[1] - a[1])) {
  console.log(`  ${name.padEnd(24)} ${bytes} B min`);
}
console.log('peers, the same use bundled the same way:');
for (const [name, { min, gzip }] of Object.entries(sizes)) {
  if (name !== '@lifeline/browser') console.log(`  ${name.padEnd(24)} ${min} B min, ${gzip} B min+gzip`);
}
if (BUDGET !== undefined && lifeline.gzip > BUDGET) {
  console.error(`over budget by ${lifeline.gzip - BUDGET} B`);
  process.exit(1);
}
