import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, test } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

test('a browser bundle of @lifeline/node builds, and loading it says to use @lifeline/browser', async () => {
  const { exports } = JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8'));
  const browserTarget: string = exports['.'].browser;
  // the built file's source: tests run on sources, not on a build
  const source = browserTarget.replace(/^\.\/dist\/(.+)\.js$/, `${packageDir}src/$1.ts`);

  const result = await build({
    stdin: {
      contents: `import { Lifeline, requester } from '@lifeline/node';\nrequester(new Lifeline('wss://example.com'));`,
      resolveDir: packageDir,
    },
    alias: {
      '@lifeline/node': source,
      '@lifeline/core': fileURLToPath(new URL('../../core/src/index.ts', import.meta.url)),
    },
    bundle: true,
    // package.json keeps the built file for its side effect; this source file is not listed there
    ignoreAnnotations: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const bundle = result.outputFiles[0]?.text ?? '';

  await expect(import(`data:text/javascript,${encodeURIComponent(bundle)}`)).rejects.toThrow(
    '@lifeline/node runs on Node.js only; in browsers, import { Lifeline } from "@lifeline/browser"',
  );
});
