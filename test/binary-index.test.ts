/**
 * BinaryFlatIndex against a plain-JS popcount reference: Hamming and Jaccard top-k on
 * fixed-seed random rows of 256 bits (ORB descriptors) and 8 bits, with k > n, allow
 * bitsets and ties (lowest offset first); range search; empty vectors under Jaccard;
 * serialize round trips; searchAsync equal to search; bad input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../src/eval/random.js';
import { BinaryFlatIndex, type BinaryMetric } from '../src/index/binary-flat-index.js';
import { Bitset } from '../src/index/bitset.js';
import { wasmKernels } from '../src/kernels/load.js';
import { randomAllow } from './support/index-conformance.js';

const kern = wasmKernels();

function randomRows(n: number, bits: number, seed: number): Uint8Array {
  const rng = new SeededRandom(seed);
  const out = new Uint8Array((n * bits) / 8);
  for (let i = 0; i < out.length; i++) out[i] = rng.int(256);
  return out;
}

function popcount8(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}

/** The reference distance between packed rows a and b. */
function referenceDistance(metric: BinaryMetric, a: Uint8Array, b: Uint8Array): number {
  let differ = 0;
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    differ += popcount8(a[i] ^ b[i]);
    both += popcount8(a[i] & b[i]);
    either += popcount8(a[i] | b[i]);
  }
  if (metric === 'hamming') return differ;
  return either === 0 ? 0 : Math.fround(1 - both / either);
}

/** Reference top-k: (distance, offset) ascending over the allowed rows. */
function referenceTopK(
  metric: BinaryMetric,
  rows: Uint8Array,
  bytes: number,
  query: Uint8Array,
  k: number,
  allow?: Bitset,
) {
  const n = rows.length / bytes;
  const scored: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (allow && !allow.has(i)) continue;
    scored.push([referenceDistance(metric, rows.subarray(i * bytes, (i + 1) * bytes), query), i]);
  }
  scored.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const top = scored.slice(0, k);
  return { offsets: Uint32Array.from(top, (s) => s[1]), distances: Float32Array.from(top, (s) => s[0]) };
}

for (const metric of ['hamming', 'jaccard'] as const) {
  for (const bits of [256, 8]) {
    describe(`binary flat index, ${metric}, ${bits} bits`, () => {
      const n = bits === 8 ? 300 : 2_000;
      const bytes = bits / 8;
      const rows = randomRows(n, bits, 11 + bits);
      const queries = randomRows(20, bits, 99);

      test('top-k equals the JS popcount reference, ties by lowest offset, with and without a filter', () => {
        const index = new BinaryFlatIndex(kern, bits, metric);
        try {
          index.add(rows);
          assert.equal(index.size, n);
          index.checkIntegrity();
          const allow = randomAllow(n, 0.3, 5);
          for (let q = 0; q < 20; q++) {
            const query = queries.subarray(q * bytes, (q + 1) * bytes);
            for (const filter of [undefined, allow]) {
              const want = referenceTopK(metric, rows, bytes, query, 10, filter);
              assert.deepEqual(index.search(query, 10, filter), want);
            }
          }
        } finally {
          index.dispose();
        }
      });

      test('k larger than the rows returns every allowed row; an empty filter returns none', () => {
        const index = new BinaryFlatIndex(kern, bits, metric);
        try {
          index.add(rows.subarray(0, 7 * bytes));
          const query = queries.subarray(0, bytes);
          const all = index.search(query, 50);
          assert.deepEqual(all, referenceTopK(metric, rows.subarray(0, 7 * bytes), bytes, query, 50));
          const few = new Bitset(7);
          few.set(2);
          few.set(6);
          assert.deepEqual([...index.search(query, 50, few).offsets].sort(), [2, 6]);
          assert.equal(index.search(query, 5, new Bitset(7)).offsets.length, 0);
        } finally {
          index.dispose();
        }
      });

      test('range search returns every allowed row within the radius, ascending', () => {
        const index = new BinaryFlatIndex(kern, bits, metric);
        try {
          index.add(rows);
          const query = queries.subarray(bytes, 2 * bytes);
          const radius = metric === 'hamming' ? bits / 2 - 8 : 0.6;
          const allow = randomAllow(n, 0.5, 8);
          const want = referenceTopK(metric, rows, bytes, query, n, allow);
          const inside = want.distances.findIndex((d) => d > radius);
          const cut = inside < 0 ? want.offsets.length : inside;
          const got = index.rangeSearch(query, radius, allow);
          assert.deepEqual(got.offsets, want.offsets.subarray(0, cut));
          assert.deepEqual(got.distances, want.distances.subarray(0, cut));
        } finally {
          index.dispose();
        }
      });

      test('serialize round trip is byte-identical and searches alike; searchAsync equals search', async () => {
        const index = new BinaryFlatIndex(kern, bits, metric);
        index.add(rows);
        const bytesOut = index.serialize();
        const again = BinaryFlatIndex.deserialize(kern, bytesOut);
        try {
          assert.equal(again.metric, metric);
          assert.equal(again.dimension, bits);
          assert.deepEqual(again.serialize(), bytesOut);
          const query = queries.subarray(0, bytes);
          const want = index.search(query, 10);
          assert.deepEqual(again.search(query, 10), want);
          assert.deepEqual(await again.searchAsync(query, 10), want);
          assert.throws(
            () => BinaryFlatIndex.deserialize(kern, bytesOut.subarray(0, bytesOut.length - 1)),
            /bytes/,
          );
        } finally {
          index.dispose();
          again.dispose();
        }
      });
    });
  }
}

describe('binary flat index edge cases', () => {
  test('Jaccard distance of two empty vectors is 0, of disjoint ones 1, else 1 - |a and b| / |a or b|', () => {
    const index = new BinaryFlatIndex(kern, 16, 'jaccard');
    try {
      index.add(Uint8Array.from([0, 0, 0xff, 0, 0x0f, 0xf0]));
      const got = index.search(new Uint8Array(2), 3);
      assert.deepEqual([...got.offsets], [0, 1, 2]);
      assert.deepEqual([...got.distances], [0, 1, 1]);
      const half = index.search(Uint8Array.from([0xff, 0]), 3);
      assert.deepEqual([...half.offsets], [1, 2, 0]);
      assert.deepEqual([...half.distances], [0, Math.fround(1 - 4 / 12), 1]);
    } finally {
      index.dispose();
    }
  });

  test('memory per vector is the row in whole u64 words: 32 bytes for 256 bits, 8 for 8 bits', () => {
    for (const [bits, bytes] of [
      [256, 32],
      [8, 8],
      [72, 16],
    ]) {
      const index = new BinaryFlatIndex(kern, bits, 'hamming');
      index.add(new Uint8Array(bits / 8));
      assert.equal(index.bytesPerVector, bytes);
      assert.ok(index.memoryBytes >= bytes);
      index.dispose();
    }
  });

  test('bad dimension, metric, row length and query length are RangeErrors', () => {
    assert.throws(() => new BinaryFlatIndex(kern, 12, 'hamming'), RangeError);
    assert.throws(() => new BinaryFlatIndex(kern, 0, 'hamming'), RangeError);
    assert.throws(() => new BinaryFlatIndex(kern, 64, 'cosine' as BinaryMetric), RangeError);
    const index = new BinaryFlatIndex(kern, 64, 'hamming');
    try {
      assert.throws(() => index.add(new Uint8Array(7)), RangeError);
      index.add(new Uint8Array(16));
      assert.throws(() => index.search(new Uint8Array(4), 1), RangeError);
      assert.throws(() => index.search(new Uint8Array(8), 1, new Bitset(3)), RangeError);
    } finally {
      index.dispose();
    }
  });
});
