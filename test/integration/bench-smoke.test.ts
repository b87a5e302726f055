import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, onTestFinished, test } from 'vitest';

// The harness of `pnpm bench` must keep working: a tiny run of every workload for every target, from
// the sources (no build needed). It checks that each produced sane numbers, never how fast they are.

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

const TARGETS = ['ws', 'lifeline', 'reconnecting-websocket', 'partysocket', 'websocket-ts'];
const EXPECTED: Record<string, { targets: string[]; positive: string[]; finite: string[] }> = {
  echo: { targets: TARGETS, positive: ['msgsPerSec', 'cpuUsPerMsg'], finite: [] },
  'send-text': { targets: TARGETS, positive: ['msgsPerSec', 'cpuUsPerMsg'], finite: [] },
  'send-binary': { targets: TARGETS, positive: ['msgsPerSec', 'cpuUsPerMsg', 'mbPerSec'], finite: [] },
  decode: { targets: TARGETS, positive: ['msgsPerSec', 'cpuUsPerMsg'], finite: [] },
  // an RSS delta over a hundred connections can round to a page either way; the heap cannot
  idle: { targets: TARGETS, positive: ['heapPerConn'], finite: ['rssPerConn'] },
  backpressure: {
    targets: ['ws', 'ws-naive', ...TARGETS.slice(1)],
    positive: ['peakRss', 'mbPerSec'],
    finite: ['peakRssAboveBaseline'],
  },
  // overhead = latency - schedule delay, which timer rounding may put a hair below zero
  reconnect: { targets: TARGETS, positive: ['latencyMs'], finite: ['overheadMs'] },
};

interface Report {
  failures: unknown[];
  workloads: Array<{ id: string; targets: Record<string, { runs: Array<Record<string, unknown>> }> }>;
  bundle: Record<string, { gzipBytes: number; minBytes: number }>;
}

test('bench --smoke runs every workload for every target and reports sane numbers', {
  timeout: 240_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'smoke.json');
  // SIGTERM lets the harness kill its own server and client processes
  const exit = await run(process.execPath, ['bench/run.mjs', '--smoke', '--source', '--out', out], {
    cwd: root,
    timeout: 220_000,
    killSignal: 'SIGTERM',
  }).then(
    () => 0,
    (error: { code?: number; stderr?: string }) => error.stderr || error.code,
  );
  expect(existsSync(out), `no report; the harness said: ${exit}`).toBe(true);
  const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  expect(report.failures).toEqual([]);
  expect(exit).toBe(0);

  expect(report.workloads.map((workload) => workload.id).sort()).toEqual(Object.keys(EXPECTED).sort());
  for (const workload of report.workloads) {
    const expected = EXPECTED[workload.id];
    expect(Object.keys(workload.targets).sort(), workload.id).toEqual([...(expected?.targets ?? [])].sort());
    for (const [target, { runs }] of Object.entries(workload.targets)) {
      expect(runs, `${workload.id} / ${target}`).toHaveLength(1);
      const [result] = runs;
      for (const key of expected?.positive ?? []) {
        const value = result?.[key];
        expect(
          Number.isFinite(value) && (value as number) > 0,
          `${workload.id} / ${target} / ${key} = ${value}`,
        ).toBe(true);
      }
      for (const key of expected?.finite ?? []) {
        expect(Number.isFinite(result?.[key]), `${workload.id} / ${target} / ${key}`).toBe(true);
      }
    }
  }

  expect(Object.keys(report.bundle).sort()).toEqual([...TARGETS].sort());
  for (const [target, size] of Object.entries(report.bundle)) {
    expect(size.gzipBytes > 0 && size.gzipBytes < size.minBytes, `${target} bundle ${size.gzipBytes} B`).toBe(
      true,
    );
  }
});
