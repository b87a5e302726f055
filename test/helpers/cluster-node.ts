import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** How a node of test/cluster/session-node.mjs is configured. */
export interface NodeConfig {
  /** Shown in its messages (`node` field) and in failures. */
  readonly name: string;
  readonly redisUrl: string;
  /** The store's key prefix; the test's own keys go under `<prefix>test:`. */
  readonly prefix: string;
  /** Session ttl, milliseconds. @default 60000 */
  readonly ttl?: number;
  /** The store's keep-alive, milliseconds. @default 2000 */
  readonly keepAlive?: number;
  /** Per session, `count` messages `s1…s<count>`, up to `batch` every `every` ms while attached. */
  readonly stream?: { readonly count: number; readonly every: number; readonly batch: number } | null;
}

/** What a node reports over IPC. */
export interface NodeEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A server node in a child process. */
export interface ClusterNode {
  readonly name: string;
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything it reported, in order. */
  readonly events: readonly NodeEvent[];
  /** The first event of `type` (already reported, or the next one) that `matches`. */
  event(type: string, matches?: (event: NodeEvent) => boolean): Promise<NodeEvent>;
  /** Sends `signal`; for SIGKILL, resolves once the process is gone. */
  signal(signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void>;
  /** Asks it to drain (1012 to every client) and resolves when it has. */
  drain(): Promise<void>;
  /** Its store-write outcomes, resident memory (bytes) and event-loop delay (99th percentile, ms). */
  stats(): Promise<{
    writes: { ok: number; fenced: number; failed: number };
    rss: number;
    loopDelayP99: number;
  }>;
  /** Ends it (SIGKILL) if it still runs. */
  stop(): Promise<void>;
}

const root = new URL('../../', import.meta.url);
const SCRIPT = fileURLToPath(new URL('test/cluster/session-node.mjs', root));
const BUILT = ['packages/server/dist/index.js', 'packages/redis/dist/index.js'];
// a node starts in well under a second; a loaded machine gets ample room
const READY_TIMEOUT_MS = 15_000;
const EVENT_TIMEOUT_MS = 20_000;

/**
 * Nodes run the built packages, as a deployment would: fails with what to run when they are not built
 * (CI runs `pnpm build` before the tests).
 */
export function assertBuilt(): void {
  const missing = BUILT.filter((path) => !existsSync(new URL(path, root)));
  if (missing.length > 0) {
    throw new Error(
      `the cluster tests run the built packages: ${missing.join(', ')} missing; run \`pnpm build\``,
    );
  }
}

/** Starts a node and resolves once it listens. The caller stops it (`onTestFinished`). */
export async function startNode(config: NodeConfig): Promise<ClusterNode> {
  assertBuilt();
  const child = fork(SCRIPT, [], {
    env: { ...process.env, LIFELINE_NODE: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const events: NodeEvent[] = [];
  const waiters = new Set<(event: NodeEvent) => void>();
  child.on('message', (event: NodeEvent) => {
    events.push(event);
    for (const waiter of [...waiters]) waiter(event);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const event = (type: string, matches: (event: NodeEvent) => boolean = () => true) => {
    const found = events.find((candidate) => candidate.type === type && matches(candidate));
    if (found) return Promise.resolve(found);
    return new Promise<NodeEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`node ${config.name}: no ${type} event within ${EVENT_TIMEOUT_MS} ms${tail()}`));
      }, EVENT_TIMEOUT_MS);
      const waiter = (candidate: NodeEvent) => {
        if (candidate.type !== type || !matches(candidate)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(candidate);
      };
      waiters.add(waiter);
    });
  };
  const tail = () => (stderr ? `; its stderr: ${stderr}` : '');
  const isRunning = () => child.exitCode === null && child.signalCode === null;

  const ready = await Promise.race([
    event('ready'),
    exited.then(() => {
      throw new Error(`node ${config.name} exited before it was ready${tail()}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`node ${config.name} not ready in ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      ),
    ),
  ]).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });

  return {
    name: config.name,
    url: ready.url as string,
    process: child,
    events,
    event,
    signal: async (signal) => {
      if (!isRunning()) return;
      child.kill(signal);
      if (signal === 'SIGKILL') await exited;
    },
    drain: async () => {
      const drained = event('drained', () => true);
      child.send({ type: 'drain' });
      await drained;
    },
    stats: async () => {
      const after = events.length;
      child.send({ type: 'stats' });
      const reply = await event('stats', (candidate) => events.indexOf(candidate) >= after);
      return reply as unknown as Awaited<ReturnType<ClusterNode['stats']>>;
    },
    stop: async () => {
      if (!isRunning()) return;
      // SIGKILL ends a frozen (SIGSTOP) process too
      child.kill('SIGKILL');
      await exited;
    },
  };
}
