// Reconnect latency: the server drops every client and listens again at once, `restarts` times; each
// library reconnects on the same constant schedule (`delayMs`, no jitter). Latency runs from the server
// listening again to the client's open event (both on the system-wide monotonic clock), and the
// overhead is that minus the schedule's delay.
import { setTimeout as sleep } from 'node:timers/promises';
import { median } from './measure.mjs';

const LISTENED = '!listened ';

export async function run(target, { url, restarts, delayMs, settleMs }) {
  // the server greets every connection at once; pair the n-th open with the n-th greeting in whichever
  // order they arrive, and count greetings that a library delivered before its open event
  const opens = [];
  const greetings = [];
  let messagesBeforeOpen = 0;
  let onPair = () => {};
  const paired = () => {
    if (opens.length === greetings.length) onPair();
  };
  const nextPair = () =>
    new Promise((resolve) => {
      onPair = resolve;
    });

  let connected = nextPair();
  const client = target.connectReconnecting(
    url,
    delayMs,
    () => {
      opens.push(process.hrtime.bigint());
      paired();
    },
    (text) => {
      if (!text.startsWith(LISTENED)) return;
      greetings.push(BigInt(text.slice(LISTENED.length)));
      if (greetings.length > opens.length) messagesBeforeOpen++;
      paired();
    },
  );
  await connected;

  const latencies = [];
  for (let i = 1; i <= restarts; i++) {
    await sleep(settleMs);
    connected = nextPair();
    client.send('!restart');
    await connected;
    latencies.push(Number(opens[i] - greetings[i]) / 1e6);
  }
  client.close();
  const latencyMs = median(latencies);
  return {
    restarts,
    delayMs,
    latencyMs,
    overheadMs: latencyMs - delayMs,
    minLatencyMs: Math.min(...latencies),
    maxLatencyMs: Math.max(...latencies),
    messagesBeforeOpen,
  };
}
