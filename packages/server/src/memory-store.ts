import { randomToken } from './secret.js';
import { type EndReason, SessionError } from './session-error.js';
import type {
  AttachOutcome,
  ResetReason,
  SessionRecord,
  SessionStore,
  StoredMessage,
} from './session-store.js';

/** Options of the in-memory store. */
export interface MemorySessionStoreOptions {
  /**
   * The monotonic clock expiry is measured by, in milliseconds; never the wall clock, so stepping the
   * system time changes nothing.
   * @default performance.now
   */
  readonly now?: () => number;
}

interface Entry {
  readonly sid: string;
  readonly principal: string;
  readonly generation: string;
  readonly ttl: number;
  epoch: number;
  rx: number;
  tx: number;
  /** Unacknowledged messages from `head` on; acknowledged ones are cut off in batches, not one by one. */
  outbound: StoredMessage[];
  head: number;
}

/** Reasons a hello hears until the ttl passes; any other end answers `expired`. */
const REMEMBERED: ReadonlySet<EndReason> = new Set(['overflow', 'evicted']);

/**
 * Sessions in this process's memory: the default store. Nothing survives the process, and a store made
 * later has another generation, so a client that resumes against it hears `store-lost`, never a false
 * resume. Every method answers synchronously.
 */
export class MemorySessionStore implements SessionStore {
  /** Random per store: tells this store's sessions from those of a store that is gone. */
  readonly generation = randomToken();
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  /** Deadlines of detached sessions, oldest detach first, so expired ones are swept from the front. */
  readonly #deadlines = new Map<string, number>();
  readonly #ended = new Map<string, { readonly reason: ResetReason; readonly deadline: number }>();

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#now = options.now ?? (() => performance.now());
  }

  /** Sessions held (attached or detached, not yet expired). */
  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  create(session: { readonly sid: string; readonly principal: string; readonly ttl: number }): SessionRecord {
    this.#sweep();
    const entry: Entry = {
      ...session,
      generation: this.generation,
      epoch: 1,
      rx: 0,
      tx: 0,
      outbound: [],
      head: 0,
    };
    this.#entries.set(session.sid, entry);
    return snapshot(entry);
  }

  attach(request: {
    readonly sid: string;
    readonly principal: string;
    readonly generation: string | null;
  }): AttachOutcome {
    this.#sweep();
    const { sid } = request;
    const ended = this.#ended.get(sid);
    if (ended && ended.deadline > this.#now()) return { reason: ended.reason };
    const entry = this.#entries.get(sid);
    const deadline = this.#deadlines.get(sid);
    if (entry && deadline !== undefined && deadline <= this.#now()) this.#forget(sid);
    if (!entry || !this.#entries.has(sid)) {
      return { reason: request.generation === this.generation ? 'expired' : 'store-lost' };
    }
    if (entry.principal !== request.principal) return { reason: 'auth-changed' };
    entry.epoch += 1;
    this.#deadlines.delete(sid);
    return { record: snapshot(entry) };
  }

  append(sid: string, epoch: number, message: StoredMessage): void {
    const entry = this.#live(sid, epoch);
    entry.outbound.push(message);
    entry.tx = message.seq;
  }

  acknowledge(sid: string, epoch: number, seq: number): void {
    const entry = this.#live(sid, epoch);
    let { head } = entry;
    while (head < entry.outbound.length && (entry.outbound[head] as StoredMessage).seq <= seq) head++;
    // cut the array once the acknowledged part is most of it: amortised O(1) per message
    if (head > 64 && head * 2 > entry.outbound.length) {
      entry.outbound = entry.outbound.slice(head);
      head = 0;
    }
    entry.head = head;
  }

  complete(sid: string, epoch: number, rx: number): void {
    const entry = this.#live(sid, epoch);
    if (rx > entry.rx) entry.rx = rx;
  }

  detach(sid: string, epoch: number): void {
    const entry = this.#live(sid, epoch);
    this.#deadlines.delete(sid);
    this.#deadlines.set(sid, this.#now() + entry.ttl);
  }

  end(sid: string, epoch: number, reason: EndReason | null): void {
    const entry = this.#live(sid, epoch);
    this.#forget(sid);
    if (reason && REMEMBERED.has(reason)) {
      this.#ended.set(sid, { reason: reason as ResetReason, deadline: this.#now() + entry.ttl });
    }
  }

  #live(sid: string, epoch: number): Entry {
    const entry = this.#entries.get(sid);
    if (!entry || entry.epoch !== epoch) {
      throw new SessionError('ERR_SESSION_FENCED', `epoch ${epoch} of the session is no longer current`);
    }
    return entry;
  }

  #forget(sid: string): void {
    this.#entries.delete(sid);
    this.#deadlines.delete(sid);
  }

  /** Drops what has expired, from the oldest; stops at the first that has not (lazy, amortised O(1)). */
  #sweep(): void {
    const now = this.#now();
    for (const [sid, deadline] of this.#deadlines) {
      if (deadline > now) break;
      this.#forget(sid);
    }
    for (const [sid, { deadline }] of this.#ended) {
      if (deadline > now) break;
      this.#ended.delete(sid);
    }
  }
}

function snapshot(entry: Entry): SessionRecord {
  const { sid, principal, generation, epoch, rx, tx, ttl } = entry;
  return { sid, principal, generation, epoch, rx, tx, ttl, outbound: entry.outbound.slice(entry.head) };
}
