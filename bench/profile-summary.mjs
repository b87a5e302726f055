// Summarises V8 CPU profiles (from `node bench/run.mjs --prof cpu`): self time by package and the
// functions that cost most, to find where a target spends its time beside raw ws.
//
//   node bench/profile-summary.mjs bench/results/profiles/lifeline-send-text-rep1.cpuprofile [top=25]
import { readFileSync } from 'node:fs';

/** Which package (or runtime part) a profiled function belongs to, from its script URL. */
function owner(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/packages/')) return `@lifeline/${url.split('/packages/')[1].split('/')[0]}`;
  if (url.includes('/.tmp/bench/')) return '@lifeline (bundled sources)';
  if (url.includes('/bench/')) return 'bench harness';
  if (/^node:internal\/(streams|stream_base)/.test(url)) return 'node streams';
  if (/^node:internal\/(event_target|abort_controller)/.test(url)) return 'node EventTarget';
  if (url.startsWith('node:')) return 'node core';
  return url;
}

const [file, top = '25'] = process.argv.slice(2);
if (!file) throw new TypeError('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]');
const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(nodes.map((node) => [node.id, node]));
const byOwner = new Map();
const byFunction = new Map();
let total = 0;
for (let i = 0; i < samples.length; i++) {
  const { callFrame } = byId.get(samples[i]);
  const micros = timeDeltas[i] ?? 0;
  const where = owner(callFrame.url, callFrame.functionName);
  const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1}`;
  byOwner.set(where, (byOwner.get(where) ?? 0) + micros);
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  total += micros;
}

const print = (title, map, limit) => {
  console.log(`\n${title}`);
  for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(
      `${(micros / 1000).toFixed(1).padStart(9)} ms ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${key}`,
    );
  }
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by package', byOwner, 15);
print('self time by function', byFunction, Number(top));
