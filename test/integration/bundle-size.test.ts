import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

// `pnpm size` is CI's bundle check (.ci/run, on the built packages, with the budget); this runs its
// capability check on the sources, so a capability that leaks into the minimal bundle fails the tests too.

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

test('the minimal browser bundle carries no capability module, and every capability can be measured', {
  timeout: 60_000,
}, async () => {
  const result = await run(process.execPath, ['scripts/size.mjs', '--source'], { cwd: root }).then(
    ({ stdout }) => ({ stdout, stderr: '' }),
    (error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
  expect(result.stderr).toBe('');
  expect(result.stdout).toContain('capability modules in the minimal bundle: none');
  // the split names the modules: the kernel is there, each capability only in its own bundle
  expect(result.stdout).toMatch(/packages\/core\/src\/lifeline\.ts +[\d,]+ B/);
  expect(result.stdout).not.toContain('cannot bundle it');
});
