import {
  type HeartbeatOptions,
  heartbeat,
  Lifeline,
  type LifelineOptions,
  PAGE_HIDDEN_CODE,
  probe,
} from '@lifeline/browser';
import { Lifeline as CoreLifeline } from '@lifeline/core';
import { expect, onTestFinished, test, vi } from 'vitest';
import { commands } from 'vitest/browser';

/*
 * The page lifecycle in real Chromium. Playwright takes the network down for real (`offlineUntil`);
 * headless Chromium never changes visibilityState by itself and Playwright turns the back/forward cache
 * off, so those tests dispatch the real events with the fields a browser would set.
 */

/** An echo server on loopback, closed when the test finishes. */
async function startServer(): Promise<{ id: string; url: string }> {
  const server = await commands.serverStart();
  onTestFinished(() => commands.serverClose(server.id));
  return server;
}

const attemptCounters = new WeakMap<CoreLifeline, () => number>();

function browserLine(url: string, options: LifelineOptions = {}): Lifeline {
  const line = new Lifeline(url, options);
  onTestFinished(() => line.close());
  attemptCounters.set(line, countAttempts(line));
  return line;
}

/**
 * Counts the attempts of a line from right after `new`: the first began in the constructor, and each
 * later one starts with a `connecting` state.
 */
function countAttempts(line: CoreLifeline): () => number {
  let attempts = line.state.phase === 'connecting' ? 1 : 0;
  line.on('state', ({ phase }) => {
    if (phase === 'connecting') attempts++;
  });
  return () => attempts;
}

/** The attempts of a line made by browserLine(). */
const attemptsOf = (line: CoreLifeline): number => attemptCounters.get(line)?.() ?? Number.NaN;

const nextOpen = (line: CoreLifeline) => new Promise<void>((resolve) => line.once('open', () => resolve()));
const nextWaiting = (line: CoreLifeline) =>
  new Promise<void>((resolve) => line.once('reconnecting', () => resolve()));
const nextDomEvent = <E extends Event = Event>(target: EventTarget, type: string) =>
  new Promise<E>((resolve) => target.addEventListener(type, (event) => resolve(event as E), { once: true }));

let outages = 0;
/**
 * Takes the network down; `end()` brings it back and resolves once the page is online. No command can
 * run in between (their channel is down too), so server-side checks come after `end()`.
 */
async function goOffline(): Promise<{ end: () => Promise<Event> }> {
  const flag = `lifelineOutage${++outages}`;
  const offline = nextDomEvent(window, 'offline');
  const outage = commands.offlineUntil(flag);
  onTestFinished(async () => {
    (globalThis as Record<string, unknown>)[flag] = true;
    await outage;
  });
  await offline;
  return {
    end: async () => {
      const online = nextDomEvent(window, 'online');
      (globalThis as Record<string, unknown>)[flag] = true;
      const event = await online;
      await outage;
      return event;
    },
  };
}

/** Makes `document.visibilityState` say `state` and fires `visibilitychange`, as a tab switch would. */
function setVisibility(state: DocumentVisibilityState): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  onTestFinished(() => {
    // the own property shadowed the prototype's getter; deleting it restores the real one
    delete (document as { visibilityState?: unknown }).visibilityState;
  });
  document.dispatchEvent(new Event('visibilitychange'));
}

test('offline drops the socket at once and makes no attempt until online', async () => {
  const server = await startServer();
  const refused = await startServer();
  await commands.serverStop(refused.id);
  // short delays: without the lifecycle, attempts would follow every 10 ms
  const line = browserLine(server.url, { reconnect: { minDelay: 10, maxDelay: 10, jitter: false } });
  await nextOpen(line);
  // the same schedule with no lifecycle, against a refused port: it keeps attempting through the outage
  const control = new CoreLifeline(refused.url, {
    WebSocket: globalThis.WebSocket,
    reconnect: { minDelay: 10, maxDelay: 10, jitter: false },
  });
  onTestFinished(() => control.close());
  const controlAttemptsNow = countAttempts(control);
  const closes: number[] = [];
  line.addEventListener('close', (event) => closes.push(event.code));
  const seenAtOffline: unknown[] = [];
  window.addEventListener('offline', () => seenAtOffline.push(line.state, line.readyState), { once: true });

  const outage = await goOffline();
  // the Lifeline's own listener ran before the test's: the socket was already gone
  expect(seenAtOffline).toEqual([{ phase: 'waiting', attempt: 1, delay: Number.POSITIVE_INFINITY }, 0]);
  expect(closes).toEqual([1006]);
  const attempts = attemptsOf(line);
  setVisibility('visible'); // becoming visible tries now, but not while the browser says it is offline
  const controlAttempts = controlAttemptsNow();
  await new Promise<void>((resolve) => {
    control.on('reconnecting', () => {
      if (controlAttemptsNow() >= controlAttempts + 5) resolve();
    });
  });
  expect(attemptsOf(line)).toBe(attempts);
  expect(line.state).toEqual({ phase: 'waiting', attempt: 1, delay: Number.POSITIVE_INFINITY });

  const reopened = nextOpen(line);
  await outage.end();
  await reopened;
  expect(attemptsOf(line)).toBe(attempts + 1);
  // the dropped socket still closed properly: emulated outages keep open sockets, so its close frame got out
  const log = await commands.serverWaitFor(server.id, 'connection', 2);
  expect(log.map((event) => event.kind)).toEqual(['connection', 'close', 'connection']);
});

test('online starts the next attempt at once, without waiting out the backoff', async ({ annotate }) => {
  const server = await startServer();
  // only the online event can explain an attempt within the minute
  const line = browserLine(server.url, { reconnect: { minDelay: 60_000, maxDelay: 60_000, jitter: false } });
  await nextOpen(line);
  let connectingAt = 0;
  line.on('state', (state) => {
    if (state.phase === 'connecting') connectingAt = performance.now();
  });
  const outage = await goOffline();
  const reopened = nextOpen(line);
  const online = await outage.end();
  await reopened;
  // Event.timeStamp and performance.now() share the page's time origin; the attempt begins in the event's task
  const sinceOnline = connectingAt - online.timeStamp;
  expect(sinceOnline).toBeGreaterThanOrEqual(0);
  expect(sinceOnline).toBeLessThan(100);
  await annotate(
    `online -> attempt ${sinceOnline.toFixed(1)} ms, -> open ${(performance.now() - online.timeStamp).toFixed(1)} ms`,
  );
  expect(attemptsOf(line)).toBe(2);
});

test('messages sent while offline arrive once, in order, after the network returns', async () => {
  const server = await startServer();
  const line = browserLine(server.url, { reconnect: { minDelay: 60_000, maxDelay: 60_000 } });
  await nextOpen(line);
  line.send('before');
  await commands.serverWaitFor(server.id, 'message', 1);
  const outage = await goOffline();
  for (let i = 1; i <= 5; i++) expect(line.send({ i })).toBe(true);
  expect(line.bufferedAmount).toBe(5 * '{"i":1}'.length);
  const echoed: unknown[] = [];
  const allEchoed = new Promise<void>((resolve) =>
    line.on('message', (message) => {
      echoed.push(message);
      if (echoed.length === 5) resolve();
    }),
  );
  await outage.end();
  await allEchoed;
  expect(echoed).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { i: 5 }]);
  // the echoes came back, so the server holds everything that was sent: each message once, in order
  const log = await commands.serverLog(server.id);
  const messages = log.flatMap((event) => (event.kind === 'message' ? [event.data] : []));
  expect(messages).toEqual(['before', '{"i":1}', '{"i":2}', '{"i":3}', '{"i":4}', '{"i":5}']);
});

test('a page becoming visible while disconnected tries at once', async () => {
  const server = await startServer();
  const line = browserLine(server.url, { reconnect: { minDelay: 60_000, maxDelay: 60_000, jitter: false } });
  await nextOpen(line);
  const waiting = nextWaiting(line);
  await commands.serverDrop(server.id);
  await waiting;
  expect(line.state).toMatchObject({ phase: 'waiting', delay: 60_000 });

  setVisibility('hidden');
  expect(line.state.phase).toBe('waiting');
  const reopened = nextOpen(line);
  setVisibility('visible');
  // released, the line tries in the event's own task (the kernel's hold(line, false) from waiting)
  expect(line.state.phase).toBe('connecting');
  await reopened;
  expect(attemptsOf(line)).toBe(2);

  // visible while connected changes nothing: the same socket still answers
  setVisibility('visible');
  const echo = new Promise((resolve) => line.once('message', resolve));
  line.send({ still: 'here' });
  expect(await echo).toEqual({ still: 'here' });
  expect(line.state.phase).toBe('open');
  expect(attemptsOf(line)).toBe(2);
});

test('pagehide into the back/forward cache closes with PAGE_HIDDEN_CODE, and pageshow reconnects', async () => {
  const server = await startServer();
  const line = browserLine(server.url, { reconnect: { minDelay: 60_000, maxDelay: 60_000 } });
  await nextOpen(line);

  const closes: number[] = [];
  line.addEventListener('close', (event) => closes.push(event.code));
  // a pagehide that does not enter the cache is an unload: the browser closes sockets itself
  window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
  expect(closes).toEqual([]);

  const waiting = nextWaiting(line);
  window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
  expect(closes).toEqual([PAGE_HIDDEN_CODE]); // at once, in the event: the page may be frozen right after
  await waiting;
  expect(line.readyState).toBe(Lifeline.CONNECTING); // not final: it comes back with the page
  const log = await commands.serverWaitFor(server.id, 'close', 1);
  expect(log.at(-1)).toEqual({ kind: 'close', code: PAGE_HIDDEN_CODE, reason: 'page hidden' });
  expect(line.state).toMatchObject({ phase: 'waiting', delay: Number.POSITIVE_INFINITY });

  line.send('queued while hidden 1');
  line.send('queued while hidden 2');
  // a pageshow that is a fresh load is not a return from the cache
  window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }));
  expect(line.state).toMatchObject({ phase: 'waiting', delay: Number.POSITIVE_INFINITY });

  const reopened = nextOpen(line);
  window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
  await reopened;
  const after = await commands.serverWaitFor(server.id, 'message', 2);
  expect(after.filter((event) => event.kind !== 'message').map((event) => event.kind)).toEqual([
    'connection',
    'close',
    'connection',
  ]);
  expect(after.flatMap((event) => (event.kind === 'message' ? [event.data] : []))).toEqual([
    'queued while hidden 1',
    'queued while hidden 2',
  ]);
});

/**
 * Spies on the window's and the document's add/removeEventListener; `taken(kind)` returns the calls since
 * its last call, as [target, type, listener].
 */
function spyListeners() {
  const spies = [window, document].map((target) => ({
    target,
    add: vi.spyOn(target, 'addEventListener'),
    remove: vi.spyOn(target, 'removeEventListener'),
  }));
  onTestFinished(() => {
    for (const spy of spies) {
      spy.add.mockRestore();
      spy.remove.mockRestore();
    }
  });
  return (kind: 'add' | 'remove') =>
    spies.flatMap((spy) => {
      const calls = spy[kind].mock.calls.map(([type, listener]) => [spy.target, type, listener]);
      spy[kind].mockClear();
      return calls;
    });
}

const PAGE_LISTENERS = [
  'document:visibilitychange',
  'window:offline',
  'window:online',
  'window:pagehide',
  'window:pageshow',
];
/** Resolves once `line` is closed for good. */
const untilClosed = (line: CoreLifeline) =>
  new Promise<void>((resolve) => {
    if (line.state.phase === 'closed') resolve();
    else line.on('state', ({ phase }) => phase === 'closed' && resolve());
  });

const named = (calls: unknown[][]) =>
  calls.map(([target, type]) => `${target === window ? 'window' : 'document'}:${String(type)}`).sort();

test('close() removes every listener added to the window and the document', async () => {
  const server = await startServer();
  const taken = spyListeners();

  const line = new Lifeline(server.url);
  onTestFinished(() => line.close());
  const added = taken('add');
  expect(named(added)).toEqual(PAGE_LISTENERS);
  await nextOpen(line);
  expect(taken('remove')).toEqual([]);
  line.close();
  await untilClosed(line);
  const removed = taken('remove');
  expect(removed).toHaveLength(added.length);
  expect(removed).toEqual(expect.arrayContaining(added));

  // reconnect() after close() watches again, and close() lets go again, once; the application's own
  // off('state') takes nothing of it away
  line.off('state');
  line.reconnect();
  await nextOpen(line);
  const again = taken('add');
  expect(named(again)).toEqual(PAGE_LISTENERS);
  line.close();
  line.close();
  await untilClosed(line);
  const removedAgain = taken('remove');
  expect(removedAgain).toHaveLength(again.length);
  expect(removedAgain).toEqual(expect.arrayContaining(again));
});

test('every line of the page shares one set of listeners, removed when the last one closes', async () => {
  const server = await startServer();
  const taken = spyListeners();

  const first = new Lifeline(server.url, { reconnect: { minDelay: 60_000, maxDelay: 60_000 } });
  onTestFinished(() => first.close());
  const added = taken('add');
  expect(named(added)).toEqual(PAGE_LISTENERS);
  const second = new Lifeline(server.url, { reconnect: { minDelay: 60_000, maxDelay: 60_000 } });
  onTestFinished(() => second.close());
  expect(taken('add')).toEqual([]);
  await Promise.all([nextOpen(first), nextOpen(second)]);

  // the one set drives both lines: pagehide into the cache drops both sockets at once
  const closes: string[] = [];
  first.addEventListener('close', (event) => closes.push(`first:${event.code}`));
  second.addEventListener('close', (event) => closes.push(`second:${event.code}`));
  window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
  expect(closes).toEqual([`first:${PAGE_HIDDEN_CODE}`, `second:${PAGE_HIDDEN_CODE}`]);
  const reopened = Promise.all([nextOpen(first), nextOpen(second)]);
  window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
  await reopened;

  // closing one line keeps the listeners for the other
  first.close();
  await untilClosed(first);
  expect(taken('remove')).toEqual([]);
  closes.length = 0;
  window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
  expect(closes).toEqual([`second:${PAGE_HIDDEN_CODE}`]);
  expect(first.readyState).toBe(Lifeline.CLOSED);

  // the last close removes every listener the first line added
  second.close();
  await untilClosed(second);
  const removed = taken('remove');
  expect(removed).toHaveLength(added.length);
  expect(removed).toEqual(expect.arrayContaining(added));
});

/** A 'message' heartbeat against the echo server: the echo of a ping is its pong. */
function echoHeartbeat(timeout: number, onPong: () => void = () => {}): HeartbeatOptions {
  return {
    mode: 'message',
    interval: 60_000, // no ping of its own during the test: only probe() sends one
    timeout,
    ping: 'ping',
    isPong: (data) => {
      if (data !== 'ping') return false;
      onPong();
      return true;
    },
  };
}

test('a hidden page doubles the heartbeat timeout instead of raising a false alarm', async () => {
  const timeout = 1000;
  const server = await startServer();
  let pong = () => {};
  const line = browserLine(server.url);
  heartbeat(
    line,
    echoHeartbeat(timeout, () => pong()),
  ); // @lifeline/browser's: it adds the hidden-page scale
  const nextAlarm = () =>
    new Promise<string>((resolve) => line.once('error', (error) => resolve(error.code)));
  await nextOpen(line);
  // the answer takes 1.5 timeouts: dead by the visible deadline, alive by the hidden one
  await commands.serverEchoDelay(server.id, 1.5 * timeout);

  setVisibility('hidden');
  const answered = new Promise<string>((resolve) => (pong = () => resolve('pong')));
  const sentAt = performance.now();
  probe(line);
  expect(await Promise.race([answered, nextAlarm()])).toBe('pong');
  expect(performance.now() - sentAt).toBeGreaterThanOrEqual(1.5 * timeout);
  expect(line.state.phase).toBe('open');
  expect(attemptsOf(line)).toBe(1);

  // the same silence while visible is an alarm, raised at the plain deadline
  setVisibility('visible');
  const alarm = nextAlarm();
  const visibleSentAt = performance.now();
  probe(line);
  expect(await alarm).toBe('ERR_HEARTBEAT_TIMEOUT');
  expect(performance.now() - visibleSentAt).toBeLessThan(1.5 * timeout);
});

test('online pings a connection that is still open', async () => {
  const server = await startServer();
  const line = browserLine(server.url);
  heartbeat(line, echoHeartbeat(5000));
  await nextOpen(line);
  // the browser fires online after a network change the open socket may not have survived
  window.dispatchEvent(new Event('online'));
  const log = await commands.serverWaitFor(server.id, 'message', 1);
  expect(log.at(-1)).toEqual({ kind: 'message', data: 'ping' });
});
