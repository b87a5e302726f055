import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, onTestFinished, test } from 'vitest';
// @ts-expect-error: a plain .mjs script, shared with `bash .ci/run`, without declarations
import { runtimes } from '../../scripts/runtimes.mjs';
import { startServer } from '../helpers/server.js';

/*
 * The runtime matrix (issue #17): one client file, importing `lifeline` as an application would, runs
 * on each runtime against a loopback `ws` echo server (Chromium runs it in packages/browser/test). It rides through an outage with messages sent during
 * it (each delivered once, in order), closes, and its process must then exit by itself. Each runtime
 * must get the build its export conditions promise: Node.js the one on `ws`, Bun and Deno the one on
 * their own WebSocket.
 */

interface Runtime {
  readonly name: string;
  readonly path: string;
  readonly args: readonly string[];
}

const client = fileURLToPath(new URL('./ride-through-process.mjs', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const facadeBuilt = existsSync(new URL('../../packages/lifeline/dist/node.js', import.meta.url));
const thisNode: Runtime = {
  name: `node ${process.versions.node.split('.')[0]}`,
  path: process.execPath,
  args: [],
};
const installed = runtimes as Runtime[];
// Node.js 22 and later have a global WebSocket too: with the `browser` condition they get the browser build
const nodeWithBrowserBuild = installed
  .filter((runtime) => runtime.name.startsWith('node'))
  .map((runtime) => ({ ...runtime, name: `${runtime.name}, browser build`, args: ['--conditions=browser'] }));
const matrix: Runtime[] = [thisNode, ...installed, ...nodeWithBrowserBuild];

/** A child's stdout as lines, and a way to wait for the first line that starts with a word. */
function linesOf(child: ChildProcess) {
  const seen: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    seen.push(line);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    seen,
    exited,
    next(word: string): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = seen.find((line) => line.split(' ')[0] === word);
          if (!found) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
        // a client that dies first would leave the wait hanging until the test's timeout
        exited.then((code) =>
          reject(new Error(`the client exited (${code}) before "${word}": ${seen.join(' | ')}`)),
        );
      });
    },
  };
}

describe.each(matrix)('lifeline on $name', (runtime) => {
  // installed by `node scripts/runtimes.mjs install` (CI runs it); the package is built by `pnpm build`
  const isReady = facadeBuilt && existsSync(runtime.path);
  test.runIf(isReady || process.env.CI)(
    'picks its build, rides through an outage without losing or repeating a message, and exits by itself',
    async () => {
      const server = await startServer({ echo: true });
      const received: string[] = [];
      const child = spawn(runtime.path, [...runtime.args, client, server.url], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      onTestFinished(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      const output = linesOf(child);

      const expected = runtime.name.startsWith('node') && runtime.args.length === 0 ? 'node' : 'browser';
      expect(await output.next('build')).toBe(`build ${expected}`);
      await output.next('open');
      for (let i = 0; i < 3; i++) received.push(await server.nextMessage());
      await server.stop();
      // sent while no server listens: the client says how much waits
      expect(await output.next('queued')).toMatch(/^queued [1-9]\d*$/);
      await server.start();
      for (let i = 0; i < 3; i++) received.push(await server.nextMessage());
      expect(received).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
      // the client closes once the echo of b3 is back
      await output.next('closed');
      expect(await output.exited).toBe(0);
      expect(output.seen.filter((line) => line.startsWith('open'))).toEqual(['open 1', 'open 2']);
    },
    30_000,
  );
});
