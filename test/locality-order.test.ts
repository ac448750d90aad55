/**
 * The order a seal lays rows out in (segment/locality-order.ts) and the shuffled linking of
 * rows laid out that way (`buildHnsw(…, { shuffle: true })`): a permutation that keeps rows
 * without a vector last, the same for the same seed, whose neighbouring rows are near each
 * other; and a graph over rows in that order that keeps its recall against exact search.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlatIndex } from '../src/index/flat-index.js';
import { buildHnsw } from '../src/index/hnsw-build.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import type { WasmKernels } from '../src/kernels/wasm-kernels.js';
import { localityOrder } from '../src/segment/locality-order.js';
import { mixtureSplit } from './support/mixture-split.js';

const N = 20_000;
const DIM = 64;
const QUERIES = 200;
const kern = wasmKernels() as WasmKernels;
const { base, row, query } = mixtureSplit(N, QUERIES, DIM, 200, 20261207);
const all = Array.from({ length: N }, (_, i) => i);
/** The base rows as the order reads them, those in `missing` without a vector. */
const vectors = (missing = new Set<number>()) => ({
  dimension: DIM,
  view: () => base,
  has: (i: number) => !missing.has(i),
});

function l2(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] - b[j]) ** 2;
  return s;
}

/** Mean squared distance between rows next to each other in `order`. */
function meanStep(order: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < order.length; i++) s += l2(row(order[i - 1]), row(order[i]));
  return s / (order.length - 1);
}

describe('locality order', () => {
  test('is a permutation, rows without a vector last in their order, the same for the same seed', async () => {
    const rows = [5, 3, 9, 0, 7, 1, 8, 2, 6, 4, ...Array.from({ length: 990 }, (_, i) => i + 10)];
    const at = vectors(new Set([3, 7, 500]));
    const order = await localityOrder(rows, at);
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      [...rows].sort((a, b) => a - b),
    );
    assert.deepEqual(order.slice(-3), [3, 7, 500]);
    assert.deepEqual(await localityOrder(rows, at), order);
    assert.notDeepEqual(await localityOrder(rows, at, { seed: 7 }), order);
    assert.deepEqual(await localityOrder([], at), []);
  });

  test('puts near rows next to each other (mean step under a third of row order’s)', async () => {
    const order = await localityOrder(all, vectors());
    const ratio = meanStep(order) / meanStep(all);
    assert.ok(ratio < 1 / 3, `mean step ratio ${ratio}`);
  });

  test('gives the event loop turns, re-reading the vectors after each, and orders the same', async () => {
    let pauses = 0;
    let views = 0;
    const counted = {
      ...vectors(),
      view: () => {
        views++;
        return base;
      },
    };
    const pausing = await localityOrder(all, counted, {
      pauseEvery: 100_000,
      pause: async () => {
        pauses++;
      },
    });
    // N rows × DIM floats per level, over about log2(N / 32) levels.
    assert.ok(pauses >= Math.floor((N * DIM) / 100_000) * 8, `${pauses} pauses`);
    assert.equal(views, pauses + 1);
    assert.deepEqual(pausing, await localityOrder(all, vectors(), { pauseEvery: Number.POSITIVE_INFINITY }));
  });

  test('a graph over rows in locality order, linked shuffled, keeps recall@10 >= 0.95', async () => {
    const order = await localityOrder(all, vectors());
    const rows = new Float32Array(N * DIM);
    order.forEach((r, i) => {
      rows.set(row(r), i * DIM);
    });
    const index = await buildHnsw(kern, rows, DIM, DistanceKind.L2, { threads: 2, shuffle: true });
    const exact = new FlatIndex(kern, DIM, DistanceKind.L2);
    exact.add(rows);
    try {
      index.checkIntegrity();
      let hits = 0;
      for (let q = 0; q < QUERIES; q++) {
        const truth = new Set(exact.search(query(q), 10).offsets);
        for (const o of index.search(query(q), 10).offsets) if (truth.has(o)) hits++;
      }
      const recall = hits / (QUERIES * 10);
      assert.ok(recall >= 0.95, `recall ${recall}`);
    } finally {
      index.dispose();
      exact.dispose();
    }
  });

  test('a shuffled build on one thread (few rows) is a valid graph that finds every row', async () => {
    const rows = base.slice(0, 500 * DIM);
    const index = await buildHnsw(kern, rows, DIM, DistanceKind.L2, { shuffle: true });
    try {
      index.checkIntegrity();
      assert.equal(index.size, 500);
      for (let i = 0; i < 500; i += 50) assert.equal(index.search(row(i), 1).offsets[0], i);
    } finally {
      index.dispose();
    }
  });
});
