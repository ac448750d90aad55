/**
 * The checks every index family of the factory passes against the exact flat index on the
 * same fixed-seed data (a Gaussian mixture): recall@10 at stated parameters for L2, IP and
 * cosine; filtered searches at 50% and 1% that return min(k, allowed) allowed offsets;
 * a build over a borrowed store (the segment path) equal to `add`; serialization round
 * trips with identical results; a corrupt body rejected; `searchAsync` equal to `search`;
 * memory per vector equal to the stated formula.
 *
 * A family test calls `indexConformance({ … })` once per factory string it covers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianMixture, SeededRandom } from '../../src/eval/random.js';
import { Bitset } from '../../src/index/bitset.js';
import { buildIndex, createIndex, deserializeIndex, trainingSample } from '../../src/index/factory.js';
import { FlatIndex } from '../../src/index/flat-index.js';
import { normalizedRows } from '../../src/index/hnsw-index.js';
import type { IndexSearchParams, TrainableIndex, VectorIndexRead } from '../../src/index/vector-index.js';
import { VectorStore } from '../../src/index/vector-store.js';
import { DistanceKind } from '../../src/kernels/kernels.js';
import { wasmKernels } from '../../src/kernels/load.js';

export interface ConformanceOptions {
  /** Factory string, e.g. `IVF64,PQ8`. */
  factory: string;
  /** Rows, dimension and query count of the fixed-seed data (defaults 10,000 × 32, 100 queries). */
  rows?: number;
  dimension?: number;
  queries?: number;
  /** Minimum mean recall@10 against exact search with `params`, per distance kind checked. */
  minRecall: number;
  params?: IndexSearchParams;
  /** Distance kinds whose recall is checked (default L2, IP and COSINE). */
  kinds?: DistanceKind[];
  /** Expected `bytesPerVector` for the data's dimension. */
  bytesPerVector: (dimension: number) => number;
  /** Whether the results are exact (Flat); then recall must be 1 and distances equal. */
  exact?: boolean;
}

const K = 10;

/** Mean recall@k against `exact`, asserting result counts and that every offset is allowed. */
export function recallAgainst(
  index: VectorIndexRead,
  exact: VectorIndexRead,
  queries: Float32Array,
  dimension: number,
  params?: IndexSearchParams,
  allow?: Bitset,
): number {
  let hits = 0;
  let wanted = 0;
  for (let at = 0; at < queries.length; at += dimension) {
    const q = queries.subarray(at, at + dimension);
    const truth = exact.search(q, K, allow);
    const got = index.search(q, K, allow, params);
    assert.equal(got.offsets.length, truth.offsets.length, `query ${at / dimension}: result count`);
    for (let i = 1; i < got.distances.length; i++)
      assert.ok(got.distances[i - 1] <= got.distances[i], 'ascending');
    const want = new Set(truth.offsets);
    for (const o of got.offsets) {
      if (allow) assert.ok(allow.has(o), `offset ${o} is not allowed`);
      if (want.has(o)) hits++;
    }
    wanted += truth.offsets.length;
  }
  return wanted === 0 ? 1 : hits / wanted;
}

/** A bitset over `n` rows with each row set with probability `p` (seeded). */
export function randomAllow(n: number, p: number, seed: number): Bitset {
  const rng = new SeededRandom(seed);
  const allow = new Bitset(n);
  for (let i = 0; i < n; i++) if (rng.next() < p) allow.set(i);
  return allow;
}

export function indexConformance(o: ConformanceOptions): void {
  const n = o.rows ?? 10_000;
  const d = o.dimension ?? 32;
  const nq = o.queries ?? 100;
  const kern = wasmKernels();
  const data = gaussianMixture(n + nq, d, 100, 20261121);
  const base = data.slice(0, n * d);
  const queries = data.slice(n * d);

  const built = async (kind: DistanceKind, rows: Float32Array): Promise<TrainableIndex> => {
    const index = createIndex(kern, o.factory, d, kind, { seed: 7, threads: 2 });
    if (index.trainingRows > 0) {
      const store = new VectorStore(kern, d);
      store.append(rows);
      try {
        await index.train(trainingSample(store, index.maxTrainingRows, 7));
      } finally {
        store.dispose();
      }
    }
    index.add(rows);
    return index;
  };

  describe(`${o.factory} conformance (${n} x ${d})`, () => {
    for (const kind of o.kinds ?? [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE]) {
      test(`recall@10 >= ${o.minRecall} against exact search, distance kind ${kind}`, async () => {
        const rows = kind === DistanceKind.COSINE ? normalizedRows(base, d) : base;
        const exact = new FlatIndex(kern, d, kind);
        exact.add(rows);
        const index = await built(kind, base);
        try {
          assert.equal(index.size, n);
          index.checkIntegrity();
          const r = recallAgainst(index, exact, queries, d, o.params);
          assert.ok(r >= o.minRecall, `recall ${r} < ${o.minRecall}`);
          if (o.exact) assert.equal(r, 1);
        } finally {
          index.dispose();
          exact.dispose();
        }
      });
    }

    test('filtered search at 50% and 1% returns min(k, allowed) allowed offsets', async () => {
      const exact = new FlatIndex(kern, d, DistanceKind.L2);
      exact.add(base);
      const index = await built(DistanceKind.L2, base);
      try {
        for (const [p, min] of [
          [0.5, Math.min(o.minRecall, 0.9)],
          [0.01, 0.9],
        ] as const) {
          const allow = randomAllow(n, p, 99);
          const r = recallAgainst(index, exact, queries, d, o.params, allow);
          assert.ok(r >= min, `recall ${r} at ${p * 100}% allowed`);
        }
        const few = new Bitset(n);
        for (const i of [3, 500, 9_000 % n]) few.set(i);
        const got = index.search(queries.subarray(0, d), K, few, o.params);
        assert.deepEqual(
          [...got.offsets].sort((a, b) => a - b),
          [3, 500, 9_000 % n].sort((a, b) => a - b),
        );
        assert.equal(index.search(queries.subarray(0, d), K, new Bitset(n), o.params).offsets.length, 0);
      } finally {
        index.dispose();
        exact.dispose();
      }
    });

    test('built over a borrowed store (the segment path), serialized, reloaded: same results', async () => {
      const store = new VectorStore(kern, d);
      store.append(base);
      const maybe = await buildIndex(kern, o.factory, store, DistanceKind.L2, { seed: 7, threads: 2 });
      assert.ok(maybe, 'store large enough to train on');
      const index: TrainableIndex = maybe;
      try {
        assert.equal(index.size, n);
        index.checkIntegrity();
        const bytes = index.serialize();
        const again = deserializeIndex(kern, index.type, bytes, store, DistanceKind.L2, 'test.qidx');
        try {
          assert.equal(again.size, n);
          again.checkIntegrity();
          assert.deepEqual(again.serialize(), bytes, 'serialize(deserialize(bytes)) is byte-identical');
          for (let at = 0; at < 20 * d; at += d) {
            const q = queries.subarray(at, at + d);
            const a = index.search(q, K, undefined, o.params);
            const b = again.search(q, K, undefined, o.params);
            assert.deepEqual(b.offsets, a.offsets);
            assert.deepEqual(b.distances, a.distances);
            const c = await again.searchAsync(q, K, undefined, o.params);
            assert.deepEqual(c.offsets, a.offsets);
            assert.deepEqual(c.distances, a.distances);
          }
        } finally {
          again.dispose();
        }
        if (bytes.length > 16) {
          const cut = bytes.slice(0, bytes.length - 9);
          assert.throws(
            () => deserializeIndex(kern, index.type, cut, store, DistanceKind.L2, 'cut.qidx'),
            /cut\.qidx/,
          );
        }
      } finally {
        index.dispose();
        store.dispose();
      }
    });

    test('memory per vector matches the encoding', async () => {
      const index = await built(DistanceKind.L2, base);
      try {
        assert.equal(index.bytesPerVector, o.bytesPerVector(d));
        assert.ok(index.memoryBytes >= index.bytesPerVector * n, 'memoryBytes covers every vector');
      } finally {
        index.dispose();
      }
    });
  });
}
