// Turns the runs of one benchmark into a summary (median, min, max per metric), Lifeline's verdicts
// against its targets (ratios to raw ws from the same run), and a Markdown table.

import { median } from './workloads/measure.mjs';

export const BUNDLE_BUDGET_BYTES = 5000;

/** Median, min and max of each metric over a target's successful runs. */
export function summarize(runs, metrics) {
  const summary = {};
  for (const { key } of metrics) {
    const values = runs.map((run) => run[key]).filter((value) => typeof value === 'number');
    if (values.length === 0) continue;
    summary[key] = { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  }
  return summary;
}

/** Lifeline against each goal: the ratio of medians to raw ws (hand-gated in backpressure), or a bound. */
export function verdicts(workloads, bundle) {
  const list = [];
  for (const workload of workloads) {
    for (const metric of workload.metrics) {
      if (!metric.goal) continue;
      const lifeline = workload.targets.lifeline?.summary[metric.key]?.median;
      const ws = workload.targets.ws?.summary[metric.key]?.median;
      if (lifeline === undefined) {
        list.push({ workload: workload.id, metric: metric.key, met: false, note: 'no result' });
        continue;
      }
      if (metric.goal.max !== undefined) {
        list.push({
          workload: workload.id,
          metric: metric.key,
          value: lifeline,
          goal: `≤ ${metric.goal.max}`,
          met: lifeline <= metric.goal.max,
        });
        continue;
      }
      const ratio = ws ? lifeline / ws : Number.NaN;
      const sign = metric.better === 'higher' ? '≥' : '≤';
      const met = metric.better === 'higher' ? ratio >= metric.goal.ratio : ratio <= metric.goal.ratio;
      list.push({
        workload: workload.id,
        metric: metric.key,
        value: lifeline,
        ratio,
        goal: `${sign} ${metric.goal.ratio}×`,
        met,
      });
    }
  }
  if (bundle) {
    const gzip = bundle.lifeline?.gzipBytes;
    list.push({
      workload: 'bundle',
      metric: 'gzipBytes',
      value: gzip,
      goal: `≤ ${BUNDLE_BUDGET_BYTES} B`,
      met: gzip !== undefined && gzip <= BUNDLE_BUDGET_BYTES,
    });
  }
  return list;
}

const FORMATS = {
  msgsPerSec: (v) => (v >= 1e4 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0)),
  cpuUsPerMsg: (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(2)),
  heapPerConn: (v) => `${(v / 1024).toFixed(1)} KiB`,
  rssPerConn: (v) => `${(v / 1024).toFixed(1)} KiB`,
  peakRss: (v) => `${(v / 2 ** 20).toFixed(0)} MiB`,
  peakRssAboveBaseline: (v) => `${(v / 2 ** 20).toFixed(1)} MiB`,
  mbPerSec: (v) => v.toFixed(1),
  overheadMs: (v) => v.toFixed(2),
  latencyMs: (v) => v.toFixed(2),
};

const format = (key, value) => (FORMATS[key] ?? ((v) => String(v)))(value);

function cell(workload, target, metric) {
  const stats = workload.targets[target]?.summary[metric.key];
  if (!stats) return workload.targets[target] ? 'failed' : '';
  const spread =
    stats.min === stats.max ? '' : ` (${format(metric.key, stats.min)}–${format(metric.key, stats.max)})`;
  const ws = workload.targets.ws?.summary[metric.key]?.median;
  const ratio =
    target === 'ws' || !ws || metric.goal?.max !== undefined ? '' : ` **${(stats.median / ws).toFixed(2)}×**`;
  return `${format(metric.key, stats.median)}${spread}${ratio}`;
}

/** The Markdown report: machine facts, one row per workload metric, one column per target. */
export function toMarkdown({ meta, workloads, bundle, verdicts: checks, failures }) {
  const targets = ['ws', 'ws-naive', 'lifeline', 'reconnecting-websocket', 'partysocket', 'websocket-ts'];
  const header = [
    'workload',
    'metric',
    ...targets.map((t) => (t === 'ws-naive' ? 'ws (naive loop)' : t)),
    'Lifeline target',
  ];
  const rows = [header, header.map(() => '---')];
  for (const workload of workloads) {
    for (const metric of workload.metrics) {
      const check = checks.find((v) => v.workload === workload.id && v.metric === metric.key);
      rows.push([
        workload.title,
        metric.label,
        ...targets.map((target) => cell(workload, target, metric)),
        check ? `${check.goal} ${check.met ? '✅' : '❌'}` : '',
      ]);
    }
  }
  if (bundle) {
    const check = checks.find((v) => v.workload === 'bundle');
    rows.push([
      'browser bundle, minimal use',
      'min+gzip bytes (min bytes)',
      ...targets.map((target) =>
        bundle[target]
          ? `${bundle[target].gzipBytes} (${bundle[target].minBytes})${target === 'ws' ? ' native WebSocket' : ''}`
          : '',
      ),
      check ? `${check.goal} ${check.met ? '✅' : '❌'}` : '',
    ]);
  }
  const lines = [
    `Mode \`${meta.mode}\`, ${meta.reps} repetition(s), ${meta.date}. ${meta.cpu} × ${meta.cores} cores, Node ${meta.node}, ${meta.os}. ` +
      `Client and server ${meta.pinned ? 'pinned to separate cores' : 'not pinned'}; load average ${meta.loadBefore.join(' / ')} before, ${meta.loadAfter.join(' / ')} after. ` +
      `Lifeline from ${meta.lifeline}; decode through ${meta.lifelineDecode}.` +
      (meta.parallel > 1
        ? ` ${meta.parallel} runs at a time: a harness check, the numbers mean nothing.`
        : ''),
    '',
    'Cells: median (min–max) over the repetitions, then the ratio of medians to raw ws from this run.',
    'In the backpressure rows, ws is the hand-gated loop.',
    '',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  if (failures.length > 0) {
    lines.push('', `Failed runs (${failures.length}):`, '');
    for (const failure of failures) {
      lines.push(
        `- ${failure.workload} / ${failure.target} (rep ${failure.rep}): ${failure.error.split('\n')[0]}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
