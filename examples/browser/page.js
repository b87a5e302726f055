// The demo page's script: one line with an acknowledged session, its state drawn as a timeline, and
// every message followed from the send to its echo. Bundled with @lifeline/browser by server.mjs.
import { kernel, Lifeline, resume, session, suspend } from '@lifeline/browser';

const $ = (id) => document.getElementById(id);
const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

const line = new Lifeline(document.documentElement.dataset.wsUrl, {
  // slower than a real client would be, so the countdown to the next attempt can be watched
  reconnect: { minDelay: 500, maxDelay: 4000 },
  // opened below, once the timeline listens, so it shows the first attempt too
  autoConnect: false,
});
const orders = session(line);
// the queue's depth is not on the line; the kernel's outbox, the seam capabilities use, has it
const outbox = kernel.outbox(line);

// the timeline, newest last and bounded: a page left open for a day must not grow without end
const MAX_ENTRIES = 100;
let countdown = null;

function addEntry(phase, text) {
  freezeCountdown();
  const item = document.createElement('li');
  item.dataset.phase = phase;
  item.textContent = `${seconds()}  ${text}`;
  $('timeline').append(item);
  if ($('timeline').childElementCount > MAX_ENTRIES) $('timeline').firstElementChild.remove();
  return item;
}

function freezeCountdown() {
  if (countdown) {
    const waited = Math.round(performance.now() - countdown.at + countdown.delay);
    countdown.item.textContent = `${countdown.label}, waited ${waited} ms`;
  }
  countdown = null;
}

line.on('state', (state) => {
  if (state.phase === 'connecting') addEntry('connecting', `connecting: attempt ${state.attempt}`);
  else if (state.phase === 'open') addEntry('open', 'open');
  else if (state.phase === 'closed') addEntry('closed', `closed for good (${state.code})`);
});
// the waiting phase is drawn from `reconnecting`, which also says why the connection ended
line.on('reconnecting', ({ attempt, delay, reason }) => {
  const label = `${seconds()}  waiting after ${reason.code}: attempt ${attempt}`;
  const item = addEntry('waiting', label);
  if (delay === Number.POSITIVE_INFINITY) item.textContent = `${label} held until resumed`;
  else countdown = { item, label, delay, at: performance.now() + delay };
});
line.on('resumed', ({ epoch }) => addEntry('session', `session resumed (epoch ${epoch})`));
line.on('reset', ({ reason, dropped }) =>
  addEntry('session', `session reset: ${reason}, ${dropped} dropped`),
);

// sends and their echoes: each echo should be the next one, run once by the server
const sentItems = new Map();
let sent = 0;
let received = 0;
let expected = 1;
let isInOrder = true;

// each sent message's line in the list: how it left, then what came of it, in a fixed order whichever
// of the acknowledgement and the echo arrives first
function mark(n, change) {
  const message = sentItems.get(n);
  if (!message) return;
  Object.assign(message, change);
  const { item, how, isAcked, isEchoed, problem } = message;
  item.textContent = `#${n} ${how}${isAcked ? ', acknowledged' : ''}${isEchoed ? ', echoed' : ''}`;
  if (problem) item.textContent += `, ${problem}`;
  item.className = problem ? 'bad' : '';
}

$('send').addEventListener('click', () => {
  const n = ++sent;
  const isQueued = line.readyState !== line.OPEN;
  const item = document.createElement('li');
  item.dataset.n = String(n);
  $('sent-list').append(item);
  sentItems.set(n, { item });
  mark(n, { how: isQueued ? 'queued' : 'sent' });
  orders.sendAcked({ n, text: `message ${n}` }).then(
    () => mark(n, { isAcked: true }),
    (error) => mark(n, { problem: error.code }),
  );
});

line.on('message', (echo) => {
  received++;
  const isNext = echo.n === expected && echo.runs === 1;
  isInOrder &&= isNext;
  expected = echo.n + 1;
  const item = document.createElement('li');
  item.dataset.n = String(echo.n);
  item.textContent = `#${echo.n} run ×${echo.runs}`;
  if (!isNext) item.className = 'bad';
  $('received-list').append(item);
  mark(echo.n, { isEchoed: true });
});
line.on('drop', ({ data, reason }) => mark(data?.n, { problem: `dropped (${reason})` }));

// the buttons: the server side through the control endpoint, going offline on the line itself
async function control(action, text) {
  addEntry('action', `you: ${text}`);
  const response = await fetch(`/control/${action}`, { method: 'POST' });
  $('server').textContent = (await response.json()).server;
}
$('drop').addEventListener('click', () => control('drop', 'drop the connection'));
$('stop').addEventListener('click', () => control('stop', 'stop the server'));
$('start').addEventListener('click', () => control('start', 'restart the server'));

// what the page itself does when the browser goes offline: drop the socket and make no attempt until back
let isOffline = false;
$('offline').addEventListener('click', () => {
  isOffline = !isOffline;
  addEntry('action', `you: go ${isOffline ? 'offline' : 'online'}`);
  if (isOffline) suspend(line);
  else resume(line);
  $('offline').textContent = isOffline ? 'Go online' : 'Go offline';
});

function render() {
  $('state').textContent = line.state.phase;
  $('queued').textContent = String(outbox.queued);
  $('queued-bytes').textContent = String(line.bufferedAmount);
  const { sent: written, acked } = orders.watermarks;
  $('unacked').textContent = String(written - acked);
  $('sent').textContent = String(sent);
  $('received').textContent = String(received);
  const delivery = $('delivery');
  if (!isInOrder) delivery.textContent = 'a message came back twice, out of order, or was run twice';
  else if (sent > 0) delivery.textContent = `${received} of ${sent} back, each once, in order`;
  delivery.className = isInOrder ? (sent > 0 && received === sent ? 'good' : '') : 'bad';
  if (countdown) {
    const left = Math.max(0, Math.round(countdown.at - performance.now()));
    countdown.item.textContent = `${countdown.label} in ${left} ms`;
  }
}
// a clock drives the countdown anyway, and one render per tick keeps the counters in step with it
setInterval(render, 100);
render();
line.open();
