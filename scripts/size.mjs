// Prints the min+gzip size of the browser bundle for a minimal use of @lifeline/browser (import,
// construct, send, listen), bundled from the built package the way an application's bundler would.
// With --budget, exits non-zero over the budget. Run `pnpm build` first.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

// bytes, min+gzip, without the application's schema library
const budgetArg = process.argv.indexOf('--budget');
const BUDGET = budgetArg === -1 ? undefined : Number(process.argv[budgetArg + 1]);

const minimalUse = `
import { Lifeline } from '@lifeline/browser';
const line = new Lifeline('wss://example.com/feed');
line.on('message', (message) => document.title = String(message));
line.send({ type: 'hello' });
`;

const result = await build({
  stdin: { contents: minimalUse, resolveDir: process.cwd(), loader: 'js' },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  metafile: true,
});
const code = result.outputFiles[0].contents;
const gzip = gzipSync(code, { level: 9 }).length;

const byPackage = {};
for (const [path, { bytesInOutput }] of Object.entries(
  result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs,
)) {
  const name =
    path.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/)?.[1] ?? '@lifeline/*';
  byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
}
console.log(
  `@lifeline/browser, minimal use: ${code.length} B min, ${gzip} B min+gzip${BUDGET ? ` (budget ${BUDGET} B)` : ''}`,
);
for (const [name, bytes] of Object.entries(byPackage).sort((a, b) => b[1] - a[1])) {
  console.log(`  ${name.padEnd(24)} ${bytes} B min`);
}
if (BUDGET !== undefined && gzip > BUDGET) {
  console.error(`over budget by ${gzip - BUDGET} B`);
  process.exit(1);
}
