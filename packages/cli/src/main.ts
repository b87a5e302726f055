import { type CliOptions, parseArgs, UsageError, usage } from './args.js';
import { type Client, connect } from './client.js';
import { Interactive } from './interactive.js';
import { createMask, describeHeaders, paletteFor } from './output.js';
import { pipedView, runPiped } from './piped.js';
import { loadSchema } from './schema.js';
import { sessionCapability } from './session.js';

/** After the run ends, how long closing handshakes may keep the process up before it exits anyway, ms. */
const EXIT_GRACE = 2000;

/**
 * `lifeline`: parses the arguments, connects, and runs interactive mode on a terminal or piped mode
 * otherwise. Exit codes: 0 normal end, 1 Lifeline stopped for good, 2 bad usage.
 */
async function main(argv: readonly string[]): Promise<number> {
  const { stdin, stdout, stderr } = process;
  let options: CliOptions;
  try {
    const parsed = parseArgs(argv, stderr);
    if ('exitCode' in parsed) return parsed.exitCode;
    options = parsed.options;
  } catch (error) {
    return usageFailure(error);
  }
  const mask = createMask(options.url, options.headers);
  const isInteractive = stdin.isTTY === true && stdout.isTTY === true;
  const palette = paletteFor(isInteractive ? stdout : stderr, options.color);
  const interactive = isInteractive
    ? new Interactive({ stdin, stdout, stderr, palette, mask }, options.url)
    : undefined;
  const view = interactive ?? pipedView({ stdout, stderr, palette, mask }, options.url);

  let client: Client;
  try {
    const attach = sessionCapability(options.session);
    const schema = options.schema === undefined ? undefined : await loadSchema(options.schema);
    if (!options.check) {
      view.note(
        'TLS certificates are not verified (-n/--no-check): the connection can be intercepted',
        'warn',
      );
    }
    if (Object.keys(options.headers).length > 0) {
      view.note(`headers: ${describeHeaders(options.headers)}`, 'info');
    }
    client = connect(options, view, schema, attach);
  } catch (error) {
    return usageFailure(error);
  }

  const { wait, execute } = options;
  if (wait !== undefined) {
    // as wscat's -w: counted from the connection (and the -x message), so a slow connect does not eat it
    client.line.once('open', () => setTimeout(() => client.end(0), wait).unref());
  }
  const result = interactive ? interactive.run(client) : runPiped(client, stdin, wait !== undefined);
  if (execute !== undefined) client.send(execute);
  return result;
}

/** Prints a usage error (with the usage text when it helps) and returns exit code 2. */
function usageFailure(error: unknown): number {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`error: ${error.message}\n${error.showUsage ? `\n${usage()}` : ''}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // stdin may still hold the event loop (a terminal, a pipe nobody closes); so may a close handshake
    process.stdin.destroy();
    setTimeout(() => process.exit(code), EXIT_GRACE).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `lifeline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(70); // EX_SOFTWARE: a bug in lifeline itself, not in the usage or the connection
  },
);
