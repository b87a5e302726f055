import { type Lifeline, type Session, session } from '@lifeline/node';

/** Attaches a capability to a new line; what it returns is what the run waits for at its end. */
export type Attach = (line: Lifeline<unknown, unknown>) => Session | undefined;

/**
 * The capability `--session` attaches, or undefined without the flag: an acknowledged session
 * (`lifeline.session.v1`, served by `@lifeline/server`), so each line sent reaches the server's handler
 * exactly once and in order across reconnects, and each message received is printed once. A server
 * that does not speak it stops the run with `ERR_SESSION_UNSUPPORTED` (exit 1).
 */
export function sessionCapability(isWanted: boolean): Attach | undefined {
  return isWanted ? (line) => session(line) : undefined;
}
