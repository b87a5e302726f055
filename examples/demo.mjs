// pnpm demo: a Lifeline client rides through a server restart on an embedded loopback server.
// It shows the reconnect schedule, messages queued while the server is down arriving once and in
// order; then the same outage with messages in flight, once on a plain line (they are lost) and once
// in an acknowledged session (they arrive once); then a typed message stream checked by a zod schema
// (one invalid frame reported and skipped) and a request/response, and exits by itself.
import { Lifeline, opened, requester, route, session, stats } from '@lifeline/node';
import { SESSION_PROTOCOL, SessionServer } from '@lifeline/server';
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

// messages in flight: written to the socket, not yet read by the server, when the connection dies
const cutServer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise((resolve) => cutServer.once('listening', resolve));
const arrived = { plain: [], session: [] };
let onArrival = () => {};
const arrive = (mode, { n }) => {
  arrived[mode].push(n);
  onArrival();
};
const arrivals = (isDone) =>
  new Promise((resolve) => {
    onArrival = () => isDone() && resolve();
    onArrival();
  });
// one server for both: plain connections are counted here, the session protocol's go to the SessionServer
cutServer.on('connection', (socket) => {
  if (socket.protocol !== SESSION_PROTOCOL)
    socket.on('message', (data) => arrive('plain', JSON.parse(String(data))));
});
const sessions = new SessionServer({ wss: cutServer, handler: (message) => arrive('session', message) });

for (const mode of ['plain', 'session']) {
  const cutLine = new Lifeline(`ws://127.0.0.1:${cutServer.address().port}`, { reconnect: { minDelay: 50 } });
  const cutSession = mode === 'session' ? session(cutLine) : undefined;
  cutLine.on('resumed', ({ id }) => log(`session: resumed ${id} after the cut`));
  await opened(cutLine);
  for (let n = 1; n <= 5; n++) cutLine.send({ n });
  await arrivals(() => arrived[mode].length === 5);
  log(`${mode}: 1-5 arrived; writing 6-10, then cutting the server's socket`);
  const reopened = new Promise((resolve) => cutLine.once('open', resolve));
  for (let n = 6; n <= 10; n++) cutLine.send({ n });
  // 6-10 were written in this same turn of the event loop, so the server cannot have read them yet:
  // cutting its socket now discards them with the connection (an RST), as a dying link does
  for (const socket of cutServer.clients) socket.terminate();
  await reopened;
  cutLine.send({ n: 11 });
  await arrivals(() => arrived[mode].includes(11));
  await cutSession?.acked(); // so that close() ends the session with nothing unacknowledged
  cutLine.close();
  const lost = 11 - new Set(arrived[mode]).size;
  log(`${mode}: 11 sent, ${lost} lost in the cut; the server got ${arrived[mode].join(' ')}`);
}
await sessions.close();
cutServer.close();

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
