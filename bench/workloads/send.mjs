// One-way sends to a sink: `count` messages of `size` bytes (text or binary); the sink answers '!done'
// after the last one. Every target runs the same loop: batches of 64 KiB, a turn of the event loop after
// each, and then a 1 ms wait while the client buffers more than 512 KiB (below Lifeline's 1 MiB
// high-water mark, so this measures its send path, not its queue). The turn puts every target's
// `bufferedAmount` on one footing: the standard's (Lifeline's) counts what the current task wrote until
// the task ends, ws's only what Node still holds, so in one long task the same loop slept every 512 KiB
// for Lifeline and only on real congestion for ws.
import { setTimeout as sleep, setImmediate as turn } from 'node:timers/promises';
import { measure, perMessage } from './measure.mjs';

const BATCH_BYTES = 64 * 1024;
const BUFFER_LIMIT = 512 * 1024;

export async function run(target, { url, count, size, binary }) {
  // text payloads never start with '!', which marks the sink's control messages
  const payload = binary ? Buffer.alloc(size, 7) : 'x'.repeat(size);
  const batch = Math.max(1, Math.floor(BATCH_BYTES / size));
  let finish = () => {};
  const client = await target.connect(url, (text) => {
    if (text === '!done') finish();
  });

  const round = async (messages) => {
    const done = new Promise((resolve) => {
      finish = resolve;
    });
    client.send(`!sink ${messages}`);
    for (let i = 0; i < messages; ) {
      const end = Math.min(messages, i + batch);
      for (; i < end; i++) client.send(payload);
      await turn();
      while (client.bufferedAmount > BUFFER_LIMIT) await sleep(1);
    }
    await done;
  };

  await round(Math.ceil(count / 10)); // warm-up, not measured
  const result = perMessage(await measure(() => round(count)), count);
  client.close();
  return { ...result, mbPerSec: (count * size) / 1e6 / (result.wallMs / 1000) };
}
