/*
 * The WebSocket standard's behaviours, written once and run against Lifeline from @lifeline/node (on `ws`)
 * and from @lifeline/browser (in Chromium), and against Chromium's own WebSocket as a reference, which
 * shows that the expectations here are the standard's and not Lifeline's own reading of it.
 * Where Lifeline deliberately differs (it reconnects; send() queues while connecting), the test says so.
 * @see https://websockets.spec.whatwg.org/
 */
import type { LifelineOptions } from '@lifeline/core';
import { describe, expect, onTestFinished, test } from 'vitest';

/**
 * An event handler attribute. Method syntax makes the parameter bivariant, so both the platform's handler
 * type (MessageEvent, CloseEvent) and Lifeline's (its own event classes) fit.
 */
type Handler = { handle(event: Event): unknown }['handle'];

/** The standard surface both a Lifeline and a platform WebSocket have. */
export interface StandardSocket extends EventTarget {
  readonly url: string;
  readonly readyState: number;
  readonly protocol: string;
  readonly extensions: string;
  readonly bufferedAmount: number;
  binaryType: string;
  onopen: Handler | null;
  onmessage: Handler | null;
  onerror: Handler | null;
  onclose: Handler | null;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
  send(data: unknown): unknown;
  close(code?: number, reason?: string): void;
}

export interface StandardSocketClass {
  new (url: string | URL, protocols?: string | string[]): StandardSocket;
  readonly prototype: StandardSocket;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
}

export interface ConformanceTarget {
  /** The class under test: Lifeline from a platform package, or the platform's own WebSocket. */
  readonly WebSocket: StandardSocketClass;
  /** A loopback server that sends every message back, text as text and binary as binary. */
  readonly echoUrl: string;
  /** A loopback URL where every connection fails before the upgrade. */
  readonly failUrl: string;
  /** True for the platform's own WebSocket: the checks of what Lifeline adds are skipped. */
  readonly reference?: boolean;
}

/** A Lifeline's extras, reached only in the tests of what Lifeline adds. */
interface LifelineExtras {
  reconnect(code?: number, reason?: string): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}
type LifelineClass = new (
  url: string,
  protocolsOrOptions: string[] | LifelineOptions | null,
  options?: LifelineOptions,
) => StandardSocket & LifelineExtras;

/** The next event of `type`, with the readyState it was dispatched in. */
function next<E extends Event = Event>(
  socket: StandardSocket,
  type: string,
): Promise<E & { readyStateThen: number }> {
  return new Promise((resolve) => {
    socket.addEventListener(
      type,
      (event) => resolve(Object.assign(event as E, { readyStateThen: socket.readyState })),
      { once: true },
    );
  });
}

/** Records the types of the standard events in the order they fire. */
function eventTypes(socket: StandardSocket): string[] {
  const types: string[] = [];
  for (const type of ['open', 'message', 'error', 'close'])
    socket.addEventListener(type, () => types.push(type));
  return types;
}

const closeFields = ({ code, reason, wasClean }: CloseEvent) => ({ code, reason, wasClean });

/** A property's descriptor where it is defined: on the object itself or up its prototype chain. */
function inheritedDescriptor(object: object, key: string): PropertyDescriptor | undefined {
  for (let at: object | null = object; at !== null; at = Object.getPrototypeOf(at)) {
    const descriptor = Object.getOwnPropertyDescriptor(at, key);
    if (descriptor) return descriptor;
  }
  return undefined;
}

export function conformanceSuite(name: string, target: ConformanceTarget): void {
  const { echoUrl, failUrl, reference = false } = target;
  const WS = target.WebSocket;
  const lifelineOnly = test.skipIf(reference);
  const echoOrigin = new URL(echoUrl).origin;

  /** Constructs a socket that the test closes when it ends. */
  function make(url: string | URL, protocols?: string | string[]): StandardSocket {
    const socket = protocols === undefined ? new WS(url) : new WS(url, protocols);
    onTestFinished(() => socket.close());
    return socket;
  }
  function makeLifeline(
    url: string,
    protocolsOrOptions: string[] | LifelineOptions | null,
    options?: LifelineOptions,
  ) {
    const line = new (WS as unknown as LifelineClass)(url, protocolsOrOptions, options);
    onTestFinished(() => line.close());
    return line;
  }
  async function open(url = echoUrl, protocols?: string | string[]): Promise<StandardSocket> {
    const socket = make(url, protocols);
    await next(socket, 'open');
    return socket;
  }
  function syntaxError(run: () => unknown): DOMException {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(DOMException);
      expect((error as DOMException).name).toBe('SyntaxError');
      return error as DOMException;
    }
    throw new Error('expected a SyntaxError, nothing was thrown');
  }

  describe(`${name}: constructor`, () => {
    test('(url): the serialised url, CONNECTING, empty protocol and extensions, blob, nothing buffered', () => {
      const socket = make(`${echoUrl}/a b?x=1`);
      expect(socket.url).toBe(`${echoUrl}/a%20b?x=1`);
      expect(make(echoUrl).url).toBe(`${echoUrl}/`);
      expect(socket.readyState).toBe(WS.CONNECTING);
      expect([socket.protocol, socket.extensions, socket.binaryType, socket.bufferedAmount]).toEqual([
        '',
        '',
        'blob',
        0,
      ]);
    });

    test('(url) with a URL object', () => {
      expect(make(new URL(`${echoUrl}/obj`)).url).toBe(`${echoUrl}/obj`);
    });

    test('(url, protocols) as a string or a list: the server picks one, and protocol says which', async () => {
      expect((await open(echoUrl, 'chat')).protocol).toBe('chat');
      expect((await open(echoUrl, ['chat.v2', 'chat.v1'])).protocol).toBe('chat.v2');
      expect((await open(echoUrl, [])).protocol).toBe('');
    });

    // the echo server accepts permessage-deflate (test/setup/ws-server.ts), which browsers always offer
    test("extensions: '' while CONNECTING, then the extension the server accepted", async () => {
      const socket = make(echoUrl);
      expect(socket.extensions).toBe('');
      await next(socket, 'open');
      expect(socket.extensions).toMatch(/^permessage-deflate/);
    });

    lifelineOnly('(url, protocols, options) and (url, options)', async () => {
      const withProtocols = makeLifeline(echoUrl, ['chat'], { binaryType: 'arraybuffer' });
      const withOptions = makeLifeline(echoUrl, { autoConnect: false, binaryType: 'arraybuffer' });
      const withNull = makeLifeline(echoUrl, null, { autoConnect: false });
      expect([withProtocols.binaryType, withOptions.binaryType, withNull.binaryType]).toEqual([
        'arraybuffer',
        'arraybuffer',
        'blob',
      ]);
      await next(withProtocols, 'open');
      expect(withProtocols.protocol).toBe('chat');
      expect(withOptions.readyState).toBe(WS.CONNECTING);
    });

    // absolute ones only: a browser resolves anything else against the document's URL
    test.each(['ws://', 'http://[::1', 'ws://127.0.0.1:99999/', 'wss://user@/'])(
      'an unparsable URL is a SyntaxError: %j',
      (url) => {
        syntaxError(() => make(url));
      },
    );

    test.each(['ftp://127.0.0.1/', 'file:///tmp/socket', 'javascript:void 0', 'data:text/plain,x'])(
      'a scheme other than ws, wss, http, https is a SyntaxError: %s',
      (url) => {
        syntaxError(() => make(url));
      },
    );

    test('a fragment is a SyntaxError, even an empty one', () => {
      syntaxError(() => make(`${echoUrl}/#frag`));
      syntaxError(() => make(`${echoUrl}/#`));
      syntaxError(() => make(`${echoUrl}#`));
    });

    test.each([[''], ['two words'], ['a,b'], ['é'], ['semi;'], [['ok', '']], [['ok', 'not ok']]])(
      'an invalid protocol is a SyntaxError: %j',
      (protocols) => {
        syntaxError(() => make(echoUrl, protocols));
      },
    );

    test('a duplicate protocol is a SyntaxError', () => {
      syntaxError(() => make(echoUrl, ['chat', 'chat']));
    });

    // web-platform-tests' Create-protocols-repeated-case-insensitive asks for this; Chromium does not do it
    lifelineOnly.each([[['chat', 'CHAT']], [['a', 'Chat', 'b', 'cHaT']]])(
      'a duplicate protocol differing only in case is a SyntaxError: %j',
      (protocols) => {
        syntaxError(() => make(echoUrl, protocols));
      },
    );

    test('http maps to ws and https to wss', async () => {
      const http = make(echoUrl.replace(/^ws:/, 'http:'));
      expect(http.url).toBe(`${echoUrl}/`);
      await next(http, 'open');
      const port = new URL(echoUrl).port;
      expect(make(`HTTPS://127.0.0.1:${port}/secure`).url).toBe(`wss://127.0.0.1:${port}/secure`);
    });

    test('the readyState constants are on the class, its prototype and instances', () => {
      const socket = make(echoUrl);
      const expected = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
      for (const [constant, value] of Object.entries(expected) as Array<[keyof typeof expected, number]>) {
        expect([WS[constant], WS.prototype[constant], socket[constant]]).toEqual([value, value, value]);
      }
    });

    test('the readyState constants are WebIDL constants: read-only and non-configurable', () => {
      const socket = make(echoUrl);
      for (const constant of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const) {
        for (const holder of [WS, WS.prototype]) {
          expect(inheritedDescriptor(holder, constant)).toMatchObject({
            writable: false,
            configurable: false,
            enumerable: true,
          });
        }
        const value = WS[constant];
        for (const holder of [WS, WS.prototype, socket]) {
          expect(Reflect.set(holder, constant, 9)).toBe(false);
          expect(holder[constant]).toBe(value);
        }
      }
    });

    test('no url at all is a TypeError (a missing required argument), not a SyntaxError', () => {
      const construct = WS as unknown as new () => StandardSocket;
      expect(() => new construct()).toThrow(TypeError);
    });
  });

  describe(`${name}: close() arguments`, () => {
    test.each([0, 999, 1001, 1005, 1006, 2999, 5000, 65535])('code %i is an InvalidAccessError', (code) => {
      const socket = make(echoUrl);
      expect(() => socket.close(code)).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
      expect(socket.readyState).toBe(WS.CONNECTING);
    });

    test('a reason over 123 UTF-8 bytes is a SyntaxError, even when it is fewer UTF-16 units', () => {
      const socket = make(echoUrl);
      expect(() => socket.close(1000, 'é'.repeat(62))).toThrow(
        expect.objectContaining({ name: 'SyntaxError' }),
      );
      expect(() => socket.close(1000, 'a'.repeat(124))).toThrow(
        expect.objectContaining({ name: 'SyntaxError' }),
      );
      expect(socket.readyState).toBe(WS.CONNECTING);
    });

    test('the code is checked before the reason', () => {
      const socket = make(echoUrl);
      expect(() => socket.close(1001, 'a'.repeat(200))).toThrow(
        expect.objectContaining({ name: 'InvalidAccessError' }),
      );
    });

    test('a reason of exactly 123 UTF-8 bytes and a 3000-4999 code reach the server and come back', async () => {
      const socket = await open();
      const reason = `${'é'.repeat(61)}a`;
      const closed = next<CloseEvent>(socket, 'close');
      socket.close(4999, reason);
      expect(socket.readyState).toBe(WS.CLOSING);
      expect(closeFields(await closed)).toEqual({ code: 4999, reason, wasClean: true });
    });

    test('the code is converted as WebIDL [Clamp] unsigned short: 1000.5 is 1000', async () => {
      const socket = await open();
      const closed = next<CloseEvent>(socket, 'close');
      socket.close(1000.5);
      expect((await closed).code).toBe(1000);
    });

    test('close() without a code: the close event says 1005 (no status received)', async () => {
      const socket = await open();
      const closed = next<CloseEvent>(socket, 'close');
      socket.close();
      expect(closeFields(await closed)).toEqual({ code: 1005, reason: '', wasClean: true });
    });
  });

  describe(`${name}: send()`, () => {
    /** Sends `data` on an open arraybuffer socket and resolves with the echoed bytes or text. */
    async function echo(data: unknown): Promise<unknown> {
      const socket = await open();
      socket.binaryType = 'arraybuffer';
      const message = next<MessageEvent>(socket, 'message');
      socket.send(data);
      const received = (await message).data;
      return typeof received === 'string' ? received : [...new Uint8Array(received as ArrayBuffer)];
    }

    test('a string goes as text, UTF-8 encoded', async () => {
      expect(await echo('héllo 😀')).toBe('héllo 😀');
    });

    test('an ArrayBuffer', async () => {
      expect(await echo(new Uint8Array([1, 2, 3]).buffer)).toEqual([1, 2, 3]);
    });

    test('a typed array sends only its own view of the buffer', async () => {
      const buffer = new Uint8Array([9, 9, 1, 2, 3, 9]).buffer;
      expect(await echo(new Uint8Array(buffer, 2, 3))).toEqual([1, 2, 3]);
      expect(await echo(new Uint16Array([0x0201]))).toEqual([1, 2]);
      expect(await echo(new Float64Array([0]))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    });

    test('a DataView', async () => {
      const buffer = new Uint8Array([9, 4, 5, 9]).buffer;
      expect(await echo(new DataView(buffer, 1, 2))).toEqual([4, 5]);
    });

    test('a Blob goes as binary', async () => {
      expect(await echo(new Blob([new Uint8Array([7, 8])]))).toEqual([7, 8]);
    });

    test('while CONNECTING: the standard throws InvalidStateError; Lifeline queues, counting UTF-8 bytes', async () => {
      const socket = make(echoUrl);
      if (reference) {
        expect(() => socket.send('early')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
        return;
      }
      expect(socket.send('héllo')).toBe(true);
      expect(socket.bufferedAmount).toBe(6);
      const message = next<MessageEvent>(socket, 'message');
      expect((await message).data).toBe('héllo');
      expect(socket.bufferedAmount).toBe(0);
    });

    // issue #13: ws stops counting a send as soon as the kernel takes it, the standard only once it is sent
    test('while OPEN: bufferedAmount grows by each send at once (UTF-8 bytes for text), and is 0 once echoed', async () => {
      const socket = await open();
      let echoes = 0;
      const echoed = new Promise<void>((resolve) => {
        socket.addEventListener('message', () => ++echoes === 2 && resolve());
      });
      socket.send('héllo');
      expect(socket.bufferedAmount).toBe(6);
      socket.send(new Uint8Array([1, 2, 3]).buffer);
      expect(socket.bufferedAmount).toBe(6 + 3);
      await echoed;
      expect(socket.bufferedAmount).toBe(0);
    });

    test('after close(), send() does not throw and adds the size to bufferedAmount: the data is never sent', async () => {
      const socket = await open();
      const closed = next(socket, 'close');
      socket.close();
      const closing = socket.bufferedAmount;
      const result = socket.send('abc');
      expect(socket.bufferedAmount).toBe(closing + 3);
      // the standard's send() returns nothing; Lifeline's says whether it took the message
      expect(result).toBe(reference ? undefined : false);
      await closed;
      const final = socket.bufferedAmount;
      socket.send(new Uint8Array(2).buffer);
      expect(socket.bufferedAmount).toBe(final + 2);
    });

    lifelineOnly("after close(), send() returns false and a drop event says 'closed'", async () => {
      const socket = await open();
      const drops: unknown[] = [];
      const line = socket as unknown as { on(event: 'drop', listener: (drop: unknown) => void): unknown };
      line.on('drop', (drop) => drops.push(drop));
      socket.close();
      expect(socket.send('abc')).toBe(false);
      expect(drops).toEqual([{ data: 'abc', reason: 'closed' }]);
    });

    lifelineOnly('a value the codec cannot encode is a TypeError', () => {
      const socket = make(echoUrl);
      for (const value of [Symbol('s'), () => 1]) expect(() => socket.send(value)).toThrow(TypeError);
      expect(socket.bufferedAmount).toBe(0);
    });
  });

  describe(`${name}: binaryType`, () => {
    test("defaults to 'blob': binary messages arrive as Blob", async () => {
      const socket = await open();
      const message = next<MessageEvent>(socket, 'message');
      socket.send(new Uint8Array([1, 2]));
      const { data } = await message;
      expect(data).toBeInstanceOf(Blob);
      expect([...new Uint8Array(await (data as Blob).arrayBuffer())]).toEqual([1, 2]);
    });

    test("'arraybuffer' gives ArrayBuffer; a value outside the enumeration is ignored", async () => {
      const socket = await open();
      socket.binaryType = 'arraybuffer';
      socket.binaryType = 'nonsense';
      expect(socket.binaryType).toBe('arraybuffer');
      const message = next<MessageEvent>(socket, 'message');
      socket.send(new Uint8Array([3]));
      expect((await message).data).toBeInstanceOf(ArrayBuffer);
    });
  });

  describe(`${name}: event handlers and listeners`, () => {
    test('on<event> attributes start null, keep a function, and turn a non-function into null', () => {
      const socket = make(echoUrl);
      for (const attribute of ['onopen', 'onmessage', 'onerror', 'onclose'] as const) {
        expect(socket[attribute]).toBeNull();
        const handler = () => {};
        socket[attribute] = handler;
        expect(socket[attribute]).toBe(handler);
        (socket as unknown as Record<string, unknown>)[attribute] = 'not a function';
        expect(socket[attribute]).toBeNull();
      }
    });

    test('a handler is called with this and event.target being the socket', async () => {
      const socket = make(echoUrl);
      const seen = await new Promise<[unknown, EventTarget | null, EventTarget | null, string]>((resolve) => {
        socket.onopen = function (this: unknown, event) {
          resolve([this, event.target, event.currentTarget, event.type]);
        };
      });
      expect(seen).toEqual([socket, socket, socket, 'open']);
    });

    test('handlers and listeners run in registration order; a reassigned handler keeps its place', async () => {
      const socket = await open();
      const calls: string[] = [];
      socket.addEventListener('message', () => calls.push('first listener'));
      socket.onmessage = () => calls.push('old handler');
      socket.addEventListener('message', () => calls.push('second listener'));
      socket.onmessage = () => calls.push('new handler');
      const done = next(socket, 'message');
      socket.send('x');
      await done;
      expect(calls).toEqual(['first listener', 'new handler', 'second listener']);
    });

    test('once, signal, handleEvent objects and removeEventListener', async () => {
      const socket = await open();
      const calls: string[] = [];
      socket.addEventListener('message', () => calls.push('once'), { once: true });
      const controller = new AbortController();
      socket.addEventListener('message', () => calls.push('until aborted'), { signal: controller.signal });
      const handlerObject = {
        handleEvent(this: unknown, event: Event) {
          calls.push(this === handlerObject && event.target === socket ? 'object' : 'wrong this');
        },
      };
      socket.addEventListener('message', handlerObject);
      const removed = () => calls.push('removed');
      socket.addEventListener('message', removed);
      socket.removeEventListener('message', removed);

      let received = next(socket, 'message');
      socket.send('one');
      await received;
      controller.abort();
      received = next(socket, 'message');
      socket.send('two');
      await received;
      expect(calls).toEqual(['once', 'until aborted', 'object', 'object']);
    });
  });

  describe(`${name}: event order and fields`, () => {
    test('open, message (data, origin), then close with the code and reason of the closing handshake', async () => {
      const socket = make(echoUrl);
      const types = eventTypes(socket);
      const opened = await next(socket, 'open');
      expect([opened.type, opened.readyStateThen, opened instanceof Event]).toEqual(['open', WS.OPEN, true]);
      const message = next<MessageEvent>(socket, 'message');
      socket.send('ping');
      const received = await message;
      expect([received.type, received.data, received.origin, received.lastEventId]).toEqual([
        'message',
        'ping',
        echoOrigin,
        '',
      ]);
      // the platform's own MessageEvent, as any WebSocket's
      expect(received).toBeInstanceOf(MessageEvent);
      expect([received.source, received.ports]).toEqual([null, []]);
      const closed = next<CloseEvent>(socket, 'close');
      socket.close(4000, 'bye');
      const event = await closed;
      expect(closeFields(event)).toEqual({ code: 4000, reason: 'bye', wasClean: true });
      expect(event.readyStateThen).toBe(WS.CLOSED);
      expect(types).toEqual(['open', 'message', 'close']);
    });

    test('a failed connection: error, then close 1006 with wasClean false, never a synthetic 1000', async () => {
      const socket = make(failUrl);
      const types = eventTypes(socket);
      const error = next(socket, 'error');
      const closed = next<CloseEvent>(socket, 'close');
      expect((await error).type).toBe('error');
      const event = await closed;
      expect(closeFields(event)).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(types.slice(0, 2)).toEqual(['error', 'close']);
      // the socket that failed is CLOSED while its events are dispatched, also where Lifeline tries again
      expect([(await error).readyStateThen, event.readyStateThen]).toEqual([WS.CLOSED, WS.CLOSED]);
    });

    lifelineOnly(
      'right after a close event that schedules a reconnect, readyState is CONNECTING',
      async () => {
        const line = makeLifeline(failUrl, { reconnect: { minDelay: 1000 } });
        const after = await new Promise<number[]>((resolve) => {
          line.onclose = () => {
            const during = line.readyState;
            queueMicrotask(() => resolve([during, line.readyState]));
          };
        });
        expect(after).toEqual([WS.CLOSED, WS.CONNECTING]);
      },
    );

    lifelineOnly(
      'a close handler that reads CLOSED does not stop the reconnect; one that calls close() does',
      async () => {
        const line = makeLifeline(echoUrl, { reconnect: { minDelay: 1 } });
        await next(line, 'open');
        const seen: number[] = [];
        line.onclose = () => seen.push(line.readyState);
        const reopened = next(line, 'open');
        line.reconnect();
        await reopened;
        expect(seen).toEqual([WS.CLOSED]);

        const closes: Array<{ code: number; readyStateThen: number }> = [];
        line.onclose = (event) => {
          closes.push({ code: (event as CloseEvent).code, readyStateThen: line.readyState });
          if (closes.length === 1) line.close();
        };
        const final = new Promise<void>((resolve) => {
          line.addEventListener('close', () => closes.length === 2 && resolve());
        });
        line.reconnect(4001);
        await final;
        expect(closes).toEqual([
          { code: 4001, readyStateThen: WS.CLOSED },
          { code: 1006, readyStateThen: WS.CLOSED },
        ]);
        expect(line.readyState).toBe(WS.CLOSED);
      },
    );

    test('after close(), no message event, not even for a frame that was already on its way', async () => {
      const socket = await open();
      const types = eventTypes(socket);
      const closed = next<CloseEvent>(socket, 'close');
      // the server echoes this before it reads the close frame, so it arrives while CLOSING
      socket.send('in flight');
      socket.close(1000);
      expect((await closed).code).toBe(1000);
      expect(types).toEqual(['close']);
    });

    test('close() while CONNECTING fails the connection: CLOSING, then error and close 1006', async () => {
      const socket = make(echoUrl);
      const types = eventTypes(socket);
      const closed = next<CloseEvent>(socket, 'close');
      socket.close();
      expect(socket.readyState).toBe(WS.CLOSING);
      const event = await closed;
      expect(closeFields(event)).toEqual({ code: 1006, reason: '', wasClean: false });
      expect(event.readyStateThen).toBe(WS.CLOSED);
      expect(types).toEqual(['error', 'close']);
    });

    test('close() from onopen: close is the last event, CLOSED when it fires', async () => {
      const socket = make(echoUrl);
      const types = eventTypes(socket);
      socket.onopen = () => socket.close(1000, 'done');
      const event = await next<CloseEvent>(socket, 'close');
      expect(closeFields(event)).toEqual({ code: 1000, reason: 'done', wasClean: true });
      expect(types).toEqual(['open', 'close']);
    });
  });

  describe(`${name}: across reconnects`, () => {
    lifelineOnly('listeners, handlers, on() and binaryType survive a reconnect()', async () => {
      const line = makeLifeline(echoUrl, { reconnect: { minDelay: 1 } });
      line.binaryType = 'arraybuffer';
      const seen: string[] = [];
      line.onmessage = (event) =>
        seen.push(`onmessage:${(event as MessageEvent).data instanceof ArrayBuffer}`);
      line.addEventListener('message', () => seen.push('listener'));
      line.on('message', () => seen.push('on'));
      await next(line, 'open');
      const closedOld = next<CloseEvent>(line, 'close');
      const openedNew = next(line, 'open');
      line.reconnect();
      expect((await closedOld).code).toBe(1000);
      await openedNew;
      const message = next(line, 'message');
      line.send(new Uint8Array([1]));
      await message;
      expect(seen).toEqual(['onmessage:true', 'listener', 'on']);
      expect(line.binaryType).toBe('arraybuffer');
    });
  });
}
