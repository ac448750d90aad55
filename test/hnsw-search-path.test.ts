/**
 * The speed paths of the HNSW index answer exactly as the general ones do (fixed seeds):
 * - the lean unfiltered `search` (one reused block, cached memory views) against the
 *   general path (a filter allowing every node) and the worker path (`searchAsync`), for
 *   L2 below and above the early-stop dimension, and for cosine; the same for HNSW16,SQ8;
 * - walks with early-stopped L2 distances (rows of >= 256 floats) return the flat index's
 *   exact distances for the rows they return, and recall@10 >= 0.95 against it;
 * - a build on one thread (no locks) is valid and reproducible byte for byte;
 * - the u16 visited marks, cleared every 65,535 searches, do not change answers;
 * - a search after the linear memory grew reads the new memory.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianMixture } from '../src/eval/random.js';
import { Bitset } from '../src/index/bitset.js';
import { buildIndex } from '../src/index/factory.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { buildHnsw } from '../src/index/hnsw-build.js';
import { type HnswIndex, normalizedRows } from '../src/index/hnsw-index.js';
import { VectorStore } from '../src/index/vector-store.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import type { WasmKernels } from '../src/kernels/wasm-kernels.js';

const N = 4_000;
const QUERIES = 100;
const K = 10;
const kern = wasmKernels() as WasmKernels;

function dataset(dim: number, seed: number) {
  const all = gaussianMixture(N + QUERIES, dim, 40, seed);
  const base = all.slice(0, N * dim);
  const queries = Array.from({ length: QUERIES }, (_, i) => all.slice((N + i) * dim, (N + i + 1) * dim));
  return { base, queries };
}

const cases = [
  { name: 'L2, 64-d', dim: 64, distance: DistanceKind.L2 },
  { name: 'L2, 300-d (early-stopped distances)', dim: 300, distance: DistanceKind.L2 },
  { name: 'cosine, 100-d', dim: 100, distance: DistanceKind.COSINE },
];

describe('HNSW search paths', () => {
  for (const c of cases) {
    test(`${c.name}: an unfiltered search answers as the general and worker paths do`, async () => {
      const { base, queries } = dataset(c.dim, 17);
      const index = await buildHnsw(kern, base, c.dim, c.distance, { threads: 2 });
      try {
        const all = Bitset.full(N);
        for (const [ef, k] of [
          [16, K],
          [64, 1],
          [5, 20],
        ]) {
          for (const q of queries) {
            const lean = index.search(q, k, undefined, { ef });
            assert.equal(lean.offsets.length, k);
            assert.deepEqual(index.search(q, k, all, { ef, strategy: 'walk' }), lean);
            assert.deepEqual(await index.searchAsync(q, k, undefined, { ef }), lean);
          }
        }
      } finally {
        index.dispose();
      }
    });
  }

  for (const c of [cases[0], cases[2]]) {
    test(`HNSW16,SQ8, ${c.name}: an unfiltered search answers as the general and worker paths do`, async () => {
      const { base, queries } = dataset(c.dim, 19);
      const store = new VectorStore(kern, c.dim);
      store.append(c.distance === DistanceKind.COSINE ? normalizedRows(base, c.dim) : base);
      const index = await buildIndex(kern, 'HNSW16,SQ8', store, c.distance, { threads: 2 });
      assert.ok(index);
      try {
        const all = Bitset.full(N);
        for (const params of [{ ef: 16 }, { ef: 32, rerank: 0 }, { ef: 8, rerank: 40 }]) {
          for (const q of queries) {
            const lean = index.search(q, K, undefined, params);
            assert.equal(lean.offsets.length, K);
            assert.deepEqual(index.search(q, K, all, { ...params, strategy: 'walk' }), lean);
            assert.deepEqual(await index.searchAsync(q, K, undefined, params), lean);
          }
        }
      } finally {
        index.dispose();
        store.dispose();
      }
    });
  }

  test('walks with early-stopped L2 return exact distances and recall@10 >= 0.95 (4k x 300)', async () => {
    const dim = 300;
    const { base, queries } = dataset(dim, 23);
    const index = await buildHnsw(kern, base, dim, DistanceKind.L2, { threads: 2 });
    const flat = new FlatIndex(kern, dim, DistanceKind.L2);
    flat.add(base);
    try {
      let hits = 0;
      for (const q of queries) {
        const got = index.search(q, K, undefined, { ef: 64 });
        const same = flat.search(q, K, Bitset.fromOffsets(N, got.offsets));
        const exact = new Map(Array.from(same.offsets, (o, i) => [o, same.distances[i]]));
        for (let i = 0; i < got.offsets.length; i++)
          assert.equal(got.distances[i], exact.get(got.offsets[i]));
        const truth = new Set(flat.search(q, K).offsets);
        for (const o of got.offsets) if (truth.has(o)) hits++;
      }
      assert.ok(hits / (QUERIES * K) >= 0.95, `recall@10 ${hits / (QUERIES * K)} < 0.95`);
    } finally {
      index.dispose();
      flat.dispose();
    }
  });

  test('searches stay the same after the visited marks wrap around (70,000 searches)', async () => {
    const dim = 16;
    const { base, queries } = dataset(dim, 41);
    const index = await buildHnsw(kern, base.subarray(0, 500 * dim), dim, DistanceKind.L2, { threads: 1 });
    try {
      const first = queries.map((q) => index.search(q, K, undefined, { ef: 8 }));
      for (let i = 0; i < 70_000; i++) index.search(queries[i % QUERIES], 1, undefined, { ef: 1 });
      for (const [i, q] of queries.entries())
        assert.deepEqual(index.search(q, K, undefined, { ef: 8 }), first[i]);
    } finally {
      index.dispose();
    }
  });

  test('a build on one thread is valid and the same byte for byte every time', async () => {
    const dim = 32;
    const { base } = dataset(dim, 29);
    const built: HnswIndex[] = [];
    try {
      for (let i = 0; i < 2; i++)
        built.push(await buildHnsw(kern, base, dim, DistanceKind.L2, { threads: 1 }));
      for (const index of built) index.checkIntegrity();
      assert.deepEqual(built[0].serialize(), built[1].serialize());
    } finally {
      for (const index of built) index.dispose();
    }
  });

  test('a search after the linear memory grew reads the new memory', async () => {
    const dim = 64;
    const { base, queries } = dataset(dim, 31);
    const fresh = wasmKernels() as WasmKernels;
    const index = await buildHnsw(fresh, base.subarray(0, 2_000 * dim), dim, DistanceKind.L2, { threads: 2 });
    try {
      const before = index.search(queries[0], K);
      assert.equal(before.offsets.length, K);
      const bytes = fresh.memory.buffer.byteLength;
      const more = gaussianMixture(6_000, dim, 40, 37);
      index.add(more);
      assert.ok(fresh.memory.buffer.byteLength > bytes, 'the memory grew');
      for (const q of queries) assert.deepEqual(index.search(q, K), await index.searchAsync(q, K));
      const own = index.search(more.subarray(5_999 * dim), 1);
      assert.deepEqual(Array.from(own.offsets), [2_000 + 5_999]);
      assert.equal(own.distances[0], 0);
    } finally {
      index.dispose();
    }
  });
});
