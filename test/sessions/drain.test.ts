import { expect, test } from 'vitest';
import { opened, proxiedSession } from './harness.js';

/*
 * The server's drain (a deploy): every connection closes with 1012 so clients resume elsewhere at once,
 * and drain() resolves once that is done, whatever state the connections are in.
 */

test('drain() resolves while a half-open connection never answers its close frame', async () => {
  const { server, proxy, line } = await proxiedSession({}, {}, { heartbeat: false });
  await opened(server, line);
  // the client's path died without a word (a NAT forgot it): the server's close frame gets no answer
  proxy.blackhole();
  const ended = new Promise((resolve) => server.once('ended', ({ reason }) => resolve(reason)));

  // well before ws's 30 s close timeout would end the socket by itself
  await server.drain();
  expect(await ended).toBe('server-closed');
}, 3000);
