/**
 * The `l1` metric (Manhattan distance, FAISS's METRIC_L1): the wasm simd128 and JS kernels
 * against a float64 reference and each other (1e-5 relative), exact collection search
 * against brute force, recall of HNSW and IVF-Flat against exact search (thresholds
 * stated), reopening, search options in L1 terms, and the index families that cannot
 * search by L1 refused at create time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gaussianMixture, gaussianVectors } from '../src/eval/random.js';
import { createIndex } from '../src/index/factory.js';
import { type Collection, InvalidArgumentError, type PointId, Quiver } from '../src/index.js';
import { DistanceKind, type Kernels } from '../src/kernels/kernels.js';
import { jsKernels, wasmKernels } from '../src/kernels/load.js';
import { tempDir } from './support/reference.js';

const TOLERANCE = 1e-5;

function refL1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s;
}

function put(k: Kernels, data: Float32Array): number {
  const ptr = k.alloc(data.byteLength);
  k.f32(ptr, data.length).set(data);
  return ptr;
}

/** Distances from query 0 to every row, by `scan`. */
function scanL1(k: Kernels, data: Float32Array, query: Float32Array, n: number, dim: number): Float32Array {
  const q = put(k, query);
  const base = put(k, data);
  const out = k.alloc(n * 4);
  k.scan(DistanceKind.L1, q, base, n, dim, out);
  const dist = k.f32(out, n).slice();
  k.free(q);
  k.free(base);
  k.free(out);
  return dist;
}

describe('L1 kernels', () => {
  const wasm = wasmKernels();
  const js = jsKernels();

  test('scan: wasm and js equal the float64 reference and each other within 1e-5 relative', () => {
    for (const dim of [1, 3, 7, 16, 33, 128, 784, 1000]) {
      const n = 40;
      const data = gaussianVectors(n, dim, dim);
      const query = gaussianVectors(1, dim, dim + 1);
      const w = scanL1(wasm, data, query, n, dim);
      const j = scanL1(js, data, query, n, dim);
      for (let i = 0; i < n; i++) {
        const ref = refL1(query, data.subarray(i * dim, (i + 1) * dim));
        assert.ok(Math.abs(w[i] - ref) <= TOLERANCE * ref, `wasm dim ${dim} row ${i}: ${w[i]} vs ${ref}`);
        assert.ok(Math.abs(j[i] - ref) <= TOLERANCE * ref, `js dim ${dim} row ${i}: ${j[i]} vs ${ref}`);
        assert.ok(Math.abs(w[i] - j[i]) <= TOLERANCE * ref, `wasm vs js dim ${dim} row ${i}`);
      }
    }
  });

  test('searchTopK (early-stopping L1) equals a stable sort of the scan, with and without an allow-list', () => {
    for (const k of [wasm, js]) {
      for (const dim of [5, 64, 300]) {
        const n = 700;
        const data = gaussianMixture(n, dim, 8, 3 * dim);
        const query = gaussianVectors(1, dim, 7);
        const dist = scanL1(k, data, query, n, dim);
        const words = new Uint32Array(Math.ceil(n / 32));
        for (let i = 0; i < n; i += 3) words[i >> 5] |= 1 << (i & 31);
        for (const allowed of [undefined, words]) {
          const expected = [...dist.keys()]
            .filter((i) => allowed === undefined || i % 3 === 0)
            .sort((a, b) => dist[a] - dist[b] || a - b)
            .slice(0, 25);
          const q = put(k, query);
          const base = put(k, data);
          const allow = allowed ? k.alloc(allowed.byteLength) : 0;
          if (allowed) k.u32(allow, allowed.length).set(allowed);
          const rows = k.alloc(25 * 4);
          const dists = k.alloc(25 * 4);
          const found = k.searchTopK(DistanceKind.L1, q, base, n, dim, 25, allow, rows, dists);
          assert.equal(found, 25);
          assert.deepEqual(Array.from(k.u32(rows, found)), expected, `${k.kind} dim ${dim}`);
          assert.deepEqual(
            Array.from(k.f32(dists, found)),
            expected.map((i) => dist[i]),
          );
          for (const p of [q, base, allow, rows, dists]) k.free(p);
        }
      }
    }
  });

  test('index families that cannot compute L1 are refused', () => {
    for (const factory of ['PQ8', 'SQ8', 'LSH64', 'Annoy10', 'HNSW16,SQ8', 'IVF16,PQ4', 'IVF16,SQ8']) {
      assert.throws(() => createIndex(wasm, factory, 16, DistanceKind.L1), InvalidArgumentError, factory);
    }
    for (const factory of ['Flat', 'HNSW16', 'IVF16,Flat'])
      createIndex(wasm, factory, 16, DistanceKind.L1).dispose();
  });
});

const DIM = 24;
const N = 4000;

describe('l1 collections', () => {
  const dir = tempDir();
  let db: Quiver;
  const data = gaussianMixture(N, DIM, 20, 17);
  const queries = gaussianMixture(50, DIM, 20, 17).map((x, i) => x + 0.05 * ((i % 7) - 3));
  const points = Array.from({ length: N }, (_, i) => ({
    id: i % 2 === 0 ? i : `p${i}`,
    vector: Array.from(data.subarray(i * DIM, (i + 1) * DIM)),
    payload: { i },
  }));
  const query = (i: number) => Array.from(queries.subarray(i * DIM, (i + 1) * DIM));
  const reference = (q: number[]) =>
    points.map((p) => ({ id: p.id, score: refL1(q, p.vector) })).sort((a, b) => a.score - b.score);

  async function collection(name: string, index: string): Promise<Collection> {
    const col = await db.createCollection(name, { dimension: DIM, metric: 'l1', index, segmentSize: N });
    for (let i = 0; i < N; i += 1000) await col.upsert(points.slice(i, i + 1000));
    await col.flush();
    return col;
  }

  /** Mean recall@10 of the index's answers against the exact search of the same collection. */
  async function recall(col: Collection, options: Record<string, number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < 50; i++) {
      const exact = new Set((await col.search(query(i), { k: 10, exact: true })).map((h) => h.id));
      const found = await col.search(query(i), { k: 10, ...options });
      total += found.filter((h) => exact.has(h.id)).length / 10;
    }
    return total / 50;
  }

  before(async () => {
    db = await Quiver.open(dir.path);
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  test('exact search scores L1 distances and equals brute force', async () => {
    const col = await collection('flat', 'Flat');
    assert.equal((await col.info()).metric, 'l1');
    for (let i = 0; i < 10; i++) {
      const q = query(i);
      const want = reference(q).slice(0, 10);
      const hits = await col.search(q, { k: 10 });
      hits.forEach((h, r) => {
        assert.ok(Math.abs(h.score - want[r].score) <= 1e-4 * want[r].score, `rank ${r}`);
        assert.ok(
          Math.abs(
            h.score - refL1(q, points[typeof h.id === 'number' ? h.id : Number(h.id.slice(1))].vector),
          ) < 1e-3,
        );
      });
    }
    // Thresholds and ranges are L1 distances too (lower is better).
    const q = query(0);
    const want = reference(q);
    const t = (want[14].score + want[15].score) / 2;
    assert.equal((await col.search(q, { k: 100, scoreThreshold: t })).length, 15);
    assert.equal((await col.rangeSearch(q, { radius: t })).length, 15);
  });

  test('HNSW recall@10 against exact search ≥ 0.95 (ef 64)', async () => {
    const col = await collection('hnsw', 'HNSW16');
    assert.equal((await col.info()).indexedSegments, 1);
    const r = await recall(col, { ef: 64 });
    assert.ok(r >= 0.95, `recall ${r}`);
  });

  test('IVF-Flat recall@10 against exact search ≥ 0.9 (nlist 32, nprobe 8)', async () => {
    const col = await collection('ivf', 'IVF32,Flat');
    assert.equal((await col.info()).indexedSegments, 1);
    const r = await recall(col, { nprobe: 8 });
    assert.ok(r >= 0.9, `recall ${r}`);
  });

  test('an l1 collection reopens with its index, and answers the same', async () => {
    const before = await db.collection('hnsw').search(query(3), { k: 10, ef: 64 });
    await db.close();
    db = await Quiver.open(dir.path);
    const col = db.collection('hnsw');
    await col.loaded();
    assert.equal((await col.info()).indexedSegments, 1);
    assert.deepEqual(await col.search(query(3), { k: 10, ef: 64 }), before);
  });

  test('families that cannot search by L1 are refused at create time', async () => {
    for (const index of ['PQ8', 'SQ8', 'LSH64', 'Annoy10', 'HNSW16,SQ8', 'IVF16,PQ4']) {
      await assert.rejects(
        db.createCollection(`bad${index.replace(/\W/g, '')}`, { dimension: DIM, metric: 'l1', index }),
        InvalidArgumentError,
      );
    }
    await assert.rejects(
      db.createCollection('badnamed', { vectors: { a: { dimension: 8, metric: 'l1', index: 'SQ8' } } }),
      InvalidArgumentError,
    );
    assert.ok(!(await db.listCollections()).some((n) => n.startsWith('bad')));
  });

  test('MMR and sum_scores use −L1 as the similarity', async () => {
    const col = db.collection('flat');
    const ids: PointId[] = [0, 'p1', 2];
    const hits = await col.recommend(
      { positive: ids.slice(0, 2), negative: [ids[2]] },
      { k: 5, strategy: 'sum_scores', exact: true },
    );
    const vec = (id: PointId) => points[typeof id === 'number' ? id : Number(id.slice(1))].vector;
    const want = points
      .filter((p) => !ids.includes(p.id))
      .map((p) => ({
        id: p.id,
        score: -refL1(p.vector, vec(0)) - refL1(p.vector, vec('p1')) + refL1(p.vector, vec(2)),
      }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 5);
    assert.deepEqual(
      hits.map((h) => h.id),
      want.map((w) => w.id),
    );
    const diverse = await col.search(query(1), { k: 8, mmr: { diversity: 0.5, candidates: 40 } });
    assert.equal(diverse.length, 8);
    const plain = await col.search(query(1), { k: 1 });
    assert.deepEqual(diverse[0], plain[0]);
  });
});
