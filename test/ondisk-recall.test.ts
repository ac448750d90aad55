/**
 * Vectors on disk (`onDisk: true`) search exactly as the in-memory variant that traverses
 * the same codes. What is compared, on the same data (a fixed-seed Gaussian mixture,
 * 6,000 × 32, 40 queries) in two collections of one database:
 * - HNSW: an onDisk field indexed `HNSW16` (kept as `HNSW16,SQ8`) against an in-memory field
 *   indexed `HNSW16,SQ8`, l2 and cosine. Segments hold 1,500 rows, under the 2,000 rows from
 *   which graphs are linked on parallel workers, so both build the same graph and codes from
 *   the same rows and seed; then every hit list is equal, ids and scores exactly, at
 *   ef 16 and 64 with rerank left to its default, 10, and 0 (SQ8 distances), filtered or not,
 *   synchronous and batch. Recall@10 against exact search is stated too (>= 0.9 at ef 64).
 * - Flat: an onDisk Flat field against an in-memory Flat field: equal hit lists (exact), with
 *   and without a filter, and `exact: true` on the HNSW collections equals them too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Collection, gaussianMixture, type Hit, type Metric, Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

const N = 6_000;
const DIM = 32;
const Q = 40;
const K = 10;
const data = gaussianMixture(N + Q, DIM, 40, 77);
const vector = (i: number) => Array.from(data.subarray(i * DIM, (i + 1) * DIM));
const query = (q: number) => vector(N + q);
const HALF = { must: [{ key: 'half', match: { value: 0 } }] };

async function filled(db: Quiver, name: string, config: Record<string, unknown>): Promise<Collection> {
  const col = await db.createCollection(name, { dimension: DIM, segmentSize: 1_500, ...config });
  const points = Array.from({ length: N }, (_, i) => ({
    id: i,
    vector: vector(i),
    payload: { half: i % 2 },
  }));
  for (let from = 0; from < N; from += 2_000) await col.upsert(points.slice(from, from + 2_000));
  await col.flush();
  return col;
}

const strip = (hits: readonly Hit[]) => hits.map((h) => [h.id, h.score]);

function recall(got: readonly Hit[][], truth: readonly Hit[][]): number {
  let hits = 0;
  got.forEach((g, q) => {
    const want = new Set(truth[q].map((h) => h.id));
    hits += g.filter((h) => want.has(h.id)).length;
  });
  return hits / (got.length * K);
}

describe('onDisk recall equals the in-memory variant on the same codes', () => {
  const dir = tempDir('quiver-ondisk-recall-');
  let db: Quiver;
  const pairs = new Map<Metric, { disk: Collection; memory: Collection }>();
  let flatDisk: Collection;
  let flatMemory: Collection;

  before(async () => {
    db = await Quiver.open(dir.path);
    for (const metric of ['l2', 'cosine'] as const) {
      const index = { type: 'hnsw', M: 16, efConstruction: 64 } as const;
      pairs.set(metric, {
        disk: await filled(db, `disk-${metric}`, { metric, index, onDisk: true }),
        memory: await filled(db, `memory-${metric}`, {
          metric,
          index: { type: 'factory', factory: 'HNSW16,SQ8', efConstruction: 64 },
        }),
      });
    }
    flatDisk = await filled(db, 'flat-disk', { metric: 'l2', index: 'Flat', onDisk: true });
    flatMemory = await filled(db, 'flat-memory', { metric: 'l2', index: 'Flat' });
  });

  after(async () => {
    await db?.close();
    dir.cleanup();
  });

  test('onDisk segments are indexed HNSW16,SQ8 and keep no vectors in memory', async () => {
    for (const { disk, memory } of pairs.values()) {
      const info = await disk.info();
      assert.equal(info.onDisk, true);
      assert.ok(info.sealedSegments >= 4, `${info.sealedSegments} sealed segments`);
      assert.equal(info.indexedSegments, info.sealedSegments);
      assert.equal(info.growingPoints, 0);
      assert.equal(info.memory?.vectors, 0, 'sealed vectors are on disk, nothing is growing');
      assert.equal((await memory.info()).indexedSegments, info.sealedSegments);
    }
  });

  for (const metric of ['l2', 'cosine'] as const) {
    test(`${metric}: equal hits at every ef and rerank, filtered or not; recall stated`, async () => {
      const { disk, memory } = pairs.get(metric)!;
      for (const ef of [16, 64]) {
        for (const rerank of [undefined, 10, 0]) {
          for (const filter of [undefined, HALF]) {
            const options = {
              k: K,
              ef,
              ...(rerank === undefined ? {} : { rerank }),
              ...(filter ? { filter } : {}),
            };
            for (let q = 0; q < Q; q++) {
              assert.deepEqual(
                strip(await disk.search(query(q), options)),
                strip(await memory.search(query(q), options)),
                `${metric} ef ${ef} rerank ${rerank} filter ${filter !== undefined} query ${q}`,
              );
            }
          }
        }
      }
      const queries = Array.from({ length: Q }, (_, q) => query(q));
      const batch = await disk.searchBatch(queries, { k: K, ef: 64 });
      assert.deepEqual(batch.map(strip), (await memory.searchBatch(queries, { k: K, ef: 64 })).map(strip));
      const truth = await memory.searchBatch(queries, { k: K, exact: true });
      assert.deepEqual((await disk.searchBatch(queries, { k: K, exact: true })).map(strip), truth.map(strip));
      const r = recall(batch, truth);
      assert.ok(r >= 0.9, `${metric}: recall@10 at ef 64 is ${r.toFixed(3)} (>= 0.9)`);
    });
  }

  test('flat: onDisk scans of the file equal in-memory scans, filtered or not', async () => {
    for (let q = 0; q < Q; q++) {
      for (const filter of [undefined, HALF, { must: [{ key: 'half', match: { value: 1 } }] }]) {
        const options = { k: K, ...(filter ? { filter } : {}) };
        assert.deepEqual(
          strip(await flatDisk.search(query(q), options)),
          strip(await flatMemory.search(query(q), options)),
        );
      }
    }
    const l2 = pairs.get('l2')!.disk;
    assert.deepEqual(
      strip(await l2.search(query(0), { k: K, exact: true })),
      strip(await flatMemory.search(query(0), { k: K })),
    );
  });
});
