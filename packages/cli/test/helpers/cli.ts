import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** The bin as installed: `pnpm exec lifeline` runs this file. */
export const BIN = fileURLToPath(new URL('../../bin/lifeline.js', import.meta.url));

/** Text to find, a pattern to match, or a test of the whole output so far. */
export type Pattern = RegExp | string | ((text: string) => boolean);

export interface CliRun {
  readonly child: ChildProcess;
  /** Everything written to stdout / stderr so far. */
  readonly out: { stdout: string; stderr: string };
  /** Resolves with the output of `stream` so far once it matches `pattern`; rejects if the process exits first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: Pattern): Promise<string>;
  /** Writes to stdin. */
  write(text: string): void;
  /** Ends stdin. */
  end(): void;
  /** The exit code (null when killed by a signal). */
  readonly exit: Promise<number | null>;
}

/**
 * Spawns a process with piped stdio and kills it when the test finishes, if it is still running. The
 * colour variables of the test run are removed, so each test sets the ones it means.
 */
export function spawnProcess(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): CliRun {
  const base = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'CI', 'TERM']) delete base[name];
  const child = spawn(command, args, { env: { ...base, ...env }, stdio: 'pipe' });
  const out = { stdout: '', stderr: '' };
  let waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    out.stdout += text;
    wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    out.stderr += text;
    wake();
  });
  // 'close', not 'exit': the output is complete only once the streams have closed
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let hasExited = false;
  void exit.then(() => {
    hasExited = true;
    wake();
  });
  child.stdin?.on('error', () => {}); // a write after the process exited: the test sees the exit instead
  onTestFinished(async () => {
    if (!hasExited) child.kill('SIGKILL');
    await exit;
  });
  const matches = (text: string, pattern: Pattern) =>
    typeof pattern === 'string'
      ? text.includes(pattern)
      : typeof pattern === 'function'
        ? pattern(text)
        : pattern.test(text);
  return {
    child,
    out,
    waitFor: (stream, pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (matches(out[stream], pattern)) {
            waiters = waiters.filter((waiter) => waiter !== check);
            resolve(out[stream]);
          } else if (hasExited) {
            waiters = waiters.filter((waiter) => waiter !== check);
            reject(
              new Error(
                `exited before ${stream} matched ${pattern}\nstdout: ${out.stdout}\nstderr: ${out.stderr}`,
              ),
            );
          }
        };
        waiters.push(check);
        check();
      }),
    write: (text) => child.stdin?.write(text),
    end: () => child.stdin?.end(),
    exit,
  };
}

/** Runs `lifeline` with `args` through pipes (piped mode: no terminal). */
export function lifeline(args: readonly string[], env: Record<string, string> = {}): CliRun {
  return spawnProcess(process.execPath, [BIN, ...args], env);
}
