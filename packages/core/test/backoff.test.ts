import { type BackoffPolicy, backoffDelay } from '@lifeline/core';
import { describe, expect, test } from 'vitest';

const policy = (overrides: Partial<BackoffPolicy> = {}): BackoffPolicy => ({
  minDelay: 50,
  maxDelay: 30_000,
  factor: 2,
  jitter: false,
  ...overrides,
});
const never = () => {
  throw new Error('jitter false must not draw a random number');
};

describe('backoffDelay', () => {
  test('without jitter, doubles from minDelay: 50, 100, 200, 400', () => {
    expect([1, 2, 3, 4].map((failures) => backoffDelay(policy(), failures, never))).toEqual([
      50, 100, 200, 400,
    ]);
  });

  test('follows the factor', () => {
    expect([1, 2, 3].map((n) => backoffDelay(policy({ minDelay: 10, factor: 3 }), n, never))).toEqual([
      10, 30, 90,
    ]);
  });

  test('stops growing at maxDelay', () => {
    const capped = policy({ minDelay: 100, maxDelay: 500 });
    expect([1, 2, 3, 4, 5, 30].map((n) => backoffDelay(capped, n, never))).toEqual([
      100, 200, 400, 500, 500, 500,
    ]);
  });

  test('a huge failure count stays finite at the cap', () => {
    expect(backoffDelay(policy({ maxDelay: 1000 }), 10_000, never)).toBe(1000);
  });

  test("'full' jitter spans [0, window): random 0 gives 0, random near 1 gives just under the window", () => {
    const full = policy({ jitter: 'full' });
    expect(backoffDelay(full, 3, () => 0)).toBe(0);
    expect(backoffDelay(full, 3, () => 0.5)).toBe(100);
    expect(backoffDelay(full, 3, () => 0.999_999)).toBe(199);
  });

  test("'equal' jitter spans [window/2, window)", () => {
    const equal = policy({ jitter: 'equal' });
    expect(backoffDelay(equal, 3, () => 0)).toBe(100);
    expect(backoffDelay(equal, 3, () => 0.5)).toBe(150);
    expect(backoffDelay(equal, 3, () => 0.999_999)).toBe(199);
  });

  test('jitter applies after the cap, so clients at the cap still spread out', () => {
    const capped = { minDelay: 1000, maxDelay: 5000, factor: 2 } as const;
    // uncapped the window would be 1000 * 2^9 = 512000; capped it is 5000, and jitter spreads within it
    expect(backoffDelay({ ...capped, jitter: 'full' }, 10, () => 0.5)).toBe(2500);
    expect(backoffDelay({ ...capped, jitter: 'full' }, 10, () => 0.999_999)).toBe(4999);
    expect(backoffDelay({ ...capped, jitter: 'equal' }, 10, () => 0)).toBe(2500);
  });

  test('every random draw stays within the bounds', () => {
    for (const jitter of ['full', 'equal'] as const) {
      for (let failures = 1; failures <= 12; failures++) {
        for (const r of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999_999_9]) {
          const window = Math.min(30_000, 50 * 2 ** (failures - 1));
          const delay = backoffDelay(policy({ jitter }), failures, () => r);
          expect(delay).toBeGreaterThanOrEqual(jitter === 'full' ? 0 : window / 2);
          expect(delay).toBeLessThan(window);
        }
      }
    }
  });

  test('failures 0 (a counter just reset) uses the first window', () => {
    expect(backoffDelay(policy(), 0, never)).toBe(50);
  });
});
