/**
 * A secret (a session id, a token) fit for events, errors and logs: its first 4 characters and `…`, so
 * two sessions can be told apart without the id being usable.
 */
export function mask(secret: string): string {
  return `${secret.slice(0, 4)}…`;
}

/** 128 random bits, base64url: 22 characters (session ids, store generations). */
export function randomToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
}

const TOKEN = /^[A-Za-z0-9_-]{22}$/;

/** Whether `value` has the form `randomToken()` makes (what a resumable sid must look like). */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}
