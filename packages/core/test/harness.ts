import {
  Lifeline,
  type LifelineError,
  type LifelineOptions,
  type ProtocolsProvider,
  type UrlProvider,
} from '@lifeline/core';
import { onTestFinished } from 'vitest';
import type { FakeSocket } from '../../../test/helpers/fake-network.js';
import { FakeNetwork } from '../../../test/helpers/fake-network.js';
import { nextEvent } from '../../../test/helpers/server.js';
import { assertTransition } from '../src/state.js';

export const FAKE_URL = 'ws://fake.test/socket';

/** The timer functions backoff tests fake; setImmediate and queueMicrotask stay real. */
export const FAKED_TIMERS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] as const;

/** A core Lifeline on a FakeNetwork, closed when the test ends; typed from a `schema` option. */
export function fakeLine<TMessage = unknown, TSend = unknown>(
  options: LifelineOptions<TMessage, TSend> = {},
  url: UrlProvider = FAKE_URL,
  protocols: ProtocolsProvider = undefined,
) {
  const net = new FakeNetwork();
  const line = new Lifeline<TMessage, TSend>(url, protocols, { WebSocket: net.WebSocket, ...options });
  onTestFinished(() => line.close());
  return { net, line };
}

/** Opens the next socket of `net` and resolves once `line` has announced the open. */
export async function openNext(net: FakeNetwork, line: Lifeline): Promise<FakeSocket> {
  const socket = await net.nextSocket();
  const opened = nextEvent(line, 'open');
  socket.open();
  await opened;
  return socket;
}

/** A core Lifeline on a FakeNetwork, open on its first socket. */
export async function openFakeLine<TMessage = unknown, TSend = unknown>(
  options: LifelineOptions<TMessage, TSend> = {},
  url: UrlProvider = FAKE_URL,
) {
  const { net, line } = fakeLine(options, url);
  return { net, line, socket: await openNext(net, line) };
}

/**
 * Records every event of a Lifeline, extension and standard, as short strings in the order they fire:
 * `state:waiting`, `close:1006:retry`, `reconnecting:2:50`, `error:ERR_CONNECT_FAILED`, `exhausted`,
 * `open:1`, and for standard events `onopen`, `onerror`, `onmessage:data`, `onclose:code:wasClean`.
 * Standard events also record the readyState they were dispatched in (`@0`..`@3`).
 */
export function record(line: Lifeline): string[] {
  const log: string[] = [];
  line.on('state', (state, previous) => {
    // the kernel carries no transition table; every recorded life is checked against it here
    assertTransition(previous.phase, state.phase);
    log.push(`state:${state.phase}`);
  });
  line.on('open', ({ attempt }) => log.push(`open:${attempt}`));
  line.on('close', ({ code, willReconnect }) =>
    log.push(`close:${code}:${willReconnect ? 'retry' : 'final'}`),
  );
  line.on('reconnecting', ({ attempt, delay }) => log.push(`reconnecting:${attempt}:${delay}`));
  line.on('exhausted', () => log.push('exhausted'));
  line.on('error', (error) => log.push(`error:${error.code}`));
  line.addEventListener('open', () => log.push(`onopen@${line.readyState}`));
  line.addEventListener('error', () => log.push(`onerror@${line.readyState}`));
  line.addEventListener('message', (event) => log.push(`onmessage:${String(event.data)}`));
  line.addEventListener('close', (event) =>
    log.push(`onclose:${event.code}:${event.wasClean}@${line.readyState}`),
  );
  return log;
}

/** The error a line was closed with for good (a fatal close, exhausted retries); undefined otherwise. */
export function finalError(line: Lifeline): LifelineError | undefined {
  return line.state.phase === 'closed' ? line.state.error : undefined;
}
