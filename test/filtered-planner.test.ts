/**
 * Filtered search below the index contract: the wasm bitset count against `Bitset.count`;
 * the sparse top-k scan (a bitset with fewer than 1 in 16 rows set: a cursor touching rows
 * ahead, empty words skipped four at a time) against a stable sort of the full scan, on
 * bitsets whose set bits sit at word and size edges; and the HNSW planner: with
 * allowed² < 16 · ef · n an `auto` search answers as the exact scan does, above it as the
 * walk does, searches on workers answer exactly as on this thread (with and without
 * deleted nodes), and min(k, allowed) results always come back. Data: fixed seeds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianMixture, gaussianVectors, SeededRandom } from '../src/eval/random.js';
import { Bitset } from '../src/index/bitset.js';
import { buildHnsw } from '../src/index/hnsw-build.js';
import { type HnswIndex, scanBeatsWalk } from '../src/index/hnsw-index.js';
import type { IndexSearchResult } from '../src/index/vector-index.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import type { WasmKernels } from '../src/kernels/wasm-kernels.js';

const kern = wasmKernels() as WasmKernels;
const count = (kern.exports as unknown as { bitsetCount(allow: number, n: number): number }).bitsetCount;

function copyWords(words: Uint32Array): number {
  const ptr = kern.alloc(Math.max(words.byteLength, 4));
  kern.u32(ptr, words.length).set(words);
  return ptr;
}

function randomBitset(n: number, p: number, seed: number): Bitset {
  const rng = new SeededRandom(seed);
  const set = new Bitset(n);
  for (let i = 0; i < n; i++) if (rng.next() < p) set.set(i);
  return set;
}

describe('bitset count in wasm', () => {
  test('equals Bitset.count for sizes around word and u64 edges and every density', () => {
    for (const n of [1, 31, 32, 33, 63, 64, 65, 95, 1000, 4097]) {
      for (const p of [0, 0.01, 0.5, 1]) {
        const bits = randomBitset(n, p, n * 7 + Math.round(p * 100));
        const ptr = copyWords(bits.words);
        assert.equal(count(ptr, n), bits.count(), `n ${n}, p ${p}`);
        kern.free(ptr);
      }
    }
  });
});

describe('sparse top-k scan', () => {
  /** Bitsets placed at the cases the cursors must get right (those with fewer than 1 in 16 rows set are used). */
  function sparseCases(n: number): { label: string; bits: Bitset }[] {
    const words = Math.ceil(n / 32);
    return [
      { label: 'first row only', bits: Bitset.fromOffsets(n, [0]) },
      { label: 'last row only', bits: Bitset.fromOffsets(n, [n - 1]) },
      { label: 'fewer rows than the look-ahead', bits: Bitset.fromOffsets(n, [3, 40, n - 2]) },
      {
        label: 'one bit per 5 words (empty runs across the 4-word skip)',
        bits: Bitset.fromOffsets(
          n,
          Array.from({ length: Math.floor(words / 5) }, (_, i) => i * 160 + (i % 32)),
        ),
      },
      {
        label: 'clumps of adjacent rows between long empty runs',
        bits: Bitset.fromOffsets(
          n,
          [5, 6, 7, 31, 32, 33, n - 40, n - 39].filter((o) => o < n),
        ),
      },
      { label: 'random 2%', bits: randomBitset(n, 0.02, n) },
    ];
  }

  test('equals a stable sort of the full scan (n 33, 256, 1000, 4099; k 1, 3, 10)', () => {
    for (const n of [33, 256, 1000, 4099]) {
      for (const dim of [8, 128]) {
        const data = gaussianVectors(n + 1, dim, 500 + n + dim);
        const base = kern.alloc(data.byteLength);
        kern.f32(base, data.length).set(data);
        const query = base + n * dim * 4;
        const dist = kern.alloc(n * 4);
        const outRows = kern.alloc(16 * 4);
        const outDist = kern.alloc(16 * 4);
        for (const kind of [DistanceKind.L2, DistanceKind.IP, DistanceKind.COSINE]) {
          kern.scan(kind, query, base, n, dim, dist);
          const scanned = kern.f32(dist, n).slice();
          const cases = sparseCases(n).filter(({ bits }) => bits.count() * 16 < n);
          assert.ok(cases.length >= (n < 256 ? 2 : 6), `n ${n}: ${cases.length} sparse cases`);
          for (const { label, bits } of cases) {
            const allow = copyWords(bits.words);
            for (const k of [1, 3, 10]) {
              const found = kern.searchTopK(kind, query, base, n, dim, k, allow, outRows, outDist);
              const want: number[] = [];
              bits.forEach((o) => {
                want.push(o);
              });
              want.sort((a, b) => scanned[a] - scanned[b] || a - b);
              const rows = want.slice(0, k);
              const what = `${label}, n ${n}, dim ${dim}, kind ${kind}, k ${k}`;
              assert.deepEqual([...kern.u32(outRows, found)], rows, what);
              assert.deepEqual(
                [...kern.f32(outDist, found)],
                rows.map((r) => scanned[r]),
                what,
              );
            }
            kern.free(allow);
          }
        }
        for (const ptr of [base, dist, outRows, outDist]) kern.free(ptr);
      }
    }
  });
});

describe('HNSW filter planner', () => {
  const N = 8_000;
  const DIM = 32;
  const K = 10;
  const EF = 32;
  const QUERIES = 40;
  const data = gaussianMixture(N + QUERIES, DIM, 80, 20261122);
  const query = (i: number) => data.subarray((N + i) * DIM, (N + i + 1) * DIM);
  let index: HnswIndex;

  const same = (a: IndexSearchResult, b: IndexSearchResult, what: string) => {
    assert.deepEqual([...a.offsets], [...b.offsets], what);
    assert.deepEqual([...a.distances], [...b.distances], what);
  };

  test('with allowed² < 16 · ef · n, auto answers exactly as the scan; above, as the walk', async () => {
    index = await buildHnsw(kern, data.subarray(0, N * DIM), DIM, DistanceKind.L2, { threads: 1 });
    const threshold = Math.sqrt(16 * EF * N);
    const few = randomBitset(N, (threshold * 0.8) / N, 1);
    const many = randomBitset(N, (threshold * 1.5) / N, 2);
    assert.ok(scanBeatsWalk(few.count(), EF, N) && !scanBeatsWalk(many.count(), EF, N));
    for (let i = 0; i < QUERIES; i++) {
      const auto = (allow: Bitset) => index.search(query(i), K, allow, { ef: EF });
      const forced = (allow: Bitset, strategy: 'scan' | 'walk') =>
        index.search(query(i), K, allow, { ef: EF, strategy });
      same(auto(few), forced(few, 'scan'), `query ${i}, few allowed`);
      same(auto(many), forced(many, 'walk'), `query ${i}, many allowed`);
      assert.equal(forced(few, 'walk').offsets.length, K, `query ${i}: the walk returns k`);
    }
  });

  test('searches on workers answer exactly as on this thread, at 50%, 5%, 1% and 0.1%', async () => {
    for (const [i, p] of [0.5, 0.05, 0.01, 0.001].entries()) {
      const allow = randomBitset(N, p, 10 + i);
      for (let q = 0; q < 10; q++) {
        const params = { ef: EF };
        same(
          await index.searchAsync(query(q), K, allow, params),
          index.search(query(q), K, allow, params),
          `p ${p}, query ${q}`,
        );
      }
    }
  });

  test('with deleted nodes: never returned, min(k, allowed) results, workers agree', async () => {
    const rng = new SeededRandom(99);
    for (let i = 0; i < N; i++) if (rng.next() < 0.2) index.delete(i);
    index.checkIntegrity();
    const deleted = index.graph.deletedBitset();
    for (const p of [1, 0.3, 0.01]) {
      const allow = p === 1 ? undefined : randomBitset(N, p, 20 + Math.round(p * 100));
      const live = (allow?.clone() ?? Bitset.full(N)).andNot(deleted);
      const want = Math.min(K, live.count());
      for (let q = 0; q < 10; q++) {
        for (const strategy of ['auto', 'walk', 'scan'] as const) {
          const params = { ef: EF, strategy };
          const got = index.search(query(q), K, allow, params);
          assert.equal(got.offsets.length, want, `p ${p}, ${strategy}, query ${q}: result count`);
          for (const o of got.offsets) assert.ok(live.has(o), `p ${p}, ${strategy}: offset ${o} is not live`);
          same(await index.searchAsync(query(q), K, allow, params), got, `p ${p}, ${strategy}, query ${q}`);
        }
      }
    }
    const three = Bitset.fromOffsets(N, [...Array(N).keys()].filter((o) => !deleted.has(o)).slice(0, 3));
    for (const strategy of ['auto', 'walk', 'scan'] as const) {
      assert.equal(index.search(query(0), K, three, { strategy }).offsets.length, 3, strategy);
      assert.equal((await index.searchAsync(query(0), K, three, { strategy })).offsets.length, 3, strategy);
    }
    assert.equal((await index.searchAsync(query(0), K, new Bitset(N))).offsets.length, 0);
    index.dispose();
  });
});
