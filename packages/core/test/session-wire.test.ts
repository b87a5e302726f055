import { describe, expect, test } from 'vitest';
import {
  dataFrame,
  helloFrame,
  maskId,
  maskWelcomeId,
  parseServerFrame,
  resumeMismatch,
  type Welcome,
} from '../src/session-wire.js';
import { welcome } from './session-harness.js';

const decode = (frame: unknown) => new TextDecoder().decode(frame as Uint8Array);

describe('session frames', () => {
  test('hello, and data frames for text, byte views and ArrayBuffers', () => {
    expect(helloFrame('abc', 4, 'g')).toBe('h{"v":1,"sid":"abc","rx":4,"gen":"g"}');
    expect(dataFrame(3, 2, 'x')).toBe('d3 2\nx');
    const bytes = new Uint8Array([0, 65, 66, 0]);
    expect(decode(dataFrame(1, 0, bytes.subarray(1, 3)))).toBe('d1 0\nAB');
    expect(decode(dataFrame(1, 0, bytes.buffer))).toBe('d1 0\n\0AB\0');
  });

  test('parses every server frame', () => {
    expect(parseServerFrame('d12 3\n{"a":1}\nmore')).toEqual({
      type: 'data',
      seq: 12,
      ack: 3,
      payload: '{"a":1}\nmore',
    });
    expect(parseServerFrame('a9')).toEqual({ type: 'ack', ack: 9 });
    expect(parseServerFrame('p7')).toEqual({ type: 'ping', id: '7' });
    expect(parseServerFrame('q')).toEqual({ type: 'pong' });
    expect(parseServerFrame(welcome())).toMatchObject({ type: 'welcome', welcome: { epoch: 1, rx: 0 } });
  });

  test.each([
    ['d0 0\nx', "a bad data header 'd0 0'"],
    ['d1 -1\nx', "a bad data header 'd1 -1'"],
    ['d1\nx', "a bad data header 'd1'"],
    ['d1 0', 'a data frame without its header line'],
    [`d1 ${'0'.repeat(60)}\nx`, 'a data frame without its header line'],
    ['a', "a bad ack 'a'"],
    ['a1e3', "a bad ack 'a1e3'"],
    ['hello', "an unknown frame 'hello'"],
    ['w{', 'a welcome that is not JSON'],
    ['wnull', 'a welcome that is not an object'],
    [welcome({ sid: '' }), "a welcome with a bad 'sid'"],
    [welcome({ resumed: 'yes' }), "a welcome with a bad 'resumed'"],
    [welcome({ epoch: -1 }), "a welcome with a bad 'epoch'"],
    [welcome({ rx: 1.5 }), "a welcome with a bad 'rx'"],
    [welcome({ window: { messages: 0, bytes: 1 } }), "a welcome with a bad 'window.messages'"],
    [welcome({ window: { messages: 1 } }), "a welcome with a bad 'window.bytes'"],
    [new Uint8Array([1, 2, 3]).buffer, 'a binary frame without a data header'],
    [{}, 'a binary frame that is not an ArrayBuffer (is binaryType blob?)'],
  ])('%j is malformed: %s', (frame, why) => {
    expect(parseServerFrame(frame)).toEqual({ type: 'malformed', why });
  });

  test('a binary data frame keeps the platform type of its payload', () => {
    const frame = new TextEncoder().encode('d2 1\nzz');
    const parsed = parseServerFrame(frame);
    expect(parsed).toMatchObject({ type: 'data', seq: 2, ack: 1 });
    expect(parsed.type === 'data' && parsed.payload).toBeInstanceOf(Uint8Array);
  });

  test('masks session ids: alone, and inside a welcome', () => {
    expect(maskId('Zq3vSecret')).toBe('Zq3v…');
    expect(maskId(null)).toBe('');
    expect(maskWelcomeId('w{"sid":"Zq3vSecret","resumed":true}')).toBe('w{"sid":"Zq3v…","resumed":true}');
    expect(maskWelcomeId('d1 0\n"sid":"x"')).toBe('d1 0\n"sid":"x"');
  });

  test('a resumed welcome must fit the session held', () => {
    const parsed = parseServerFrame(welcome({ resumed: true, rx: 2 }));
    const fit = (parsed as { welcome: Welcome }).welcome;
    const sid = fit.sid;
    expect(resumeMismatch(fit, sid, 'gen-1', { acked: 1, sent: 3 })).toBeUndefined();
    expect(resumeMismatch(fit, null, null, { acked: 0, sent: 0 })).toBe('no session was asked for');
    expect(resumeMismatch(fit, 'other', 'gen-1', { acked: 1, sent: 3 })).toBe('another session id');
    expect(resumeMismatch(fit, sid, 'gen-0', { acked: 1, sent: 3 })).toBe('another store generation');
    expect(resumeMismatch(fit, sid, 'gen-1', { acked: 3, sent: 3 })).toBe('its rx 2 is outside 3..3');
    expect(resumeMismatch(fit, sid, 'gen-1', { acked: 0, sent: 1 })).toBe('its rx 2 is outside 0..1');
  });
});
