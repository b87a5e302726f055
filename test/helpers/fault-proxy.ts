import net, { type AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

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

/** A pending chunk (or the end of the stream, `null`) and when it may be written. */
interface Pending {
  data: Buffer | null;
  at: number;
}

// a throttled chunk goes out in slices of this many milliseconds' worth, so a big one trickles
const SLICE_MS = 20;

/** One direction of one connection: reads `from`, writes `to` after latency and bandwidth allow. */
class Pipe {
  readonly #from: net.Socket;
  readonly #to: net.Socket;
  readonly #link: Link;
  #pending: Pending[] = [];
  #freeAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(from: net.Socket, to: net.Socket, link: Link) {
    this.#from = from;
    this.#to = to;
    this.#link = link;
    from.on('data', (chunk: Buffer) => this.#push(chunk));
    from.on('end', () => this.#push(null));
  }

  /** Forwards nothing more and stops reading, so the sender's bytes pile up unread. */
  stop(): void {
    this.#stopped = true;
    this.#pending = [];
    this.#from.pause();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #push(data: Buffer | null): void {
    if (this.#stopped) return;
    const { latency, bandwidth } = this.#link;
    const arrival = Date.now() + latency;
    if (data === null || bandwidth === Number.POSITIVE_INFINITY) {
      // never before an earlier chunk, whatever the latency was when that one came
      this.#freeAt = Math.max(arrival, this.#freeAt);
      this.#pending.push({ data, at: this.#freeAt });
    } else {
      const slice = Math.max(1, Math.floor((bandwidth * SLICE_MS) / 1000));
      for (let offset = 0; offset < data.length; offset += slice) {
        const piece = data.subarray(offset, offset + slice);
        this.#freeAt = Math.max(arrival, this.#freeAt) + (piece.length * 1000) / bandwidth;
        this.#pending.push({ data: piece, at: this.#freeAt });
      }
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#timer) return;
    const now = Date.now();
    while (this.#pending.length > 0 && (this.#pending[0] as Pending).at <= now) {
      const { data } = this.#pending.shift() as Pending;
      if (data === null) this.#to.end();
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
  let accepted = 0;

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    const connection = {
      client,
      upstream,
      pipes: [new Pipe(client, upstream, link), new Pipe(upstream, client, link)],
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
    setLatency(ms) {
      link.latency = ms;
    },
    setBandwidth(bytesPerSecond) {
      link.bandwidth = bytesPerSecond;
    },
    async close() {
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
