// The runtime matrix's client, one file for every runtime: Node.js, Bun and Deno run it through
// ride-through-process.mjs, Chromium from a page and from a dedicated worker. It imports `lifeline` as
// an application would, so each runtime's export conditions pick the build, and it reports each fact the
// tests wait for as one line of text. It stops nothing but its line: a process must then end by itself.
import * as lifeline from 'lifeline';

/**
 * Connects to an echo server at `url`, sends a1..a3 once open and b1..b3 as soon as the first socket
 * closes (the outage: they wait in the queue), and closes the line when the echo of b3 comes back.
 */
export function rideThrough(url, report) {
  // only the browser build exports the page-lifecycle close code
  report(`build ${'PAGE_HIDDEN_CODE' in lifeline ? 'browser' : 'node'}`);
  const line = new lifeline.Lifeline(url, { reconnect: { minDelay: 50, maxDelay: 200 } });
  let opens = 0;
  line.addEventListener('open', () => {
    opens += 1;
    report(`open ${opens}`);
    if (opens === 1) for (const text of ['a1', 'a2', 'a3']) line.send(text);
  });
  let isQueued = false;
  line.addEventListener('close', () => {
    if (isQueued) return;
    isQueued = true;
    for (const text of ['b1', 'b2', 'b3']) line.send(text);
    report(`queued ${line.bufferedAmount}`);
  });
  line.addEventListener('message', (event) => {
    if (event.data !== 'b3') return;
    line.close(1000, 'done');
    report('closed');
  });
}
