import net, { type AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { FrameScanner, parseFrame, type WebSocketFrame } from './websocket-frames.js';

/** Which way a frame travels through the proxy. */
export type FrameDirection = 'to-client' | 'to-server';

/** What to do to one WebSocket data frame: send it twice, never, or after the next one. */
export type FrameFault = 'duplicate' | 'skip' | 'reorder';

/** Which frames a frame fault may hit: complete text or binary messages, narrowed by `match`. */
export interface FrameFilter {
  readonly direction: FrameDirection;
  /** Picks the frames the fault may hit (all data frames by default); `payload()` is unmasked. */
  readonly match?: (frame: WebSocketFrame) => boolean;
  /** `reorder`: picks the frame the held one goes out after (the next data frame by default). */
  readonly after?: (frame: WebSocketFrame) => boolean;
}

/**
 * A TCP proxy on 127.0.0.1 between a client and a server, with faults on command: cut connections
 * (RST or FIN), blackhole them (half-open), add latency, limit bandwidth. Faults act on the connections
 * open at the time; latency and bandwidth also apply to later ones.
 */
export interface FaultProxy {
  /** `ws://127.0.0.1:<port>`: connect here to reach the target through the proxy. */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections currently open through the proxy. */
  readonly open: number;
  /** Ends every open connection on both sides: `'rst'` resets (ECONNRESET), `'fin'` closes in order. */
  cut(how: 'rst' | 'fin'): void;
  /**
   * Stops every open connection dead: nothing flows either way and nothing is closed, not even when one
   * side gives up (a half-open connection, as behind a NAT that forgot it). New connections still flow.
   */
  blackhole(): void;
  /**
   * Cuts in the middle of a frame: the next data frame of at least 2 payload bytes (in `direction`, or
   * either way) goes out up to half its payload, then both sides of its connection are reset. Resolves
   * once the cut is made; traffic must flow for it to happen.
   */
  cutMidFrame(filter?: Partial<FrameFilter>): Promise<void>;
  /**
   * Applies `fault` to the next data frame `filter` matches, on any connection (the WebSocket framing
   * is read in both directions; a masked frame is resent byte for byte). A `reorder` holds that frame
   * back and sends it after the next data frame `filter.after` picks; frames in between pass. If the
   * connection ends first, the held frame goes out as it was and the fault waits for another frame.
   * Resolves once the fault is done.
   */
  injectFrameFault(fault: FrameFault, filter: FrameFilter): Promise<void>;
  /**
   * Calls `listener` with every frame going `direction` (control frames too), before any fault acts on
   * it, until the returned function is called: for counting what travels on the wire.
   */
  watchFrames(direction: FrameDirection, listener: (frame: WebSocketFrame) => void): () => void;
  /** Delays every chunk by `ms` in each direction. */
  setLatency(ms: number): void;
  /** Limits each direction of each connection to `bytesPerSecond` (`Infinity`: no limit). */
  setBandwidth(bytesPerSecond: number): void;
  close(): Promise<void>;
}

interface Link {
  latency: number;
  bandwidth: number;
}

/** A frame fault waiting for its frame; `done` settles the promise its caller holds. */
interface ArmedFault {
  readonly kind: FrameFault | 'cut';
  readonly direction: FrameDirection | 'either';
  readonly match: (frame: WebSocketFrame) => boolean;
  readonly after: (frame: WebSocketFrame) => boolean;
  readonly done: () => void;
}

/** Sees every frame going `direction`, as it passes. */
interface Watcher {
  readonly direction: FrameDirection;
  readonly listener: (frame: WebSocketFrame) => void;
}

/** A pending chunk (or the end of the stream, `null`) and when it may be written; `then` runs once it is. */
interface Pending {
  data: Buffer | null;
  at: number;
  then?: () => void;
}

// a throttled chunk goes out in slices of this many milliseconds' worth, so a big one trickles
const SLICE_MS = 20;

const any = () => true;
const isDataFrame = (frame: WebSocketFrame) => (frame.opcode === 1 || frame.opcode === 2) && frame.isFinal;

/**
 * One direction of one connection: reads `from`, writes `to` after latency and bandwidth allow. While a
 * frame fault is armed for its direction, it holds each frame until it is whole, to act on it.
 */
class Pipe {
  readonly #from: net.Socket;
  readonly #to: net.Socket;
  readonly #link: Link;
  readonly #direction: FrameDirection;
  readonly #armed: ArmedFault[];
  readonly #watchers: Watcher[];
  readonly #reset: () => void;
  readonly #scanner = new FrameScanner();
  #assembling: Buffer[] | null = null;
  #heldBack: { fault: ArmedFault; bytes: Buffer } | null = null; // the first frame of a reorder
  #pending: Pending[] = [];
  #freeAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(
    ends: { from: net.Socket; to: net.Socket; direction: FrameDirection },
    link: Link,
    shared: { armed: ArmedFault[]; watchers: Watcher[] },
    reset: () => void,
  ) {
    this.#from = ends.from;
    this.#to = ends.to;
    this.#direction = ends.direction;
    this.#link = link;
    this.#armed = shared.armed;
    this.#watchers = shared.watchers;
    this.#reset = reset;
    this.#from.on('data', (chunk: Buffer) => {
      if (this.#stopped) return;
      for (const piece of this.#scanner.scan(chunk))
        this.#piece(piece.bytes, piece.isFrameStart, piece.isFrameEnd);
    });
    this.#from.on('end', () => {
      if (this.#stopped) return;
      this.#release();
      this.#push(null);
    });
  }

  /** Forwards nothing more and stops reading, so the sender's bytes pile up unread. */
  stop(): void {
    this.#stopped = true;
    this.#release();
    this.#pending = [];
    this.#from.pause();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Lets go of a half-done fault: a held frame goes out (or nowhere, once stopped), its fault re-arms. */
  #release(): void {
    if (this.#assembling) this.#push(Buffer.concat(this.#assembling));
    this.#assembling = null;
    if (this.#heldBack) {
      this.#push(this.#heldBack.bytes);
      this.#armed.unshift(this.#heldBack.fault);
    }
    this.#heldBack = null;
  }

  #isWatched(): boolean {
    const isMine = ({ direction }: { direction: FrameDirection | 'either' }) =>
      direction === 'either' || direction === this.#direction;
    return this.#heldBack !== null || this.#armed.some(isMine) || this.#watchers.some(isMine);
  }

  #piece(bytes: Buffer, isFrameStart: boolean, isFrameEnd: boolean): void {
    if (this.#assembling) {
      this.#assembling.push(bytes);
      if (!isFrameEnd) return;
      const whole = Buffer.concat(this.#assembling);
      this.#assembling = null;
      this.#frame(parseFrame(whole));
    } else if (isFrameStart && this.#isWatched()) {
      if (isFrameEnd) this.#frame(parseFrame(bytes));
      else this.#assembling = [bytes];
    } else {
      this.#push(bytes);
    }
  }

  #frame(frame: WebSocketFrame): void {
    for (const watcher of this.#watchers) if (watcher.direction === this.#direction) watcher.listener(frame);
    const isCandidate = isDataFrame(frame);
    const held = this.#heldBack;
    if (held) {
      this.#push(frame.bytes);
      if (!isCandidate || !held.fault.after(frame)) return;
      this.#heldBack = null;
      this.#push(held.bytes);
      held.fault.done();
      return;
    }
    const index = isCandidate
      ? this.#armed.findIndex(
          (fault) =>
            (fault.direction === 'either' || fault.direction === this.#direction) &&
            (fault.kind !== 'cut' || frame.bytes.length - frame.headerLength >= 2) &&
            fault.match(frame),
        )
      : -1;
    const fault = this.#armed[index];
    if (!fault) {
      this.#push(frame.bytes);
      return;
    }
    this.#armed.splice(index, 1);
    if (fault.kind === 'reorder') {
      this.#heldBack = { fault, bytes: frame.bytes };
      return;
    }
    if (fault.kind === 'duplicate') {
      this.#push(frame.bytes);
      this.#push(frame.bytes);
    }
    if (fault.kind === 'cut') {
      const payloadLength = frame.bytes.length - frame.headerLength;
      this.#push(frame.bytes.subarray(0, frame.headerLength + Math.floor(payloadLength / 2)), this.#reset);
      this.#stopped = true; // nothing after the partial frame: the reset follows it
    }
    fault.done();
  }

  #push(data: Buffer | null, then?: () => void): void {
    if (this.#stopped) return;
    const { latency, bandwidth } = this.#link;
    const arrival = performance.now() + latency;
    if (data === null || bandwidth === Number.POSITIVE_INFINITY) {
      // never before an earlier chunk, whatever the latency was when that one came
      this.#freeAt = Math.max(arrival, this.#freeAt);
      this.#pending.push(then ? { data, at: this.#freeAt, then } : { data, at: this.#freeAt });
    } else {
      const slice = Math.max(1, Math.floor((bandwidth * SLICE_MS) / 1000));
      for (let offset = 0; offset < data.length; offset += slice) {
        const piece = data.subarray(offset, offset + slice);
        this.#freeAt = Math.max(arrival, this.#freeAt) + (piece.length * 1000) / bandwidth;
        const isLast = offset + slice >= data.length;
        this.#pending.push(
          isLast && then ? { data: piece, at: this.#freeAt, then } : { data: piece, at: this.#freeAt },
        );
      }
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#timer) return;
    const now = performance.now();
    while (this.#pending.length > 0 && (this.#pending[0] as Pending).at <= now) {
      const { data, then } = this.#pending.shift() as Pending;
      if (data === null) this.#to.end();
      // a reset waits until the bytes before it are with the kernel, or it would discard them
      else if (then) this.#to.write(data, () => then());
      else this.#to.write(data);
    }
    const next = this.#pending[0];
    if (next) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#pump();
      }, next.at - now);
    }
  }
}

/** Starts a fault proxy in front of `127.0.0.1:targetPort`; it closes when the test finishes. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const link: Link = { latency: 0, bandwidth: Number.POSITIVE_INFINITY };
  const live = new Set<{ client: net.Socket; upstream: net.Socket; pipes: Pipe[]; blackholed: boolean }>();
  const armed: ArmedFault[] = [];
  const watchers: Watcher[] = [];
  let accepted = 0;

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    const reset = () => {
      for (const pipe of connection.pipes) pipe.stop();
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    };
    const connection = {
      client,
      upstream,
      pipes: [
        new Pipe({ from: client, to: upstream, direction: 'to-server' }, link, { armed, watchers }, reset),
        new Pipe({ from: upstream, to: client, direction: 'to-client' }, link, { armed, watchers }, reset),
      ],
      blackholed: false,
    };
    live.add(connection);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      socket.on('error', () => {});
      socket.on('close', () => {
        // a blackholed peer hears nothing, not even that the other side went away
        if (!connection.blackholed) other.destroy();
        if (client.destroyed && upstream.destroyed) live.delete(connection);
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  const proxy: FaultProxy = {
    url: `ws://127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return live.size;
    },
    cut(how) {
      for (const { client, upstream, pipes } of live) {
        for (const pipe of pipes) pipe.stop();
        for (const socket of [client, upstream]) {
          if (how === 'rst') {
            socket.resetAndDestroy();
          } else {
            socket.end();
            // keep reading (and discarding) so the peer's own FIN is seen and the socket closes
            socket.resume();
          }
        }
      }
    },
    blackhole() {
      for (const connection of live) {
        connection.blackholed = true;
        for (const pipe of connection.pipes) pipe.stop();
      }
    },
    cutMidFrame(filter = {}) {
      return new Promise((done) =>
        armed.push({
          kind: 'cut',
          direction: filter.direction ?? 'either',
          match: filter.match ?? any,
          after: any,
          done,
        }),
      );
    },
    injectFrameFault(kind, { direction, match = any, after = any }) {
      return new Promise((done) => armed.push({ kind, direction, match, after, done }));
    },
    watchFrames(direction, listener) {
      const watcher = { direction, listener };
      watchers.push(watcher);
      return () => {
        const index = watchers.indexOf(watcher);
        if (index !== -1) watchers.splice(index, 1);
      };
    },
    setLatency(ms) {
      link.latency = ms;
    },
    setBandwidth(bytesPerSecond) {
      link.bandwidth = bytesPerSecond;
    },
    async close() {
      armed.length = 0;
      watchers.length = 0;
      for (const { client, upstream, pipes } of live) {
        for (const pipe of pipes) pipe.stop();
        client.destroy();
        upstream.destroy();
      }
      live.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  onTestFinished(() => proxy.close());
  return proxy;
}
