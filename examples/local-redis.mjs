// A throwaway redis-server on loopback for the cluster demo and the Redis bench: a free port, a temporary
// directory, nothing persisted, and gone with stop(). Never the machine's own Redis service.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether `redis-server` is on the PATH. */
export function hasRedisServer() {
  return !spawnSync('redis-server', ['--version']).error;
}

export const INSTALL_HINT = 'redis-server is missing; on Debian or Ubuntu: sudo apt-get install redis-server';

/** Starts it and resolves with its `redis://` url and a `stop()` once it accepts connections (10 s at most). */
export async function startLocalRedis() {
  if (!hasRedisServer()) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-redis-'));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server was not ready within 10 s')), 10_000);
    child.stdout.on('data', (chunk) => {
      if (!String(chunk).includes('Ready to accept')) return;
      clearTimeout(timer);
      resolve();
    });
  }).catch((error) => {
    stop();
    throw error;
  });
  return { url: `redis://127.0.0.1:${port}`, stop };
}

/** A loopback port nothing listens on now. */
export function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
