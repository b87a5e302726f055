// Prints the min+gzip size of the browser bundle for a minimal use of @lifeline/browser (import,
// construct, send, listen), bundled from the built packages the way an application's bundler would, with
// the minified bytes per source module; what each capability adds when an application imports it on top;
// and the same minimal use of the peer libraries, bundled the same way (bench/bundle-size.mjs, which
// `pnpm bench` uses too). Run `pnpm build` first, or pass --source to bundle packages/*/src instead.
//
// Exits non-zero when the minimal bundle carries a capability module (request.ts, heartbeat.ts, ...) or
// p-retry, when a capability cannot be measured, and with --budget <bytes> when it is over the budget.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleSizes, capabilitiesIn, capabilityCosts, unmappedBuilds } from '../bench/bundle-size.mjs';

const { values: args } = parseArgs({
  options: { budget: { type: 'string' }, source: { type: 'boolean', default: false } },
});
// bytes, min+gzip, without the application's schema library
const BUDGET = args.budget === undefined ? undefined : Number(args.budget);
if (BUDGET !== undefined && !(BUDGET > 0))
  throw new RangeError(`--budget must be a byte count, got ${args.budget}`);

const root = process.cwd();
const sourceOf = (pkg) => join(root, 'packages', pkg, 'src', 'index.ts');
const options = {
  resolveDir: root,
  alias: args.source ? { '@lifeline/browser': sourceOf('browser'), '@lifeline/core': sourceOf('core') } : {},
};
const failures = [];
const format = (bytes) => bytes.toLocaleString('en-US');

const { minimal: lifeline, costs } = await capabilityCosts(options);
console.log(
  `@lifeline/browser, minimal use (${args.source ? 'sources' : 'built packages'}): ${format(lifeline.minBytes)} B min, ` +
    `${format(lifeline.gzipBytes)} B min+gzip${BUDGET ? ` (budget ${format(BUDGET)} B)` : ''}`,
);
console.log('  by package (min):');
for (const [name, bytes] of Object.entries(lifeline.minBytesByPackage).sort((a, b) => b[1] - a[1])) {
  console.log(`    ${name.padEnd(38)} ${format(bytes).padStart(7)} B`);
}
console.log('  by module (min, from the source maps):');
for (const [name, bytes] of Object.entries(lifeline.minBytesByModule).sort((a, b) => b[1] - a[1])) {
  const share = ((100 * bytes) / lifeline.minBytes).toFixed(1);
  console.log(`    ${name.padEnd(38)} ${format(bytes).padStart(7)} B ${share.padStart(5)} %`);
}

const unmapped = unmappedBuilds(lifeline);
if (unmapped.length > 0) {
  failures.push(
    `no source map leads back from ${unmapped.join(', ')}: run \`pnpm build\` (tsdown writes the maps), or pass --source`,
  );
}
const leaked = capabilitiesIn(lifeline);
console.log(
  `  capability modules in the minimal bundle: ${leaked.length === 0 ? 'none' : leaked.join(', ')}`,
);
if (leaked.length > 0) failures.push(`the minimal bundle carries capability code: ${leaked.join(', ')}`);

console.log('what each capability adds on top of the minimal use (min+gzip, min):');
for (const cost of costs) {
  const label = `${cost.module} (${cost.use.replace(/;$/, '')})`;
  if (cost.missing) {
    console.log(`  ${label}: cannot bundle it: ${cost.missing}`);
    failures.push(`${cost.module}: ${cost.missing}`);
    continue;
  }
  console.log(
    `  ${label.padEnd(90)} +${format(cost.gzipBytes).padStart(5)} B  +${format(cost.minBytes).padStart(6)} B`,
  );
  // absent from its own bundle means the check above cannot see it either (a renamed file)
  if (!cost.isSeen)
    failures.push(
      `${cost.module} is not in the bundle that uses it: is the list in bench/bundle-size.mjs out of date?`,
    );
}

const peers = ['reconnecting-websocket', 'partysocket', 'websocket-ts'];
const sizes = await bundleSizes(peers, options);
console.log('peers, the same use bundled the same way:');
for (const name of peers) {
  console.log(
    `  ${name.padEnd(24)} ${format(sizes[name].minBytes)} B min, ${format(sizes[name].gzipBytes)} B min+gzip`,
  );
}

if (BUDGET !== undefined && lifeline.gzipBytes > BUDGET) {
  failures.push(
    `over budget by ${format(lifeline.gzipBytes - BUDGET)} B (${format(lifeline.gzipBytes)} > ${format(BUDGET)})`,
  );
}
for (const failure of failures) console.error(`size: ${failure}`);
if (failures.length > 0) process.exit(1);
