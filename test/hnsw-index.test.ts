/**
 * HNSW against the exact flat index on the same fixed-seed data: recall@10 at default
 * parameters, after deleting and re-inserting 30% of the points, under filters of 50%, 10%
 * and 1% selectivity; serialization round trips; the graph invariants after every step
 * of a random mutation sequence; parallel builds; bad input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../src/errors.js';
import { gaussianMixture, SeededRandom } from '../src/eval/random.js';
import { Bitset } from '../src/index/bitset.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { buildHnsw } from '../src/index/hnsw-build.js';
import { HnswIndex } from '../src/index/hnsw-index.js';
import type { IndexSearchParams, VectorIndexRead } from '../src/index/vector-index.js';
import { VectorStore } from '../src/index/vector-store.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { jsKernels, wasmKernels } from '../src/kernels/load.js';
import type { WasmKernels } from '../src/kernels/wasm-kernels.js';
import { mixtureSplit } from './support/mixture-split.js';

const N = 20_000;
const DIM = 64;
const QUERIES = 200;
const K = 10;
const kern = wasmKernels() as WasmKernels;
const { base, query } = mixtureSplit(N, QUERIES, DIM, 200, 20261121);

function rowsOf(source: Float32Array, offsets: ArrayLike<number>): Float32Array {
  const out = new Float32Array(offsets.length * DIM);
  for (let i = 0; i < offsets.length; i++)
    out.set(source.subarray(offsets[i] * DIM, (offsets[i] + 1) * DIM), i * DIM);
  return out;
}

/** Mean recall@k of `index` against `exact` over the query set, checking result counts. */
function recall(
  index: VectorIndexRead,
  exact: VectorIndexRead,
  allow?: Bitset,
  params?: IndexSearchParams,
): number {
  let hits = 0;
  let wanted = 0;
  for (let i = 0; i < QUERIES; i++) {
    const truth = exact.search(query(i), K, allow);
    const got = index.search(query(i), K, allow, params);
    assert.equal(got.offsets.length, truth.offsets.length, `query ${i}: result count`);
    const want = new Set(truth.offsets);
    for (const o of got.offsets) {
      if (allow) assert.ok(allow.has(o), `query ${i}: offset ${o} is not allowed`);
      if (want.has(o)) hits++;
    }
    wanted += truth.offsets.length;
  }
  return wanted === 0 ? 1 : hits / wanted;
}

function flatOver(rows: Float32Array, kind: DistanceKind = DistanceKind.L2): FlatIndex {
  const flat = new FlatIndex(kern, DIM, kind);
  flat.add(rows);
  return flat;
}

describe('HNSW index', () => {
  const exact = flatOver(base);
  let index: HnswIndex;

  test('recall@10 >= 0.95 against the flat index at default parameters (20k x 64)', async () => {
    index = await buildHnsw(kern, base, DIM, DistanceKind.L2, { threads: 1 });
    index.checkIntegrity();
    const r = recall(index, exact);
    assert.ok(r >= 0.95, `recall ${r}`);
  });

  for (const [name, kind] of [
    ['cosine', DistanceKind.COSINE],
    ['inner product', DistanceKind.IP],
  ] as const) {
    test(`recall@10 >= 0.95 for ${name}`, async () => {
      const idx = await buildHnsw(kern, base, DIM, kind, { threads: 1 });
      const truth = flatOver(base, kind);
      const r = recall(idx, truth);
      assert.ok(r >= 0.95, `recall ${r}`);
      const d = idx.search(query(0), K).distances;
      const t = truth.search(query(0), K).distances;
      assert.ok(Math.abs(d[0] - t[0]) < 1e-4, `distance convention: ${d[0]} vs ${t[0]}`);
      const batch = await idx.searchBatchAsync([query(0), query(1)], K, undefined, {}, 2);
      assert.deepEqual(batch, [idx.search(query(0), K), idx.search(query(1), K)]);
      idx.dispose();
      truth.dispose();
    });
  }

  for (const fraction of [0.5, 0.1, 0.01]) {
    test(`filtered search at ${fraction * 100}% selectivity: recall >= 0.95, always k results`, () => {
      const rng = new SeededRandom(Math.round(fraction * 1000));
      const allow = new Bitset(N);
      for (let i = 0; i < N; i++) if (rng.next() < fraction) allow.set(i);
      for (const strategy of ['auto', 'walk'] as const) {
        const r = recall(index, exact, allow, { strategy });
        assert.ok(r >= 0.95, `${strategy}: recall ${r}`);
      }
    });
  }

  test('a filter allowing fewer than k points returns exactly those', () => {
    const allow = new Bitset(N);
    for (const o of [5, 17, 19_999]) allow.set(o);
    for (const strategy of ['auto', 'walk', 'scan'] as const) {
      const got = index.search(query(0), K, allow, { strategy });
      assert.deepEqual(
        [...got.offsets].sort((a, b) => a - b),
        [5, 17, 19_999],
      );
    }
    assert.equal(index.search(query(0), K, new Bitset(N)).offsets.length, 0);
  });

  test('searches on worker threads give the same results, and the graph cannot change meanwhile', async () => {
    const pending = Array.from({ length: 40 }, (_, i) =>
      index.searchAsync(query(i), K, undefined, { ef: 40 }),
    );
    assert.throws(() => index.add(query(0)), /asynchronous searches/);
    const results = await Promise.all(pending);
    for (let i = 0; i < results.length; i++) {
      assert.deepEqual(results[i], index.search(query(i), K, undefined, { ef: 40 }));
    }
    const allow = new Bitset(N);
    for (let i = 0; i < N; i += 97) allow.set(i);
    assert.deepEqual(await index.searchAsync(query(3), K, allow), index.search(query(3), K, allow));
    const flat = await exact.searchAsync(query(5), K);
    assert.deepEqual(flat, exact.search(query(5), K));
  });

  /** A batch's cases: no filter, half the nodes allowed, and three (a batch that is scanned). */
  const batchFilters = (): [Bitset | undefined, IndexSearchParams][] => {
    const half = new Bitset(N);
    for (let i = 0; i < N; i += 2) half.set(i);
    const few = new Bitset(N);
    for (const o of [5, 17, 19_999]) few.set(o);
    return [
      [undefined, { ef: 40 }],
      [half, { ef: 24 }],
      [few, {}],
    ];
  };

  test('a batch shared by several worker calls answers each query as search does', async () => {
    const batch = Array.from({ length: 60 }, (_, i) => query(i));
    const cases: [Bitset | undefined, IndexSearchParams][] = [
      ...batchFilters(),
      [undefined, { strategy: 'scan' }],
    ];
    for (const [allow, params] of cases) {
      for (const parallel of [1, 3]) {
        const pending = index.searchBatchAsync(batch, K, allow, params, parallel);
        assert.throws(() => index.add(query(0)), /asynchronous searches/);
        const found = await pending;
        assert.equal(found.length, batch.length);
        for (let i = 0; i < batch.length; i++)
          assert.deepEqual(found[i], index.search(batch[i], K, allow, params));
      }
    }
    assert.deepEqual(await index.searchBatchAsync([], K), []);
    await assert.rejects(index.searchBatchAsync([query(0), new Float32Array(3)], K), RangeError);
  });

  test('a batch this thread takes part in hands out every answer once, in order, as search finds it', async () => {
    const batch = Array.from({ length: 300 }, (_, i) => query(i % 100));
    const cases = batchFilters();
    const few = cases[2][0];
    for (const [allow, params] of cases) {
      for (const workers of [0, 1, 2]) {
        const order: number[] = [];
        let stretches = 0;
        const pending = index.searchBatchEach(
          batch,
          K,
          allow,
          params,
          { workers, here: true, busy: () => stretches++ },
          (q, nodes, distances, at, count) => {
            order.push(q);
            assert.deepEqual(
              { offsets: nodes.slice(at, at + count), distances: distances.slice(at, at + count) },
              index.search(batch[q], K, allow, params),
            );
          },
        );
        assert.throws(() => index.add(query(0)), /asynchronous searches/);
        await pending;
        assert.deepEqual(
          order,
          batch.map((_, q) => q),
        );
        // A batch over the three allowed rows is scanned (searchAsync), not walked.
        if (allow !== few) assert.ok(stretches >= 1, 'this thread searched');
      }
    }
  });

  test('a batch whose answer handler throws rejects with it, after its workers, and the index stays usable', async () => {
    const batch = Array.from({ length: 200 }, (_, i) => query(i % 100));
    const boom = new RangeError('handler failed');
    await assert.rejects(
      index.searchBatchEach(batch, K, undefined, { ef: 32 }, { workers: 1, here: true }, (q) => {
        if (q === 40) throw boom;
      }),
      (err) => err === boom,
    );
    assert.deepEqual(await index.searchBatchAsync([query(1)], K), [index.search(query(1), K)]);
  });

  test('serialization round trip gives identical results', () => {
    const bytes = index.serialize();
    const store = new VectorStore(kern, DIM);
    store.append(base);
    const copy = HnswIndex.deserialize(kern, bytes, store);
    copy.checkIntegrity();
    assert.deepEqual(copy.serialize(), bytes);
    for (let i = 0; i < 50; i++) {
      const a = index.search(query(i), K, undefined, { ef: 32 });
      const b = copy.search(query(i), K, undefined, { ef: 32 });
      assert.deepEqual(b, a);
    }
    copy.dispose();
  });

  test('corrupt serialized bytes are refused', () => {
    const bytes = index.serialize();
    const store = new VectorStore(kern, DIM);
    store.append(base);
    assert.throws(() => HnswIndex.deserialize(kern, bytes.subarray(0, bytes.length - 4), store), /bytes/);
    const bad = bytes.slice();
    bad[0] ^= 1;
    assert.throws(() => HnswIndex.deserialize(kern, bad, store), /magic/);
    const version = bytes.slice();
    version[4] = 9;
    assert.throws(() => HnswIndex.deserialize(kern, version, store), /version 9/);
    store.dispose();
  });

  test('recall stays >= 0.95 after 30% of the points are deleted and re-inserted', () => {
    const rng = new SeededRandom(30);
    const current = base.slice();
    const replacements = gaussianMixture(Math.floor(N * 0.3), DIM, 200, 77);
    const victims = new Set<number>();
    while (victims.size < replacements.length / DIM) victims.add(rng.int(N));
    for (const v of victims) index.delete(v);
    assert.equal(index.deletedCount, victims.size);
    // Deleted points are never returned.
    for (let i = 0; i < 20; i++) {
      for (const o of index.search(query(i), K).offsets) assert.ok(!victims.has(o), `deleted ${o} returned`);
    }
    const offsets = index.addReplacingDeleted(replacements);
    assert.equal(index.size, N, 'slots were reused, not appended');
    assert.equal(index.deletedCount, 0);
    for (let i = 0; i < offsets.length; i++) {
      assert.ok(victims.has(offsets[i]));
      current.set(replacements.subarray(i * DIM, (i + 1) * DIM), offsets[i] * DIM);
    }
    index.checkIntegrity();
    const truth = flatOver(current);
    const r = recall(index, truth);
    assert.ok(r >= 0.95, `recall ${r}`);
    truth.dispose();
  });

  test('a parallel build on two threads gives a valid graph with the same recall', async () => {
    const parallel = await buildHnsw(kern, base, DIM, DistanceKind.L2, { threads: 2 });
    parallel.checkIntegrity();
    const r = recall(parallel, exact);
    assert.ok(r >= 0.95, `recall ${r}`);
    parallel.dispose();
  });

  test('invariants hold after every step of a random mutation sequence', () => {
    const rng = new SeededRandom(99);
    const small = new HnswIndex(kern, DIM, DistanceKind.L2, { M: 6, efConstruction: 40 });
    const live = new Map<number, Float32Array>();
    const pick = () => {
      const keys = [...live.keys()];
      return keys[rng.int(keys.length)];
    };
    for (let step = 0; step < 300; step++) {
      const op = rng.next();
      if (op < 0.4 || live.size < 10) {
        const n = 1 + rng.int(20);
        const rows = rowsOf(
          base,
          Array.from({ length: n }, () => rng.int(N)),
        );
        const first = small.size;
        small.add(rows);
        for (let i = 0; i < n; i++) live.set(first + i, rows.subarray(i * DIM, (i + 1) * DIM));
      } else if (op < 0.7) {
        const victim = pick();
        small.delete(victim);
        live.delete(victim);
      } else if (op < 0.85) {
        const target = pick();
        const row = rowsOf(base, [rng.int(N)]);
        small.replace(target, row);
        live.set(target, row);
      } else {
        const rows = rowsOf(base, [rng.int(N), rng.int(N)]);
        const offsets = small.addReplacingDeleted(rows);
        for (let i = 0; i < offsets.length; i++) live.set(offsets[i], rows.subarray(i * DIM, (i + 1) * DIM));
      }
      small.checkIntegrity();
      const got = small.search(query(step % QUERIES), K);
      assert.equal(got.offsets.length, Math.min(K, live.size), `step ${step}: result count`);
      for (const o of got.offsets) assert.ok(live.has(o), `step ${step}: returned dead offset ${o}`);
    }
    small.dispose();
  });

  test('bad input gets a clear error', () => {
    assert.throws(() => index.search(new Float32Array(DIM + 1), K), RangeError);
    assert.throws(() => index.search(query(0), K, new Bitset(N + 1)), RangeError);
    assert.throws(() => index.search(query(0), K, undefined, { ef: 0 }), RangeError);
    assert.throws(() => index.delete(N), RangeError);
    assert.throws(() => index.add(new Float32Array(DIM + 3)), RangeError);
    assert.throws(() => new HnswIndex(kern, DIM, DistanceKind.L2, { M: 1 }), /M must be/);
    assert.throws(() => new HnswIndex(jsKernels(), DIM, DistanceKind.L2), /wasm kernels/);
    // The index is still usable after rejected requests.
    assert.equal(index.search(query(0), K).offsets.length, K);
  });

  test('dispose releases its linear memory', async () => {
    const before = kern.allocator.allocatedBytes;
    const idx = await buildHnsw(kern, base.subarray(0, 3000 * DIM), DIM, DistanceKind.L2, { threads: 2 });
    idx.search(query(0), K, undefined, { ef: 500 });
    idx.dispose();
    assert.equal(kern.allocator.allocatedBytes, before);
    index.dispose();
    exact.dispose();
  });
});

test('deserialize takes the rows as a Float32Array (normalized for cosine); without vectors it is an InvalidArgumentError', async () => {
  const rows = base.subarray(0, 500 * DIM);
  const built = await buildHnsw(kern, rows, DIM, DistanceKind.COSINE, { threads: 1 });
  const bytes = built.serialize();
  const copy = HnswIndex.deserialize(kern, bytes, rows);
  copy.checkIntegrity();
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(
      copy.search(query(i), K, undefined, { ef: 32 }),
      built.search(query(i), K, undefined, { ef: 32 }),
    );
  }
  copy.dispose();
  assert.throws(
    () => HnswIndex.deserialize(kern, bytes, undefined as unknown as Float32Array),
    InvalidArgumentError,
  );
  assert.throws(() => HnswIndex.deserialize(kern, bytes, rows.subarray(1)), InvalidArgumentError);
  built.dispose();
});
