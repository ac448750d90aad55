/**
 * Search options behind Qdrant's query API: `offset` and `scoreThreshold` on every kind of
 * search (vector, text, hybrid, grouped, batch, recommend), DBSF fusion (hybrid search and
 * `fuseHitLists`) against hand-computed values, and the `sum_scores` recommendation
 * strategy against brute force. Collections are exact (flat index), so every window is
 * compared with a float64 reference.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Collection,
  fuseHitLists,
  type Hit,
  InvalidArgumentError,
  type Metric,
  type PointId,
  Quiver,
  SeededRandom,
} from '../src/index.js';
import { fuseDbsf } from '../src/text/fusion.js';
import { assertTopK, bruteForce, referenceScore, tempDir } from './support/reference.js';

const DIM = 16;
const N = 600;
const WORDS = ['red', 'green', 'blue', 'fast', 'slow', 'tax', 'cut', 'river', 'stone', 'cloud'];
const LABELS = ['a', 'b', 'c', 'd', 'e'];
const TOL = 1e-4;

function dataset(seed: number) {
  const rng = new SeededRandom(seed);
  return Array.from({ length: N }, (_, i) => ({
    id: i % 4 === 0 ? `s-${i}` : i,
    vector: Array.from({ length: DIM }, () => rng.gaussian()),
    payload: {
      label: LABELS[i % LABELS.length],
      body: Array.from({ length: 6 }, () => WORDS[Math.floor(rng.next() * WORDS.length)]).join(' '),
    },
  }));
}

/** `hits` is the window [offset, offset + k) of the best-first reference `expected`. */
function assertWindow(
  hits: Hit[],
  expected: { id: PointId; score: number }[],
  offset: number,
  k: number,
): void {
  const window = expected.slice(offset, offset + k);
  assert.equal(hits.length, window.length);
  const byId = new Map(expected.map((e) => [e.id, e.score]));
  hits.forEach((hit, i) => {
    const scale = Math.max(1, Math.abs(window[i].score));
    assert.ok(
      Math.abs(hit.score - window[i].score) <= TOL * scale,
      `rank ${offset + i}: ${hit.score} vs ${window[i].score}`,
    );
    assert.ok(Math.abs(hit.score - byId.get(hit.id)!) <= TOL * scale, `score of ${hit.id}`);
  });
}

/** A threshold halfway between the reference's scores at ranks `at` and `at + 1`. */
function thresholdAfter(expected: { score: number }[], at: number): number {
  return (expected[at].score + expected[at + 1].score) / 2;
}

for (const metric of ['l2', 'ip', 'cosine'] as Metric[]) {
  describe(`offset and scoreThreshold (${metric})`, () => {
    const dir = tempDir();
    let db: Quiver;
    let col: Collection;
    const points = dataset(11);
    const stored = new Map<PointId, number[]>(points.map((p) => [p.id, p.vector]));
    const queries = dataset(12)
      .slice(0, 8)
      .map((p) => p.vector);

    before(async () => {
      db = await Quiver.open(dir.path);
      col = await db.createCollection('c', { dimension: DIM, metric, segmentSize: 200, index: 'Flat' });
      for (let i = 0; i < N; i += 150) await col.upsert(points.slice(i, i + 150));
      await col.createPayloadIndex('body', 'text');
    });
    after(async () => {
      await db.close();
      dir.cleanup();
    });

    test('offset skips the best hits and k counts what is returned', async () => {
      for (const q of queries) {
        const expected = bruteForce(metric, stored, q);
        for (const [offset, k] of [
          [0, 10],
          [10, 10],
          [37, 5],
          [595, 10],
        ]) {
          assertWindow(await col.search(q, { k, offset }), expected, offset, k);
        }
      }
    });

    test('scoreThreshold keeps scores at least as good, with and without offset', async () => {
      for (const q of queries) {
        const expected = bruteForce(metric, stored, q);
        const t = thresholdAfter(expected, 20);
        assertWindow(await col.search(q, { k: 100, scoreThreshold: t }), expected, 0, 21);
        assertWindow(await col.search(q, { k: 100, offset: 5, scoreThreshold: t }), expected, 5, 16);
        assertWindow(await col.search(q, { k: 3, offset: 2, scoreThreshold: t }), expected, 2, 3);
      }
    });

    test('batch search applies the window to every query', async () => {
      const t = (metric === 'l2' ? 1 : -1) * 1e9;
      const found = await col.searchBatch(queries, { k: 7, offset: 3, scoreThreshold: t });
      found.forEach((hits, i) => {
        assertWindow(hits, bruteForce(metric, stored, queries[i]), 3, 7);
      });
      const none = await col.searchBatch(queries, { k: 7, scoreThreshold: -t });
      assert.deepEqual(
        none.map((h) => h.length),
        queries.map(() => 0),
      );
    });

    test('text and hybrid searches: offset and threshold on BM25 and fused scores', async () => {
      const text = { text: 'tax cut river', textField: 'body' };
      const all = await col.search(text, { k: 100 });
      assert.ok(all.length >= 40);
      const page = await col.search(text, { k: 10, offset: 15 });
      assert.deepEqual(
        page.map((h) => h.score),
        all.slice(15, 25).map((h) => h.score),
      );
      const t = (all[9].score + all[10].score) / 2;
      const kept = await col.search(text, { k: 100, scoreThreshold: t });
      assert.ok(kept.length >= 10 && kept.every((h) => h.score >= t));
      assert.equal(kept.length, all.filter((h) => h.score >= t).length);

      const hybrid = { ...text, vector: queries[0] };
      for (const fusion of ['rrf', 'weighted', 'dbsf'] as const) {
        // Each branch ranks offset + k rows before fusing, so compare with a search of that k.
        const full = await col.search(hybrid, { k: 30, fusion });
        const window = await col.search(hybrid, { k: 10, offset: 20, fusion });
        assert.deepEqual(
          window.map((h) => h.id),
          full.slice(20, 30).map((h) => h.id),
        );
        // Cut between two different fused scores (RRF scores tie often).
        let at = 4;
        while (full[at].score === full[at + 1].score) at++;
        const cut = (full[at].score + full[at + 1].score) / 2;
        const best = await col.search(hybrid, { k: 30, fusion, scoreThreshold: cut });
        assert.deepEqual(
          best.map((h) => h.id),
          full.slice(0, at + 1).map((h) => h.id),
        );
      }
    });

    test('grouped search: offset skips whole groups, threshold drops hits', async () => {
      const q = queries[1];
      const expected = bruteForce(metric, stored, q);
      const labelOf = new Map(points.map((p) => [p.id, p.payload.label]));
      const all = await col.search(q, { k: 5, groupBy: 'label', groupSize: 2 });
      const later = await col.search(q, { k: 2, offset: 3, groupBy: 'label', groupSize: 2 });
      assert.deepEqual(later, all.slice(3, 5));
      const t = thresholdAfter(expected, 6);
      const near = await col.search(q, { k: 5, groupBy: 'label', groupSize: 7, scoreThreshold: t });
      const within = new Set(expected.slice(0, 7).map((e) => e.id));
      const hits = near.flatMap((g) => g.hits);
      assert.equal(hits.length, 7);
      for (const g of near) for (const h of g.hits) assert.equal(labelOf.get(h.id), g.group);
      assert.ok(hits.every((h) => within.has(h.id)));
    });

    test('recommend: offset and threshold for every strategy', async () => {
      const query = { positive: [points[3].id, points[8].id], negative: [points[5].id] };
      for (const strategy of ['average', 'best_score', 'sum_scores'] as const) {
        const all = await col.recommend(query, { k: 30, strategy, exact: true });
        const page = await col.recommend(query, { k: 10, offset: 12, strategy, exact: true });
        assert.deepEqual(
          page.map((h) => h.id),
          all.slice(12, 22).map((h) => h.id),
        );
        const higher = strategy !== 'average' || metric !== 'l2';
        const t = (all[7].score + all[8].score) / 2;
        const best = await col.recommend(query, { k: 30, strategy, exact: true, scoreThreshold: t });
        assert.deepEqual(
          best.map((h) => h.id),
          all.slice(0, 8).map((h) => h.id),
        );
        assert.ok(best.every((h) => (higher ? h.score >= t : h.score <= t)));
      }
    });

    test('sum_scores equals brute force: Σ sim(positive) − Σ sim(negative)', async () => {
      const examples: { positive: PointId[]; negative: PointId[] } = {
        positive: [points[1].id, points[2].id, points[9].id],
        negative: [points[4].id],
      };
      const sim = (a: number[], b: number[]) =>
        metric === 'l2' ? -referenceScore('l2', a, b) : referenceScore(metric, a, b);
      const excluded = new Set<PointId>([...examples.positive, ...examples.negative]);
      const vectorOf = (id: PointId) => stored.get(id)!;
      const expected = [...stored]
        .filter(([id]) => !excluded.has(id))
        .map(([id, v]) => ({
          id,
          score:
            examples.positive.reduce((s: number, p) => s + sim(v, vectorOf(p)), 0) -
            examples.negative.reduce((s: number, n) => s + sim(v, vectorOf(n)), 0),
        }))
        .sort((a, b) => b.score - a.score);
      assertTopK(await col.recommend(examples, { k: 20, strategy: 'sum_scores', exact: true }), expected, 20);
      if (metric !== 'l2') {
        // ip and cosine: Σ positive − Σ negative ranks exactly by this score, without `exact`.
        assertTopK(await col.recommend(examples, { k: 20, strategy: 'sum_scores' }), expected, 20);
      }
    });
  });
}

describe('DBSF fusion', () => {
  test('fuseDbsf normalizes by mean ± 3 sample standard deviations', () => {
    // List 1 (similarities 3, 2, 1): μ = 2, σ = 1 → (s + 1) / 6.
    // List 2 (distances 1, 3: negated −1, −3): μ = −2, σ = √2 → (−d + 2 + 3√2) / (6√2).
    const r2 = Math.SQRT2;
    const fused = fuseDbsf([
      { keys: ['a', 'b', 'c'], scores: [3, 2, 1], higherIsBetter: true },
      { keys: ['c', 'd'], scores: [1, 3], higherIsBetter: false, weight: 2 },
    ]);
    const expected: [string, number][] = [
      ['c', 2 / 6 + (2 * (1 + 3 * r2)) / (6 * r2)],
      ['d', (2 * (-1 + 3 * r2)) / (6 * r2)],
      ['a', 4 / 6],
      ['b', 3 / 6],
    ];
    assert.deepEqual(
      fused.map((f) => f.key),
      expected.map(([key]) => key),
    );
    expected.forEach(([, score], i) => {
      assert.ok(Math.abs(fused[i].score - score) < 1e-12);
    });
  });

  test('a lone hit or equal scores give 0.5', () => {
    const fused = fuseDbsf([
      { keys: ['x'], scores: [42], higherIsBetter: true },
      { keys: ['y', 'z'], scores: [7, 7], higherIsBetter: false },
    ]);
    assert.deepEqual(fused, [
      { key: 'x', score: 0.5 },
      { key: 'y', score: 0.5 },
      { key: 'z', score: 0.5 },
    ]);
  });

  test('fuseHitLists: rrf and dbsf over any number of hit lists, with window and payloads', async () => {
    const hit = (id: PointId, score: number): Hit => ({ id, score, payload: { from: `${id}` } });
    const lists = [
      [hit(1, 0.9), hit(2, 0.8), hit(3, 0.7)],
      { hits: [hit(3, 0.1), hit(4, 0.4)], higherIsBetter: false },
      [hit(2, 10), hit(6, 4), hit(5, 1)],
    ];
    const rrf = fuseHitLists(lists, { method: 'rrf', rrfK: 1 });
    // Qdrant's default (1 / (2 + position)): ranks 1, 2, 3 score 1/2, 1/3, 1/4.
    assert.deepEqual(
      rrf.map((h) => [h.id, h.score]),
      [
        [2, 1 / 3 + 1 / 2],
        [3, 1 / 4 + 1 / 2],
        [1, 1 / 2],
        [4, 1 / 3],
        [6, 1 / 3],
        [5, 1 / 4],
      ],
    );
    assert.deepEqual(rrf[0].payload, { from: '2' });
    const dbsf = fuseHitLists(lists, { method: 'dbsf' });
    // List 1: μ 0.8, σ 0.1 → (s − 0.5) / 0.6; list 2 (negated): μ −0.25, σ 0.15√2;
    // list 3 (10, 4, 1): μ 5, σ √21.
    const n2 = (d: number) => (-d + 0.25 + 0.45 * Math.SQRT2) / (0.9 * Math.SQRT2);
    const r21 = Math.sqrt(21);
    const n3 = (s: number) => (s - 5 + 3 * r21) / (6 * r21);
    const want = new Map<PointId, number>([
      [1, 0.4 / 0.6],
      [2, 0.3 / 0.6 + n3(10)],
      [3, 0.2 / 0.6 + n2(0.1)],
      [4, n2(0.4)],
      [5, n3(1)],
      [6, n3(4)],
    ]);
    for (const h of dbsf) assert.ok(Math.abs(h.score - want.get(h.id)!) < 1e-9, `${h.id}`);
    assert.deepEqual(
      dbsf.map((h) => h.id),
      [...want].sort((a, b) => b[1] - a[1]).map(([id]) => id),
    );
    const window = fuseHitLists(lists, { method: 'dbsf', offset: 1, limit: 2 });
    assert.deepEqual(window, dbsf.slice(1, 3));
    const t = (dbsf[2].score + dbsf[3].score) / 2;
    assert.deepEqual(fuseHitLists(lists, { method: 'dbsf', scoreThreshold: t }), dbsf.slice(0, 3));
    assert.throws(() => fuseHitLists(lists, { method: 'max' as 'rrf' }), InvalidArgumentError);
    assert.throws(() => fuseHitLists(lists, { method: 'rrf', limit: -1 }), InvalidArgumentError);
  });

  test('hybrid search with dbsf equals the hand-computed fusion of its two branches', async () => {
    const dir = tempDir();
    const db = await Quiver.open(dir.path);
    try {
      const col = await db.createCollection('h', {
        dimension: DIM,
        metric: 'ip',
        segmentSize: 200,
        index: 'Flat',
      });
      await col.upsert(dataset(21));
      await col.createPayloadIndex('body', 'text');
      const q = dataset(22)[0].vector;
      const text = { text: 'blue stone', textField: 'body' };
      const k = 12;
      const vectorList = await col.search(q, { k });
      const textList = await col.search(text, { k });
      const normalize = (hits: Hit[]) => {
        const mean = hits.reduce((s, h) => s + h.score, 0) / hits.length;
        const sd = Math.sqrt(hits.reduce((s, h) => s + (h.score - mean) ** 2, 0) / (hits.length - 1));
        return new Map(hits.map((h) => [h.id, (h.score - (mean - 3 * sd)) / (6 * sd)]));
      };
      const v = normalize(vectorList);
      const t = normalize(textList);
      const ids = new Set([...v.keys(), ...t.keys()]);
      const expected = [...ids]
        .map((id) => ({ id, score: 0.5 * (v.get(id) ?? 0) + 2 * (t.get(id) ?? 0) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
      const fused = await col.search(
        { ...text, vector: q },
        { k, fusion: 'dbsf', weights: { vector: 0.5, text: 2 } },
      );
      assert.equal(fused.length, k);
      fused.forEach((h, i) => {
        assert.ok(
          Math.abs(h.score - expected[i].score) < 1e-5,
          `rank ${i}: ${h.score} vs ${expected[i].score}`,
        );
      });
    } finally {
      await db.close();
      dir.cleanup();
    }
  });
});

describe('bad search options are refused', () => {
  const dir = tempDir();
  let db: Quiver;
  let col: Collection;
  before(async () => {
    db = await Quiver.open(dir.path);
    col = await db.createCollection('bad', { dimension: 4 });
    await col.upsert([{ id: 1, vector: [1, 2, 3, 4] }]);
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  test('offset, scoreThreshold, fusion and strategy', async () => {
    const q = [1, 0, 0, 0];
    await assert.rejects(col.search(q, { offset: -1 }), InvalidArgumentError);
    await assert.rejects(col.search(q, { offset: 1.5 }), InvalidArgumentError);
    await assert.rejects(col.search(q, { scoreThreshold: Number.NaN }), InvalidArgumentError);
    await assert.rejects(col.search(q, { scoreThreshold: '1' as unknown as number }), InvalidArgumentError);
    await assert.rejects(col.search(q, { fusion: 'max' as 'rrf' }), InvalidArgumentError);
    await assert.rejects(
      col.recommend({ positive: [1] }, { strategy: 'median' as 'average' }),
      InvalidArgumentError,
    );
    await assert.rejects(col.recommend({ positive: [1] }, { offset: -2 }), InvalidArgumentError);
  });
});
