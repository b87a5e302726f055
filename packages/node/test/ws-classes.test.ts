import { EventEmitter } from 'node:events';
import { drained, Lifeline, opened, stats, type WebSocketConstructor } from '@lifeline/node';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { eventMatching } from '../../../test/helpers/events.js';
import { startServer } from '../../../test/helpers/server.js';
import { NodeSocket, type WsClass, withLifelinePort } from '../src/socket.js';
import { openLine } from './open-line.js';
import { anotherCopyOfWs, instrumented, sloppilyInstrumented } from './ws-classes.js';

// A ws class given as `WebSocket` is ws: the parametrised tests in handshake, heartbeat and options run
// the port's behaviours (headers, TLS, status and Retry-After, failCode, ping frames) on each of them.

describe('which classes get the port', () => {
  test('another copy of ws is another class: not NodeSocket, nor a subclass of it', () => {
    const Copy = anotherCopyOfWs();
    expect(Copy).not.toBe(WebSocket);
    expect(Copy.prototype instanceof WebSocket).toBe(false);
    expect(withLifelinePort(Copy).prototype instanceof NodeSocket).toBe(false);
  });

  test('each ws class is extended once; NodeSocket and its subclasses are not extended again', () => {
    const { Instrumented } = instrumented();
    const Port = withLifelinePort(Instrumented as unknown as WsClass);
    expect(withLifelinePort(Instrumented as unknown as WsClass)).toBe(Port);
    expect(Port.prototype).toBeInstanceOf(Instrumented);
    expect(withLifelinePort(Port)).toBe(Port);
    expect(withLifelinePort(WebSocket)).toBe(NodeSocket);
    expect(withLifelinePort(NodeSocket)).toBe(NodeSocket);
    class Recording extends NodeSocket {}
    expect(withLifelinePort(Recording)).toBe(Recording);
  });

  test("an EventEmitter without ws's ping and terminate is not ws: ws's options are refused", () => {
    class Emitting extends EventEmitter {}
    const WebSocket = Emitting as unknown as WebSocketConstructor;
    expect(() => new Lifeline('ws://127.0.0.1:1', { WebSocket, origin: 'https://app.example' })).toThrow(
      new TypeError(
        "Lifeline: option 'origin' needs the ws socket of @lifeline/node; the given WebSocket cannot take it",
      ),
    );
  });
});

describe("an instrumented subclass's own overrides still run", () => {
  test.each([
    { name: 'a subclass of ws', Base: WebSocket },
    { name: 'a subclass of another copy of ws', Base: anotherCopyOfWs() },
  ])('its send counts every message, its emit hears every frame: $name', async ({ Base }) => {
    const server = await startServer({ echo: true });
    const { Instrumented, seen } = instrumented(Base);
    const line = openLine(server.url, { WebSocket: Instrumented });
    const messages: unknown[] = [];
    const echoed = new Promise<void>((resolve) => {
      line.on('message', (message) => messages.push(message) === 3 && resolve());
    });
    await eventMatching(line, 'open');
    for (let seq = 0; seq < 3; seq++) line.send({ seq });
    await echoed;

    expect(messages).toEqual([{ seq: 0 }, { seq: 1 }, { seq: 2 }]);
    expect(seen.sends).toBe(3);
    expect(seen.events.filter((event) => event === 'message')).toHaveLength(3);
    expect(seen.events).toContain('open');
  });

  test("a send that drops ws's callback does not hold the queue: it drains by polling bufferedAmount", async () => {
    const server = await startServer();
    const { Sloppy, seen } = sloppilyInstrumented();
    const line = openLine(server.url, { WebSocket: Sloppy, queue: { maxBytes: 64 * 1024 * 1024 } });
    const counters = stats(line);
    const [serverSide] = await Promise.all([server.nextConnection(), opened(line)]);
    // a reader that stopped: 32 MiB, far more than loopback's kernel buffers take, fill the socket past
    // the high-water mark, where core would wait for a write callback before sending more
    serverSide.pause();
    const count = 512;
    for (let i = 0; i < count; i++) line.send(String(i).padEnd(64 * 1024, '.'));
    expect(counters.messagesOut).toBeLessThan(count);
    serverSide.resume();
    const received: number[] = [];
    for (let i = 0; i < count; i++) received.push(Number.parseInt(await server.nextMessage(), 10));
    await drained(line);

    expect(received).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(seen.sends).toBe(count);
  });
});
