import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
/** The packages the command is built from, and the file each one's build writes last. */
const PACKAGES = { core: 'dist/index.js', node: 'dist/index.js', cli: 'dist/main.js' };

/**
 * Builds the command and what it imports (core, node, cli), so the tests drive the real `lifeline` bin:
 * a spawned process cannot see vitest's aliases to the sources. Skipped when every build is newer than
 * its sources (CI has just run `pnpm build`).
 */
export default async function setup(): Promise<void> {
  if (isBuilt()) return;
  await promisify(execFile)('pnpm', ['--filter', '@lifeline/cli...', 'build'], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 300_000,
  });
}

function isBuilt(): boolean {
  return Object.entries(PACKAGES).every(([name, output]) => {
    const dir = join(root, 'packages', name);
    let built: number;
    try {
      built = statSync(join(dir, output)).mtimeMs;
    } catch {
      return false;
    }
    const inputs = [
      'package.json',
      'tsdown.config.ts',
      ...readdirSync(join(dir, 'src'), { recursive: true }).map((file) => join('src', String(file))),
    ];
    return inputs.every((input) => statSync(join(dir, input)).mtimeMs < built);
  });
}
