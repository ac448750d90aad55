import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Collection, type Metric, type PointId, Quiver, SeededRandom } from '../src/index.js';
import { matchesReference } from './support/filters.js';
import { assertTopK, bruteForce, referenceScore, tempDir } from './support/reference.js';

const DIM = 24;
const N = 1500;
const LABELS = ['cat', 'dog', 'bird', 'fish'];

function dataset(seed: number) {
  const rng = new SeededRandom(seed);
  return Array.from({ length: N }, (_, i) => ({
    id: i % 3 === 0 ? `p-${i}` : i,
    vector: Array.from({ length: DIM }, () => rng.gaussian()),
    payload: { label: LABELS[i % 4], year: 2000 + (i % 25), tags: i % 7 === 0 ? ['rare'] : [] },
  }));
}

for (const metric of ['l2', 'ip', 'cosine'] as Metric[]) {
  describe(`exact search equals brute force (${metric})`, () => {
    const dir = tempDir();
    let db: Quiver;
    let col: Collection;
    const points = dataset(7);
    const queries = dataset(99)
      .slice(0, 25)
      .map((p) => p.vector);
    // The engine stores cosine vectors normalized; the reference uses the raw ones, which score the same.
    const stored = new Map<PointId, number[]>(points.map((p) => [p.id, p.vector]));
    const payloads = new Map(points.map((p) => [p.id, p.payload]));

    before(async () => {
      db = await Quiver.open(dir.path);
      col = await db.createCollection('vectors', { dimension: DIM, metric, segmentSize: 500 });
      // Spread points over several sealed segments and the growing one, with some deleted.
      for (let i = 0; i < N; i += 300) await col.upsert(points.slice(i, i + 300));
      const deleted = points.filter((_, i) => i % 11 === 0).map((p) => p.id);
      await col.delete(deleted);
      for (const id of deleted) stored.delete(id);
    });
    after(async () => {
      await db.close();
      dir.cleanup();
    });

    test('top-k without a filter, several segments', async () => {
      const info = await col.info();
      assert.ok(info.sealedSegments >= 2, `expected sealed segments, got ${info.sealedSegments}`);
      assert.ok(info.growingPoints > 0);
      for (const k of [1, 10, 57]) {
        for (const q of queries) assertTopK(await col.search(q, { k }), bruteForce(metric, stored, q), k);
      }
    });

    const filters = [
      { must: [{ key: 'label', match: { value: 'cat' } }] },
      {
        must: [{ key: 'year', range: { gte: 2010, lt: 2013 } }],
        must_not: [{ key: 'label', match: { value: 'dog' } }],
      },
      {
        should: [
          { key: 'tags', match: { any: ['rare'] } },
          { key: 'label', match: { any: ['fish'] } },
        ],
      },
      { must: [{ key: 'label', match: { value: 'nobody' } }] },
    ];
    test('top-k with filters is the exact top-k among matching points', async () => {
      for (const filter of filters) {
        const allow = (id: PointId) => matchesReference(filter, payloads.get(id));
        for (const q of queries.slice(0, 10)) {
          const hits = await col.search(q, { k: 10, filter, withPayload: true });
          assertTopK(hits, bruteForce(metric, stored, q, allow), 10);
          for (const h of hits) assert.deepEqual(h.payload, payloads.get(h.id));
        }
      }
    });

    test('searchBatch equals one search per query', async () => {
      const batch = await col.searchBatch(queries, { k: 5 });
      assert.equal(batch.length, queries.length);
      for (let i = 0; i < queries.length; i++)
        assert.deepEqual(batch[i], await col.search(queries[i], { k: 5 }));
    });

    test('rangeSearch returns exactly the points within the radius', async () => {
      const q = queries[0];
      const ranked = bruteForce(metric, stored, q);
      const pick = ranked[40].score;
      // Radius semantics: l2 squared distance ≤ r; cosine distance (1 − cos) ≤ r; ip dot ≥ r.
      const radius = metric === 'cosine' ? 1 - pick : pick;
      const hits = await col.rangeSearch(q, { radius });
      const inside = ranked.filter((r) =>
        metric === 'l2' ? r.score <= pick + 1e-4 : r.score >= pick - 1e-4,
      );
      assert.ok(
        hits.length >= 40 && hits.length <= inside.length,
        `${hits.length} hits, ${inside.length} inside`,
      );
      assertTopK(hits, ranked, hits.length);
      for (const h of hits) {
        const ref = referenceScore(metric, q, stored.get(h.id)!);
        assert.ok(metric === 'l2' ? ref <= pick + 1e-4 : ref >= pick - 1e-4);
      }
    });

    test('results survive reopening', async () => {
      const before = await col.search(queries[1], { k: 10 });
      await db.close();
      db = await Quiver.open(dir.path);
      col = db.collection('vectors');
      assert.deepEqual(await col.search(queries[1], { k: 10 }), before);
      await col.flush();
      await col.compact();
      assertTopK(await col.search(queries[1], { k: 10 }), bruteForce(metric, stored, queries[1]), 10);
      assert.equal(await col.count(), stored.size);
    });
  });
}

test('score meaning per metric on a hand-computed case', async () => {
  const dir = tempDir();
  const db = await Quiver.open(dir.path);
  try {
    const l2 = await db.createCollection('l2', { dimension: 2, metric: 'l2' });
    const ip = await db.createCollection('ip', { dimension: 2, metric: 'ip' });
    const cos = await db.createCollection('cos', { dimension: 2, metric: 'cosine' });
    const pts = [
      { id: 'a', vector: [3, 4] },
      { id: 'b', vector: [1, 0] },
    ];
    for (const c of [l2, ip, cos]) await c.upsert(pts);
    assert.deepEqual(await l2.search([0, 0], { k: 2 }), [
      { id: 'b', score: 1 },
      { id: 'a', score: 25 },
    ]);
    assert.deepEqual(await ip.search([1, 1], { k: 2 }), [
      { id: 'a', score: 7 },
      { id: 'b', score: 1 },
    ]);
    const hits = await cos.search([0, 2], { k: 2, withVector: true });
    assert.deepEqual(
      hits.map((h) => h.id),
      ['a', 'b'],
    );
    assert.ok(Math.abs(hits[0].score - 0.8) < 1e-6 && Math.abs(hits[1].score) < 1e-6);
    assert.ok(Math.abs(hits[0].vector![0] - 0.6) < 1e-6, 'cosine vectors are stored normalized');
  } finally {
    await db.close();
    dir.cleanup();
  }
});
