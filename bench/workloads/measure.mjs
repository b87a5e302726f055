// Measurement helpers shared by the workloads. Everything is measured inside the client process.
import { readFileSync, writeFileSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';

/** Wall time and this process's CPU time (user + system, all threads) spent in `work`. */
export async function measure(work) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (user + system) / 1000 };
}

/** Messages per second and CPU microseconds per message of a measured run of `count` messages. */
export function perMessage({ wallMs, cpuMs }, count) {
  return {
    messages: count,
    wallMs,
    msgsPerSec: count / (wallMs / 1000),
    cpuUsPerMsg: (cpuMs * 1000) / count,
  };
}

/** Full collections until the heap stops shrinking (at most 5): the live set, without garbage. */
export async function collectGarbage() {
  if (typeof globalThis.gc !== 'function') throw new Error('run the client with --expose-gc');
  let previous = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    globalThis.gc();
    await tick();
    const used = process.memoryUsage().heapUsed;
    if (used >= previous) break;
    previous = used;
  }
  return process.memoryUsage();
}

/**
 * Peak resident set size from now on. Linux resets the kernel's high-water mark (VmHWM) on a write of 5
 * to /proc/self/clear_refs; where that is refused, the RSS is sampled every 5 ms instead.
 */
export function trackPeakRss() {
  let viaKernel = false;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    viaKernel = true;
  } catch {}
  let sampled = process.memoryUsage.rss();
  const timer = viaKernel
    ? null
    : setInterval(() => {
        sampled = Math.max(sampled, process.memoryUsage.rss());
      }, 5);
  return () => {
    if (timer) clearInterval(timer);
    sampled = Math.max(sampled, process.memoryUsage.rss());
    if (!viaKernel) return { peakRss: sampled, peakSource: 'sampled' };
    const kib = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    return { peakRss: Math.max(kib * 1024, sampled), peakSource: 'VmHWM' };
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
