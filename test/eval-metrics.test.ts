import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../src/errors.js';
import {
  averagePrecision,
  f1AtK,
  latencySummary,
  meanAveragePrecision,
  mrr,
  ndcgAtK,
  percentile,
  precisionAtK,
  recallAtK,
  reciprocalRank,
} from '../src/eval/metrics.js';

/** Floating-point results are compared to 12 decimal places. */
function close(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);
}

// The running example: ranked answer [1, 2, 3, 4, 5], relevant {2, 4, 9}.
// Relevant positions (1-based): 2 and 4. Item 9 is never retrieved.
const RETRIEVED = [1, 2, 3, 4, 5];
const RELEVANT = [2, 4, 9];

describe('precisionAtK', () => {
  test('hand-computed cases', () => {
    // top-1 = [1]: 0 hits / 1
    close(precisionAtK(RETRIEVED, RELEVANT, 1), 0);
    // top-2 = [1, 2]: 1 hit (2) / 2
    close(precisionAtK(RETRIEVED, RELEVANT, 2), 0.5);
    // top-5: 2 hits (2, 4) / 5
    close(precisionAtK(RETRIEVED, RELEVANT, 5), 0.4);
    // k = 10 > 5 retrieved: missing positions are non-relevant, so 2 hits / 10
    close(precisionAtK(RETRIEVED, RELEVANT, 10), 0.2);
  });

  test('duplicates in retrieved count once; duplicates in relevant change nothing', () => {
    // [2, 2, 4]: position 2 repeats item 2 and is non-relevant → 2 hits / 3
    close(precisionAtK([2, 2, 4], [2, 4], 3), 2 / 3);
    close(precisionAtK([2, 2, 4], [2, 2, 4, 4], 3), 2 / 3);
  });

  test('no relevant items gives 0, not an error', () => {
    assert.equal(precisionAtK([1, 2], [], 2), 0);
  });

  test('accepts sets, typed arrays, strings and bigints', () => {
    close(precisionAtK(Uint32Array.from([7, 8]), new Set([8]), 2), 0.5);
    close(precisionAtK(['a', 'b'], ['b'], 2), 0.5);
    close(precisionAtK([1n, 2n], [2n], 2), 0.5);
  });
});

describe('recallAtK', () => {
  test('hand-computed cases', () => {
    // top-2 = [1, 2]: 1 of 3 relevant
    close(recallAtK(RETRIEVED, RELEVANT, 2), 1 / 3);
    // top-4: 2 (items 2, 4) of 3 relevant
    close(recallAtK(RETRIEVED, RELEVANT, 4), 2 / 3);
    // top-10 of a 5-item list: still 2 of 3
    close(recallAtK(RETRIEVED, RELEVANT, 10), 2 / 3);
  });

  test('ANN use: relevant = true top-k, recall = fraction found', () => {
    // true top-4 {10, 11, 12, 13}; answer [10, 12, 99, 13] finds 3 → 3/4
    close(recallAtK([10, 12, 99, 13], [10, 11, 12, 13], 4), 0.75);
    // the order inside the top-k does not matter
    close(recallAtK([13, 12, 11, 10], [10, 11, 12, 13], 4), 1);
  });

  test('a repeated hit counts once', () => {
    // [4, 4]: one distinct relevant item of 2
    close(recallAtK([4, 4], [2, 4], 2), 0.5);
  });

  test('no relevant items is 0/0 and throws', () => {
    assert.throws(() => recallAtK([1], [], 1), InvalidArgumentError);
    assert.throws(() => recallAtK([1], new Set<number>(), 1), InvalidArgumentError);
  });
});

describe('f1AtK', () => {
  test('hand-computed cases', () => {
    // k = 4: P = 2/4 = 1/2, R = 2/3; F1 = 2·(1/2)(2/3) / (1/2 + 2/3) = (2/3) / (7/6) = 4/7
    close(f1AtK(RETRIEVED, RELEVANT, 4), 4 / 7);
    // k = 1: P = 0, R = 0 → F1 = 0 (not NaN)
    assert.equal(f1AtK(RETRIEVED, RELEVANT, 1), 0);
    // perfect: P = R = 1 → 1
    close(f1AtK([2, 4, 9], RELEVANT, 3), 1);
  });

  test('no relevant items throws', () => {
    assert.throws(() => f1AtK([1], [], 1), InvalidArgumentError);
  });
});

describe('averagePrecision and meanAveragePrecision', () => {
  test('hand-computed cases', () => {
    // Hits at positions 2 and 4: P@2 = 1/2, P@4 = 2/4. trec_eval AP divides by |rel| = 3:
    // (1/2 + 1/2) / 3 = 1/3
    close(averagePrecision(RETRIEVED, RELEVANT), 1 / 3);
    // AP@2: only the hit at 2 counts, denominator min(2, 3) = 2: (1/2) / 2 = 1/4
    close(averagePrecision(RETRIEVED, RELEVANT, 2), 0.25);
    // AP@4: (1/2 + 2/4) / min(4, 3) = 1/3
    close(averagePrecision(RETRIEVED, RELEVANT, 4), 1 / 3);
    // [a, x, b, c] with rel {a, b, c}: (1/1 + 2/3 + 3/4) / 3 = (12 + 8 + 9) / 36 / 3 = 29/36
    close(averagePrecision(['a', 'x', 'b', 'c'], ['a', 'b', 'c']), 29 / 36);
  });

  test('a perfect top-k scores 1 at that k even when more items are relevant', () => {
    // AP@2 of [1, 2] with rel {1, 2, 3}: (1/1 + 2/2) / min(2, 3) = 1
    close(averagePrecision([1, 2], [1, 2, 3], 2), 1);
    // without a cut-off the missing item 3 counts: (1 + 1) / 3
    close(averagePrecision([1, 2], [1, 2, 3]), 2 / 3);
  });

  test('a repeated item is non-relevant at its second position', () => {
    // [1, 1, 2] with rel {1, 2}: hits at 1 and 3 → (1/1 + 2/3) / 2 = 5/6
    close(averagePrecision([1, 1, 2], [1, 2]), 5 / 6);
  });

  test('mAP is the mean over queries', () => {
    // AP of query 1 = 1/3 (above); query 2: [7] with rel {7} → 1. Mean = (1/3 + 1) / 2 = 2/3
    close(
      meanAveragePrecision([
        { retrieved: RETRIEVED, relevant: RELEVANT },
        { retrieved: [7], relevant: [7] },
      ]),
      2 / 3,
    );
    // with k = 2: (1/4 + 1) / 2 = 5/8
    close(
      meanAveragePrecision(
        [
          { retrieved: RETRIEVED, relevant: RELEVANT },
          { retrieved: [7], relevant: [7] },
        ],
        2,
      ),
      5 / 8,
    );
  });

  test('bad input throws', () => {
    assert.throws(() => averagePrecision([1], []), InvalidArgumentError);
    assert.throws(() => meanAveragePrecision([]), InvalidArgumentError);
    assert.throws(
      () =>
        meanAveragePrecision([
          { retrieved: [1], relevant: [1] },
          { retrieved: [1], relevant: [] },
        ]),
      InvalidArgumentError,
    );
  });
});

describe('ndcgAtK', () => {
  test('graded relevance, linear gains', () => {
    // grades a=3, c=2, d=1; answer [a, b, c]
    // DCG@3 = 3/log2(2) + 0/log2(3) + 2/log2(4) = 3 + 0 + 1 = 4
    // IDCG@3 = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 2/log2(3) + 0.5
    const grades = new Map([
      ['a', 3],
      ['c', 2],
      ['d', 1],
    ]);
    close(ndcgAtK(['a', 'b', 'c'], grades, 3), 4 / (3.5 + 2 / Math.log2(3)));
    // k = 1: DCG = 3, IDCG = 3 → 1
    close(ndcgAtK(['a', 'b', 'c'], grades, 1), 1);
  });

  test('graded relevance, exponential gains', () => {
    // gains 2^3-1 = 7, 2^2-1 = 3, 2^1-1 = 1
    // DCG@3 = 7 + 0 + 3/2 = 8.5; IDCG@3 = 7 + 3/log2(3) + 1/2 = 7.5 + 3/log2(3)
    const grades = new Map([
      ['a', 3],
      ['c', 2],
      ['d', 1],
    ]);
    close(ndcgAtK(['a', 'b', 'c'], grades, 3, { gain: 'exponential' }), 8.5 / (7.5 + 3 / Math.log2(3)));
  });

  test('binary relevance', () => {
    // relevant at positions 2 and 4 of RETRIEVED; |rel| = 3
    // DCG@5 = 1/log2(3) + 1/log2(5)
    // IDCG@5 = 1/log2(2) + 1/log2(3) + 1/log2(4) = 1 + 1/log2(3) + 1/2
    close(ndcgAtK(RETRIEVED, RELEVANT, 5), (1 / Math.log2(3) + 1 / Math.log2(5)) / (1.5 + 1 / Math.log2(3)));
    // k = 2: DCG = 1/log2(3); IDCG = 1 + 1/log2(3)
    close(ndcgAtK(RETRIEVED, new Set(RELEVANT), 2), 1 / Math.log2(3) / (1 + 1 / Math.log2(3)));
    // binary gains are the same under both gain functions
    close(ndcgAtK(RETRIEVED, RELEVANT, 5, { gain: 'exponential' }), ndcgAtK(RETRIEVED, RELEVANT, 5));
  });

  test('a repeated item gains nothing the second time; fewer than k results are not rewarded', () => {
    // [x, x] with x relevant (binary, |rel| = 1): DCG = 1, IDCG@2 = 1 → 1
    close(ndcgAtK(['x', 'x'], ['x'], 2), 1);
    // [y, x] with rel {x, z}: DCG@3 = 1/log2(3); IDCG@3 = 1 + 1/log2(3)
    close(ndcgAtK(['y', 'x'], ['x', 'z'], 3), 1 / Math.log2(3) / (1 + 1 / Math.log2(3)));
  });

  test('bad input throws', () => {
    assert.throws(() => ndcgAtK([1], [], 1), InvalidArgumentError);
    assert.throws(() => ndcgAtK([1], new Map([[1, 0]]), 1), InvalidArgumentError);
    assert.throws(() => ndcgAtK([1], new Map([[1, -1]]), 1), InvalidArgumentError);
    assert.throws(() => ndcgAtK([1], new Map([[1, Number.NaN]]), 1), InvalidArgumentError);
    assert.throws(() => ndcgAtK([1], [1], 1, { gain: 'cubic' as unknown as 'linear' }), InvalidArgumentError);
  });
});

describe('reciprocalRank and mrr', () => {
  test('hand-computed cases', () => {
    // first relevant item of RETRIEVED is at position 2 → 1/2
    close(reciprocalRank(RETRIEVED, RELEVANT), 0.5);
    // within the first 1 there is none → 0
    assert.equal(reciprocalRank(RETRIEVED, RELEVANT, 1), 0);
    // nothing relevant at all → 0, not an error
    assert.equal(reciprocalRank(RETRIEVED, []), 0);
    // three queries: 1/2, 1/1, 0 → mean (1/2 + 1 + 0) / 3 = 1/2
    close(
      mrr([
        { retrieved: RETRIEVED, relevant: RELEVANT },
        { retrieved: [6], relevant: [6] },
        { retrieved: [8], relevant: [9] },
      ]),
      0.5,
    );
  });

  test('bad input throws', () => {
    assert.throws(() => mrr([]), InvalidArgumentError);
    assert.throws(() => reciprocalRank([1], [1], 0), InvalidArgumentError);
  });
});

describe('k and ids are validated', () => {
  const cutOff = [
    ['precisionAtK', (k: number) => precisionAtK([1], [1], k)],
    ['recallAtK', (k: number) => recallAtK([1], [1], k)],
    ['f1AtK', (k: number) => f1AtK([1], [1], k)],
    ['ndcgAtK', (k: number) => ndcgAtK([1], [1], k)],
    ['averagePrecision', (k: number) => averagePrecision([1], [1], k)],
    ['reciprocalRank', (k: number) => reciprocalRank([1], [1], k)],
  ] as const;
  for (const [name, call] of cutOff) {
    test(`${name} rejects k ≤ 0, fractional k and NaN`, () => {
      for (const k of [0, -1, 1.5, Number.NaN])
        assert.throws(() => call(k), InvalidArgumentError, `k = ${k}`);
    });
  }

  test('Infinity is a valid k only for averagePrecision and reciprocalRank', () => {
    assert.throws(() => precisionAtK([1], [1], Number.POSITIVE_INFINITY), InvalidArgumentError);
    assert.throws(() => recallAtK([1], [1], Number.POSITIVE_INFINITY), InvalidArgumentError);
    assert.throws(() => ndcgAtK([1], [1], Number.POSITIVE_INFINITY), InvalidArgumentError);
    close(averagePrecision([1], [1], Number.POSITIVE_INFINITY), 1);
    close(reciprocalRank([1], [1], Number.POSITIVE_INFINITY), 1);
  });

  test('NaN ids are rejected in retrieved and in relevant', () => {
    assert.throws(() => recallAtK([Number.NaN], [1], 1), InvalidArgumentError);
    assert.throws(() => recallAtK([1], [Number.NaN], 1), InvalidArgumentError);
    assert.throws(() => precisionAtK([1], new Set([Number.NaN]), 1), InvalidArgumentError);
    assert.throws(() => averagePrecision([Number.NaN], [1]), InvalidArgumentError);
    assert.throws(() => ndcgAtK([Number.NaN], [1], 1), InvalidArgumentError);
    assert.throws(() => reciprocalRank([Number.NaN], [1]), InvalidArgumentError);
  });
});

describe('percentile', () => {
  test('linear interpolation between closest ranks (NumPy default, type 7)', () => {
    const x = [4, 1, 3, 2]; // sorted: [1, 2, 3, 4], n − 1 = 3
    // p = 0 → h = 0 → 1; p = 100 → h = 3 → 4
    assert.equal(percentile(x, 0), 1);
    assert.equal(percentile(x, 100), 4);
    // p = 50 → h = 1.5 → 2 + 0.5·(3 − 2) = 2.5
    close(percentile(x, 50), 2.5);
    // p = 90 → h = 2.7 → 3 + 0.7·(4 − 3) = 3.7
    close(percentile(x, 90), 3.7);
    // p = 25 → h = 0.75 → 1 + 0.75·(2 − 1) = 1.75
    close(percentile(x, 25), 1.75);
  });

  test('one sample is every percentile; the input is not reordered', () => {
    assert.equal(percentile([7], 0), 7);
    assert.equal(percentile([7], 99), 7);
    const x = [3, 1, 2];
    percentile(x, 50);
    assert.deepEqual(x, [3, 1, 2]);
  });

  test('bad input throws', () => {
    assert.throws(() => percentile([], 50), InvalidArgumentError);
    assert.throws(() => percentile([1, Number.NaN], 50), InvalidArgumentError);
    assert.throws(() => percentile([1, Number.POSITIVE_INFINITY], 50), InvalidArgumentError);
    for (const p of [-1, 100.5, Number.NaN]) assert.throws(() => percentile([1], p), InvalidArgumentError);
  });
});

describe('latencySummary', () => {
  test('hand-computed case', () => {
    // samples 1..100 (shuffled by reversing): sorted x[i] = i + 1, n − 1 = 99
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    const s = latencySummary(samples);
    assert.equal(s.count, 100);
    // mean = 5050 / 100
    close(s.mean, 50.5);
    assert.equal(s.min, 1);
    assert.equal(s.max, 100);
    // p50: h = 49.5 → 50 + 0.5 = 50.5; p90: h = 89.1 → 90 + 0.1 = 90.1
    close(s.p50, 50.5);
    close(s.p90, 90.1);
    // p95: h = 94.05 → 95.05; p99: h = 98.01 → 99.01
    close(s.p95, 95.05);
    close(s.p99, 99.01);
  });

  test('bad input throws', () => {
    assert.throws(() => latencySummary([]), InvalidArgumentError);
    assert.throws(() => latencySummary([1, Number.NaN]), InvalidArgumentError);
  });
});
