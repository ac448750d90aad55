/**
 * Value partitions across memory arenas: with 4 MiB arenas a collection of 34,000 × 8
 * vectors (HNSW) seals into segments of about 16,000 rows in different arenas, and the
 * partitions of its partitioned keyword key (1 row in 10) are copies placed in arenas of
 * their own choosing. Filtered searches through them return only allowed rows, exact ones
 * equal brute force, approximate ones reach recall@10 >= 0.95; `info()` counts the
 * partitions' bytes as index memory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Collection,
  type EmbeddedCollection,
  type Filter,
  gaussianMixture,
  type PointId,
  Quiver,
} from '../src/index.js';
import { bruteForce, tempDir } from './support/reference.js';

const DIM = 8;
const N = 34_000;
const QUERIES = 30;
const ARENA = 4 << 20;
const data = gaussianMixture(N + QUERIES, DIM, 50, 1515);
const vector = (i: number) => data.subarray(i * DIM, (i + 1) * DIM);
const query = (q: number) => vector(N + q);
const PART: Filter = { must: [{ key: 'tags', match: { value: 'part' } }] };

function point(i: number) {
  return { id: i, vector: vector(i), payload: { tags: i % 10 === 3 ? ['part'] : ['other'], n: i } };
}

describe('value partitions across arenas', () => {
  const dir = tempDir('quiver-arena-parts-');
  let db: Quiver;
  let c: Collection;
  const live = new Map<PointId, Float32Array>();

  before(async () => {
    db = await Quiver.open(dir.path, { arenaBytes: ARENA });
    c = await db.createCollection('parts', {
      dimension: DIM,
      index: { type: 'hnsw', M: 16, efConstruction: 64 },
      payloadIndexes: { tags: { type: 'keyword', partitioned: true } },
    });
    for (let first = 0; first < N; first += 5000) {
      await c.upsert(Array.from({ length: Math.min(5000, N - first) }, (_, j) => point(first + j)));
    }
    await c.flush();
    // Partitions are built after the index, in the background.
    const indexer = (c as EmbeddedCollection).indexer;
    await indexer.idle();
    for (let i = 0; i < N; i++) live.set(i, vector(i));
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  test('segments in several arenas, each large one with a partition of its "part" rows', async () => {
    const sealed = (c as EmbeddedCollection).storage.set.sealed.map((p) => p.segment);
    assert.ok(sealed.length >= 2, `${sealed.length} segments`);
    const arenas = new Set(sealed.map((s) => s.kernels.arenaId)).size;
    assert.ok(arenas >= 2, `${arenas} arenas`);
    const partitioned = sealed.filter((s) => s.partition(0, 'tags', 'part') !== undefined);
    assert.ok(partitioned.length >= 2, `${partitioned.length} segments with a partition`);
    for (const s of partitioned) s.partition(0, 'tags', 'part')!.index.checkIntegrity();
    const info = await c.info();
    const partitionBytes = partitioned.reduce((sum, s) => sum + s.partitionStats.bytes, 0);
    assert.ok(info.memory!.index >= partitionBytes, 'partition bytes count as index memory');
  });

  test('filtered searches: only allowed rows, exact = brute force, recall@10 >= 0.95', async () => {
    let recall = 0;
    for (let q = 0; q < QUERIES; q++) {
      const want = bruteForce('l2', live, query(q), (id) => (id as number) % 10 === 3).slice(0, 10);
      const hits = await c.search(query(q), { k: 10, filter: PART });
      assert.equal(hits.length, 10);
      for (const h of hits) assert.equal((h.id as number) % 10, 3, `hit ${h.id} allowed`);
      const wanted = new Set(want.map((w) => w.id));
      recall += hits.filter((h) => wanted.has(h.id)).length / 10;
      const exact = await c.search(query(q), { k: 10, filter: PART, exact: true });
      assert.deepEqual(
        exact.map((h) => h.id),
        want.map((w) => w.id),
        `query ${q}: exact search equals brute force`,
      );
    }
    assert.ok(recall / QUERIES >= 0.95, `recall@10 ${(recall / QUERIES).toFixed(3)} >= 0.95`);
  });
});
