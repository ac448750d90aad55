import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type FusedItem, fuseRrf, fuseWeighted } from '../src/text/fusion.js';

const TOLERANCE = 1e-12;

function assertFused<K>(found: FusedItem<K>[], expected: [K, number][]): void {
  assert.deepEqual(
    found.map((item) => item.key),
    expected.map(([key]) => key),
  );
  expected.forEach(([key, score], i) => {
    assert.ok(Math.abs(found[i].score - score) <= TOLERANCE, `${String(key)}: ${found[i].score} vs ${score}`);
  });
}

describe('fuseRrf', () => {
  test('scores Σ 1/(60 + rank), ranks from 1', () => {
    const fused = fuseRrf([{ keys: ['a', 'b', 'c'] }, { keys: ['c', 'a', 'd'] }]);
    assertFused(fused, [
      ['a', 1 / 61 + 1 / 62],
      ['c', 1 / 63 + 1 / 61],
      ['b', 1 / 62],
      ['d', 1 / 63],
    ]);
  });

  test('weights and k scale each list', () => {
    const fused = fuseRrf(
      [
        { keys: ['a', 'b'], weight: 0.5 },
        { keys: ['b', 'c'], weight: 2 },
      ],
      10,
    );
    assertFused(fused, [
      ['b', 0.5 / 12 + 2 / 11],
      ['c', 2 / 12],
      ['a', 0.5 / 11],
    ]);
  });

  test('equal scores: best rank first, then first appearance', () => {
    // With k = 0: rank 1 → 1, rank 2 → 1/2, so p, q and r all score exactly 1.
    const fused = fuseRrf([{ keys: ['p', 'q'] }, { keys: ['r', 'q'] }], 0);
    assertFused(fused, [
      ['p', 1],
      ['r', 1],
      ['q', 1],
    ]);
    const swapped = fuseRrf([{ keys: ['b', 'a'] }, { keys: ['a', 'b'] }]);
    assert.deepEqual(
      swapped.map((item) => item.key),
      ['b', 'a'],
    );
  });

  test('a key repeated within a list counts once, at its best position; numbers work as keys', () => {
    assertFused(fuseRrf([{ keys: [7, 8, 7] }], 0), [
      [7, 1],
      [8, 1 / 2],
    ]);
    assert.deepEqual(fuseRrf([]), []);
    assert.deepEqual(fuseRrf([{ keys: [] }, { keys: [] }]), []);
  });
});

describe('fuseWeighted', () => {
  test('min-max normalizes each list (best 1, worst 0) and sums weighted scores; missing counts 0', () => {
    const fused = fuseWeighted([
      { keys: ['a', 'b', 'c'], scores: [0.1, 0.3, 0.5], higherIsBetter: false },
      { keys: ['c', 'a'], scores: [7, 2], higherIsBetter: true, weight: 2 },
    ]);
    assertFused(fused, [
      ['c', 2],
      ['a', 1],
      ['b', 0.5],
    ]);
  });

  test('a list whose scores are all equal gives each of its keys its weight', () => {
    const fused = fuseWeighted([
      { keys: ['x', 'y'], scores: [3, 3], higherIsBetter: true, weight: 0.25 },
      { keys: ['y', 'z', 'w'], scores: [10, 5, 0], higherIsBetter: true },
    ]);
    assertFused(fused, [
      ['y', 1.25],
      ['z', 0.5],
      ['x', 0.25],
      ['w', 0],
    ]);
  });

  test('ties: best rank, then first appearance; weight 0 keeps keys at 0', () => {
    const fused = fuseWeighted([
      { keys: ['a', 'b'], scores: [1, 0], higherIsBetter: true },
      { keys: ['c', 'd'], scores: [5, 1], higherIsBetter: true, weight: 0 },
    ]);
    assertFused(fused, [
      ['a', 1],
      ['c', 0],
      ['b', 0],
      ['d', 0],
    ]);
  });

  test('keys and scores of different lengths are refused with a RangeError', () => {
    assert.throws(() => fuseWeighted([{ keys: ['a', 'b'], scores: [1], higherIsBetter: true }]), RangeError);
  });
});
