import { settle } from './awaitable.js';

/** What a session's writes need to know about it. */
export interface WriteOwner {
  /** The epoch the session is attached under now. */
  epoch(): number;
  /** Whether the session is gone from this server: held writes are then dropped. */
  isGone(): boolean;
  /** A write failed (fenced, or the store broke). */
  failed(error: unknown): void;
}

/**
 * One session's store writes, made in order under the epoch current when each is made, at once for a
 * synchronous store (no microtask per message). While a hello naming the session is with the store
 * (whose attach adds 1 to the epoch), writes are held, or they would go under the old epoch and be
 * refused as fenced; they go when the store has answered.
 */
export class StoreWrites {
  readonly #owner: WriteOwner;
  readonly #inFlight = new Set<Promise<void>>();
  #held: Array<() => void> | null = null;

  constructor(owner: WriteOwner) {
    this.#owner = owner;
  }

  /** Holds the writes made from now on. */
  hold(): void {
    this.#held ??= [];
  }

  /** Lets the held writes go, under the epoch now current (dropped, if the session is gone). */
  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const write of held) write();
  }

  /** Runs `call` with the epoch; `then` after it succeeded, `failed` after it failed or was dropped. */
  run(call: (epoch: number) => unknown, then: () => void = () => {}, failed: () => void = () => {}): void {
    if (this.#held) {
      this.#held.push(() => (this.#owner.isGone() ? failed() : this.run(call, then, failed)));
      return;
    }
    const epoch = this.#owner.epoch();
    let isDone = false;
    let finish: (() => void) | undefined;
    const done = () => {
      isDone = true;
      finish?.();
    };
    settle(
      () => call(epoch),
      () => {
        done();
        then();
      },
      (error) => {
        done();
        failed();
        this.#owner.failed(error);
      },
    );
    if (isDone) return;
    // only a write still in flight is tracked, for settled()
    const tracked = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.#inFlight.add(tracked);
    void tracked.then(() => this.#inFlight.delete(tracked));
  }

  /** Resolves when no write is in flight (also those made while waiting). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
