/**
 * Sends `count` messages spread over the sinks at `perSecond` in all, in 10 ms ticks; resolves, once the
 * last is handed over, with what the sinks returned (promises the caller may wait for).
 */
export function pace(perSecond, count, sinks, payload) {
  const results = [];
  return new Promise((resolve) => {
    let sent = 0;
    const each = count / sinks.length;
    const started = performance.now();
    const timer = setInterval(() => {
      const due = Math.min(
        each,
        Math.floor(((perSecond / sinks.length) * (performance.now() - started)) / 1000),
      );
      for (; sent < due; sent++) for (const sink of sinks) results.push(sink(payload));
      if (sent >= each) {
        clearInterval(timer);
        resolve(results);
      }
    }, 10);
  });
}
