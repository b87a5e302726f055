// Backpressure: `totalBytes` in `chunkBytes` binary messages to a server reading at ~20 MB/s, sent with
// each library's best API; peak RSS of the client while it runs.
import { collectGarbage, measure, trackPeakRss } from './measure.mjs';

export async function run(target, { url, totalBytes, chunkBytes }) {
  const chunk = Buffer.alloc(chunkBytes, 7);
  const count = Math.ceil(totalBytes / chunkBytes);
  let finish = () => {};
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const client = await target.connect(url, (text) => {
    if (text === '!done') finish();
  });
  const { rss: baselineRss } = await collectGarbage();
  const peak = trackPeakRss();
  client.send(`!slow ${count * chunkBytes}`);
  const { wallMs } = await measure(async () => {
    await target.pump(client, chunk, count);
    await done;
  });
  const { peakRss, peakSource } = peak();
  client.close();
  return {
    bytes: count * chunkBytes,
    wallMs,
    mbPerSec: (count * chunkBytes) / 1e6 / (wallMs / 1000),
    peakRss,
    peakRssAboveBaseline: peakRss - baselineRss,
    peakSource,
  };
}
