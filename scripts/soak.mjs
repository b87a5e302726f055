// pnpm soak --minutes N: the multi-node soak of test/cluster/soak.test.ts for N minutes (default 10):
// 3 server nodes (child processes, built packages) on one redis-server of its own, 200 clients, a node
// SIGKILLed every 20 s and restarted, random connection resets. Builds first, runs the test with vitest,
// then prints its figures: the history checker's verdict, resume p50/p90, per-node memory, Redis memory.
// Needs `redis-server` on the PATH (Debian: apt-get install redis-server).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' } } });
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`soak: --minutes must be a positive number, got ${values.minutes}`);
  process.exit(2);
}
if (spawnSync('redis-server', ['--version']).error) {
  console.error('soak: redis-server is missing; on Debian or Ubuntu: sudo apt-get install redis-server');
  process.exit(2);
}

const run = (command, args, env = {}) =>
  spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

if (run('pnpm', ['build']) !== 0) process.exit(1);
mkdirSync('.tmp', { recursive: true });
const reportPath = '.tmp/soak-report.json';
rmSync(reportPath, { force: true });
const status = run(
  'pnpm',
  ['exec', 'vitest', 'run', '--project', 'integration', 'test/cluster/soak.test.ts'],
  {
    LIFELINE_SOAK_MINUTES: String(minutes),
    LIFELINE_SOAK_REPORT: reportPath,
  },
);

let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch {
  console.error('soak: the run wrote no report (it failed before the end; see above)');
  process.exit(1);
}
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
console.log(`
soak: ${report.minutes} min, ${report.clients} clients, ${report.messagesEachWay} messages each way (seed ${report.seed})
  node kills ${report.kills}, connection resets ${report.cuts}, resumes ${report.resumes}
  resume time p50 ${report.resumeP50Ms?.toFixed(0)} ms, p90 ${report.resumeP90Ms?.toFixed(0)} ms (connection lost → resumed)
  resets ${report.resets}, drops ${report.drops}, checker failures ${report.failures.length}
  node RSS (peak): ${Object.entries(report.peakRssByNode)
    .map(([node, rss]) => `${node} ${mib(rss)}`)
    .join(', ')}
  event-loop delay p99: test process ${report.testLoopDelayP99Ms.toFixed(0)} ms (clients, proxies, checker); nodes ${Object.entries(
    report.nodeLoopDelayP99Ms,
  )
    .map(([node, ms]) => `${node} ${ms.toFixed(0)} ms`)
    .join(', ')}
  Redis used_memory at the end: ${mib(report.redisUsedMemory)} (sessions, and the test's own idempotency keys)`);
for (const failure of report.failures.slice(0, 10)) console.log(`  ${failure}`);
process.exit(status);
