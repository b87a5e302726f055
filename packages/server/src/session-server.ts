import { EventEmitter, once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerOptions, type WebSocket, WebSocketServer } from 'ws';
import { type SessionServerOptions, type Settings, settingsOf } from './options.js';
import { CloseCode, type Hello, parseClientFrame, SESSION_PROTOCOL } from './protocol.js';
import { isToken, mask, randomToken } from './secret.js';
import type { ServerSession } from './server-session.js';
import { SESSION_ID, Session, type SessionHost } from './session.js';
import { type EndReason, SessionError } from './session-error.js';
import type { ResetReason, SessionRecord } from './session-store.js';
import { closeSocket } from './socket-close.js';

/** The events of a `SessionServer`; every session in them shows its id masked. */
export interface SessionServerEvents {
  /** A new session (also the fresh one a `reset` gives). */
  session: [session: ServerSession];
  /** A hello resumed `session`; `replayed` messages the client had not completed are sent again. */
  resumed: [
    info: {
      /** The session it concerns (its id masked). */
      readonly session: ServerSession;
      /** How many messages were sent again. */
      readonly replayed: number;
    },
  ];
  /** A hello named a session that could not be resumed: `session` is the fresh one, `previous` the masked old id. */
  reset: [
    info: {
      /** The fresh session (its id masked). */
      readonly session: ServerSession;
      /** Why the old one could not be resumed; the client gets the same reason. */
      readonly reason: ResetReason;
      /** The old session's id, masked. */
      readonly previous: string;
    },
  ];
  /** The session's connection closed with `code`; the session waits `ttl` for a resume. */
  detached: [
    info: {
      /** The session it concerns (its id masked). */
      readonly session: ServerSession;
      /** The close code of its connection; 1006 when the connection was lost. */
      readonly code: number;
    },
  ];
  /** The session is gone from this server, and why. */
  ended: [
    info: {
      /** The session it concerns (its id masked). */
      readonly session: ServerSession;
      /** Why it ended. */
      readonly reason: EndReason;
    },
  ];
  /** A message whose handler rejected `attempts` times; it counts as handled (acknowledged) now. */
  deadletter: [
    info: {
      /** The session it concerns (its id masked). */
      readonly session: ServerSession;
      /** The message's client sequence number. */
      readonly seq: number;
      /** What the handler's last run threw or rejected with. */
      readonly error: unknown;
      /** How many times the handler ran for it (`maxAttempts`). */
      readonly attempts: number;
    },
  ];
  /** The global `maxSessionBytes` cap ended a detached session holding `bytes`. */
  evicted: [
    info: {
      /** The session it concerns (its id masked). */
      readonly session: ServerSession;
      /** The unacknowledged bytes it held, now freed. */
      readonly bytes: number;
    },
  ];
  /** The store refused this server's write: the session was attached elsewhere since; it is let go here. */
  fenced: [
    info: {
      /** The session it concerns (its id masked). */
      readonly session: ServerSession;
    },
  ];
  /** A frame broke the protocol (the connection is closed, the client resumes) or did not decode (skipped). */
  invalid: [
    info: {
      /** The session the frame came on; `null` before the hello made one. */
      readonly session: ServerSession | null;
      /** What was wrong with the frame, for logs. */
      readonly problem: string;
    },
  ];
  /** The store failed. As with every Node EventEmitter, an `error` without a listener throws. */
  error: [error: SessionError];
}

type Phase = 'running' | 'draining' | 'closed';

/** How a hello was answered: resumed (with how many messages are replayed) or a new session. */
interface Opened {
  readonly session: Session;
  readonly replayed?: number;
  readonly reason?: ResetReason;
}

/**
 * Sessions of `lifeline.session.v1` on a `ws` server: selects the subprotocol, authenticates every
 * upgrade, resumes or resets sessions, runs the handler for each client message (its completion is the
 * acknowledgement) and sends each session's messages exactly once, in order, across reconnects.
 * Upgrades that do not offer the subprotocol are left to the ws server's other users.
 * @example
 * const server = new SessionServer({ port: 8080, handler: async (message, { session }) => {
 *   await session.send({ echo: message });
 * } });
 */
export class SessionServer extends EventEmitter<SessionServerEvents> {
  /** `ws://host:port` once listening, for a server made on `port`; otherwise undefined. */
  url: string | undefined;
  /** Resolves when the server listens (at once when given a `wss` or an HTTP `server`). */
  readonly listening: Promise<void>;
  readonly #settings: Settings;
  readonly #host: SessionHost;
  readonly #wss: WebSocketServer;
  readonly #isOwnWss: boolean;
  readonly #restore: () => void;
  readonly #principals = new WeakMap<IncomingMessage, string>();
  readonly #sessions = new Map<string, Session>();
  /** Detached sessions, least recently detached first: the eviction order. */
  readonly #detached = new Set<Session>();
  /** Session-protocol sockets not yet closed, attached or not. */
  readonly #sockets = new Set<WebSocket>();
  #bytes = 0;
  #phase: Phase = 'running';

  /** @throws TypeError, RangeError for bad options, naming the option and the value */
  constructor(options: SessionServerOptions) {
    super();
    this.#settings = settingsOf(options);
    this.#host = this.#hostFor(this.#settings);
    const { wss, isOwn, listening } = serverFor(options);
    this.#wss = wss;
    this.#isOwnWss = isOwn;
    this.listening = listening.then((port) => {
      if (port !== undefined) this.url = `ws://${hostOf(options)}:${port}`;
    });
    this.#restore = this.#hook(wss);
  }

  /** The sessions on this server now, attached or detached. */
  get sessions(): IterableIterator<ServerSession> {
    return this.#sessions.values();
  }

  /**
   * Hands the sessions over (a deploy): refuses new upgrades (503), lets every running handler finish and
   * its acknowledgement be stored, then closes each connection with 1012 so clients resume elsewhere at
   * once. Sessions stay in the store; their pending `send()`s reject with `ERR_SERVER_CLOSED`.
   */
  async drain(): Promise<void> {
    if (this.#phase !== 'running') return;
    this.#phase = 'draining';
    await Promise.all([...this.#sessions.values()].map((session) => session.drain()));
    await this.#shutdown(CloseCode.draining);
  }

  /**
   * Stops now: every connection is closed with 1001 and pending `send()`s reject with
   * `ERR_SERVER_CLOSED`. The store is left as it is, so the sessions can resume on another server.
   */
  async close(): Promise<void> {
    if (this.#phase === 'closed') return;
    this.#phase = 'draining';
    for (const session of [...this.#sessions.values()]) session.abandon('server-closed', CloseCode.goingAway);
    await this.#shutdown(CloseCode.goingAway);
  }

  async #shutdown(code: number): Promise<void> {
    this.#phase = 'closed';
    const sockets = [...this.#sockets];
    for (const socket of sockets) closeSocket(socket, code, 'server closing');
    // each ends within the close grace, answered or cut
    await Promise.all(
      sockets.map((socket) => (socket.readyState === socket.CLOSED ? undefined : once(socket, 'close'))),
    );
    this.#restore();
    if (this.#isOwnWss) await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  /** Takes part in `wss`'s upgrades; returns what undoes it. */
  #hook(wss: WebSocketServer): () => void {
    const options = wss.options as ServerOptions;
    const { verifyClient, handleProtocols } = options;
    options.verifyClient = (info, done) => {
      const refuse = (code: number) => done(false, code);
      const next = () => this.#verify(info.req, done, refuse);
      if (!verifyClient) next();
      else if (verifyClient.length < 2)
        (verifyClient as (i: typeof info) => boolean)(info) ? next() : refuse(401);
      else
        verifyClient(info, (isVerified, code, message, headers) =>
          isVerified ? next() : done(false, code, message, headers),
        );
    };
    options.handleProtocols = (protocols, request) => {
      if (protocols.has(SESSION_PROTOCOL)) return SESSION_PROTOCOL;
      return handleProtocols
        ? handleProtocols(protocols, request)
        : (protocols.values().next().value ?? false);
    };
    const onConnection = (socket: WebSocket, request: IncomingMessage) => this.#connected(socket, request);
    wss.on('connection', onConnection);
    return () => {
      if (verifyClient) options.verifyClient = verifyClient;
      else delete options.verifyClient;
      if (handleProtocols) options.handleProtocols = handleProtocols;
      else delete options.handleProtocols;
      wss.off('connection', onConnection);
    };
  }

  /** Authenticates an upgrade that offers the session protocol; others pass untouched. */
  #verify(
    request: IncomingMessage,
    done: (isVerified: boolean) => void,
    refuse: (code: number) => void,
  ): void {
    const offered = request.headers['sec-websocket-protocol'] ?? '';
    if (!offered.split(',').some((protocol) => protocol.trim() === SESSION_PROTOCOL)) {
      done(true);
      return;
    }
    if (this.#phase !== 'running') {
      refuse(503);
      return;
    }
    Promise.resolve()
      .then(() => this.#settings.authenticate(request))
      .then(
        (principal) => {
          if (typeof principal !== 'string') {
            refuse(401);
            return;
          }
          this.#principals.set(request, principal);
          done(true);
        },
        () => refuse(401),
      );
  }

  #connected(socket: WebSocket, request: IncomingMessage): void {
    if (socket.protocol !== SESSION_PROTOCOL) return;
    const principal = this.#principals.get(request);
    // the wrapped verifyClient runs for every upgrade; no principal means a wss that bypassed it
    if (principal === undefined || this.#phase !== 'running') {
      closeSocket(socket, this.#phase === 'running' ? 1008 : CloseCode.draining, 'not authenticated');
      return;
    }
    this.#sockets.add(socket);
    socket.binaryType = 'nodebuffer';
    let session: Session | null = null;
    let phase: 'hello' | 'opening' | 'open' | 'refused' = 'hello';
    let isEnding = false;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (phase === 'refused') return;
      const frame = parseClientFrame(data, isBinary);
      if (phase === 'open') return session?.receive(socket, frame);
      if (frame.type === 'end') {
        // a client closing for good while its hello is with the store: the session it gets ends at once
        isEnding = phase === 'opening';
        return;
      }
      if (phase === 'hello' && frame.type === 'hello') {
        phase = 'opening';
        this.#open(socket, principal, frame.hello).then((opened) => {
          session = opened;
          phase = 'open';
          if (isEnding) opened?.end('closed');
        });
        return;
      }
      const problem = frame.type === 'malformed' ? frame.problem : `a ${frame.type} frame before the welcome`;
      phase = 'refused';
      this.emit('invalid', { session, problem });
      closeSocket(socket, CloseCode.malformed, problem);
    });
    socket.on('error', () => {}); // a close follows every error; the close is what detaches
    socket.on('close', (code: number) => {
      this.#sockets.delete(socket);
      session?.detach(socket, code);
    });
  }

  /** Answers a hello with exactly one welcome: a resume, or a new session (with the reason, if one was named). */
  async #open(socket: WebSocket, principal: string, hello: Hello): Promise<Session | null> {
    let opened: Opened;
    try {
      opened = await this.#resumeOrCreate(socket, principal, hello);
    } catch (cause) {
      closeSocket(socket, CloseCode.storeFailed, 'store failed');
      this.emit(
        'error',
        new SessionError('ERR_STORE_FAILED', 'the store failed to open a session', { cause }),
      );
      return null;
    }
    const { session } = opened;
    if (opened.replayed !== undefined) {
      this.emit('resumed', { session, replayed: opened.replayed });
      return session;
    }
    this.emit('session', session);
    if (opened.reason && hello.sid !== null) {
      this.emit('reset', { session, reason: opened.reason, previous: mask(hello.sid) });
    }
    return session;
  }

  async #resumeOrCreate(socket: WebSocket, principal: string, hello: Hello): Promise<Opened> {
    let reason: ResetReason | undefined;
    if (hello.sid !== null && !isToken(hello.sid)) reason = 'protocol';
    else if (hello.sid !== null) {
      const resumed = await this.#attachNamed(socket, principal, { ...hello, sid: hello.sid });
      if ('session' in resumed) return resumed;
      reason = resumed.reason;
    }
    const record = await this.#settings.store.create({
      sid: randomToken(),
      principal,
      ttl: this.#settings.ttl,
    });
    const session = this.#add(new Session(this.#host, record));
    this.#attach(session, socket, record.epoch, { rx: 0, resumed: false, ...(reason ? { reason } : {}) });
    return reason ? { session, reason } : { session };
  }

  /** Resumes the session a hello names, or says why not; a copy of it here waits with its writes meanwhile. */
  async #attachNamed(
    socket: WebSocket,
    principal: string,
    hello: Hello & { sid: string },
  ): Promise<Opened | { reason: ResetReason }> {
    const { store } = this.#settings;
    const local = this.#sessions.get(hello.sid);
    local?.hold();
    try {
      const outcome = await store.attach({ sid: hello.sid, principal, generation: hello.gen });
      if (outcome.record && hello.rx <= outcome.record.tx)
        return this.#resume(socket, outcome.record, hello.rx);
      // the client completed more than the store ever sent: the store lost (rolled back) the session
      const reason = outcome.reason ?? 'store-lost';
      if (outcome.record) await store.end(hello.sid, outcome.record.epoch, null);
      // a copy here outlived the store's record (a timer not yet run, a store that lost it): it ends too
      if (reason !== 'auth-changed') local?.end(reason === 'protocol' ? 'store-lost' : reason);
      return { reason };
    } finally {
      local?.release();
    }
  }

  #resume(socket: WebSocket, record: SessionRecord, rx: number): Opened {
    let session = this.#sessions.get(record.sid);
    // not the epoch just before: another connection, maybe on another node, attached it in between
    if (session && session.epoch !== record.epoch - 1) {
      session.abandon('fenced', CloseCode.takenOver);
      this.emit('fenced', { session });
      session = undefined;
    }
    session ??= this.#add(new Session(this.#host, record));
    const { sent, acked } = session.watermarks;
    this.#attach(session, socket, record.epoch, { rx, resumed: true });
    return { session, replayed: Math.max(0, sent - Math.max(rx, acked)) };
  }

  #add(session: Session): Session {
    this.#sessions.set(session[SESSION_ID], session);
    this.#bytes += session.bytes;
    return session;
  }

  #attach(session: Session, socket: WebSocket, epoch: number, hello: Parameters<Session['attach']>[2]): void {
    this.#detached.delete(session);
    session.attach(socket, epoch, hello);
    // the socket may have closed while the store answered: its close event has passed already
    if (socket.readyState !== socket.OPEN) session.detach(socket, 1006);
    if (this.#phase === 'closed') session.abandon('server-closed', CloseCode.goingAway);
  }

  /** Over the global cap, the least recently detached sessions go first. */
  #evict(): void {
    for (const session of this.#detached) {
      if (this.#bytes <= this.#settings.maxSessionBytes) return;
      const { bytes } = session;
      session.end('evicted');
      this.emit('evicted', { session, bytes });
    }
  }

  #hostFor(settings: Settings): SessionHost {
    return {
      settings,
      account: (_session, delta) => {
        this.#bytes += delta;
        if (delta > 0 && this.#bytes > this.#settings.maxSessionBytes) this.#evict();
      },
      detached: (session, code) => {
        this.#detached.add(session);
        this.emit('detached', { session, code });
      },
      gone: (session, reason) => {
        this.#detached.delete(session);
        if (this.#sessions.get(session[SESSION_ID]) === session) this.#sessions.delete(session[SESSION_ID]);
        this.emit('ended', { session, reason });
      },
      invalid: (session, problem) => this.emit('invalid', { session, problem }),
      deadletter: (session, seq, error, attempts) =>
        this.emit('deadletter', { session, seq, error, attempts }),
      fenced: (session) => this.emit('fenced', { session }),
      storeFailed: (session, cause) =>
        this.emit(
          'error',
          new SessionError('ERR_STORE_FAILED', `the store failed for session ${session.id}`, { cause }),
        ),
    };
  }
}

function hostOf(options: SessionServerOptions): string {
  return options.port !== undefined ? (options.host ?? 'localhost') : 'localhost';
}

/** The ws server to hook: the one given, or one made on the HTTP server or the port. */
function serverFor(options: SessionServerOptions): {
  wss: WebSocketServer;
  isOwn: boolean;
  listening: Promise<number | undefined>;
} {
  const given = [options.wss, options.server, options.port].filter((value) => value !== undefined).length;
  if (given !== 1) {
    throw new TypeError(`SessionServer: give exactly one of wss, server and port, got ${given}`);
  }
  if (options.wss) return { wss: options.wss, isOwn: false, listening: Promise.resolve(undefined) };
  if (options.server) {
    const wss = new WebSocketServer({
      server: options.server,
      ...(options.path ? { path: options.path } : {}),
    });
    return { wss, isOwn: true, listening: Promise.resolve(undefined) };
  }
  const wss = new WebSocketServer({ port: options.port, ...(options.host ? { host: options.host } : {}) });
  const listening = new Promise<number>((resolve, reject) => {
    wss.once('listening', () => resolve((wss.address() as AddressInfo).port));
    wss.once('error', reject);
  });
  return { wss, isOwn: true, listening };
}
