import { describe, expect, test } from 'vitest';
import { checkCloseArguments, checkProtocols, clampCloseCode, parseWebSocketUrl } from '../src/standard.js';
import { LifelineMessageEvent, PlatformMessageEvent } from '../src/standard-events.js';

/** Runs `fn` and returns the DOMException it throws. */
function domException(fn: () => unknown): DOMException {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DOMException);
    return error as DOMException;
  }
  throw new Error('expected a DOMException, nothing was thrown');
}

describe('parseWebSocketUrl', () => {
  test('keeps ws and wss, and serialises the URL', () => {
    expect(parseWebSocketUrl('ws://example.com').href).toBe('ws://example.com/');
    expect(parseWebSocketUrl('WSS://Example.COM:443/a b?x=1').href).toBe('wss://example.com/a%20b?x=1');
  });

  test('maps http to ws and https to wss, dropping the default port of the new scheme', () => {
    expect(parseWebSocketUrl('http://example.com/feed').href).toBe('ws://example.com/feed');
    expect(parseWebSocketUrl('https://example.com/feed').href).toBe('wss://example.com/feed');
    expect(parseWebSocketUrl('http://example.com:8080/').href).toBe('ws://example.com:8080/');
  });

  test('accepts a URL object', () => {
    expect(parseWebSocketUrl(new URL('https://example.com/x')).href).toBe('wss://example.com/x');
  });

  test('resolves a relative URL against the base', () => {
    expect(parseWebSocketUrl('/socket', 'https://example.com/app/page').href).toBe(
      'wss://example.com/socket',
    );
  });

  test.each(['not a url', 'ws://', 'http://[::1', '', '/relative-without-base'])(
    'an unparsable URL %j is a SyntaxError naming it',
    (input) => {
      const error = domException(() => parseWebSocketUrl(input));
      expect(error.name).toBe('SyntaxError');
      expect(error.message).toContain(`'${input}'`);
    },
  );

  test.each([
    'ftp://example.com',
    'file:///tmp/x',
    'javascript:alert(1)',
    'data:text/plain,x',
    'mailto:a@b.c',
  ])('a scheme other than ws, wss, http, https (%s) is a SyntaxError', (input) => {
    const error = domException(() => parseWebSocketUrl(input));
    expect(error.name).toBe('SyntaxError');
    expect(error.message).toContain(`not '${input.split(':')[0]}'`);
  });

  test.each([
    'ws://example.com/#frag',
    'ws://example.com/#',
    'ws://example.com#',
    'https://example.com/?q#x',
  ])('a fragment, even an empty one, is a SyntaxError: %s', (input) => {
    expect(domException(() => parseWebSocketUrl(input)).name).toBe('SyntaxError');
  });
});

describe('checkProtocols', () => {
  test('normalises to a list', () => {
    expect(checkProtocols(undefined)).toEqual([]);
    expect(checkProtocols('chat')).toEqual(['chat']);
    expect(checkProtocols(['v1', 'v2.json'])).toEqual(['v1', 'v2.json']);
    expect(checkProtocols([])).toEqual([]);
  });

  test('accepts every token character', () => {
    expect(checkProtocols("!#$%&'*+-.^_`|~09AZaz")).toEqual(["!#$%&'*+-.^_`|~09AZaz"]);
  });

  test.each([
    '',
    'two words',
    'semi;colon',
    'comma,list',
    'quote"d',
    '(paren)',
    'slash/',
    'colon:',
    'équipe',
    'tab\t',
    '\u0000',
  ])('%j is not a token: SyntaxError', (protocol) => {
    const error = domException(() => checkProtocols([protocol]));
    expect(error.name).toBe('SyntaxError');
    expect(error.message).toContain('is invalid');
  });

  test('a non-string element is a SyntaxError', () => {
    expect(domException(() => checkProtocols([42 as unknown as string])).name).toBe('SyntaxError');
  });

  test.each([[['chat', 'chat']], [['chat', 'CHAT']], [['a', 'b', 'Chat', 'cHaT']]])(
    'duplicates, compared without case, are a SyntaxError: %j',
    (protocols) => {
      const error = domException(() => checkProtocols(protocols));
      expect(error.name).toBe('SyntaxError');
      expect(error.message).toContain('is duplicated');
    },
  );
});

describe('checkCloseArguments', () => {
  test.each([undefined, 1000, 3000, 3999, 4000, 4999])('code %s is allowed', (code) => {
    expect(() => checkCloseArguments(code, undefined)).not.toThrow();
  });

  test.each([0, 999, 1001, 1002, 1005, 1006, 1011, 1015, 2999, 5000, 65535])(
    'code %i is an InvalidAccessError naming it',
    (code) => {
      const error = domException(() => checkCloseArguments(code, undefined));
      expect(error.name).toBe('InvalidAccessError');
      expect(error.message).toContain(String(code));
    },
  );

  test('a reason of 123 UTF-8 bytes is allowed, 124 is a SyntaxError', () => {
    expect(() => checkCloseArguments(1000, 'a'.repeat(123))).not.toThrow();
    const error = domException(() => checkCloseArguments(1000, 'a'.repeat(124)));
    expect(error.name).toBe('SyntaxError');
    expect(error.message).toContain('124');
  });

  test('the reason limit counts UTF-8 bytes, not UTF-16 units', () => {
    // 61 two-byte characters + 1 = 123 bytes; 62 two-byte characters = 124 bytes, though only 62 units
    expect(() => checkCloseArguments(1000, `${'é'.repeat(61)}a`)).not.toThrow();
    expect(domException(() => checkCloseArguments(1000, 'é'.repeat(62))).name).toBe('SyntaxError');
    expect(domException(() => checkCloseArguments(undefined, '😀'.repeat(31))).name).toBe('SyntaxError');
  });

  test('the code is checked before the reason', () => {
    expect(domException(() => checkCloseArguments(999, 'a'.repeat(200))).name).toBe('InvalidAccessError');
  });
});

describe('clampCloseCode ([Clamp] unsigned short)', () => {
  test('leaves undefined alone', () => {
    expect(clampCloseCode(undefined)).toBeUndefined();
  });

  test('clamps to 0..65535 and maps NaN to 0', () => {
    expect(clampCloseCode(-5)).toBe(0);
    expect(clampCloseCode(70_000)).toBe(65535);
    expect(clampCloseCode(Number.POSITIVE_INFINITY)).toBe(65535);
    expect(clampCloseCode(Number.NaN)).toBe(0);
    expect(clampCloseCode('abc')).toBe(0);
    expect(clampCloseCode('3001')).toBe(3001);
  });

  test('rounds half to even, as WebIDL says', () => {
    expect(clampCloseCode(3000.4)).toBe(3000);
    expect(clampCloseCode(3000.6)).toBe(3001);
    expect(clampCloseCode(1000.5)).toBe(1000);
    expect(clampCloseCode(3001.5)).toBe(3002);
    expect(clampCloseCode(2999.5)).toBe(3000);
  });
});

describe('LifelineMessageEvent, for runtimes without a MessageEvent of their own', () => {
  test("has the standard's fields: data, origin, and the empty lastEventId, source and ports", () => {
    const event = new LifelineMessageEvent('message', { data: 'hi', origin: 'wss://example.com' });
    expect(event).toBeInstanceOf(Event);
    expect([event.type, event.data, event.origin, event.lastEventId, event.source]).toEqual([
      'message',
      'hi',
      'wss://example.com',
      '',
      null,
    ]);
    expect(event.ports).toEqual([]);
    expect(Object.isFrozen(event.ports)).toBe(true);
  });

  test('where the platform has MessageEvent, Lifeline dispatches that one', () => {
    expect(PlatformMessageEvent).toBe(MessageEvent);
  });
});
