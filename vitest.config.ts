import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { browserCommands } from './test/setup/browser-commands.js';
import { chromiumLaunchOptions } from './test/setup/chromium.js';

// Tests import sources through these aliases, so nothing has to be built before `vitest run`
const source = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@lifeline/core': source('core'),
      '@lifeline/node': source('node'),
      '@lifeline/browser': source('browser'),
      '@lifeline/server': source('server'),
      '@lifeline/redis': source('redis'),
    },
  },
  test: {
    setupFiles: ['test/setup/no-console.ts'],
    projects: [
      { extends: true, test: { name: 'core', include: ['packages/core/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'node', include: ['packages/node/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'server', include: ['packages/server/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'redis', include: ['packages/redis/test/**/*.test.ts'] } },
      {
        extends: true,
        // the conformance suite runs here and in Chromium against the same loopback servers
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/sessions/**', 'test/cluster/**'],
          globalSetup: ['test/setup/ws-server.ts'],
        },
      },
      // acknowledged sessions against real servers through the fault proxy, the chaos runs among them
      { extends: true, test: { name: 'sessions', include: ['test/sessions/**/*.test.ts'] } },
      {
        extends: true,
        // server nodes as child processes on the built packages, and a real redis-server
        test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        // the `lifeline` command, built and spawned: through pipes, and in a pseudo-terminal
        test: {
          name: 'cli',
          include: ['packages/cli/test/**/*.test.ts'],
          globalSetup: ['packages/cli/test/setup/build.ts'],
          // after the other projects: its node processes would load the CPU under their timing-sensitive tests
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          // expectTypeOf tests: checked by tsc, never run
          name: 'types',
          typecheck: {
            enabled: true,
            only: true,
            include: ['test/types/**/*.test-d.ts'],
            tsconfig: 'test/tsconfig.json',
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['packages/browser/test/**/*.test.ts'],
          globalSetup: ['test/setup/ws-server.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            // run in Node beside Playwright: network on/off, and loopback servers the page drives
            commands: browserCommands,
            instances: [{ browser: 'chromium' }],
            provider: playwright({
              launchOptions: chromiumLaunchOptions,
            }),
          },
        },
      },
    ],
  },
});
