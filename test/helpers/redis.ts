import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll } from 'vitest';
import { closedPort } from './server.js';

/** A `redis-server` of the test's own on 127.0.0.1, never the machine's service. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly process: ChildProcess;
  /** Stops it the way a crash would (SIGKILL), and waits for the process to end. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory, with nothing kept: a restart without persistence. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

// how long redis-server may take to say it is ready; it takes a few milliseconds on a quiet machine
const READY_TIMEOUT_MS = 10_000;

/**
 * Starts Debian's `redis-server` (`bash .ci/run` installs it) on a free loopback port, in a temporary
 * directory, with persistence off: what it holds lives as long as the process. The caller stops it
 * (`afterAll` or `onTestFinished`).
 */
export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeline-redis-'));
  const port = await closedPort();
  let child = await launch(port, dir);
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get process() {
      return child;
    },
    kill,
    restart: async () => {
      await kill();
      child = await launch(port, dir);
    },
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} was not ready within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(
          `could not start redis-server (is it installed? bash .ci/run installs it): ${error.message}`,
        ),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited with ${code} before it was ready`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (!line.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(child);
    });
  });
}

/** A node-redis client as the tests use it: the commands they inspect and change Redis with. */
export interface RedisClient {
  flushAll(): Promise<unknown>;
  lRange(key: string, start: number, stop: number): Promise<string[]>;
  hGetAll(key: string): Promise<Record<string, string>>;
  get(key: string): Promise<string | null>;
  keys(pattern: string): Promise<string[]>;
  sendCommand(args: string[]): Promise<unknown>;
  close(): Promise<unknown>;
}

/**
 * A node-redis client connected to `url`, for a test to look into (or flush) Redis; node-redis is a
 * dependency of @lifeline/redis only, so it is resolved from there. The caller closes it.
 */
export async function connectRedisClient(url: string): Promise<RedisClient> {
  const fromRedisPackage = createRequire(new URL('../../packages/redis/package.json', import.meta.url));
  const { createClient } = fromRedisPackage('redis') as {
    createClient(options: { url: string }): RedisClient & {
      on(event: 'error', listener: () => void): void;
      connect(): Promise<unknown>;
    };
  };
  const client = createClient({ url });
  client.on('error', () => {}); // a test that restarts Redis sees the reconnection, not a crash
  await client.connect();
  return client;
}

/**
 * A redis-server and a client to look into it, shared by the tests of one file: started before them
 * (`beforeAll`) and stopped after (`afterAll`). Read its fields inside tests, once they have started.
 */
export function redisForFile(): { readonly server: RedisServer; readonly client: RedisClient } {
  let server: RedisServer | undefined;
  let client: RedisClient | undefined;
  beforeAll(async () => {
    server = await startRedis();
    client = await connectRedisClient(server.url);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('redisForFile(): read it inside a test, after beforeAll');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get client() {
      return started(client);
    },
  };
}
