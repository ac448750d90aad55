/**
 * `IVF<nlist>,Flat|SQ8|PQ<m>` pass the index conformance suite at nprobe 16 of 64 (PQ
 * with its default re-ranking of 10·k candidates), plus IVF-specific behaviour: nprobe =
 * nlist is exact for Flat lists, more probes never lower recall, bad parameters are
 * RangeErrors, and COSINE/IP/few-allowed edge cases.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussianMixture } from '../src/eval/random.js';
import { Bitset } from '../src/index/bitset.js';
import { buildIndex, createIndex, trainingSample } from '../src/index/factory.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { normalizedRows } from '../src/index/hnsw-index.js';
import type { IvfIndex } from '../src/index/ivf-index.js';
import { VectorStore } from '../src/index/vector-store.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import { indexConformance, recallAgainst } from './support/index-conformance.js';

indexConformance({
  factory: 'IVF64,Flat',
  minRecall: 0.99,
  params: { nprobe: 16 },
  bytesPerVector: (d) => 4 * d + 4,
});
indexConformance({
  factory: 'IVF64,SQ8',
  minRecall: 0.97,
  params: { nprobe: 16 },
  bytesPerVector: (d) => d + 4,
});
indexConformance({
  factory: 'IVF64,PQ8',
  minRecall: 0.95,
  params: { nprobe: 16 },
  bytesPerVector: () => 8 + 4,
});

const kern = wasmKernels();
const D = 16;
const N = 4000;
const data = gaussianMixture(N + 50, D, 40, 77);
const base = data.slice(0, N * D);
const queries = data.slice(N * D);

async function trained(factory: string, kind: DistanceKind = DistanceKind.L2): Promise<IvfIndex> {
  const index = createIndex(kern, factory, D, kind, { seed: 3, threads: 1 }) as IvfIndex;
  await index.train(base);
  index.add(base);
  return index;
}

test('IVF32,Flat with nprobe = nlist equals exact search (offsets and distances)', async () => {
  for (const kind of [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE]) {
    const index = await trained('IVF32,Flat', kind);
    const exact = new FlatIndex(kern, D, kind, index.store);
    try {
      for (let at = 0; at < queries.length; at += D) {
        const q = queries.subarray(at, at + D);
        const want = exact.search(kind === DistanceKind.COSINE ? normalizedRows(q, D) : q, 10);
        const got = index.search(q, 10, undefined, { nprobe: 32 });
        assert.deepEqual(got.offsets, want.offsets);
        assert.deepEqual(got.distances, want.distances);
      }
    } finally {
      index.dispose();
    }
  }
});

test('more probes never lower recall on the fixed data (IVF32,Flat; IVF32,PQ4 with default re-ranking)', async () => {
  const exact = new FlatIndex(kern, D, DistanceKind.L2);
  exact.add(base);
  for (const factory of ['IVF32,Flat', 'IVF32,PQ4']) {
    const index = await trained(factory);
    try {
      let last = 0;
      for (const nprobe of [1, 2, 4, 8, 32]) {
        const r = recallAgainst(index, exact, queries, D, { nprobe });
        assert.ok(r >= last, `${factory}: recall ${r} at nprobe ${nprobe} < ${last}`);
        last = r;
      }
    } finally {
      index.dispose();
    }
  }
  exact.dispose();
});

test('PQ re-ranking returns exact distances; without it, distances to the decoded vectors', async () => {
  const index = await trained('IVF16,PQ4');
  const exact = new FlatIndex(kern, D, DistanceKind.L2, index.store);
  try {
    const q = queries.subarray(0, D);
    const got = index.search(q, 5, undefined, { nprobe: 16, rerank: 100 });
    for (let i = 0; i < got.offsets.length; i++) {
      const one = new Bitset(N);
      one.set(got.offsets[i]);
      assert.equal(got.distances[i], exact.search(q, 1, one).distances[0]);
    }
    const adc = index.search(q, 5, undefined, { nprobe: 16, rerank: 0 });
    assert.equal(adc.offsets.length, 5);
    assert.notDeepEqual(adc.distances, got.distances);
  } finally {
    index.dispose();
  }
});

test('bad nprobe or rerank throws RangeError; nprobe above nlist is clamped', async () => {
  const index = await trained('IVF16,SQ8');
  try {
    const q = queries.subarray(0, D);
    for (const nprobe of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => index.search(q, 10, undefined, { nprobe }), RangeError);
      await assert.rejects(index.searchAsync(q, 10, undefined, { nprobe }), RangeError);
    }
    assert.throws(() => index.search(q, 10, undefined, { rerank: -1 }), RangeError);
    assert.deepEqual(
      index.search(q, 10, undefined, { nprobe: 1000 }),
      index.search(q, 10, undefined, { nprobe: 16 }),
    );
    assert.throws(() => index.search(q.subarray(1), 10), RangeError);
    assert.throws(() => index.search(q, 10, new Bitset(N - 1)), RangeError);
  } finally {
    index.dispose();
  }
});

test('training needs nlist rows; adding before training throws', async () => {
  const index = createIndex(kern, 'IVF64,Flat', D, DistanceKind.L2, { seed: 1, threads: 1 });
  try {
    assert.equal(index.trainingRows, 39 * 64);
    assert.equal(index.maxTrainingRows, 256 * 64);
    assert.throws(() => index.add(base.subarray(0, D)), /train/);
    await assert.rejects(index.train(base.subarray(0, 63 * D)), RangeError);
    assert.equal(index.search(queries.subarray(0, D), 10).offsets.length, 0);
  } finally {
    index.dispose();
  }
  const pq = createIndex(kern, 'IVF4,PQ4', D, DistanceKind.L2);
  assert.equal(pq.trainingRows, 256, 'PQ needs a row per codebook centroid, more than 39 · 4');
  pq.dispose();
});

test('rows added in several batches are searched like one batch', async () => {
  const one = await trained('IVF16,PQ4');
  const many = createIndex(kern, 'IVF16,PQ4', D, DistanceKind.L2, { seed: 3, threads: 1 }) as IvfIndex;
  try {
    await many.train(base);
    for (let at = 0; at < base.length; at += 1000 * D) many.add(base.subarray(at, at + 1000 * D));
    many.checkIntegrity();
    assert.deepEqual(many.serialize(), one.serialize());
  } finally {
    one.dispose();
    many.dispose();
  }
});

test('addStored on build workers (two chunks) gives the same body as add on this thread', async () => {
  const d = 8;
  const rows = gaussianMixture(17_000, d, 30, 5);
  const store = new VectorStore(kern, d);
  store.append(rows);
  const built = await buildIndex(kern, 'IVF8,SQ8', store, DistanceKind.L2, { seed: 2, threads: 2 });
  const added = createIndex(kern, 'IVF8,SQ8', d, DistanceKind.L2, { seed: 2, threads: 1 });
  try {
    assert.ok(built);
    await added.train(trainingSample(store, added.maxTrainingRows, 2));
    added.add(rows);
    assert.deepEqual(built.serialize(), added.serialize());
  } finally {
    built?.dispose();
    added.dispose();
    store.dispose();
  }
});

test('a filter allowing few rows scans them exactly; the walk strategy still returns min(k, allowed)', async () => {
  const index = await trained('IVF32,PQ4');
  const exact = new FlatIndex(kern, D, DistanceKind.L2, index.store);
  try {
    const allow = new Bitset(N);
    for (let i = 0; i < N; i += 97) allow.set(i);
    const q = queries.subarray(D, 2 * D);
    assert.deepEqual(index.search(q, 10, allow), exact.search(q, 10, allow));
    const walked = index.search(q, 10, allow, { strategy: 'walk', nprobe: 1 });
    assert.equal(walked.offsets.length, 10);
    for (const o of walked.offsets) assert.ok(allow.has(o));
  } finally {
    index.dispose();
  }
});
