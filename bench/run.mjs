// pnpm bench: Lifeline beside raw ws and its peers, in one run. Every (target, workload) pair runs in a
// fresh client process against a fresh server process, pinned to separate cores where possible, with
// targets interleaved over the repetitions. Writes bench/results/<date>-<mode>.json and .md.
//
//   node bench/run.mjs [--quick | --smoke] [--reps N] [--workloads a,b] [--targets a,b]
//                      [--source] [--from DIR] [--prof cpu|heap] [--parallel N] [--out file.json]
//
// --source bundles Lifeline from packages/*/src instead of using the built packages (no build needed);
// --from DIR takes those sources from another checkout (a branch to compare), implying --source.
// --prof writes V8 CPU or heap profiles of the client processes to bench/results/profiles/.
// --parallel runs N (target, workload) pairs at once: only for checking the harness (--smoke does, with
// 3), since concurrent runs disturb each other's numbers.
// After the workloads, bench/sessions.mjs measures acknowledged sessions (`--workloads sessions` alone;
// not with --smoke or --source, since it runs the built server packages).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { bundleSizes } from './bundle-size.mjs';
import { Child, pinning } from './child.mjs';
import { workloads as planWorkloads, settings, TARGETS } from './plan.mjs';
import { summarize, toMarkdown, verdicts } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    reps: { type: 'string' },
    workloads: { type: 'string' },
    targets: { type: 'string' },
    source: { type: 'boolean', default: false },
    from: { type: 'string' },
    prof: { type: 'string' },
    parallel: { type: 'string' },
    out: { type: 'string' },
  },
});

const fromSources = args.source || args.from !== undefined;
const sourceRoot = resolve(args.from ?? root);
const sourceOf = (pkg) => join(sourceRoot, 'packages', pkg, 'src', 'index.ts');
const mode = args.smoke ? 'smoke' : args.quick ? 'quick' : 'full';
const { timeoutMs, reps: defaultReps } = settings(mode);
const reps = args.reps ? Number(args.reps) : defaultReps;
if (!Number.isInteger(reps) || reps < 1)
  throw new RangeError(`--reps must be a positive integer, got ${args.reps}`);
const parallel = Number(args.parallel ?? (mode === 'smoke' ? 3 : 1));
if (!Number.isInteger(parallel) || parallel < 1) {
  throw new RangeError(`--parallel must be a positive integer, got ${args.parallel}`);
}
if (args.prof && args.prof !== 'cpu' && args.prof !== 'heap') {
  throw new RangeError(`--prof must be cpu or heap, got ${args.prof}`);
}
const pick = (list, filter) => (filter ? list.filter((id) => filter.split(',').includes(id)) : list);
const plan = planWorkloads(mode).filter((w) => pick([w.id], args.workloads).length > 0);
const wantedTargets = args.targets?.split(',');
const targetsOf = (workload) =>
  (workload.targets ?? TARGETS).filter((t) => !wantedTargets || wantedTargets.includes(t));
const withBundle = pick(['bundle'], args.workloads).length > 0;
// the session figures need the built server packages and say nothing in a smoke run
const withSessions = mode !== 'smoke' && !fromSources && pick(['sessions'], args.workloads).length > 0;

const cores = pinning();
const log = (text) => process.stdout.write(`${text}\n`);

/** The module the Lifeline client imports: the built @lifeline/node, or a bundle of the sources. */
async function lifelineModule() {
  if (!fromSources) {
    if (!existsSync(join(root, 'packages', 'node', 'dist', 'index.js'))) {
      throw new Error('the packages are not built: run `pnpm build` first (or pass --source)');
    }
    return '@lifeline/node';
  }
  // one file per harness process, so concurrent runs cannot trip over each other's bundle
  const outfile = join(root, '.tmp', 'bench', `lifeline-node-${process.pid}.mjs`);
  process.on('exit', () => rmSync(outfile, { force: true }));
  await build({
    entryPoints: [sourceOf('node')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['ws'], // ws resolves from the repository root, as it does for the other targets
    alias: { '@lifeline/core': sourceOf('core') },
    logLevel: 'silent',
  });
  return pathToFileURL(outfile).href;
}

const profileDir = join(here, 'results', 'profiles');

/** One target running one workload: fresh server, fresh client (started together), both killed afterwards. */
async function runOnce(workload, target, rep, lifeline) {
  const nodeArgs = ['--expose-gc'];
  if (args.prof) {
    mkdirSync(profileDir, { recursive: true });
    const name = `${target}-${workload.id}-rep${rep}`;
    nodeArgs.push(
      args.prof === 'cpu' ? '--cpu-prof' : '--heap-prof',
      `--${args.prof}-prof-dir=${profileDir}`,
      `--${args.prof}-prof-name=${name}.${args.prof === 'cpu' ? 'cpuprofile' : 'heapprofile'}`,
    );
  }
  const config = {
    target,
    workload: workload.id,
    module: workload.module,
    params: workload.params,
    lifelineModule: lifeline,
    timeoutMs,
  };
  const server = new Child(
    join(here, 'server.mjs'),
    [JSON.stringify({ ...workload.server, lifetimeMs: timeoutMs + 10_000 })],
    { core: cores?.server },
  );
  const client = new Child(join(here, 'client.mjs'), [JSON.stringify(config)], {
    core: cores?.client,
    nodeArgs,
  });
  try {
    const { port } = await server.nextLine(10_000);
    client.send({ url: `ws://127.0.0.1:${port}/bench` });
    const line = await client.nextLine(timeoutMs + 5000);
    // a profile is written as the client exits
    await client.exit(args.prof ? 30_000 : 2000);
    if (line.error) throw new Error(line.error);
    return line.result;
  } finally {
    client.kill();
    server.kill();
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const startedAt = new Date();
const lifeline = await lifelineModule();
const meta = {
  date: startedAt.toISOString(),
  mode,
  reps,
  commit: gitCommit(),
  cpu: cpus()[0]?.model ?? 'unknown CPU',
  cores: cpus().length,
  node: process.version,
  os: `${type()} ${release()}`,
  pinned: cores !== null,
  parallel,
  loadBefore: loadavg().map((load) => Number(load.toFixed(2))),
  lifeline: fromSources ? `the sources in ${args.from ?? 'this checkout'}` : 'built packages',
};
log(
  `bench: ${mode}, ${reps} rep(s), ${meta.cpu} × ${meta.cores}, Node ${meta.node}, ` +
    `${cores ? `client on core ${cores.client}, server on core ${cores.server}` : 'not pinned'}`,
);

const results = plan.map((workload) => ({
  ...workload,
  targets: Object.fromEntries(targetsOf(workload).map((target) => [target, { runs: [], summary: {} }])),
}));
const failures = [];

// the order of the runs: repetition by repetition, the targets rotated each time, so no target always
// runs first (or right after a heavy one)
const jobs = [];
for (let rep = 1; rep <= reps; rep++) {
  for (const workload of results) {
    const targets = Object.keys(workload.targets);
    for (let i = 0; i < targets.length; i++)
      jobs.push({ rep, workload, target: targets[(i + rep - 1) % targets.length] });
  }
}

async function runJob({ rep, workload, target }) {
  const started = performance.now();
  const label = `  rep ${rep} ${workload.id.padEnd(12)} ${target.padEnd(22)}`;
  try {
    workload.targets[target].runs.push(await runOnce(workload, target, rep, lifeline));
    log(`${label} ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    failures.push({ workload: workload.id, target, rep, error: String(error.message ?? error) });
    log(`${label} FAILED: ${String(error.message).split('\n')[0]}`);
  }
}

/** bench/sessions.mjs in a process of its own (its server process and Redis are its own too), printing as it goes. */
async function sessionFigures() {
  const out = join(root, '.tmp', 'bench', `sessions-${process.pid}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const options = mode === 'quick' ? ['--quick'] : [];
  log(`\nsessions: node bench/sessions.mjs ${options.join(' ')}`);
  const child = spawn(process.execPath, [join(here, 'sessions.mjs'), ...options, '--out', out], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // SIGTERM, not SIGKILL: it stops its own redis-server and server process on the way out
  const stop = () => child.kill('SIGTERM');
  process.on('exit', stop);
  const timer = setTimeout(stop, 16 * 60_000);
  try {
    const [code, signal] = await once(child, 'exit');
    if (code !== 0) throw new Error(`bench/sessions.mjs exited (${signal ?? code})`);
    return JSON.parse(readFileSync(out, 'utf8'));
  } catch (error) {
    failures.push({
      workload: 'sessions',
      target: 'lifeline',
      rep: 1,
      error: String(error.message ?? error),
    });
    log(`  sessions FAILED: ${String(error.message).split('\n')[0]}`);
    return null;
  } finally {
    clearTimeout(timer);
    process.off('exit', stop);
    rmSync(out, { force: true });
  }
}

const queue = [...jobs];
await Promise.all(
  Array.from({ length: parallel }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await runJob(job);
  }),
);

for (const workload of results) {
  for (const entry of Object.values(workload.targets))
    entry.summary = summarize(entry.runs, workload.metrics);
}

const bundle = withBundle
  ? await bundleSizes(pick(TARGETS, wantedTargets?.join(',')), {
      resolveDir: root,
      alias: fromSources
        ? { '@lifeline/browser': sourceOf('browser'), '@lifeline/core': sourceOf('core') }
        : {},
    })
  : null;

const sessions = withSessions ? await sessionFigures() : null;

meta.loadAfter = loadavg().map((load) => Number(load.toFixed(2)));
meta.lifelineDecode =
  results.find((w) => w.id === 'decode')?.targets.lifeline?.runs[0]?.decodeMode === 'schema-option'
    ? 'its `schema` option'
    : 'on(message) + safeParse in the handler (no `schema` option yet)';
const report = { meta, workloads: results, bundle, sessions, failures };
report.verdicts = verdicts(results, bundle);
const markdown = sessions ? `${toMarkdown(report)}\n${sessions.markdown}` : toMarkdown(report);

const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const jsonPath = args.out ? resolve(args.out) : join(here, 'results', `${stamp}-${mode}.json`);
mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(jsonPath.replace(/\.json$/, '.md'), markdown);
log(`\n${markdown}\nwrote ${jsonPath} and its .md`);
process.exitCode = failures.length > 0 ? 1 : 0;
