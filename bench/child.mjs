// Child processes of a run: started pinned to a core when the machine allows it, read as JSON lines,
// and always killed: on timeout, when their run ends, and when the orchestrator exits.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';

const live = new Set();
const killAll = () => {
  for (const child of live) child.kill();
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Cores for client and server, or null when pinning is impossible (one core, or no usable taskset). */
export function pinning() {
  if (availableParallelism() < 2) return null;
  const probe = spawnSync('taskset', ['-c', '1', process.execPath, '-e', ''], { stdio: 'ignore' });
  return probe.status === 0 ? { client: 0, server: 1 } : null;
}

export class Child {
  #process;
  #lines = [];
  #waiters = [];
  #stderr = '';
  #exited = false;
  #onExit = [];

  /** Runs `node ...nodeArgs script ...args`, through `taskset -c core` when a core is given. */
  constructor(script, args, { core, nodeArgs = [] } = {}) {
    const node = [process.execPath, ...nodeArgs, script, ...args];
    this.#process =
      core === undefined
        ? spawn(node[0], node.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn('taskset', ['-c', String(core), ...node], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#process.stdin.on('error', () => {}); // a child that died early must not take this process down
    live.add(this);
    createInterface({ input: this.#process.stdout }).on('line', (line) => this.#onLine(line));
    this.#process.stderr.on('data', (chunk) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    // 'close', not 'exit': at 'exit' the child's last line may still be in its stdout pipe, unread
    this.#process.on('close', (code, signal) => {
      this.#exited = true;
      live.delete(this);
      const error = new Error(`${script} exited (${signal ?? code}) without output\n${this.#stderr}`);
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
      for (const resolve of this.#onExit.splice(0)) resolve();
    });
  }

  /** The next JSON line the child prints; rejects on exit or after `timeoutMs`, killing the child. */
  nextLine(timeoutMs) {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#exited) return Promise.reject(new Error(`exited before output\n${this.#stderr}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new Error(`no output within ${timeoutMs} ms (killed)\n${this.#stderr}`));
      }, timeoutMs);
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        fn(value);
      };
      this.#waiters.push({ resolve: settle(resolve), reject: settle(reject) });
    });
  }

  /** Sends the child one JSON line on its stdin. */
  send(value) {
    this.#process.stdin.write(`${JSON.stringify(value)}\n`);
  }

  /** Resolves once the child has exited by itself, or killed it after `graceMs` (profiles need the wait). */
  exit(graceMs) {
    if (this.#exited) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.kill(), graceMs);
      this.#onExit.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  kill() {
    if (!this.#exited) this.#process.kill('SIGKILL');
  }

  #onLine(text) {
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      this.#stderr = `${this.#stderr}\n${text}`.slice(-4000); // stray output: keep it for diagnostics
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(line);
    else this.#lines.push(line);
  }
}
