import { readFileSync } from 'node:fs';
import {
  type CloseInfo,
  defaults,
  drained,
  kernel,
  Lifeline,
  type NodeLifelineOptions,
  type StandardSchemaV1,
} from '@lifeline/node';
import { type CliOptions, UsageError } from './args.js';
import { formatClose, formatInvalid, formatMessage, formatStop } from './output.js';
import type { Attach } from './session.js';

/** The connection as the status line shows it. `until` is when the next attempt starts (epoch ms). */
export type Status =
  | { readonly phase: 'connecting'; readonly attempt: number }
  | { readonly phase: 'open'; readonly protocol: string }
  | { readonly phase: 'waiting'; readonly attempt: number; readonly until: number }
  | { readonly phase: 'stopped'; readonly text: string };

/** Where a mode shows things. Texts are unmasked: the view masks what it prints (output.ts). */
export interface View {
  /** A received message, formatted (JSON indented with `--json`). */
  message(text: string): void;
  status(status: Status): void;
  /** A one-off report: a close, an invalid message, a ping, a warning. */
  note(text: string, tone: 'info' | 'warn'): void;
  /** Something was queued, or the queue was flushed: `queued` messages wait for the connection. */
  queued(queued: number): void;
}

/** A running line and the end of the run. */
export interface Client {
  readonly line: Lifeline<unknown, unknown>;
  /** Resolves with the exit code: 0 for a normal end, 1 when Lifeline stopped for good. */
  readonly done: Promise<number>;
  /** Sends a line of text (queued while disconnected). */
  send(text: string): void;
  /** Ends the run with `code`: closes the line (with 1000) and resolves `done`. */
  end(code: number): void;
  /**
   * Ends with 0 once everything queued was handed to the socket (stdin ended) and, in a session, the
   * server acknowledged it.
   */
  endWhenDrained(): void;
}

/**
 * Makes the Lifeline the options ask for and wires its events to `view`.
 * @param schema a Standard Schema from `--schema` (schema.ts), or undefined
 * @param attach a capability to attach before the first attempt (`--session`, session.ts); the run's end
 * waits for the session it returns
 * @throws UsageError when the `--ca` file cannot be read, or Lifeline refuses an option
 */
export function connect(
  options: CliOptions,
  view: View,
  schema: StandardSchemaV1 | undefined,
  attach: Attach | undefined,
): Client {
  let line: Lifeline<unknown, unknown>;
  try {
    line = new Lifeline(options.url, [...options.subprotocols], lineOptions(options, schema));
  } catch (error) {
    // Lifeline names the option and the value it refuses (a duplicate subprotocol, min above max delay)
    if (error instanceof TypeError || error instanceof RangeError || error instanceof DOMException) {
      throw new UsageError(error.message);
    }
    throw error;
  }
  const session = attach?.(line);
  const outbox = kernel.outbox(line);
  let isEnding = false;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  const end = (code: number) => {
    if (isEnding) return;
    isEnding = true;
    line.close(1000);
    resolveDone(code);
  };

  line.on('state', (state) => {
    if (state.phase === 'connecting') view.status({ phase: 'connecting', attempt: state.attempt });
  });
  line.on('open', ({ protocol }) => {
    view.status({ phase: 'open', protocol });
    view.queued(outbox.queued);
  });
  // the close before it was a note already
  line.on('reconnecting', ({ attempt, delay }) => {
    view.status({ phase: 'waiting', attempt, until: Date.now() + delay });
  });
  line.on('close', (info) => {
    if (isEnding) return;
    if (info.willReconnect) {
      view.note(formatClose(info), 'warn');
      return;
    }
    // Lifeline stopped on its own: a refused upgrade, a fatal close code, exhausted retries, --no-reconnect
    const { state } = line;
    const text = formatStop(info, state.phase === 'closed' ? state.error : undefined);
    view.status({ phase: 'stopped', text });
    isEnding = true;
    resolveDone(isNormalEnd(options, info) ? 0 : 1);
  });
  line.on('message', (message) => view.message(formatMessage(message, options.json)));
  line.on('invalid', ({ data, issues }) => view.note(formatInvalid(data, issues), 'warn'));
  line.on('drop', ({ reason }) => view.note(`a message was dropped (${reason})`, 'warn'));
  line.on('resumed', ({ id }) => view.note(`session ${id} resumed: nothing lost either way`, 'info'));
  line.on('reset', ({ reason, dropped }) =>
    view.note(`session reset (${reason}): started over, ${dropped} unacknowledged messages dropped`, 'warn'),
  );
  if (options.showPingPong) showPingPong(line, view);
  // the constructor moved to connecting already, before any listener could hear it
  if (line.state.phase === 'connecting') view.status({ phase: 'connecting', attempt: line.state.attempt });

  return {
    line,
    done,
    send(text) {
      line.send(text);
      if (line.readyState !== Lifeline.OPEN || outbox.queued > 0) view.queued(outbox.queued);
    },
    end,
    endWhenDrained() {
      // close() drops what the server has not acknowledged yet, so a session waits for its acks (they
      // cover the queue too); a rejection means Lifeline stopped first: the close handler has decided
      // the exit code already
      (session ? session.acked() : drained(line)).then(
        () => end(0),
        () => {},
      );
    },
  };
}

/** With `--no-reconnect`, a connection the server ends normally (1000, 1001) is a normal end, as in wscat. */
function isNormalEnd(options: CliOptions, info: CloseInfo): boolean {
  return !options.reconnect && info.phase === 'open' && (info.code === 1000 || info.code === 1001);
}

/** The options for @lifeline/node's Lifeline. */
function lineOptions(
  options: CliOptions,
  schema: StandardSchemaV1 | undefined,
): NodeLifelineOptions<unknown, unknown> {
  const reconnect = {
    ...(options.minDelay !== undefined && { minDelay: options.minDelay }),
    ...(options.maxDelay !== undefined && { maxDelay: options.maxDelay }),
  };
  // a minimum above the default maximum would be capped by it: the user asked for that minimum
  if (
    options.minDelay !== undefined &&
    options.maxDelay === undefined &&
    options.minDelay > defaults.reconnect.maxDelay
  ) {
    Object.assign(reconnect, { maxDelay: options.minDelay });
  }
  return {
    reconnect,
    ...(!options.reconnect && { shouldReconnect: () => false }),
    // no schema: every frame is printed as it came, JSON or not; with one, JSON is decoded and checked
    ...(schema ? { schema } : { codec: { encode: String, decode: (data: unknown) => data } }),
    binaryType: 'arraybuffer',
    ...(Object.keys(options.headers).length > 0 && { headers: { ...options.headers } }),
    ...(!options.check && { rejectUnauthorized: false }),
    ...(options.ca !== undefined && { ca: readCa(options.ca) }),
    ...(options.heartbeat !== undefined && {
      heartbeat: options.heartbeat === 0 ? false : { interval: options.heartbeat },
    }),
  };
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read the --ca file '${file}': ${(error as Error).message}`, false);
  }
}

/** `-P`: ws's own ping and pong events, on every socket Lifeline opens. */
function showPingPong(line: Lifeline<unknown, unknown>, view: View): void {
  const show = (what: string) => (data: Buffer) =>
    view.note(`received ${what}${data.length > 0 ? ` (data: ${data.toString()})` : ''}`, 'info');
  kernel.use(line, {
    open(socket) {
      // @lifeline/node's sockets are ws sockets, Node event emitters
      const emitter = socket as unknown as { on(event: string, listener: (data: Buffer) => void): void };
      emitter.on('ping', show('ping'));
      emitter.on('pong', show('pong'));
    },
  });
}
