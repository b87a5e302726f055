// One benchmark client: one target (library) running one workload, in a fresh process. It loads while
// the server starts, then reads the server's URL as a JSON line on stdin. Prints a single JSON line,
// `{"result": {...}}` or `{"error": "..."}`, and exits.
import { createInterface } from 'node:readline';

const config = JSON.parse(process.argv[2]);

const report = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

// the orchestrator kills this process on timeout too; this reports why first
setTimeout(() => {
  report({ error: `${config.target} / ${config.workload}: no result after ${config.timeoutMs} ms` });
  process.exit(2);
}, config.timeoutMs);

// ws-naive is raw ws with a send loop that ignores backpressure
const adapter = config.target === 'ws-naive' ? 'ws' : config.target;

try {
  const { load } = await import(`./targets/${adapter}.mjs`);
  const target = await load({ ...config, naive: config.target === 'ws-naive' });
  const { run } = await import(`./workloads/${config.module}.mjs`);
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const { value } = await lines.next();
  report({ result: await run(target, { ...config.params, url: JSON.parse(value).url }) });
  process.exit(0);
} catch (error) {
  report({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
