import type { SocketCloseEvent, SocketErrorEvent, SocketMessageEvent, WebSocketLike } from '@lifeline/core';

/**
 * An in-memory WebSocket for unit tests: the test decides when each socket opens, fails or closes.
 * Pair it with fake timers; it never touches the network.
 */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  bufferedAmount = 0;
  protocol = '';
  extensions = '';
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: SocketMessageEvent) => void) | null = null;
  onclose: ((event: SocketCloseEvent) => void) | null = null;
  onerror: ((event: SocketErrorEvent) => void) | null = null;
  readonly sent: unknown[] = [];
  closeCalls: Array<[number | undefined, string | undefined]> = [];

  constructor(
    readonly url: string,
    readonly protocols: string[],
    readonly options: Record<string, unknown> | undefined,
  ) {}

  send(data: unknown): void {
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push([code, reason]);
    if (this.readyState >= 2) return;
    this.readyState = 2;
  }

  // ---- driven by the test ----

  open(protocol = ''): void {
    this.readyState = 1;
    this.protocol = protocol;
    this.onopen?.({ type: 'open' });
  }

  /** A failed attempt, as every platform reports one: error, then close 1006. */
  refuse(): void {
    this.readyState = 3;
    this.onerror?.({ type: 'error', message: 'connection refused' });
    this.onclose?.({ code: 1006, reason: '', wasClean: false });
  }

  receive(data: unknown): void {
    this.onmessage?.({ data });
  }

  /** The server closes (a clean close when a code other than 1006 is given). */
  serverClose(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 });
  }
}

/** A WebSocket constructor whose sockets the test drives. */
export class FakeNetwork {
  readonly sockets: FakeSocket[] = [];
  #waiters: Array<(socket: FakeSocket) => void> = [];
  #claimed = 0;
  readonly WebSocket: new (
    url: string,
    protocols?: string | string[],
    options?: Record<string, unknown>,
  ) => FakeSocket;

  constructor() {
    const network = this;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string, protocols?: string | string[], options?: Record<string, unknown>) {
        super(url, typeof protocols === 'string' ? [protocols] : (protocols ?? []), options);
        network.sockets.push(this);
        network.#waiters.shift()?.(this);
      }
    };
  }

  /** The next socket created, in creation order: each call claims one socket. */
  nextSocket(): Promise<FakeSocket> {
    const socket = this.sockets[this.#claimed];
    if (socket) {
      this.#claimed++;
      return Promise.resolve(socket);
    }
    return new Promise((resolve) => {
      this.#waiters.push((created) => {
        this.#claimed++;
        resolve(created);
      });
    });
  }
}
