import type { CloseInfo, Issues, LifelineError } from '@lifeline/node';
import { redact } from '@lifeline/node';
import pc from 'picocolors';

/** picocolors' functions, enabled or not. */
export type Palette = ReturnType<typeof pc.createColors>;

/**
 * Whether to colour what goes to `stream`. Decided here rather than by picocolors, which turns colours on
 * whenever `CI` is set, even into a pipe: `lifeline … | jq` must get plain text. `NO_COLOR` and
 * `--no-color` win over `FORCE_COLOR` (https://no-color.org).
 */
export function paletteFor(
  stream: { readonly isTTY?: boolean },
  isWanted: boolean,
  env: NodeJS.ProcessEnv = process.env,
): Palette {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const force = env.FORCE_COLOR;
  const isForced = force !== undefined && force !== '' && force !== '0' && force !== 'false';
  const isOff = force === '0' || force === 'false' || env.TERM === 'dumb';
  return pc.createColors(isWanted && !noColor && (isForced || (!isOff && stream.isTTY === true)));
}

/** Values shorter than this are too common to scrub from free text; the URL itself is always redacted. */
const MIN_SECRET_LENGTH = 4;

/**
 * A function that masks secrets in a status line: the URL's user info, query values and fragment
 * (core's `redact`), and every header value, wherever they appear (an error message quoting them, say).
 */
export function createMask(url: string, headers: Readonly<Record<string, string>>): (text: string) => string {
  const secrets = new Set<string>(Object.values(headers));
  try {
    const parsed = new URL(url);
    for (const value of parsed.searchParams.values()) secrets.add(value);
    for (const part of [parsed.username, parsed.password, parsed.hash.slice(1)]) secrets.add(part);
  } catch {
    // args.ts let only parsable URLs through
  }
  // the longest first, so a secret that contains another is masked whole
  const scrub = [...secrets]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  const masked = redact(url);
  return (text) => {
    let result = text.split(url).join(masked);
    for (const secret of scrub) result = result.split(secret).join('***');
    return result;
  };
}

/** The header names with their values masked, for the `connecting` line. */
export function describeHeaders(headers: Readonly<Record<string, string>>): string {
  return Object.keys(headers)
    .map((name) => `${name}: ***`)
    .join(', ');
}

const decoder = new TextDecoder();

/**
 * A received message as one printable text: a string as it is, binary data as UTF-8 (as wscat prints it),
 * a decoded value as JSON. With `pretty`, JSON is indented; text that is not JSON stays as it is.
 */
export function formatMessage(data: unknown, pretty: boolean): string {
  if (typeof data === 'string') {
    if (!pretty) return data;
    try {
      return JSON.stringify(JSON.parse(data), null, 2);
    } catch {
      return data;
    }
  }
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return decoder.decode(data as ArrayBuffer);
  }
  return JSON.stringify(data, null, pretty ? 2 : undefined) ?? String(data);
}

/** An invalid frame, for a note: a prefix of the frame and the schema's issues. */
export function formatInvalid(data: unknown, issues: Issues): string {
  const text = formatMessage(data, false);
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  const why = issues
    .map((issue) => {
      const path = issue.path
        ?.map((key) => (typeof key === 'object' ? String(key.key) : String(key)))
        .join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
  return `invalid message (not printed): ${shown} (${why})`;
}

/** What a close or a failed attempt says: how it ended, the HTTP status of a refused upgrade, the error. */
export function formatClose(info: CloseInfo): string {
  const parts = [`code ${info.code}`];
  if (info.reason) parts.push(`reason "${info.reason}"`);
  if (info.response) parts.push(`HTTP ${info.response.status}`);
  if (info.error) parts.push(`${info.error.code}: ${info.error.message}`);
  const what = info.phase === 'connect' ? `attempt ${info.attempt} failed` : 'disconnected';
  return `${what} (${parts.join(', ')})`;
}

/** Why Lifeline stopped for good: the error that stopped it first, then what the last close said. */
export function formatStop(info: CloseInfo, error: LifelineError | undefined): string {
  const parts = [];
  if (error) parts.push(`${error.code}: ${error.message}`);
  if (info.response) parts.push(`HTTP ${info.response.status}`);
  parts.push(`close code ${info.code}${info.reason ? ` "${info.reason}"` : ''}`);
  if (info.error && info.error !== error) parts.push(`${info.error.code}: ${info.error.message}`);
  return `stopped: ${parts.join('; ')}`;
}

/** The waiting status: `reconnecting in 1.2 s`, counted down by the interactive status line. */
export function formatWaiting(attempt: number, msLeft: number): string {
  const left = msLeft >= 1000 ? `${(msLeft / 1000).toFixed(1)} s` : `${Math.max(0, Math.round(msLeft))} ms`;
  return `reconnecting in ${left} (attempt ${attempt})`;
}

/** How many messages wait for the connection. */
export function formatQueued(count: number): string {
  return `${count} queued`;
}
