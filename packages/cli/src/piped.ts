import { createInterface } from 'node:readline';
import type { Client, Status, View } from './client.js';
import { formatQueued, formatWaiting, type Palette } from './output.js';

/** The output of piped mode: messages alone on stdout, every status line on stderr. */
export interface PipedStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Colours for stderr; stdout never gets any, so `lifeline … | jq` reads plain JSON. */
  readonly palette: Palette;
  readonly mask: (text: string) => string;
}

/**
 * The view of piped mode: each received message is written alone on its own stdout line; statuses
 * (with the reconnect delay once, not counted down) and notes go to stderr, one line each, masked.
 */
export function pipedView({ stdout, stderr, palette, mask }: PipedStreams, url: string): View {
  const log = (text: string, paint: (text: string) => string = palette.dim) =>
    stderr.write(`${paint(mask(`lifeline: ${text}`))}\n`);
  return {
    message: (text) => stdout.write(`${text}\n`),
    status: (status: Status) => {
      switch (status.phase) {
        case 'connecting':
          return log(`connecting to ${url} (attempt ${status.attempt})`);
        case 'open':
          return log(`connected${status.protocol ? ` (subprotocol ${status.protocol})` : ''}`, palette.green);
        case 'waiting':
          return log(formatWaiting(status.attempt, status.until - Date.now()), palette.yellow);
        case 'stopped':
          return log(status.text, palette.red);
      }
    },
    note: (text, tone) => log(text, tone === 'warn' ? palette.yellow : palette.dim),
    queued: (queued) => {
      if (queued > 0) log(`${formatQueued(queued)}, waiting for the connection`);
    },
  };
}

/**
 * Piped mode: each stdin line is one text message. When stdin ends, the run ends once the queue has
 * drained, unless `-w` sets the end. Ctrl-C (SIGINT) ends it at once.
 * @returns the exit code
 */
export async function runPiped(
  client: Client,
  stdin: NodeJS.ReadableStream,
  hasWait: boolean,
): Promise<number> {
  const input = createInterface({ input: stdin, crlfDelay: Infinity, terminal: false });
  input.on('line', (text) => client.send(text));
  input.on('close', () => {
    if (!hasWait) client.endWhenDrained();
  });
  const onSigint = () => client.end(0);
  process.once('SIGINT', onSigint);
  try {
    return await client.done;
  } finally {
    process.off('SIGINT', onSigint);
    input.close();
  }
}
