import { describe, expect, test } from 'vitest';
import {
  assertTransition,
  CLOSED,
  CLOSING,
  CONNECTING,
  OPEN,
  type Phase,
  toReadyState,
} from '../src/state.js';

const phases: Phase[] = ['idle', 'connecting', 'open', 'waiting', 'closing', 'closed'];

// The state machine of DESIGN.md, with `idle` (autoConnect: false) in front and `reconnect()` out of closed.
// Every close passes through `waiting` (a manual reconnect with no delay) or ends in `closed`; a
// suspension turns a running delay into an endless one (waiting -> waiting).
const allowed = new Set([
  'idle->connecting',
  'idle->closing',
  'connecting->open',
  'connecting->waiting',
  'connecting->closing',
  'connecting->closed',
  'open->waiting',
  'open->closing',
  'open->closed',
  'waiting->connecting',
  'waiting->waiting',
  'waiting->closing',
  'waiting->closed',
  'closing->closed',
  'closed->connecting',
]);

describe('assertTransition', () => {
  for (const from of phases) {
    for (const to of phases) {
      const key = `${from}->${to}`;
      if (allowed.has(key)) {
        test(`allows ${key}`, () => expect(() => assertTransition(from, to)).not.toThrow());
      } else {
        test(`refuses ${key}`, () =>
          expect(() => assertTransition(from, to)).toThrow(`'${from}' to '${to}'`));
      }
    }
  }
});

describe('toReadyState', () => {
  test('is CONNECTING before the first attempt, while connecting and while waiting to reconnect', () => {
    expect(toReadyState('idle')).toBe(CONNECTING);
    expect(toReadyState('connecting')).toBe(CONNECTING);
    expect(toReadyState('waiting')).toBe(CONNECTING);
  });

  test('is OPEN when open, CLOSING only while closing, CLOSED only when closed', () => {
    expect(toReadyState('open')).toBe(OPEN);
    expect(toReadyState('closing')).toBe(CLOSING);
    expect(toReadyState('closed')).toBe(CLOSED);
  });

  test('uses the standard values', () => {
    expect([CONNECTING, OPEN, CLOSING, CLOSED]).toEqual([0, 1, 2, 3]);
  });
});
