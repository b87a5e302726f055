import { createRequire } from 'node:module';
import { redact } from '@lifeline/node';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

/** What the command line asked for, checked. Durations in milliseconds. */
export interface CliOptions {
  readonly url: string;
  /** Header names as given, values as given: values are secrets until proven otherwise (see output.ts). */
  readonly headers: Readonly<Record<string, string>>;
  readonly subprotocols: readonly string[];
  readonly execute: string | undefined;
  /** `-w`: end this long after the first open; undefined to run until stdin ends or Ctrl-C. */
  readonly wait: number | undefined;
  readonly showPingPong: boolean;
  readonly color: boolean;
  /** `false` with `-n/--no-check`: TLS certificates are not verified. */
  readonly check: boolean;
  readonly ca: string | undefined;
  readonly reconnect: boolean;
  readonly minDelay: number | undefined;
  readonly maxDelay: number | undefined;
  readonly json: boolean;
  /** `<module>#<export>`, loaded by schema.ts. */
  readonly schema: string | undefined;
  readonly session: boolean;
  /** Ping after this much silence; 0 turns the heartbeat off; undefined keeps @lifeline/node's default. */
  readonly heartbeat: number | undefined;
}

/** Bad usage: exit code 2, with the usage text unless `showUsage` is false. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

/**
 * What `parseArgs` found: options to run with, or the exit code of what commander printed already (help
 * and version: 0; its own usage errors, with the usage text: 2).
 */
export type Parsed = { readonly options: CliOptions } | { readonly exitCode: 0 | 2 };

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

// no default value: commander would print `(default: [])` in the help
const collect = (value: string, previous: readonly string[] = []): string[] => [...previous, value];

function number(what: string, { integer = false } = {}) {
  return (value: string): number => {
    const parsed = Number(value);
    if (
      value.trim() === '' ||
      !Number.isFinite(parsed) ||
      parsed < 0 ||
      (integer && !Number.isInteger(parsed))
    ) {
      throw new InvalidArgumentError(`expected ${what}`);
    }
    return parsed;
  };
}

/**
 * The program. Spellings follow wscat (which is built on commander too), so muscle memory works:
 * repeatable `-H` and `-s`, `--no-color`, `-n` for `--no-check`.
 */
function program(): Command {
  return new Command('lifeline')
    .description(
      'A WebSocket client that stays connected: it reconnects, and queues what you send meanwhile.',
    )
    .version(version, '-V, --version')
    .argument('[url]', 'ws:// or wss:// URL to connect to')
    .option('-c, --connect <url>', 'URL to connect to (as wscat; same as the argument)')
    .option('-H, --header <header:value>', 'HTTP header for the upgrade request; repeatable', collect)
    .option('-s, --subprotocol <protocol>', 'subprotocol to offer; repeatable', collect)
    .option('-x, --execute <message>', 'send this message once connected, then keep listening')
    .option('-w, --wait <seconds>', 'exit this many seconds after connecting', number('seconds >= 0'))
    .option('-P, --show-ping-pong', 'print a line for every ping and pong received')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('-n, --no-check', 'do not verify TLS certificates (prints a warning)')
    .option('--ca <file>', 'trust the CA certificate(s) in this PEM file')
    .option('--no-reconnect', 'stop when the connection ends instead of reconnecting')
    .option('--min-delay <ms>', 'shortest reconnect delay, ms (default 1000)', number('milliseconds >= 0'))
    .option('--max-delay <ms>', 'longest reconnect delay, ms (default 30000)', number('milliseconds >= 0'))
    .option('--json', 'pretty-print JSON messages')
    .option('--schema <module#export>', 'check messages against a Standard Schema; report invalid ones')
    .option('--session', 'acknowledged session: each message once, in order (a @lifeline/server server)')
    .addOption(
      new Option(
        '--heartbeat <ms>',
        'ping after this much silence, ms; 0 turns it off (default 15000)',
      ).argParser(number('a whole number of milliseconds >= 0', { integer: true })),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 normal end, 1 Lifeline stopped for good (reason on stderr), 2 bad usage.\n' +
        'Without a terminal, each stdin line is one message and each message received is one stdout line.',
    )
    .showHelpAfterError()
    .exitOverride();
}

/**
 * Parses `argv` (without node and the script). Help and version go to stdout; commander's usage errors
 * (unknown option, missing value) go to `stderr` with the usage text.
 * @throws UsageError for bad usage found after commander's parsing (the URL, a header)
 */
export function parseArgs(argv: readonly string[], stderr: NodeJS.WritableStream): Parsed {
  const command = program().configureOutput({ writeErr: (text) => stderr.write(text) });
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { exitCode: error.exitCode === 0 ? 0 : 2 };
  }
  const given = command.opts<Record<string, unknown>>();
  const url = pickUrl(command.args[0], given.connect as string | undefined);
  return {
    options: {
      url,
      headers: parseHeaders((given.header as string[] | undefined) ?? []),
      subprotocols: (given.subprotocol as string[] | undefined) ?? [],
      execute: given.execute as string | undefined,
      wait: given.wait === undefined ? undefined : (given.wait as number) * 1000,
      showPingPong: given.showPingPong === true,
      color: given.color !== false,
      check: given.check !== false,
      ca: given.ca as string | undefined,
      reconnect: given.reconnect !== false,
      minDelay: given.minDelay as number | undefined,
      maxDelay: given.maxDelay as number | undefined,
      json: given.json === true,
      schema: given.schema as string | undefined,
      session: given.session === true,
      heartbeat: given.heartbeat as number | undefined,
    },
  };
}

/** The usage text, for errors found after parsing. */
export function usage(): string {
  return program().helpInformation();
}

function pickUrl(argument: string | undefined, connect: string | undefined): string {
  if (argument !== undefined && connect !== undefined && argument !== connect) {
    throw new UsageError('give the URL once: as the argument or with -c/--connect');
  }
  const url = argument ?? connect;
  if (url === undefined) throw new UsageError('missing the URL to connect to');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // the URL may carry a token: named masked, as everywhere else
    throw new UsageError(`invalid URL '${redact(url)}': expected ws://host[:port]/path or wss://…`);
  }
  // http(s) is allowed as in the WebSocket standard, which turns it into ws(s)
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(parsed.protocol)) {
    throw new UsageError(
      `invalid URL '${redact(url)}': the scheme must be ws: or wss:, not ${parsed.protocol}`,
    );
  }
  return url;
}

/** `name: value` pairs as wscat reads them: split at the first colon, both sides trimmed. */
function parseHeaders(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const header of raw) {
    const colon = header.indexOf(':');
    const name = header.slice(0, colon).trim();
    // never echo the header: its value is likely a credential
    if (colon <= 0 || name === '') throw new UsageError("invalid -H/--header: expected 'name: value'");
    headers[name] = header.slice(colon + 1).trim();
  }
  return headers;
}
