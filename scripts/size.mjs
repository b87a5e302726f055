// Prints the min+gzip size of the browser bundle for a minimal use of @lifeline/browser (import,
// construct, send, listen), bundled from the built package the way an application's bundler would,
// and the same use of the peer libraries, bundled the same way (bench/bundle-size.mjs, which
// `pnpm bench` uses too). With --budget, exits non-zero when Lifeline is over the budget. Run
// `pnpm build` first.
import { bundleSizes } from '../bench/bundle-size.mjs';

// bytes, min+gzip, without the application's schema library
const budgetArg = process.argv.indexOf('--budget');
const BUDGET = budgetArg === -1 ? undefined : Number(process.argv[budgetArg + 1]);

const peers = ['reconnecting-websocket', 'partysocket', 'websocket-ts'];
const sizes = await bundleSizes(['lifeline', ...peers], { resolveDir: process.cwd() });

const { lifeline } = sizes;
console.log(
  `@lifeline/browser, minimal use: ${lifeline.minBytes} B min, ${lifeline.gzipBytes} B min+gzip${BUDGET ? ` (budget ${BUDGET} B)` : ''}`,
);
for (const [name, bytes] of Object.entries(lifeline.minBytesByPackage).sort((a, b) => b[1] - a[1])) {
  console.log(`  ${name.padEnd(24)} ${bytes} B min`);
}
console.log('peers, the same use bundled the same way:');
for (const name of peers) {
  console.log(`  ${name.padEnd(24)} ${sizes[name].minBytes} B min, ${sizes[name].gzipBytes} B min+gzip`);
}
if (BUDGET !== undefined && lifeline.gzipBytes > BUDGET) {
  console.error(`over budget by ${lifeline.gzipBytes - BUDGET} B`);
  process.exit(1);
}
