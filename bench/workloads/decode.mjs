// Receive + decode: the server streams `count` JSON messages (a 4-variant union) after a probe the schema
// rejects; the client parses and validates each with zod 4.
import { marketMessage } from '../schema.mjs';
import { measure, perMessage } from './measure.mjs';

export async function run(target, { url, count }) {
  let valid = 0;
  let invalid = 0;
  let goal = 0;
  let finish = () => {};
  const check = () => {
    if (valid + invalid === goal) finish();
  };
  const client = await target.connectDecoding(
    url,
    marketMessage,
    () => {
      valid++;
      check();
    },
    () => {
      invalid++;
      check();
    },
  );

  const round = async (messages) => {
    valid = 0;
    invalid = 0;
    goal = messages + 1;
    const done = new Promise((resolve) => {
      finish = resolve;
    });
    client.send(`!feed ${messages}`);
    await done;
    // the probe must be the one rejection: proves the target validated and delivered everything
    if (valid !== messages || invalid !== 1) {
      throw new Error(`decode: expected ${messages} valid and 1 invalid, got ${valid} and ${invalid}`);
    }
  };

  await round(Math.ceil(count / 10)); // warm-up, not measured
  const result = perMessage(await measure(() => round(count)), count);
  client.close();
  return { ...result, decodeMode: target.decodeMode ?? 'handler' };
}
