import { HistoryRecorder } from '../helpers/history.js';

/*
 * Identifiable messages for the delivery tests: each carries its id at its start (text: `<id>|…`, binary:
 * the id's number as 4 bytes), so the receiving side can record what it got, whatever the size.
 */

const LARGEST = 64 * 1024;

/** A payload size from 1 B to 64 KiB, log-uniform: as many 1–2 B messages as 32–64 KiB ones. */
export function logUniformSize(random: () => number): number {
  return Math.min(LARGEST, Math.max(1, Math.floor(Math.exp(random() * Math.log(LARGEST + 1)))));
}

/**
 * Message number `index` of a direction named by `prefix` (`c` client→server, `s` server→client):
 * `size` bytes, raised to what its id needs (3–7 bytes text, 4 bytes binary).
 */
export function payloadOf(
  prefix: string,
  index: number,
  size: number,
  isBinary: boolean,
): string | Uint8Array {
  if (isBinary) {
    const bytes = new Uint8Array(Math.max(4, size));
    new DataView(bytes.buffer).setUint32(0, index);
    return bytes;
  }
  const id = `${prefix}${index}|`;
  return id + 'x'.repeat(Math.max(0, size - id.length));
}

/** The id of a received payload (string, ArrayBuffer or Buffer), as `idOf` gives it at the sender. */
export function receivedId(prefix: string, payload: unknown): string {
  if (typeof payload === 'string') return payload.slice(0, payload.indexOf('|'));
  const bytes =
    payload instanceof ArrayBuffer
      ? new Uint8Array(payload)
      : new Uint8Array(
          (payload as Uint8Array).buffer,
          (payload as Uint8Array).byteOffset,
          (payload as Uint8Array).byteLength,
        );
  return `${prefix}${new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0)}`;
}

/** The id a sender records for message `index`. */
export const idOf = (prefix: string, index: number) => `${prefix}${index}`;

/** Both directions of one session's history, and a total to wait on. */
export class SessionHistory {
  readonly toServer = new HistoryRecorder();
  readonly toClient = new HistoryRecorder();
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  /** Deliveries so far in the direction that has had fewer. */
  get slower(): number {
    return Math.min(this.toServer.delivered.length, this.toClient.delivered.length);
  }

  /** The server's handler got `payload`. */
  serverGot(payload: unknown): void {
    this.toServer.deliver(receivedId('c', payload));
    this.#wake();
  }

  /** The client's application got `payload`. */
  clientGot(payload: unknown): void {
    this.toClient.deliver(receivedId('s', payload));
    this.#wake();
  }

  /** Resolves once each direction has had `count` deliveries. */
  reachBoth(count: number): Promise<void> {
    if (this.slower >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  #wake(): void {
    const slower = this.slower;
    this.#waiters = this.#waiters.filter(({ count, resolve }) => {
      if (slower < count) return true;
      resolve();
      return false;
    });
  }
}
