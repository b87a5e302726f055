// pnpm demo: a Lifeline client rides through a server restart on an embedded loopback server.
// It shows the reconnect schedule, messages queued while the server is down arriving once and in
// order, then a typed message stream checked by a zod schema (one invalid frame reported and
// skipped) and a request/response, and exits by itself.
import { Lifeline, opened, requester, route, stats } from '@lifeline/node';
import { WebSocketServer } from 'ws';
import * as z from 'zod';

const log = (text) =>
  console.log(`${String(Math.round(performance.now() - started)).padStart(5)} ms  ${text}`);
const started = performance.now();
// the demo must end by itself even if something goes wrong
setTimeout(() => {
  console.error('demo: did not finish within 20 s');
  process.exit(1);
}, 20_000).unref();

// the market feed of /feed: three good frames and, third, one whose price is not a number
const feed = [
  { type: 'trade', symbol: 'BTC', price: 64000.5 },
  { type: 'quote', symbol: 'BTC', bid: 64000, ask: 64001 },
  { type: 'trade', symbol: 'BTC', price: 'free' },
  { type: 'trade', symbol: 'BTC', price: 64002 },
];

/**
 * The embedded server, on 127.0.0.1 and a port the OS picks: echoes on /demo; on /feed sends the feed
 * and answers price requests by their id.
 */
async function startServer(port = 0) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  wss.on('connection', (socket, request) => {
    if (request.url !== '/feed') {
      socket.on('message', (data) => socket.send(String(data)));
      return;
    }
    for (const message of feed) socket.send(JSON.stringify(message));
    socket.on('message', (data) => {
      const { id, symbol } = JSON.parse(String(data));
      socket.send(JSON.stringify({ id, symbol, price: symbol === 'ETH' ? 3100 : 64003 }));
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  return wss;
}

let server = await startServer();
const { port } = server.address();
const line = new Lifeline(`ws://127.0.0.1:${port}/demo`, {
  reconnect: { minDelay: 100, maxDelay: 2000 },
});
const counters = stats(line);

line.on('open', ({ attempt, downtime }) => log(`open (attempt ${attempt}, down for ${downtime} ms)`));
line.on('close', ({ code, willReconnect }) =>
  log(`closed with ${code}${willReconnect ? ', will reconnect' : ''}`),
);
line.on('reconnecting', ({ attempt, delay }) => log(`reconnecting: attempt ${attempt} in ${delay} ms`));
line.on('message', (message) => log(`echo: ${JSON.stringify(message)}`));

await opened(line);
line.send({ seq: 1, text: 'before the restart' });
await new Promise((resolve) => line.once('message', resolve));

log('server: going down for 1 s');
const noticed = new Promise((resolve) => line.once('reconnecting', resolve));
for (const socket of server.clients) socket.terminate();
await new Promise((resolve) => server.close(resolve));
// a message handed to a socket before the client notices the drop may be lost (at-most-once), so
// this demo sends once the client knows: from then on, sends queue
await noticed;

for (let seq = 2; seq <= 4; seq++) {
  line.send({ seq, text: 'sent while the server is down' });
  log(`queued seq ${seq} (readyState ${line.readyState}, bufferedAmount ${line.bufferedAmount} B)`);
}

await new Promise((resolve) => setTimeout(resolve, 1000));
server = await startServer(port);
log('server: back up');

const echoes = [];
await new Promise((resolve) => {
  const onMessage = (message) => {
    echoes.push(message.seq);
    if (echoes.length === 3) resolve(line.off('message', onMessage));
  };
  line.on('message', onMessage);
});
log(`queued messages arrived once, in order: ${echoes.join(', ')}`);

// typed messages: the schema types and checks every message; a bad frame is reported and skipped
const Market = z.discriminatedUnion('type', [
  z.object({ type: z.literal('trade'), symbol: z.string(), price: z.number() }),
  z.object({ type: z.literal('quote'), symbol: z.string(), bid: z.number(), ask: z.number() }),
]);
const market = new Lifeline(`ws://127.0.0.1:${port}/feed`, { schema: Market });
const marketCounters = stats(market);
let received = 0;
const fed = new Promise((resolve) => {
  const count = () => ++received + invalidFrames === feed.length && resolve();
  route(market, 'trade', (trade) => count(log(`typed: trade ${trade.symbol} at ${trade.price}`)));
  route(market, 'quote', (quote) => count(log(`typed: quote ${quote.symbol} ${quote.bid}/${quote.ask}`)));
});
let invalidFrames = 0;
market.on('invalid', ({ data, issues }) => {
  invalidFrames++;
  log(
    `invalid frame skipped: ${data} (${issues.map((issue) => `${issue.path?.join('.')}: ${issue.message}`)})`,
  );
});
await fed;
await opened(market);
const stayedOpen = market.readyState === Lifeline.OPEN && marketCounters.connects === 1;
log(
  `${received} typed messages, ${invalidFrames} invalid frame skipped; connection stayed open: ${stayedOpen}`,
);

// request/response: the reply is matched by its id and checked by its own schema
const Price = z.object({ id: z.number(), symbol: z.string(), price: z.number() });
const reply = await requester(market).request(
  { type: 'price', symbol: 'ETH' },
  { response: Price, timeout: 2000 },
);
log(`request price ETH -> ${JSON.stringify(reply)}`);
market.close();

line.close(1000, 'demo done');
await new Promise((resolve) => line.once('state', resolve));
log(`closed for good: ${JSON.stringify(counters)}`);
server.close();
