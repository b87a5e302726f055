import type { UrlProvider } from '@lifeline/core';
import { checkHistory, describeVerdict, HistoryRecorder, type Verdict } from '../helpers/history.js';
import type { RedisClient } from '../helpers/redis.js';
import { type SessionClient, sessionClient } from '../sessions/harness.js';

/*
 * A session client of the multi-node tests with its history: what it sent (`c1`, `c2`, … accepted in
 * order) and what its application got from the servers (`s1`, `s2`, …). What the servers' handlers got
 * is read from Redis, where session-node.mjs appends each id once per idempotency key.
 */

/** A message as the cluster nodes send it. */
interface ServerMessage {
  readonly id: string;
  readonly node: string;
}

/** Where a `ClusterClient` connects, and where its nodes keep the test's keys. */
export interface ClusterClientOptions {
  /** Where each attempt goes: a live node. */
  readonly url: UrlProvider;
  /** The nodes' store prefix (their test keys live under `<prefix>test:`). */
  readonly prefix: string;
}

/** A session client whose both directions are recorded for the history checker. */
export class ClusterClient {
  readonly name: string;
  readonly line: SessionClient['line'];
  readonly session: SessionClient['session'];
  readonly toServer = new HistoryRecorder();
  readonly toClient = new HistoryRecorder();
  /** Which node made each message the client got, in order. */
  readonly origins: string[] = [];
  readonly resets: string[] = [];
  /** Milliseconds from each connection loss to the `resumed` that followed it. */
  readonly resumeTimes: number[] = [];
  readonly drops: unknown[] = [];
  readonly #prefix: string;
  #sent = 0;
  #lostAt: number | null = null;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(name: string, options: ClusterClientOptions) {
    this.name = name;
    this.#prefix = options.prefix;
    const { line, session } = sessionClient(
      options.url,
      {},
      { reconnect: { minDelay: 1, maxDelay: 50, minUptime: 0 } },
    );
    this.line = line;
    this.session = session;
    line.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      this.toClient.deliver(message.id);
      this.origins.push(message.node);
      this.#wake();
    });
    line.on('close', () => {
      this.#lostAt ??= performance.now();
    });
    line.on('resumed', () => {
      if (this.#lostAt !== null) this.resumeTimes.push(performance.now() - this.#lostAt);
      this.#lostAt = null;
    });
    line.on('reset', ({ reason }) => {
      this.resets.push(reason);
      this.#lostAt = null;
    });
    line.on('drop', (info) => this.drops.push(info));
  }

  /** Sends the next message `c<n>`; `extra` fields ask the handler to hold or delay it. */
  send(extra: { hold?: boolean; delay?: number } = {}): string {
    this.#sent += 1;
    const id = `c${this.#sent}`;
    this.line.send(JSON.stringify({ id, client: this.name, ...extra }));
    this.toServer.accept(id);
    return id;
  }

  /** Messages sent so far. */
  get sent(): number {
    return this.#sent;
  }

  /** Resolves once the application got `count` messages from the servers. */
  received(count: number): Promise<void> {
    if (this.toClient.delivered.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /**
   * Both directions after the final drain: everything sent must be acknowledged first (`acked()`) and
   * `streamed` server messages received. `toServer` is what the handlers' idempotent effect recorded.
   */
  async verdicts(
    redis: RedisClient,
    streamed: number,
  ): Promise<{ toServer: Verdict<string>; toClient: Verdict<string> }> {
    await this.session.acked();
    await this.received(streamed);
    const delivered = await redis.lRange(`${this.#prefix}test:delivered:${this.name}`, 0, -1);
    const accepted = Array.from({ length: streamed }, (_, i) => `s${i + 1}`);
    return {
      toServer: checkHistory({ accepted: this.toServer.accepted, delivered }, { isDrained: true }),
      toClient: checkHistory({ accepted, delivered: this.toClient.delivered }, { isDrained: true }),
    };
  }

  #wake(): void {
    const count = this.toClient.delivered.length;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (count < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }
}

/** A failure message for a verdict that is not clean. */
export function explain(label: string, verdict: Verdict<string>): string {
  return `${label}: ${describeVerdict(verdict)}`;
}
