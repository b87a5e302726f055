// The server process of bench/sessions.mjs, forked by it so that client and servers do not share a core.
// It runs plain ws servers and session servers (in-memory or Redis store) on loopback and obeys the
// commands the bench sends over IPC. Every server counts the bytes its TCP sockets carried (the ws
// framing included, the TCP/IP headers not), which is how the bench measures bytes on the wire; the
// process reports its CPU time with them.

import { RedisSessionStore } from '@lifeline/redis';
import { SessionServer } from '@lifeline/server';
import { WebSocketServer } from 'ws';
import { pace } from './pace.mjs';

const redisUrl = process.argv[2] || undefined;

/** name → { wss, session?: SessionServer, store?, connections: [{ socket, tcp }], sessions: Set } */
const servers = new Map();
const stores = [];
let received = 0;
let target = Number.POSITIVE_INFINITY;

function count() {
  received += 1;
  if (received === target) process.send({ type: 'received' });
}

async function start(name, mode) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const entry = { wss, session: null, connections: [], sessions: new Set() };
  // registered before the SessionServer's own listener, so every connection is counted from its start
  wss.on('connection', (socket, request) => {
    entry.connections.push({ socket, tcp: request.socket });
    // a plain application decodes its messages too, as the session server does before its handler
    if (mode === 'plain') socket.on('message', (data) => count(JSON.parse(data.toString())));
  });
  if (mode !== 'plain') {
    let store;
    if (mode === 'redis') {
      store = await RedisSessionStore.connect({ url: redisUrl, prefix: 'bench:' });
      stores.push(store);
    }
    entry.session = new SessionServer({ wss, ...(store ? { store } : {}), handler: count });
    entry.session.on('session', (s) => entry.sessions.add(s));
    entry.session.on('resumed', ({ session }) => entry.sessions.add(session));
    // an error without a listener would throw; the bench reports it and fails instead
    entry.session.on('error', (error) => process.send({ type: 'failed', error: String(error) }));
    entry.session.on('ended', ({ session }) => entry.sessions.delete(session));
  }
  servers.set(name, entry);
  return `ws://127.0.0.1:${wss.address().port}`;
}

/** The bytes every connection of `name` read and wrote so far, closed ones included. */
function bytes(name) {
  let read = 0;
  let written = 0;
  for (const { tcp } of servers.get(name).connections) {
    read += tcp.bytesRead;
    written += tcp.bytesWritten;
  }
  return { read, written };
}

/**
 * Sends `count` messages to every client of `name`: paced at `perSecond` in 10 ms ticks, or all at once
 * (a session's `send()` waits for room in its replay buffer; ws buffers what the socket does not take).
 * Resolves when every message was accepted by the peer: acknowledged (sessions) or written (plain).
 */
function stream(name, count, perSecond, payload) {
  const entry = servers.get(name);
  const sinks = entry.session
    ? [...entry.sessions].filter((s) => s.isAttached).map((s) => (data) => s.send(data))
    : entry.connections
        .filter(({ socket }) => socket.readyState === 1)
        .map(
          ({ socket }) =>
            (data) =>
              new Promise((resolve) => socket.send(data, resolve)),
        );
  const pending = [];
  if (!perSecond) {
    for (let sent = 0; sent < count / sinks.length; sent++)
      for (const sink of sinks) pending.push(sink(payload));
    return Promise.all(pending);
  }
  return pace(perSecond, count, sinks, payload).then((results) => Promise.all(results));
}

async function stop(name, how) {
  const entry = servers.get(name);
  servers.delete(name);
  // close() is a node going away without a drain: its sockets close with 1001, its sessions stay
  await entry.session?.close();
  if (how === 'cut') for (const { socket } of entry.connections) socket.terminate();
  await new Promise((resolve) => entry.wss.close(resolve));
}

process.on('message', async (command) => {
  try {
    if (command.type === 'start') {
      process.send({ type: 'ready', url: await start(command.name, command.mode) });
    } else if (command.type === 'expect') {
      received = 0;
      target = command.count;
      process.send({ type: 'expecting' });
    } else if (command.type === 'bytes') {
      const { user, system } = process.cpuUsage();
      process.send({ type: 'bytes', ...bytes(command.name), cpuUs: user + system });
    } else if (command.type === 'stream') {
      const done = stream(command.name, command.count, command.perSecond, command.payload);
      process.send({ type: 'streaming' });
      await done;
      process.send({ type: 'streamed' });
    } else if (command.type === 'cut') {
      // a connection lost without a close frame: the client sees 1006 and resumes on this same server
      for (const { socket } of servers.get(command.name).connections) socket.terminate();
      process.send({ type: 'cut' });
    } else if (command.type === 'stop') {
      await stop(command.name, command.how);
      process.send({ type: 'stopped' });
    }
  } catch (error) {
    process.send({ type: 'failed', error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', async () => {
  for (const store of stores) await store.close().catch(() => {});
  process.exit(0);
});
process.send({ type: 'up' });
