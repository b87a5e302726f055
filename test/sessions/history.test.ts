import { describe, expect, test } from 'vitest';
import { checkHistory, describeVerdict, HistoryRecorder } from '../helpers/history.js';

const ids = (count: number) => Array.from({ length: count }, (_, index) => `m${index + 1}`);

describe('checkHistory', () => {
  test('passes a clean history, complete or with its tail still in flight', () => {
    const accepted = ids(5);
    expect(checkHistory({ accepted, delivered: accepted }, { isDrained: true })).toEqual({
      ok: true,
      accepted: 5,
      delivered: 5,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      unknown: 0,
      first: {},
    });
    expect(checkHistory({ accepted, delivered: ['m1', 'm2'] }, { isDrained: false }).ok).toBe(true);
    expect(checkHistory({ accepted, delivered: [] }, { isDrained: false }).ok).toBe(true);
  });

  test('catches a lost message in the middle, drained or not', () => {
    const history = { accepted: ids(5), delivered: ['m1', 'm2', 'm4', 'm5'] };
    for (const isDrained of [true, false]) {
      expect(checkHistory(history, { isDrained })).toMatchObject({
        ok: false,
        lost: 1,
        duplicated: 0,
        reordered: 0,
        first: { lost: 'm3' },
      });
    }
  });

  test('counts an undelivered tail as lost only after the final drain', () => {
    const history = { accepted: ids(5), delivered: ['m1', 'm2', 'm3'] };
    expect(checkHistory(history, { isDrained: false }).lost).toBe(0);
    expect(checkHistory(history, { isDrained: true })).toMatchObject({
      ok: false,
      lost: 2,
      first: { lost: 'm4' },
    });
  });

  test('catches a duplicate, next to its original or long after it', () => {
    expect(
      checkHistory({ accepted: ids(3), delivered: ['m1', 'm2', 'm2', 'm3'] }, { isDrained: true }),
    ).toMatchObject({ ok: false, lost: 0, duplicated: 1, reordered: 0, first: { duplicated: 'm2' } });
    expect(
      checkHistory({ accepted: ids(3), delivered: ['m1', 'm2', 'm3', 'm1', 'm1'] }, { isDrained: true }),
    ).toMatchObject({ duplicated: 2, reordered: 0, first: { duplicated: 'm1' } });
  });

  test('catches a reorder, and counts the late message as reordered rather than lost', () => {
    expect(
      checkHistory({ accepted: ids(4), delivered: ['m1', 'm3', 'm2', 'm4'] }, { isDrained: true }),
    ).toMatchObject({ ok: false, lost: 0, duplicated: 0, reordered: 1, first: { reordered: 'm2' } });
  });

  test('catches a delivery the sender never accepted', () => {
    expect(
      checkHistory({ accepted: ids(2), delivered: ['m1', 'x', 'm2'] }, { isDrained: true }),
    ).toMatchObject({
      ok: false,
      unknown: 1,
      first: { unknown: 'x' },
    });
  });

  test('reports several faults at once, each with its first offender', () => {
    const verdict = checkHistory(
      { accepted: ids(8), delivered: ['m1', 'm3', 'm3', 'm2', 'm5', 'm7', 'm8'] },
      { isDrained: true },
    );
    expect(verdict).toMatchObject({
      lost: 2,
      duplicated: 1,
      reordered: 1,
      first: { lost: 'm4', duplicated: 'm3', reordered: 'm2' },
    });
    expect(describeVerdict(verdict)).toBe(
      'lost 2 (first m4), duplicated 1 (first m3), reordered 1 (first m2), unknown 0 of 8 accepted, 7 delivered',
    );
  });

  test('refuses an accepted history that names a message twice', () => {
    expect(() => checkHistory({ accepted: ['m1', 'm1'], delivered: [] }, { isDrained: true })).toThrow(
      /accepted holds the id m1 twice/,
    );
  });
});

test('HistoryRecorder checks what was recorded', () => {
  const history = new HistoryRecorder<number>();
  for (const id of [1, 2, 3]) history.accept(id);
  history.deliver(1);
  history.deliver(3);
  expect(history.check({ isDrained: false })).toMatchObject({ ok: false, lost: 1, first: { lost: 2 } });
  history.deliver(2);
  expect(history.check({ isDrained: true })).toMatchObject({
    lost: 0,
    reordered: 1,
    first: { reordered: 2 },
  });
});
