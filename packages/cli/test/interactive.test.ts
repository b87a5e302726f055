import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { startServer } from '../../../test/helpers/server.js';
import { BIN, spawnProcess } from './helpers/cli.js';

// Interactive mode in a real pseudo-terminal: util-linux's `script` runs the bin on a pty and relays
// our pipes to it (no native module needed). Keys are written as a terminal sends them.
const hasScript = spawnSync('script', ['--version']).status === 0;
const KEY = { enter: '\r', up: '\u001b[A', ctrlC: '\u0003', ctrlD: '\u0004' };
const ESC = '\u001b';
const SGR = new RegExp(`${ESC}\\[[\\d;]*m`); // a colour or style; cursor movement ends in other letters

/** `lifeline args…` in a pseudo-terminal; `-e` makes script exit with the command's exit code. */
function inTerminal(args: readonly string[], env: Record<string, string>) {
  const command = [process.execPath, BIN, ...args].map((word) => `'${word}'`).join(' ');
  return spawnProcess('script', ['-q', '-e', '-c', command, '/dev/null'], env);
}

/** Whether one attempt's countdown was drawn with two different values: the status line is live. */
function countsDown(text: string): boolean {
  const seen = new Map<string, Set<string>>();
  for (const [, left, attempt] of text.matchAll(/reconnecting in ([\d.]+ m?s) \(attempt (\d+)\)/g)) {
    const values = seen.get(attempt as string) ?? new Set();
    values.add(left as string);
    seen.set(attempt as string, values);
  }
  return [...seen.values()].some((values) => values.size > 1);
}

describe.skipIf(!hasScript)('interactive mode (pseudo-terminal)', { timeout: 60_000 }, () => {
  test('prompt at the bottom, dimmed status line with a live countdown and the queued count, history', async () => {
    const server = await startServer({ echo: true });
    const url = `${server.url}/?token=t0ps3cret`;
    const args = [url, '-H', 'X-Key: s3cr3tvalue', '--min-delay', '1500', '--max-delay', '1500'];
    const cli = inTerminal(args, { TERM: 'xterm' });
    // the status line, dimmed and masked, and the prompt below it
    const status = `connected to ${server.url}/\\?token=\\*\\*\\*`;
    await cli.waitFor('stdout', new RegExp(`${ESC}\\[2m${status}${ESC}\\[22m\r\n.*> `));
    expect(cli.out.stdout).toContain('headers: X-Key: ***');

    cli.write(`hello${KEY.enter}`);
    expect(await server.nextMessage()).toBe('hello');
    await cli.waitFor('stdout', new RegExp(`<(${ESC}\\[39m)? hello`));
    cli.write(`${KEY.up}${KEY.enter}`); // the last line again, from the history
    expect(await server.nextMessage()).toBe('hello');

    await server.stop();
    await cli.waitFor('stdout', 'reconnecting in');
    cli.write(`later${KEY.enter}`);
    await cli.waitFor('stdout', /reconnecting in [\d.]+ m?s \(attempt \d+\) · 1 queued/);
    await cli.waitFor('stdout', countsDown);
    await server.start();
    expect(await server.nextMessage()).toBe('later');

    cli.write(KEY.ctrlD);
    expect(await cli.exit).toBe(0);
    expect(cli.out.stdout).not.toMatch(/t0ps3cret|s3cr3tvalue/);
  });

  test('NO_COLOR: no colours or styles at all; Ctrl-C ends with 0', async () => {
    const server = await startServer();
    const cli = inTerminal([server.url], { TERM: 'xterm', NO_COLOR: '1' });
    await cli.waitFor('stdout', /connected to .*\r\n.*> /);
    cli.write(KEY.ctrlC);
    expect(await cli.exit).toBe(0);
    expect(cli.out.stdout).not.toMatch(SGR);
  });
});
