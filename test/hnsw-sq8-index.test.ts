/**
 * `HNSW<M>,SQ8` against the exact flat index and plain HNSW on fixed-seed data: the
 * conformance suite at ef 64; recall against plain `HNSW16` on the same graph; memory per
 * vector equal to its formula over the graph's levels; `rerank: 0` returning distances to
 * the decoded vectors; adds in batches; corrupt bodies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianMixture } from '../src/eval/random.js';
import { buildIndex, createIndex, deserializeIndex } from '../src/index/factory.js';
import { FlatIndex } from '../src/index/flat-index.js';
import type { HnswSq8Index } from '../src/index/hnsw-sq8-index.js';
import { VectorStore } from '../src/index/vector-store.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import { indexConformance, randomAllow, recallAgainst } from './support/index-conformance.js';
import { close, referenceDistance, unit } from './support/sq8-reference.js';

/**
 * `bytesPerVector` of the conformance build (10,000 nodes, M = 16, seed 7, d = 32): the
 * levels drawn with seed 7 sum to 650, so 32 + 4·33 + 5 + 4·17·650 / 10,000 (checked
 * against the graph by the formula test below).
 */
const CONFORMANCE_BYTES_PER_VECTOR = 32 + 4 * 33 + 5 + (4 * 17 * 650) / 10_000;

indexConformance({
  factory: 'HNSW16,SQ8',
  minRecall: 0.98,
  params: { ef: 64 },
  bytesPerVector: () => CONFORMANCE_BYTES_PER_VECTOR,
});

const kern = wasmKernels();
const N = 8_000;
const DIM = 48;
const data = gaussianMixture(N + 100, DIM, 80, 77);
const base = data.slice(0, N * DIM);
const queries = data.slice(N * DIM);

async function hnswSq8(
  kind: DistanceKind,
  rows: Float32Array,
  factory = 'HNSW16,SQ8',
): Promise<HnswSq8Index> {
  const index = createIndex(kern, factory, DIM, kind, { seed: 7, threads: 1 }) as HnswSq8Index;
  await index.train(rows);
  index.add(rows);
  return index;
}

describe('HNSW,SQ8', () => {
  test('bytesPerVector = d + 4·(2M + 1) + 5 + 4·(M + 1)·(sum of levels) / n', async () => {
    const index = await hnswSq8(DistanceKind.L2, base, 'HNSW12,SQ8');
    try {
      let levels = 0;
      for (let i = 0; i < N; i++) levels += index.graph.levelOf(i);
      assert.equal(index.bytesPerVector, DIM + 4 * 25 + 5 + (4 * 13 * levels) / N);
      assert.ok(index.memoryBytes >= index.bytesPerVector * N + index.store.byteLength);
    } finally {
      index.dispose();
    }
    const conformance = createIndex(kern, 'HNSW16,SQ8', 32, DistanceKind.L2, { seed: 7 }) as HnswSq8Index;
    try {
      const rows = gaussianMixture(10_000, 32, 100, 20261121);
      await conformance.train(rows.subarray(0, 32));
      conformance.add(rows);
      assert.equal(conformance.bytesPerVector, CONFORMANCE_BYTES_PER_VECTOR);
    } finally {
      conformance.dispose();
    }
  });

  test('recall@10 at ef 16 and 64 within 0.02 of plain HNSW16 over the same graph', async () => {
    const store = new VectorStore(kern, DIM);
    store.append(base);
    const exact = new FlatIndex(kern, DIM, DistanceKind.L2);
    exact.add(base);
    const plain = await buildIndex(kern, 'HNSW16', store, DistanceKind.L2, { seed: 7, threads: 1 });
    const sq8 = await buildIndex(kern, 'HNSW16,SQ8', store, DistanceKind.L2, { seed: 7, threads: 1 });
    assert.ok(plain && sq8);
    try {
      assert.deepEqual(sq8.serialize().subarray(16 + 8 * DIM), plain.serialize(), 'the same graph');
      for (const ef of [16, 64]) {
        const r = recallAgainst(sq8, exact, queries, DIM, { ef });
        const p = recallAgainst(plain, exact, queries, DIM, { ef });
        assert.ok(r >= p - 0.02, `ef ${ef}: SQ8 walk ${r}, plain ${p}`);
      }
      assert.ok(recallAgainst(sq8, exact, queries, DIM, { ef: 64 }) >= 0.97);
    } finally {
      sq8.dispose();
      plain.dispose();
      exact.dispose();
      store.dispose();
    }
  });

  test('rerank 0 returns SQ8 distances; re-ranked results carry exact distances', async () => {
    for (const kind of [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE]) {
      const index = await hnswSq8(kind, base);
      try {
        const decoded = index.codec.decode(index.codec.encodeRows(index.store.view().slice()));
        // Over the index's store (borrowed by both): not disposed, the index frees the store.
        const flat = new FlatIndex(kern, DIM, kind, index.store);
        for (let at = 0; at < 10 * DIM; at += DIM) {
          const q = queries.subarray(at, at + DIM);
          const approx = index.search(q, 10, undefined, { rerank: 0, ef: 64 });
          assert.equal(approx.offsets.length, 10);
          for (let i = 0; i < 10; i++) {
            const o = approx.offsets[i];
            const want = referenceDistance(kind, q, decoded.subarray(o * DIM, (o + 1) * DIM));
            assert.ok(close(approx.distances[i], want), `kind ${kind}: ${approx.distances[i]} vs ${want}`);
          }
          const got = index.search(q, 10, undefined, { ef: 64 });
          const truth = flat.search(kind === DistanceKind.COSINE ? unit(q) : q, 10);
          const exactOf = new Map([...truth.offsets].map((o, i) => [o, truth.distances[i]]));
          for (let i = 0; i < 10; i++) {
            const d = exactOf.get(got.offsets[i]);
            if (d !== undefined) assert.equal(got.distances[i], d);
          }
        }
      } finally {
        index.dispose();
      }
    }
  });

  test('adds in batches keep codes and graph in step; more ef, more recall; async = sync under a filter', async () => {
    const index = createIndex(kern, 'HNSW16,SQ8', DIM, DistanceKind.L2, { seed: 7 }) as HnswSq8Index;
    const exact = new FlatIndex(kern, DIM, DistanceKind.L2);
    exact.add(base);
    try {
      await index.train(base);
      index.add(base.subarray(0, 3_000 * DIM));
      index.checkIntegrity();
      index.add(base.subarray(3_000 * DIM));
      index.checkIntegrity();
      assert.equal(index.size, N);
      const low = recallAgainst(index, exact, queries, DIM, { ef: 10 });
      const high = recallAgainst(index, exact, queries, DIM, { ef: 128 });
      assert.ok(high >= low && high >= 0.98, `ef 10: ${low}, ef 128: ${high}`);
      const allow = randomAllow(N, 0.3, 5);
      for (let at = 0; at < 5 * DIM; at += DIM) {
        const q = queries.subarray(at, at + DIM);
        const sync = index.search(q, 10, allow, { ef: 32 });
        assert.deepEqual(await index.searchAsync(q, 10, allow, { ef: 32 }), sync);
        for (const o of sync.offsets) assert.ok(allow.has(o));
      }
      assert.throws(() => index.search(queries.subarray(0, DIM), 10, undefined, { ef: 0 }), RangeError);
      assert.throws(() => index.search(queries.subarray(0, DIM), 10, undefined, { rerank: -2 }), RangeError);
    } finally {
      exact.dispose();
      index.dispose();
    }
  });

  test('a body whose code count disagrees with the graph is rejected', async () => {
    const store = new VectorStore(kern, DIM);
    store.append(base.subarray(0, 500 * DIM));
    const index = await buildIndex(kern, 'HNSW8,SQ8', store, DistanceKind.IP, { seed: 7, threads: 1 });
    assert.ok(index);
    try {
      const body = index.serialize();
      const wrong = body.slice();
      new DataView(wrong.buffer).setUint32(12, 499, true);
      assert.throws(
        () => deserializeIndex(kern, index.type, wrong, store, DistanceKind.IP, 'x.qidx'),
        /x\.qidx/,
      );
      assert.throws(
        () => deserializeIndex(kern, index.type, body, store, DistanceKind.L2, 'y.qidx'),
        /y\.qidx/,
      );
    } finally {
      index.dispose();
      store.dispose();
    }
  });
});
