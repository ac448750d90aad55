/**
 * Memory arenas: with a deliberately tiny arena size (1 MiB), a collection's sealed
 * segments spread over several arenas (several collections share them), and every search
 * path answers as with one memory. Ground truth is a `FlatIndex` over all the vectors in a
 * kernels instance of its own: exact searches equal it (score at every rank within 1e-4)
 * and each index family reaches recall@10 >= 0.9 against it (the knobs of
 * collection-factory.test.ts), for L2, inner product and cosine. Batch, range, filtered,
 * hybrid (vector + BM25) and recommend searches across arenas equal the same collection in
 * a database with default (4 GiB) arenas. Data: a fixed-seed Gaussian mixture, 10,000 × 16
 * per collection (segments of about 2,800 to 4,600 rows, by the estimate of each family).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { distanceKind, scoreOf } from '../src/db/metric.js';
import { Bitset } from '../src/index/bitset.js';
import { FlatIndex } from '../src/index/flat-index.js';
import {
  type Collection,
  type EmbeddedCollection,
  gaussianMixture,
  type Hit,
  type Metric,
  Quiver,
} from '../src/index.js';
import { jsKernels } from '../src/kernels/load.js';
import { tempDir } from './support/reference.js';

const ARENA = 1 << 20;
const N = 10_000;
const DIM = 16;
const Q = 30;
const K = 10;
const data = gaussianMixture(N + Q, DIM, 40, 2026);
const vector = (i: number) => data.subarray(i * DIM, (i + 1) * DIM);
const query = (q: number) => vector(N + q);
const WORDS = ['red', 'green', 'blue', 'cyan', 'amber', 'violet', 'olive', 'teal'];

function point(i: number) {
  const text = `${WORDS[i % 8]} ${WORDS[(i * 7) % 8]} ${WORDS[(i >> 3) % 8]}`;
  return { id: i, vector: Array.from(vector(i)), payload: { half: i % 2, n: i, text } };
}

type Knobs = { ef?: number; nprobe?: number; searchK?: number; rerank?: number };
interface Case {
  name: string;
  metric: Metric;
  index: string | { type: 'flat' } | { type: 'hnsw'; M: number; efConstruction: number };
  knobs: Knobs;
}

const HNSW = { type: 'hnsw', M: 16, efConstruction: 64 } as const;
const CASES: Case[] = [
  { name: 'flat-l2', metric: 'l2', index: { type: 'flat' }, knobs: {} },
  { name: 'flat-ip', metric: 'ip', index: { type: 'flat' }, knobs: {} },
  { name: 'flat-cosine', metric: 'cosine', index: { type: 'flat' }, knobs: {} },
  { name: 'hnsw-l2', metric: 'l2', index: HNSW, knobs: { ef: 64 } },
  { name: 'hnsw-ip', metric: 'ip', index: HNSW, knobs: { ef: 128 } },
  { name: 'hnsw-cosine', metric: 'cosine', index: HNSW, knobs: { ef: 64 } },
  { name: 'ivf-flat-cosine', metric: 'cosine', index: 'IVF16,Flat', knobs: { nprobe: 8 } },
  { name: 'ivf-sq8-ip', metric: 'ip', index: 'IVF16,SQ8', knobs: { nprobe: 8 } },
  { name: 'ivf-pq-l2', metric: 'l2', index: 'IVF16,PQ8', knobs: { nprobe: 8, rerank: 50 } },
  { name: 'sq8-cosine', metric: 'cosine', index: 'SQ8', knobs: {} },
  { name: 'pq-ip', metric: 'ip', index: 'PQ8', knobs: { rerank: 100 } },
  { name: 'hnsw-sq8-l2', metric: 'l2', index: 'HNSW16,SQ8', knobs: { ef: 64 } },
  { name: 'lsh-cosine', metric: 'cosine', index: 'LSH128', knobs: { rerank: 200 } },
  { name: 'annoy-l2', metric: 'l2', index: 'Annoy8', knobs: { searchK: 800 } },
];

/** Exact top-k of every query by a `FlatIndex` over all the vectors (ids are offsets), optionally filtered. */
function groundTruth(metric: Metric, allow?: (id: number) => boolean): { ids: number[]; scores: number[] }[] {
  const index = new FlatIndex(jsKernels(), DIM, distanceKind(metric));
  // The kernels' cosine distance is 1 - dot over unit rows (the collection stores rows normalized).
  const rows = (i: number) => (metric === 'cosine' ? unit(vector(i)) : vector(i));
  try {
    for (let i = 0; i < N; i++) index.add(rows(i));
    let bits: Bitset | undefined;
    if (allow) {
      bits = new Bitset(N);
      for (let i = 0; i < N; i++) if (allow(i)) bits.set(i);
    }
    return Array.from({ length: Q }, (_, q) => {
      const found = index.search(rows(N + q), K, bits);
      return {
        ids: Array.from(found.offsets),
        scores: Array.from(found.distances, (d) => scoreOf(metric, d)),
      };
    });
  } finally {
    index.dispose();
  }
}

function unit(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** Scores at every rank equal the truth's within 1e-4 (relative to the score's size). */
function assertSameScores(hits: readonly Hit[], truth: { scores: number[] }, what: string): void {
  assert.equal(hits.length, truth.scores.length, `${what}: k hits`);
  hits.forEach((h, r) => {
    const want = truth.scores[r];
    assert.ok(
      Math.abs(h.score - want) <= 1e-4 * Math.max(1, Math.abs(want)),
      `${what}: rank ${r} score ${h.score} vs ${want}`,
    );
  });
}

function recallOf(got: readonly Hit[][], truth: readonly { ids: number[] }[]): number {
  let hits = 0;
  got.forEach((g, q) => {
    const want = new Set(truth[q].ids);
    hits += g.filter((h) => want.has(h.id as number)).length;
  });
  return hits / (truth.length * K);
}

describe('collections across tiny arenas', () => {
  const dir = tempDir('quiver-arenas-');
  const single = tempDir('quiver-one-arena-');
  let db: Quiver;
  let one: Quiver;
  const collections = new Map<string, Collection>();
  let reference: Collection;

  before(async () => {
    db = await Quiver.open(dir.path, { arenaBytes: ARENA });
    one = await Quiver.open(single.path);
    const all = Array.from({ length: N }, (_, i) => point(i));
    for (const c of CASES) {
      const col = await db.createCollection(c.name, {
        dimension: DIM,
        metric: c.metric,
        index: c.index,
        payloadIndexes: { text: { type: 'text' }, half: 'integer' },
      });
      for (let from = 0; from < N; from += 2500) await col.upsert(all.slice(from, from + 2500));
      await col.flush();
      collections.set(c.name, col);
    }
    reference = await one.createCollection('flat-l2', {
      dimension: DIM,
      metric: 'l2',
      index: { type: 'flat' },
      payloadIndexes: { text: { type: 'text' }, half: 'integer' },
    });
    await reference.upsert(all);
    await reference.flush();
  });

  after(async () => {
    await db?.close();
    await one?.close();
    dir.cleanup();
    single.cleanup();
  });

  test('segments spread over several arenas, shared by the collections; info() reports them', async () => {
    for (const c of CASES) {
      const info = await collections.get(c.name)!.info();
      assert.equal(info.count, N);
      assert.ok(info.sealedSegments >= 2, `${c.name}: ${info.sealedSegments} sealed segments`);
      assert.ok(info.memory && info.memory.arenas >= 3, `${c.name}: ${info.memory?.arenas} arenas`);
      assert.ok(info.indexedSegments >= 1 || c.name.startsWith('flat'), `${c.name}: some segment indexed`);
      assert.equal(info.memory.vectors >= N * DIM * 4, true, `${c.name}: vectors in memory`);
      assert.ok(info.disk && info.disk.bytes >= N * DIM * 4, `${c.name}: bytes on disk`);
      if (!c.name.startsWith('flat')) assert.ok(info.memory.index > 0, `${c.name}: index bytes`);
    }
    const stats = db.memory;
    assert.ok(stats.arenas >= 10, `${stats.arenas} arenas in the database`);
    assert.ok(stats.committedBytes >= stats.allocatedBytes);
  });

  for (const c of CASES) {
    test(`${c.name}: exact search equals FlatIndex; recall@10 >= 0.9 with ${JSON.stringify(c.knobs)}`, async () => {
      const col = collections.get(c.name)!;
      const truth = groundTruth(c.metric);
      const approx: Hit[][] = [];
      for (let q = 0; q < Q; q++) {
        assertSameScores(await col.search(query(q), { k: K, exact: true }), truth[q], `query ${q}`);
        approx.push(await col.search(query(q), { k: K, ...c.knobs }));
      }
      const recall = recallOf(approx, truth);
      assert.ok(recall >= 0.9, `${c.name}: recall@10 ${recall.toFixed(3)} >= 0.9`);
      const filtered = groundTruth(c.metric, (id) => id % 2 === 0);
      const got: Hit[][] = [];
      for (let q = 0; q < Q; q++) {
        const hits = await col.search(query(q), {
          k: K,
          filter: { must: [{ key: 'half', match: { value: 0 } }] },
        });
        for (const h of hits) assert.equal((h.id as number) % 2, 0, 'filtered hits are allowed');
        got.push(hits);
      }
      const filteredRecall = recallOf(got, filtered);
      assert.ok(filteredRecall >= 0.9, `${c.name}: filtered recall@10 ${filteredRecall.toFixed(3)} >= 0.9`);
    });
  }

  test('batch, range, filtered, hybrid and recommend across arenas equal one arena', async () => {
    const col = collections.get('flat-l2')!;
    const queries = Array.from({ length: Q }, (_, q) => Array.from(query(q)));
    const ids = (hits: readonly Hit[]) => hits.map((h) => h.id);
    assert.deepEqual(
      (await col.searchBatch(queries, { k: K })).map(ids),
      (await reference.searchBatch(queries, { k: K })).map(ids),
      'batch',
    );
    for (let q = 0; q < 5; q++) {
      const [tenth] = (await reference.search(queries[q], { k: 20 })).slice(-1);
      const radius = tenth.score;
      assert.deepEqual(
        ids(await col.rangeSearch(queries[q], { radius })),
        ids(await reference.rangeSearch(queries[q], { radius })),
        `range ${q}`,
      );
      const filter = { must: [{ key: 'n', range: { gte: 2000, lt: 7000 } }] };
      assert.deepEqual(
        ids(await col.search(queries[q], { k: K, filter })),
        ids(await reference.search(queries[q], { k: K, filter })),
        `filtered ${q}`,
      );
      const hybrid = { vector: queries[q], text: WORDS[q % 8], textField: 'text' };
      assert.deepEqual(
        ids(await col.search(hybrid, { k: K })),
        ids(await reference.search(hybrid, { k: K })),
        `hybrid ${q}`,
      );
      const rec = { positive: [q * 100, q * 100 + 7], negative: [q * 100 + 3] };
      assert.deepEqual(
        ids(await col.recommend(rec, { k: K })),
        ids(await reference.recommend(rec, { k: K })),
      );
      const best = { ...rec, strategy: 'best_score' as const };
      assert.deepEqual(
        ids(await col.recommend(best, { k: K })),
        ids(await reference.recommend(best, { k: K })),
        `best-score recommend ${q}`,
      );
    }
  });

  test('compaction rewrites segments across arenas and frees emptied arenas; reopening places them again', async () => {
    const col = collections.get('hnsw-l2')!;
    const deleted = Array.from({ length: N / 2 }, (_, i) => i * 2 + 1);
    await col.delete(deleted);
    await col.compact();
    await col.flush();
    const truth = groundTruth('l2', (id) => id % 2 === 0);
    for (let q = 0; q < Q; q++) {
      assertSameScores(
        await col.search(query(q), { k: K, exact: true }),
        truth[q],
        `after compaction, query ${q}`,
      );
    }
    const before = (await col.info()).memory!;
    await db.close();
    db = await Quiver.open(dir.path, { arenaBytes: ARENA });
    for (const c of CASES) collections.set(c.name, db.collection(c.name));
    const reopened = collections.get('hnsw-l2')!;
    await (reopened as EmbeddedCollection).loaded();
    const info = await reopened.info();
    assert.equal(info.count, N / 2);
    assert.ok(info.memory!.arenas >= 2, `${info.memory!.arenas} arenas after reopen`);
    assert.ok(info.memory!.vectors <= before.vectors, 'no more vector bytes than before the reopen');
    for (let q = 0; q < Q; q++) {
      assertSameScores(
        await reopened.search(query(q), { k: K, exact: true }),
        truth[q],
        `reopened, query ${q}`,
      );
    }
  });
});

test('the growing segment is sealed once it holds what fits one arena, before segmentSize', async () => {
  const dir = tempDir('quiver-arena-seal-');
  const db = await Quiver.open(dir.path, { arenaBytes: ARENA });
  try {
    const col = await db.createCollection('early', { dimension: DIM, index: HNSW, segmentSize: 100_000 });
    for (let first = 0; first < N; first += 500) {
      await col.upsert(Array.from({ length: 500 }, (_, j) => point(first + j)));
    }
    // A seal is queued after the upsert that fills the segment and before the next write, so
    // when the last upsert resolves every seal it called for has run.
    assert.equal(await col.count(), N);
    const info = await col.info();
    assert.ok(info.sealedSegments >= 2, `${info.sealedSegments} segments sealed without a flush`);
    assert.ok(info.growingPoints < N / 2, `${info.growingPoints} points still growing`);
    for (let q = 0; q < 5; q++) {
      const exact = await col.search(query(q), { k: K, exact: true });
      assert.equal(exact.length, K);
    }
  } finally {
    await db.close();
    dir.cleanup();
  }
});
