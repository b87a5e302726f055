// Memory per idle open connection: `connections` sockets opened in batches against a server that does
// nothing; heap and RSS after full collections, minus the same with one warm-up connection open.
import { collectGarbage } from './measure.mjs';

const BATCH = 50;
const ignore = () => {};

export async function run(target, { url, connections }) {
  const clients = [await target.connect(url, ignore)];
  const before = await collectGarbage();
  for (let opened = 0; opened < connections; ) {
    const size = Math.min(BATCH, connections - opened);
    clients.push(...(await Promise.all(Array.from({ length: size }, () => target.connect(url, ignore)))));
    opened += size;
  }
  const after = await collectGarbage();
  const per = (key) => (after[key] - before[key]) / connections;
  return {
    connections,
    heapPerConn: per('heapUsed'),
    rssPerConn: per('rss'),
    externalPerConn: per('external'),
    openClients: clients.length - 1,
  };
}
