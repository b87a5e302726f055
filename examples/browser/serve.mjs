// pnpm demo:browser [--port <n>]: serves the demo page on 127.0.0.1 and prints its address; Ctrl-C stops it.
import { parseArgs } from 'node:util';
import { startDemoServer } from './server.mjs';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`demo:browser: --port must be a whole number from 0 to 65535, got ${values.port}`);
  process.exit(2);
}

const demo = await startDemoServer({ port });
process.once('SIGINT', () => demo.close().then(() => process.exit(0)));
console.log(`demo: open ${demo.url} (the page's line connects to ${demo.wsUrl})`);
