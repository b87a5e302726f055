// Browser bundle size of a minimal use of each library (import, construct, send, listen), bundled by
// esbuild the way an application's bundler would (minified ESM for browsers), then gzip -9. Raw ws has
// no browser build: its column is the same use written against the browser's own WebSocket.
//
// For Lifeline it also says where the bytes come from, per source module. The built @lifeline/core is a
// single file (tsdown bundles its modules), so esbuild's metafile can only name packages; the modules
// come from the source maps tsdown ships with dist, which esbuild composes into the bundle's own map:
// every byte of the minified output is attributed to the source file it was built from (as
// source-map-explorer does). That measures what an application gets from the built packages, including
// anything a single-file dist keeps that separate modules would let a bundler drop, while still naming
// modules. Bundled from the sources (`alias`), the same code gives the same split.
import { dirname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const MINIMAL_LIFELINE = `
import { Lifeline } from '@lifeline/browser';
const line = new Lifeline('wss://example.com/feed');
line.on('message', (message) => document.title = String(message));
line.send({ type: 'hello' });
`;

// each library with its own reconnect and its defaults, used as its README shows
const USES = {
  ws: `
const socket = new WebSocket('wss://example.com/feed');
socket.addEventListener('message', (event) => document.title = String(JSON.parse(event.data)));
socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'hello' })));
`,
  lifeline: MINIMAL_LIFELINE,
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

/**
 * The capability modules (packages/core/src) a minimal use must not carry, each with the use that
 * imports it: on top of the minimal use, it says what the capability costs.
 */
export const CAPABILITIES = [
  { module: 'request.ts', names: ['requester'], use: `requester(line).request({ type: 'quote' });` },
  {
    module: 'request-retry.ts',
    names: ['requester', 'retrying'],
    use: `retrying(requester(line), { retries: 3 }).request({ type: 'quote' });`,
  },
  { module: 'messages.ts', names: ['messages'], use: `messages(line);` },
  { module: 'stream.ts', names: ['stream'], use: `stream(line);` },
  { module: 'route.ts', names: ['route'], use: `route(line, 'trade', () => {});` },
  { module: 'sticky.ts', names: ['sendSticky'], use: `sendSticky(line, 'feed', { type: 'subscribe' });` },
  { module: 'expiry.ts', names: ['sendWithin'], use: `sendWithin(line, { type: 'ping' }, 5000);` },
  { module: 'volatile.ts', names: ['sendNowOrDrop'], use: `sendNowOrDrop(line, { type: 'cursor' });` },
  { module: 'drained.ts', names: ['drained'], use: `drained(line);` },
  { module: 'take-queued.ts', names: ['takeQueued'], use: `takeQueued(line);` },
  { module: 'opened.ts', names: ['opened'], use: `opened(line);` },
  { module: 'stats.ts', names: ['stats'], use: `stats(line);` },
  { module: 'handshake.ts', names: ['handshake'], use: `handshake(line, () => {});` },
  { module: 'suspend.ts', names: ['suspend'], use: `suspend(line);` },
  { module: 'heartbeat.ts', names: ['heartbeat'], use: `heartbeat(line, {});` },
  { module: 'session.ts', names: ['session'], use: `session(line);` },
];

/** Packages only a capability may bring in (request-retry.ts's p-retry). */
export const CAPABILITY_PACKAGES = ['p-retry'];

/** Modules of core that only capabilities use (the outbox functions, reading paused for a slow consumer). */
export const CAPABILITY_HELPERS = ['outbox.ts', 'pause-reading.ts'];

/** Minified bytes per package, from esbuild's metafile. */
function byPackage(metafile) {
  const bytes = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(path) ?? '(application)';
      bytes[name] = (bytes[name] ?? 0) + bytesInOutput;
    }
  }
  return bytes;
}

/** The package a path in node_modules or packages/ belongs to. */
function packageOf(path) {
  const normal = path.split(sep).join('/');
  const external = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(normal)?.[1];
  if (external) return external;
  const own = /(?:^|\/)packages\/([^/]+)\//.exec(normal)?.[1];
  return own ? `@lifeline/${own}` : undefined;
}

const BASE64 = Object.fromEntries(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((char, i) => [char, i]),
);

/** The fields of one source-map segment (base64 VLQ). */
function decodeSegment(segment) {
  const fields = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64[char];
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return fields;
}

/**
 * Minified bytes per source file, from the bundle's source map: each segment owns the output from its
 * column to the next segment's. esbuild writes ASCII only (its default charset), so columns are bytes.
 * Output no segment maps (esbuild's own glue) is `(unmapped)`.
 */
function byModule(code, map, root, outDir) {
  const names = map.sources.map((source) => {
    const path = resolve(outDir, source);
    if (source === '<stdin>') return '(application)';
    // a dependency's own files are of no interest here: its package is
    return path.includes(`${sep}node_modules${sep}`)
      ? packageOf(path)
      : relative(root, path).split(sep).join('/');
  });
  const lines = code.split('\n');
  const bytes = {};
  const add = (name, count) => {
    if (count > 0) bytes[name] = (bytes[name] ?? 0) + count;
  };
  let source = 0;
  map.mappings.split(';').forEach((text, index) => {
    const length = (lines[index]?.length ?? 0) + (index < lines.length - 1 ? 1 : 0); // with its newline
    let column = 0;
    let owner = '(unmapped)';
    let generated = 0;
    for (const segment of text ? text.split(',') : []) {
      const fields = decodeSegment(segment);
      generated += fields[0];
      add(owner, generated - column);
      column = generated;
      if (fields.length >= 4) {
        source += fields[1];
        owner = names[source];
      } else owner = '(unmapped)';
    }
    add(owner, length - column);
  });
  return bytes;
}

/**
 * Bundles `contents` as an application would. `alias` maps package names to source entry points (the
 * bench's --source mode); without it, packages resolve to what is built, and no tsconfig `paths` (which
 * point the workspace at the sources) take part.
 */
async function bundle(contents, { resolveDir, alias = {} }) {
  const outfile = join(resolveDir, 'bundle.js');
  const result = await build({
    stdin: { contents, resolveDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    alias,
    tsconfigRaw: {},
    metafile: true,
    sourcemap: 'external',
    outfile,
    logLevel: 'silent',
  });
  const output = result.outputFiles.find((file) => file.path.endsWith('.js'));
  const map = JSON.parse(result.outputFiles.find((file) => file.path.endsWith('.map')).text);
  const code = output.contents;
  return {
    minBytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    minBytesByPackage: byPackage(result.metafile),
    minBytesByModule: byModule(output.text, map, resolveDir, dirname(outfile)),
  };
}

/**
 * Minified and min+gzip bytes per target, and (where source maps allow) per module. `alias` maps package
 * names to source entry points (the harness's --source mode); without it, packages resolve to what is built.
 */
export async function bundleSizes(targets, options) {
  const sizes = {};
  for (const target of targets) sizes[target] = await bundle(USES[target], options);
  return sizes;
}

/** The capability modules and packages found in a bundle's per-module split. */
export function capabilitiesIn(sizes) {
  const found = [];
  for (const [name, bytes] of Object.entries(sizes.minBytesByModule)) {
    const file = name.split('/').at(-1);
    if (
      CAPABILITIES.some((capability) => capability.module === file) ||
      CAPABILITY_HELPERS.includes(file) ||
      CAPABILITY_PACKAGES.includes(name)
    )
      found.push(`${name} (${bytes} B)`);
  }
  return found;
}

/**
 * Built files no source map leads back from: their bytes cannot be told apart by module, so the
 * capability check would see nothing in them. Empty when every Lifeline byte maps to a source module.
 */
export function unmappedBuilds(sizes) {
  return Object.keys(sizes.minBytesByModule).filter((name) => /^packages\/[^/]+\/dist\//.test(name));
}

/**
 * The minimal use, then the minimal use plus each capability: what each adds (min and min+gzip), and
 * whether its module shows up in the split when it is used (if not, the check that it is absent from
 * the minimal bundle proves nothing). A capability the package does not export is reported as missing.
 */
export async function capabilityCosts(options) {
  const minimal = await bundle(MINIMAL_LIFELINE, options);
  const costs = [];
  for (const capability of CAPABILITIES) {
    const contents = `${MINIMAL_LIFELINE.replace(
      "import { Lifeline } from '@lifeline/browser';",
      `import { Lifeline, ${capability.names.join(', ')} } from '@lifeline/browser';`,
    )}${capability.use}\n`;
    try {
      const sizes = await bundle(contents, options);
      costs.push({
        ...capability,
        minBytes: sizes.minBytes - minimal.minBytes,
        gzipBytes: sizes.gzipBytes - minimal.gzipBytes,
        isSeen: Object.keys(sizes.minBytesByModule).some((name) => name.endsWith(`/${capability.module}`)),
      });
    } catch (error) {
      const detail = error.errors?.[0]?.text ?? error.message;
      costs.push({ ...capability, missing: detail });
    }
  }
  return { minimal, costs };
}
