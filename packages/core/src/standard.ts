import { utf8Length } from './byte-length.js';
import { redact } from './redact.js';

/*
 * The argument checks of the WebSocket standard, with the exceptions it names.
 * @see https://websockets.spec.whatwg.org/#the-websocket-interface
 */

// RFC 7230 tchar: the characters a Sec-WebSocket-Protocol token may contain
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function syntaxError(message: string): DOMException {
  return new DOMException(`Lifeline: ${message}`, 'SyntaxError');
}

/**
 * Parses and checks a WebSocket URL as the constructor does: http(s) becomes ws(s); any other scheme,
 * a fragment or an unparsable string is a `SyntaxError`.
 * @see https://websockets.spec.whatwg.org/#dom-websocket-websocket steps 1-6
 */
export function parseWebSocketUrl(input: string | URL, base?: string): URL {
  let url: URL;
  try {
    url = new URL(String(input), base);
  } catch {
    // redacted: a provider's bad URL ends up in an error event, and its query may hold a token
    throw syntaxError(`the URL '${redact(String(input))}' is invalid`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw syntaxError(`the URL's scheme must be ws, wss, http or https, not '${url.protocol.slice(0, -1)}'`);
  }
  // url.hash is '' both for "no fragment" and for an empty one; only the serialisation tells them apart
  if (url.href.includes('#')) {
    throw syntaxError(`the URL '${redact(url.href)}' has a fragment, which WebSocket URLs may not`);
  }
  return url;
}

/**
 * Normalises `protocols` to a list and checks each is a token and none repeats (compared without case,
 * as servers match them).
 * @see https://websockets.spec.whatwg.org/#dom-websocket-websocket step 7
 */
export function checkProtocols(protocols: string | readonly string[] | undefined): string[] {
  const list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
  const seen = new Set<string>();
  for (const protocol of list) {
    if (typeof protocol !== 'string' || !TOKEN.test(protocol)) {
      throw syntaxError(`the subprotocol '${String(protocol)}' is invalid`);
    }
    const key = protocol.toLowerCase();
    if (seen.has(key)) {
      throw syntaxError(`the subprotocol '${protocol}' is duplicated`);
    }
    seen.add(key);
  }
  return list;
}

/**
 * Checks `close()` arguments: only 1000 and 3000-4999 may be sent by an application, and the reason
 * must fit a control frame (123 UTF-8 bytes).
 * @see https://websockets.spec.whatwg.org/#dom-websocket-close steps 1-2
 */
export function checkCloseArguments(code: number | undefined, reason: string | undefined): void {
  if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
    throw new DOMException(
      `Lifeline: the close code must be 1000 or 3000-4999, not ${code}`,
      'InvalidAccessError',
    );
  }
  const bytes = reason === undefined ? 0 : utf8Length(reason);
  if (bytes > 123) throw syntaxError(`the close reason must be at most 123 UTF-8 bytes, not ${bytes}`);
}

/** WebIDL's `[Clamp] unsigned short` conversion, which the standard applies to the close code. */
export function clampCloseCode(code: unknown): number | undefined {
  if (code === undefined) return undefined;
  // NaN converts to 0
  const clamped = Math.min(65535, Math.max(0, Number(code) || 0));
  const rounded = Math.round(clamped);
  // WebIDL rounds ties to even (Math.round rounds them up), so close(1000.5) is close(1000), not 1001
  return clamped % 1 === 0.5 && rounded % 2 === 1 ? rounded - 1 : rounded;
}
