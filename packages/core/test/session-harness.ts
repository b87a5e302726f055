import type { Lifeline, SessionOptions } from '@lifeline/core';
import { session } from '@lifeline/core';
import type { FakeSocket } from '../../../test/helpers/fake-network.js';
import { nextEvent } from '../../../test/helpers/server.js';
import { fakeLine } from './harness.js';

/** The subprotocol a session server selects. */
export const PROTOCOL = 'lifeline.session.v1';

/** A session id as a server makes one: 22 base64url characters. */
export const SID = 'Zq3vSecretSessionId0001';

/** A welcome frame: a new session unless the fields say otherwise. */
export function welcome(fields: Record<string, unknown> = {}): string {
  return `w${JSON.stringify({
    sid: SID,
    resumed: false,
    epoch: 1,
    gen: 'gen-1',
    rx: 0,
    ttl: 60_000,
    window: { messages: 100, bytes: 1_048_576 },
    ...fields,
  })}`;
}

/** The hello a socket carried: it is always its first frame. */
export function helloOf(socket: FakeSocket): {
  v: number;
  sid: string | null;
  rx: number;
  gen: string | null;
} {
  const first = socket.sent[0];
  if (typeof first !== 'string' || first[0] !== 'h')
    throw new Error(`the first frame is no hello: ${String(first)}`);
  return JSON.parse(first.slice(1));
}

/** The data frames a socket carried, parsed (text payloads only). */
export function dataOf(socket: FakeSocket): Array<{ seq: number; ack: number; payload: string }> {
  return socket.sent
    .filter((frame): frame is string => typeof frame === 'string' && frame[0] === 'd')
    .map((frame) => {
      const match = /^d(\d+) (\d+)\n([\s\S]*)$/.exec(frame);
      if (!match) throw new Error(`a bad data frame: ${frame}`);
      return { seq: Number(match[1]), ack: Number(match[2]), payload: match[3] as string };
    });
}

/** The ack frames a socket carried, as numbers. */
export function acksOf(socket: FakeSocket): number[] {
  return socket.sent
    .filter((frame): frame is string => typeof frame === 'string' && frame[0] === 'a')
    .map((frame) => Number(frame.slice(1)));
}

/** Opens the next socket as a session server would: selects the protocol, answers the hello. */
export async function welcomeNext(
  net: { nextSocket(): Promise<FakeSocket> },
  line: Lifeline,
  fields: Record<string, unknown> = {},
): Promise<FakeSocket> {
  const socket = await net.nextSocket();
  const opened = nextEvent(line, 'open');
  socket.open(PROTOCOL);
  socket.receive(welcome(fields));
  await opened;
  return socket;
}

/** A line on a FakeNetwork with a session, open on its first socket (a new session). */
export async function openSessionLine(
  options: SessionOptions = {},
  lineOptions: Parameters<typeof fakeLine>[0] = {},
) {
  const { net, line } = fakeLine({ reconnect: { minDelay: 0, maxDelay: 0, jitter: false }, ...lineOptions });
  const handle = session(line, options);
  const socket = await welcomeNext(net, line);
  return { net, line, session: handle, socket };
}

/** Drops `socket` as a dead link would, and welcomes the next one with `fields` (a resume by default). */
export async function reconnectWith(
  net: { nextSocket(): Promise<FakeSocket> },
  line: Lifeline,
  socket: FakeSocket,
  fields: Record<string, unknown> = { resumed: true },
): Promise<FakeSocket> {
  socket.serverClose(1006);
  return welcomeNext(net, line, fields);
}

/** From now on, what `socket` is given in order: text frames as they are, and `close <code>` for a close. */
export function wireOrder(socket: FakeSocket): string[] {
  const order: string[] = [];
  const { send, close } = socket;
  socket.send = (data) => {
    order.push(String(data));
    send.call(socket, data);
  };
  socket.close = (code, reason) => {
    order.push(`close ${code}`);
    close.call(socket, code, reason);
  };
  return order;
}
