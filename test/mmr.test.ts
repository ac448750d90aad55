/**
 * Maximal marginal relevance (`SearchOptions.mmr`) against a brute-force float64 MMR on a
 * small seeded set: the nearest `candidates` points by exact search, then greedy picks by
 * λ · sim(query) − (1 − λ) · max sim(picked), λ = 1 − diversity, where sim is the
 * metric's similarity (−squared distance for l2, the inner product for ip, cosine for cosine).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Collection,
  InvalidArgumentError,
  type Metric,
  type PointId,
  Quiver,
  SeededRandom,
} from '../src/index.js';
import { bruteForce, referenceScore, tempDir } from './support/reference.js';

const DIM = 8;
const N = 300;

/** The metric's similarity, higher is better. */
function similarity(metric: Metric, a: number[], b: number[]): number {
  return metric === 'l2' ? -referenceScore('l2', a, b) : referenceScore(metric, a, b);
}

/** Brute-force MMR: ids in pick order. */
function referenceMmr(
  metric: Metric,
  stored: Map<PointId, number[]>,
  query: number[],
  diversity: number,
  candidates: number,
  limit: number,
): PointId[] {
  const pool = bruteForce(metric, stored, query)
    .slice(0, candidates)
    .map((e) => e.id);
  const lambda = 1 - diversity;
  const relevance = pool.map((id) => similarity(metric, query, stored.get(id)!));
  const picks: number[] = [0];
  const left = new Set(pool.keys());
  left.delete(0);
  while (picks.length < limit && left.size > 0) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const i of left) {
      const closest = Math.max(
        ...picks.map((p) => similarity(metric, stored.get(pool[i])!, stored.get(pool[p])!)),
      );
      const score = lambda * relevance[i] - (1 - lambda) * closest;
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    picks.push(best);
    left.delete(best);
  }
  return picks.map((i) => pool[i]);
}

for (const metric of ['l2', 'ip', 'cosine'] as Metric[]) {
  describe(`MMR equals brute-force MMR (${metric})`, () => {
    const dir = tempDir();
    let db: Quiver;
    let col: Collection;
    const rng = new SeededRandom(5);
    const points = Array.from({ length: N }, (_, i) => ({
      id: i % 3 === 0 ? `m${i}` : i,
      vector: Array.from({ length: DIM }, () => rng.gaussian()),
      payload: { i },
    }));
    const stored = new Map<PointId, number[]>(points.map((p) => [p.id, p.vector]));
    const queries = Array.from({ length: 6 }, () => Array.from({ length: DIM }, () => rng.gaussian()));

    before(async () => {
      db = await Quiver.open(dir.path);
      col = await db.createCollection('m', { dimension: DIM, metric, segmentSize: 120, index: 'Flat' });
      for (let i = 0; i < N; i += 100) await col.upsert(points.slice(i, i + 100));
    });
    after(async () => {
      await db.close();
      dir.cleanup();
    });

    test('picks and scores for several diversities and candidate counts', async () => {
      for (const q of queries) {
        for (const [diversity, candidates, k] of [
          [0, 50, 10],
          [0.3, 40, 10],
          [0.5, 100, 8],
          [0.8, 30, 12],
          [1, 25, 6],
        ]) {
          const hits = await col.search(q, { k, mmr: { diversity, candidates } });
          const expected = referenceMmr(metric, stored, q, diversity, candidates, k);
          assert.deepEqual(
            hits.map((h) => h.id),
            expected,
            `diversity ${diversity}, candidates ${candidates}`,
          );
          // Scores are the ordinary similarity to the query, as Qdrant returns them.
          for (const h of hits) {
            const ref = referenceScore(metric, q, stored.get(h.id)!);
            assert.ok(Math.abs(h.score - ref) <= 1e-4 * Math.max(1, Math.abs(ref)));
          }
        }
      }
    });

    test('diversity 0 is the plain top-k; the default takes max(k, 100) candidates and λ = 0.5', async () => {
      const q = queries[0];
      const plain = await col.search(q, { k: 10 });
      const relevant = await col.search(q, { k: 10, mmr: { diversity: 0 } });
      assert.deepEqual(
        relevant.map((h) => h.id),
        plain.map((h) => h.id),
      );
      const byDefault = await col.search(q, { k: 10, mmr: {} });
      assert.deepEqual(
        byDefault.map((h) => h.id),
        referenceMmr(metric, stored, q, 0.5, 100, 10),
      );
    });

    test('offset pages through the picks; scoreThreshold limits the candidates', async () => {
      const q = queries[1];
      const mmr = { diversity: 0.6, candidates: 60 };
      const all = await col.search(q, { k: 15, mmr });
      const later = await col.search(q, { k: 5, offset: 10, mmr });
      assert.deepEqual(later, all.slice(10, 15));
      const exact = bruteForce(metric, stored, q);
      const t = (exact[19].score + exact[20].score) / 2;
      const near = await col.search(q, { k: 10, mmr, scoreThreshold: t, withPayload: true });
      const within = new Set(exact.slice(0, 20).map((e) => e.id));
      assert.equal(near.length, 10);
      assert.ok(near.every((h) => within.has(h.id) && h.payload !== undefined));
      const batch = await col.searchBatch([q, queries[2]], { k: 15, mmr });
      assert.deepEqual(batch[0], all);
    });

    test('bad mmr options are refused', async () => {
      const q = queries[0];
      await assert.rejects(col.search(q, { mmr: { diversity: 1.5 } }), InvalidArgumentError);
      await assert.rejects(col.search(q, { mmr: { diversity: -0.1 } }), InvalidArgumentError);
      await assert.rejects(col.search(q, { mmr: { candidates: 0 } }), InvalidArgumentError);
      await assert.rejects(col.search(q, { mmr: { lambda: 0.5 } as never }), InvalidArgumentError);
      await assert.rejects(col.search(q, { mmr: { diversity: 0.5 }, groupBy: 'i' }), InvalidArgumentError);
    });
  });
}
