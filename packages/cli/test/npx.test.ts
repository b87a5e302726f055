import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { startServer } from '../../../test/helpers/server.js';
import { spawnProcess } from './helpers/cli.js';

// `npx lifeline` runs the bin of the package named `lifeline`, the one-import facade: it must be this command
const FACADE_BIN = fileURLToPath(new URL('../../lifeline/bin/lifeline.js', import.meta.url));

test('the lifeline package runs the same command (npx lifeline)', { timeout: 30_000 }, async () => {
  const server = await startServer({ echo: true });
  const cli = spawnProcess(process.execPath, [FACADE_BIN, server.url]);
  cli.write('hello through the facade\n');
  await cli.waitFor('stdout', 'hello through the facade\n');
  cli.end();
  expect(await cli.exit).toBe(0);
  expect(cli.out.stdout).toBe('hello through the facade\n');
});
