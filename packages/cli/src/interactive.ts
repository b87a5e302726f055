import { createInterface, type Interface } from 'node:readline';
import type { Client, Status, View } from './client.js';
import { formatQueued, formatWaiting, type Palette } from './output.js';

/** The terminal of interactive mode. */
export interface Terminal {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WritableStream;
  readonly palette: Palette;
  readonly mask: (text: string) => string;
}

const PROMPT = '> ';
/** The countdown's refresh period, ms: a tenth of a second is what the status line shows. */
const TICK = 100;
const HISTORY_SIZE = 500;

// ECMA-48 sequences (every terminal emulator in use understands them)
const UP = (rows: number) => `\u001b[${rows}A`;
const CLEAR_DOWN = '\u001b[0J';

/**
 * The status line's text (without colour): the phase, the live countdown while waiting, and the count
 * of queued messages while not open.
 */
function statusLine(url: string, status: Status, queued: number, now: number): string {
  let text: string;
  switch (status.phase) {
    case 'connecting':
      text = `connecting to ${url} (attempt ${status.attempt})`;
      break;
    case 'open':
      text = `connected to ${url}${status.protocol ? ` (subprotocol ${status.protocol})` : ''}`;
      break;
    case 'waiting':
      text = formatWaiting(status.attempt, status.until - now);
      break;
    case 'stopped':
      text = status.text;
      break;
  }
  return status.phase === 'open' || queued === 0 ? text : `${text} · ${formatQueued(queued)}`;
}

/**
 * Interactive mode on a terminal: messages scroll above one dimmed status line, and the prompt stays on
 * the bottom row. The input is readline's, with its history on the arrow keys. The layout assumes the
 * typed line fits one row, as readline's own refresh does when it redraws a prompt.
 */
export class Interactive implements View {
  readonly #terminal: Terminal;
  readonly #url: string;
  #status: Status = { phase: 'connecting', attempt: 1 };
  #queued = 0;
  #input: Interface | undefined;
  #ticker: NodeJS.Timeout | undefined;
  /** Lines written before `run()` drew the status line (the `-n` warning, the headers). */
  #early: string[] = [];

  constructor(terminal: Terminal, url: string) {
    this.#terminal = terminal;
    this.#url = url;
  }

  message(text: string): void {
    this.#redraw(`${this.#terminal.palette.cyan('<')} ${text}`);
  }

  status(status: Status): void {
    this.#status = status;
    // the countdown runs only while waiting: an open connection costs no timer
    if (status.phase === 'waiting' && this.#ticker === undefined) {
      this.#ticker = setInterval(() => this.#redraw(), TICK).unref();
    } else if (status.phase !== 'waiting') {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
    this.#redraw();
  }

  note(text: string, tone: 'info' | 'warn'): void {
    const { palette, mask } = this.#terminal;
    this.#redraw((tone === 'warn' ? palette.yellow : palette.dim)(mask(text)));
  }

  queued(queued: number): void {
    this.#queued = queued;
    this.#redraw();
  }

  /**
   * Runs until Ctrl-C, Ctrl-D, `-w` or Lifeline stops for good. Each entered line is sent as one text
   * message and shown above the status line as `> text`.
   * @returns the exit code
   */
  async run(client: Client): Promise<number> {
    const { stdin, stdout, stderr, palette, mask } = this.#terminal;
    const input = createInterface({
      input: stdin,
      output: stdout,
      terminal: true,
      prompt: PROMPT,
      historySize: HISTORY_SIZE,
    });
    this.#input = input;
    for (const text of this.#early) stdout.write(`${text}\n`);
    stdout.write(`${this.#statusText()}\n`);
    input.prompt();
    input.on('line', (text) => {
      // readline moved below the entered line: go back over it and the status line, and draw them anew
      stdout.write(`\r${UP(2)}${CLEAR_DOWN}`);
      if (text !== '') {
        stdout.write(`${palette.dim(PROMPT)}${text}\n`);
        client.send(text);
      }
      stdout.write(`${this.#statusText()}\n`);
      input.prompt();
    });
    input.on('SIGINT', () => client.end(0)); // Ctrl-C
    input.on('close', () => client.end(0)); // Ctrl-D, or the terminal went away
    const code = await client.done;
    clearInterval(this.#ticker);
    this.#input = undefined;
    input.removeAllListeners('close');
    // the status line and prompt give way to the final word, if there is one
    stdout.write(`\r${UP(1)}${CLEAR_DOWN}`);
    if (this.#status.phase === 'stopped')
      stderr.write(`${palette.red(mask(`lifeline: ${this.#status.text}`))}\n`);
    input.close();
    return code;
  }

  #statusText(): string {
    const { palette, mask, stdout } = this.#terminal;
    const text = mask(statusLine(this.#url, this.#status, this.#queued, Date.now()));
    // one row exactly: a wrapped status line would break the cursor arithmetic
    const width = stdout.columns > 0 ? stdout.columns - 1 : Infinity;
    return palette.dim(text.length > width ? `${text.slice(0, width - 1)}…` : text);
  }

  /** Writes `above` (if any) above the status line and redraws the status line and the prompt. */
  #redraw(above?: string): void {
    const input = this.#input;
    if (input === undefined) {
      // before run() there is no status line yet; its first drawing shows the latest status
      if (above !== undefined) this.#early.push(above);
      return;
    }
    const { stdout } = this.#terminal;
    stdout.write(`\r${UP(1)}${CLEAR_DOWN}`);
    if (above !== undefined) stdout.write(`${above}\n`);
    stdout.write(`${this.#statusText()}\n`);
    input.prompt(true); // keeps what was typed, and the cursor in it
  }
}
