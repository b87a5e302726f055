// pnpm demo: a Lifeline client rides through a server restart on an embedded loopback server.
// It shows the reconnect schedule, messages queued while the server is down arriving once and in
// order, and then exits by itself.
import { Lifeline } from '@lifeline/node';
import { WebSocketServer } from 'ws';

const log = (text) =>
  console.log(`${String(Math.round(performance.now() - started)).padStart(5)} ms  ${text}`);
const started = performance.now();
// the demo must end by itself even if something goes wrong
setTimeout(() => {
  console.error('demo: did not finish within 20 s');
  process.exit(1);
}, 20_000).unref();

/** The embedded server: echoes JSON messages back, on 127.0.0.1 and a port the OS picks. */
async function startServer(port = 0) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  wss.on('connection', (socket) => socket.on('message', (data) => socket.send(String(data))));
  await new Promise((resolve) => wss.once('listening', resolve));
  return wss;
}

let server = await startServer();
const { port } = server.address();
const line = new Lifeline(`ws://127.0.0.1:${port}/demo`, {
  reconnect: { minDelay: 100, maxDelay: 2000 },
});

line.on('open', ({ attempt, downtime }) => log(`open (attempt ${attempt}, down for ${downtime} ms)`));
line.on('close', ({ code, willReconnect }) =>
  log(`closed with ${code}${willReconnect ? ', will reconnect' : ''}`),
);
line.on('reconnecting', ({ attempt, delay }) => log(`reconnecting: attempt ${attempt} in ${delay} ms`));
line.on('message', (message) => log(`echo: ${JSON.stringify(message)}`));

await line.opened();
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

line.close(1000, 'demo done');
await new Promise((resolve) => line.once('state', resolve));
log(`closed for good: ${JSON.stringify(line.stats)}`);
server.close();
