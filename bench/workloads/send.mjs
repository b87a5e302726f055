// One-way sends to a sink: `count` messages of `size` bytes (text or binary); the sink answers '!done'
// after the last one. Every target runs the same loop: batches of 64 KiB, and between batches a 1 ms
// wait while the client buffers more than 512 KiB (below Lifeline's 1 MiB high-water mark, so this
// measures its send path, not its queue).
import { setTimeout as sleep } from 'node:timers/promises';
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
      while (client.bufferedAmount > BUFFER_LIMIT) await sleep(1);
    }
    await done;
  };

  await round(Math.ceil(count / 10)); // warm-up, not measured
  const result = perMessage(await measure(() => round(count)), count);
  client.close();
  return { ...result, mbPerSec: (count * size) / 1e6 / (result.wallMs / 1000) };
}
