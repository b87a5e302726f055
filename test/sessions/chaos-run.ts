import { drained, type Lifeline } from '@lifeline/core';
import type { ServerSession } from '@lifeline/server';
import { onTestFinished } from 'vitest';
import { eventMatching } from '../helpers/events.js';
import type { FaultProxy, FrameDirection } from '../helpers/fault-proxy.js';
import type { Verdict } from '../helpers/history.js';
import type { WebSocketFrame } from '../helpers/websocket-frames.js';
import { opened, proxiedSession, rawText, recordEvents, seededRandom } from './harness.js';
import { idOf, logUniformSize, payloadOf, SessionHistory } from './traffic.js';

/*
 * A chaos run: one session through the fault proxy, both directions sending at once, faults spread over
 * the run by progress (never by time), then the history checker's verdict per direction.
 */

/** Frames of the session protocol, by their first letter: data, hello, welcome. */
const startsWith = (letter: string) => (frame: { payload(): Buffer }) =>
  frame.payload()[0] === letter.charCodeAt(0);
const isData = startsWith('d');
/** The seq of a data frame: `d<seq> <ack>\n…`. */
const seqOf = (frame: WebSocketFrame) =>
  Number.parseInt(frame.payload().subarray(1, 24).toString('latin1'), 10);

interface FaultContext {
  readonly proxy: FaultProxy;
  readonly line: Lifeline;
  readonly direction: FrameDirection;
  /**
   * A data frame the receiver has not had yet. A resume resends what is still in progress, and a copy
   * dropped or swapped makes no gap: only a fresh frame's loss or swap must end in a resume.
   */
  readonly isFresh: (frame: WebSocketFrame) => boolean;
}

/** Acts, then waits for the resume that must follow. */
async function resumeAfter(line: Lifeline, act: () => unknown): Promise<void> {
  const resumed = eventMatching(line, 'resumed');
  await act();
  await resumed;
}

/** Every fault a run can pick; each resolves once the session has recovered from it. */
export const FAULTS = {
  rst: ({ proxy, line }: FaultContext) => resumeAfter(line, () => proxy.cut('rst')),
  fin: ({ proxy, line }: FaultContext) => resumeAfter(line, () => proxy.cut('fin')),
  // nothing flows and nothing closes: the client's heartbeat has to notice
  blackhole: ({ proxy, line }: FaultContext) => resumeAfter(line, () => proxy.blackhole()),
  'mid-frame': ({ proxy, line }: FaultContext) =>
    resumeAfter(line, () => proxy.cutMidFrame({ match: isData })),
  // a reconnect whose first attempt dies half-way through the hello, or the welcome
  'mid-hello': ({ proxy, line }: FaultContext) =>
    resumeAfter(line, () => {
      void proxy.cutMidFrame({ direction: 'to-server', match: startsWith('h') });
      proxy.cut('rst');
    }),
  'mid-welcome': ({ proxy, line }: FaultContext) =>
    resumeAfter(line, () => {
      void proxy.cutMidFrame({ direction: 'to-client', match: startsWith('w') });
      proxy.cut('rst');
    }),
  // a copy is ignored where it arrives: no reconnect
  duplicate: ({ proxy, direction, isFresh }: FaultContext) =>
    proxy.injectFrameFault('duplicate', { direction, match: isFresh }),
  // a gap closes the connection (4500) and the session resumes
  skip: ({ proxy, line, direction, isFresh }: FaultContext) =>
    resumeAfter(line, () => proxy.injectFrameFault('skip', { direction, match: isFresh })),
  reorder: ({ proxy, line, direction, isFresh }: FaultContext) =>
    resumeAfter(line, () => proxy.injectFrameFault('reorder', { direction, match: isFresh, after: isData })),
} as const;

export type FaultName = keyof typeof FAULTS;

export interface ChaosOptions {
  readonly seed: number;
  /** Messages each way. */
  readonly messages: number;
  readonly faults: number;
  /** The faults to pick from, at random. */
  readonly kinds: readonly FaultName[];
  /**
   * The last fault comes once this share of the messages was delivered in the slower direction; a frame
   * fault hits that direction, whose sender has messages left to send, so a frame follows every gap.
   */
  readonly spread: number;
  /** Proxy latency each way, in ms. */
  readonly latency: number;
  /**
   * Both sides' handlers take this long for one message in a hundred (and a turn of the event loop for
   * the rest), so cuts land while messages are in progress and their resent copies must be recognised.
   */
  readonly handlerDelay: number;
  /** A bound on the run, so a lost message ends it with a verdict rather than a test timeout. */
  readonly limit: number;
}

/** What a run found. */
export interface ChaosResult {
  readonly isFinished: boolean;
  readonly toServer: Verdict;
  readonly toClient: Verdict;
  readonly picked: Partial<Record<FaultName, number>>;
  /** The fault still in progress when the run ended (its number and name), if one was. */
  readonly unfinished: string | undefined;
  /** Client events by name: `open`, `resumed`, `reset`, `drop`. */
  readonly count: (name: string) => number;
  readonly serverSessions: number;
  readonly serverResets: readonly string[];
}

// the server keeps at most this much unacknowledged, below its replay bound, so no fault can overflow it
const SERVER_IN_FLIGHT = { messages: 512, bytes: 2 * 1024 * 1024 };
// the client waits for its queue to drain after this many sends, so the line's queue never drops
const CLIENT_BATCH = 64;

/** Runs one chaos run: messages both ways at once, `faults` faults spread by progress. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  // a generator per stream: the faults a seed picks do not depend on how the sends interleave
  const [clientRandom, serverRandom, faultRandom, handlerRandom] = [0, 1, 2, 3].map((stream) =>
    seededRandom(options.seed + stream),
  ) as [() => number, () => number, () => number, () => number];
  const handle = () =>
    new Promise((resolve) => {
      if (handlerRandom() < 0.01) setTimeout(resolve, options.handlerDelay);
      else setImmediate(resolve);
    });
  const history = new SessionHistory();
  const { server, proxy, line, session } = await proxiedSession(
    {
      ...rawText,
      handler: (message) => {
        history.serverGot(message);
        return handle();
      },
    },
    { handler: handle },
    { heartbeat: { interval: 50, timeout: 250 } },
  );
  proxy.setLatency(options.latency);
  line.on('message', (message) => history.clientGot(message));
  const events = recordEvents(line, ['open', 'resumed', 'reset', 'drop']);
  let serverSessions = 0;
  server.on('session', () => serverSessions++);
  const serverResets: string[] = [];
  server.on('reset', (info) => serverResets.push(info.reason));
  const serverSession = await opened(server, line);
  // the server's side as it stands: a resume may attach the session to a new object
  let serverSide: ServerSession = serverSession;
  server.on('resumed', ({ session: resumed }) => {
    serverSide = resumed;
  });
  const picked: Partial<Record<FaultName, number>> = {};
  let unfinished: string | undefined;

  const clientSends = (async () => {
    for (let index = 1; index <= options.messages; index++) {
      line.send(payloadOf('c', index, logUniformSize(clientRandom), clientRandom() < 0.25));
      history.toServer.accept(idOf('c', index));
      if (index % CLIENT_BATCH === 0) await drained(line);
    }
    await session.acked();
  })();
  const serverSends = sendFromServer(serverSession, options.messages, history, serverRandom);
  const faults = (async () => {
    const last = options.messages * options.spread;
    for (let fault = 1; fault <= options.faults; fault++) {
      await history.reachBoth(Math.floor((fault * last) / (options.faults + 1)));
      const name = options.kinds[Math.floor(faultRandom() * options.kinds.length)] as FaultName;
      picked[name] = (picked[name] ?? 0) + 1;
      const { toClient, toServer } = history;
      const direction = toClient.delivered.length < toServer.delivered.length ? 'to-client' : 'to-server';
      unfinished = `fault ${fault}: ${name} ${direction}`;
      const received = () => (direction === 'to-client' ? session : serverSide).watermarks.received;
      const isFresh = (frame: WebSocketFrame) => isData(frame) && seqOf(frame) > received();
      await FAULTS[name]({ proxy, line, direction, isFresh });
      unfinished = undefined;
    }
  })();

  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'limit'>((resolve) => {
    timer = setTimeout(() => resolve('limit'), options.limit);
  });
  onTestFinished(() => clearTimeout(timer));
  const outcome = await Promise.race([Promise.all([clientSends, serverSends, faults]), limit]);
  clearTimeout(timer);
  const isFinished = outcome !== 'limit';
  return {
    isFinished,
    toServer: history.toServer.check({ isDrained: isFinished }),
    toClient: history.toClient.check({ isDrained: isFinished }),
    picked,
    unfinished,
    count: (name) => events.filter((event) => event.name === name).length,
    serverSessions,
    serverResets,
  };
}

/** Sends every server message, keeping what is unacknowledged within `SERVER_IN_FLIGHT`. */
async function sendFromServer(
  serverSession: ServerSession,
  messages: number,
  history: SessionHistory,
  random: () => number,
): Promise<void> {
  const inFlight: Array<{ acked: Promise<void>; bytes: number }> = [];
  let bytes = 0;
  for (let index = 1; index <= messages; index++) {
    const payload = payloadOf('s', index, logUniformSize(random), random() < 0.25);
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
    inFlight.push({ acked: serverSession.send(payload), bytes: size });
    history.toClient.accept(idOf('s', index));
    bytes += size;
    while (inFlight.length > SERVER_IN_FLIGHT.messages || bytes > SERVER_IN_FLIGHT.bytes) {
      const oldest = inFlight.shift() as { acked: Promise<void>; bytes: number };
      await oldest.acked;
      bytes -= oldest.bytes;
    }
  }
  await Promise.all(inFlight.map(({ acked }) => acked));
}
