// What a run measures: the workloads, their sizes per mode, the targets, and Lifeline's target for each.
// Sizes are the (full); --quick and --smoke scale them down.

/** Raw ws first: every ratio is to it. */
export const TARGETS = ['ws', 'lifeline', 'reconnecting-websocket', 'partysocket', 'websocket-ts'];

const KiB = 1024;
const MiB = 1024 * KiB;

const SIZES = {
  full: {
    reps: 5,
    timeoutMs: 180_000,
    echo: 100_000,
    sendText: 200_000,
    sendBinary: 5_000,
    decode: 200_000,
    idle: 1_000,
    backpressure: 256 * MiB,
    restarts: 20,
  },
  quick: {
    reps: 3,
    timeoutMs: 60_000,
    echo: 20_000,
    sendText: 50_000,
    sendBinary: 1_000,
    decode: 40_000,
    idle: 300,
    backpressure: 16 * MiB,
    restarts: 8,
  },
  smoke: {
    reps: 1,
    timeoutMs: 30_000,
    echo: 2_000,
    sendText: 2_000,
    sendBinary: 50,
    decode: 2_000,
    idle: 100,
    backpressure: 2 * MiB,
    restarts: 2,
  },
};

/**
 * A workload: the client module and server mode it runs, its parameters, and the metrics reported.
 * `better` says which way is good; `goal` is Lifeline's target: a ratio to raw ws, or an absolute bound.
 */
export function workloads(mode) {
  const size = SIZES[mode];
  const throughput = [
    { key: 'msgsPerSec', label: 'messages/s', better: 'higher', goal: { ratio: 0.97 } },
    { key: 'cpuUsPerMsg', label: 'client CPU µs/message', better: 'lower' },
  ];
  return [
    {
      id: 'echo',
      title: `echo round trips (${size.echo} × 32 B, 64 in flight)`,
      module: 'echo',
      server: { mode: 'echo' },
      params: { count: size.echo, inFlight: 64 },
      metrics: throughput,
    },
    {
      id: 'send-text',
      title: `send to a sink (${size.sendText} × 64 B text)`,
      module: 'send',
      server: { mode: 'sink' },
      params: { count: size.sendText, size: 64, binary: false },
      metrics: throughput,
    },
    {
      id: 'send-binary',
      title: `send to a sink (${size.sendBinary} × 64 KiB binary)`,
      module: 'send',
      server: { mode: 'sink' },
      params: { count: size.sendBinary, size: 64 * KiB, binary: true },
      metrics: throughput,
    },
    {
      id: 'decode',
      title: `receive + decode + zod 4 (${size.decode} × ~150 B JSON)`,
      module: 'decode',
      server: { mode: 'feed' },
      params: { count: size.decode },
      metrics: throughput,
    },
    {
      id: 'idle',
      title: `idle connections (${size.idle}), per connection after GC`,
      module: 'idle',
      server: { mode: 'idle' },
      params: { connections: size.idle },
      metrics: [
        { key: 'heapPerConn', label: 'heap bytes/connection', better: 'lower', goal: { ratio: 1.2 } },
        { key: 'rssPerConn', label: 'RSS bytes/connection', better: 'lower', goal: { ratio: 1.1 } },
      ],
    },
    {
      id: 'backpressure',
      title: `backpressure (${size.backpressure / MiB} MiB in 64 KiB to a ~20 MB/s reader)`,
      module: 'backpressure',
      server: { mode: 'slow', rate: 20e6 },
      params: { totalBytes: size.backpressure, chunkBytes: 64 * KiB },
      targets: ['ws', 'ws-naive', ...TARGETS.slice(1)],
      metrics: [
        { key: 'peakRss', label: 'peak RSS bytes', better: 'lower', goal: { ratio: 1 } },
        { key: 'peakRssAboveBaseline', label: 'peak RSS above baseline bytes', better: 'lower' },
        { key: 'mbPerSec', label: 'MB/s', better: 'higher' },
      ],
    },
    {
      id: 'reconnect',
      title: `reconnect after a server restart (${size.restarts} restarts, constant 50 ms schedule)`,
      module: 'reconnect',
      server: { mode: 'restart' },
      params: { restarts: size.restarts, delayMs: 50, settleMs: 20 },
      metrics: [
        { key: 'overheadMs', label: 'ms beyond the 50 ms delay', better: 'lower', goal: { max: 5 } },
        { key: 'latencyMs', label: 'ms from listening to open', better: 'lower' },
      ],
    },
  ];
}

export function settings(mode) {
  const { reps, timeoutMs } = SIZES[mode];
  return { reps, timeoutMs };
}
