// Echo round trips: `count` small text messages with `inFlight` outstanding, against an echo server.
import { measure, perMessage } from './measure.mjs';

const TEXT = 'echo-payload-0123456789abcdefghi'; // 32 B

export async function run(target, { url, count, inFlight }) {
  let goal = 0;
  let sent = 0;
  let received = 0;
  let finish = () => {};
  const client = await target.connect(url, () => {
    received++;
    if (sent < goal) {
      client.send(TEXT);
      sent++;
    } else if (received === goal) {
      finish();
    }
  });
  const round = (messages) =>
    new Promise((resolve) => {
      goal = messages;
      sent = 0;
      received = 0;
      finish = resolve;
      for (; sent < Math.min(inFlight, messages); sent++) client.send(TEXT);
    });

  await round(Math.ceil(count / 10)); // warm-up, not measured
  const result = perMessage(await measure(() => round(count)), count);
  client.close();
  return result;
}
