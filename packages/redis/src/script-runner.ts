import { createHash } from 'node:crypto';
import { RESP_TYPES } from 'redis';

/** What the store needs of a node-redis client: any `createClient()` result has it. */
export interface RedisCommander {
  /** Runs one raw command; the store sends only EVALSHA, EVAL and SCRIPT LOAD through it, so no client version's typed API is needed. */
  sendCommand(
    args: readonly (string | Buffer)[],
    options?: { readonly typeMapping?: Record<number, unknown> },
  ): Promise<unknown>;
}

/** Bulk strings as Buffers: stored payloads are bytes, and a binary one must come back byte for byte. */
const AS_BUFFERS = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;

/**
 * Runs Lua scripts by their SHA-1 (EVALSHA) on any node-redis client the caller hands in, with replies as
 * Buffers when asked. The scripts are loaded (SCRIPT LOAD) before the first call runs: a script missing on
 * first use would make every call already sent fail with NOSCRIPT and be retried after calls sent later,
 * out of order. A NOSCRIPT later on (Redis restarted or its script cache flushed) retries that call with
 * EVAL; the writes of one session then fail (a seq that does not follow) rather than apply out of order.
 */
export class ScriptRunner {
  readonly #client: RedisCommander;
  readonly #shas = new Map<string, string>();
  #loading: Promise<void> | null;

  constructor(client: RedisCommander, scripts: readonly string[]) {
    this.#client = client;
    for (const script of scripts) this.#shas.set(script, createHash('sha1').update(script).digest('hex'));
    this.#loading = null;
  }

  /** Runs `script` with `keys` and `args`; `asBuffers` keeps bulk strings in the reply as Buffers. */
  async run<T>(
    script: string,
    keys: readonly string[],
    args: readonly (string | Buffer)[],
    asBuffers = false,
  ): Promise<T> {
    const sha = this.#shas.get(script);
    if (sha === undefined) throw new TypeError('ScriptRunner: a script it was not made with');
    if (this.#loading === null) this.#loading = this.#load();
    await this.#loading;
    const tail = [String(keys.length), ...keys, ...args];
    const options = asBuffers ? AS_BUFFERS : undefined;
    try {
      return (await this.#client.sendCommand(['EVALSHA', sha, ...tail], options)) as T;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.#client.sendCommand(['EVAL', script, ...tail], options)) as T;
    }
  }

  async #load(): Promise<void> {
    try {
      await Promise.all(
        [...this.#shas.keys()].map((script) => this.#client.sendCommand(['SCRIPT', 'LOAD', script])),
      );
    } catch (error) {
      this.#loading = null; // the next call tries again
      throw error;
    }
  }
}
