/**
 * Explained text and hybrid searches: each BM25 hit's term contributions (tf, df, idf,
 * length normalization) add up to its score exactly and agree with BM25 written out by hand;
 * a hybrid hit's branch ranks and scores reproduce its fused score by the fusion's
 * arithmetic — rrf Σ weight / (k + rank), dbsf weight · (s − (μ − 3σ)) / 6σ, weighted
 * min-max — exactly; over a sealed and a growing segment, with a filter. Results with
 * `explain` are identical (ids, order, scores) to those without. Data: fixed seeds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Hit, SearchOptions, SearchQuery } from '../src/index.js';
import { Quiver, SeededRandom } from '../src/index.js';
import { tempDir } from './support/reference.js';

const WORDS = ['tax', 'cuts', 'war', 'jobs', 'trade', 'economy', 'health', 'schools', 'energy', 'peace'];
const DIM = 8;
const N = 400;

function corpus() {
  const rng = new SeededRandom(99);
  return Array.from({ length: N }, (_, i) => {
    const length = 3 + Math.floor(rng.next() * 12);
    const words = Array.from({ length }, () => WORDS[Math.floor(rng.next() * rng.next() * WORDS.length)]);
    return {
      id: i,
      vector: Array.from({ length: DIM }, () => rng.next() * 2 - 1),
      payload: { body: words.join(' '), year: 1990 + (i % 30) },
    };
  });
}

type Coll = Awaited<ReturnType<Quiver['createCollection']>>;

async function explained(c: Coll, query: SearchQuery, options: SearchOptions): Promise<Hit[]> {
  const plain = await c.search(query, options);
  const withExplain = await c.search(query, { ...options, explain: true });
  assert.deepEqual(
    withExplain.map((h) => [h.id, h.score]),
    plain.map((h) => [h.id, h.score]),
    'explain changes no result',
  );
  assert.ok(withExplain.length > 0);
  return withExplain;
}

describe('explained text and hybrid searches', () => {
  const dir = tempDir('explain-text').path;
  let db: Quiver;
  let c: Coll;
  const points = corpus();

  before(async () => {
    db = await Quiver.open(dir);
    c = await db.createCollection('speeches', {
      dimension: DIM,
      metric: 'cosine',
      segmentSize: 300,
      payloadIndexes: { body: { type: 'text', analyzer: 'simple' } },
    });
    await c.upsert(points.slice(0, 300));
    await c.flush();
    await c.upsert(points.slice(300));
  });
  after(async () => {
    await db.close();
  });

  test('BM25: term contributions add up to the score and match the formula written out', async () => {
    const docs = points.map((p) => p.payload.body.split(' '));
    const avg = docs.reduce((s, d) => s + d.length, 0) / docs.length;
    for (const text of ['tax cuts', 'war peace war', 'energy schools health']) {
      const hits = await explained(c, { text, textField: 'body' }, { k: 10 });
      for (const h of hits) {
        const bm25 = h.explain?.text;
        assert.equal(h.explain?.kind, 'text');
        assert.ok(bm25);
        let sum = 0;
        for (const t of bm25.terms) sum += t.contribution;
        assert.equal(sum, h.score, 'contributions add up to the score, exactly');
        assert.equal(bm25.score, h.score);
        assert.equal(bm25.docCount, N);
        assert.ok(Math.abs(bm25.avgLength - avg) < 1e-9);
        const doc = docs[h.id as number];
        assert.equal(bm25.docLength, doc.length);
        for (const t of bm25.terms) {
          const df = docs.filter((d) => d.includes(t.term)).length;
          const tf = doc.filter((w) => w === t.term).length;
          const idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
          const norm = 1.2 * (1 - 0.75 + (0.75 * doc.length) / avg);
          const want = (t.queryCount * idf * 2.2 * tf) / (tf + norm);
          assert.deepEqual([t.tf, t.df], [tf, df], t.term);
          assert.ok(Math.abs(t.idf - idf) < 1e-12 && Math.abs(t.lengthNorm - norm) < 1e-12);
          assert.ok(Math.abs(t.contribution - want) < 1e-9, `${t.term}: ${t.contribution} vs ${want}`);
        }
      }
    }
    const repeated = await explained(c, { text: 'war peace war', textField: 'body' }, { k: 3 });
    assert.equal(repeated[0].explain?.text?.terms.find((t) => t.term === 'war')?.queryCount, 2);
  });

  for (const fusion of ['rrf', 'dbsf', 'weighted'] as const) {
    test(`hybrid ${fusion}: branch ranks and scores reproduce the fused score`, async () => {
      const rng = new SeededRandom(5);
      const vector = Array.from({ length: DIM }, () => rng.next() * 2 - 1);
      const filter = { must: [{ key: 'year', range: { gte: 2000 } }] };
      const options: SearchOptions = { k: 8, fusion, rrfK: 10, weights: { vector: 2, text: 0.5 }, filter };
      const hits = await explained(c, { text: 'tax jobs', textField: 'body', vector }, options);
      const vectorList = await c.search(vector, { k: 8, filter });
      const textList = await c.search({ text: 'tax jobs', textField: 'body' }, { k: 8, filter });
      for (const h of hits) {
        const f = h.explain?.fusion;
        assert.equal(h.explain?.kind, 'hybrid');
        assert.ok(f);
        assert.equal(f.method, fusion);
        assert.equal(f.score, h.score, 'Σ contributions is the fused score, exactly');
        const [v, t] = f.branches;
        assert.deepEqual([v.branch, v.weight, t.branch, t.weight], ['vector', 2, 'text', 0.5]);
        for (const [branch, list] of [
          [v, vectorList],
          [t, textList],
        ] as const) {
          const at = list.findIndex((x) => x.id === h.id);
          assert.equal(branch.rank, at < 0 ? undefined : at + 1, `${branch.branch} rank`);
          if (at < 0) {
            assert.equal(branch.contribution, 0);
            continue;
          }
          assert.equal(branch.score, list[at].score);
          const s = branch.score as number;
          const want =
            fusion === 'rrf'
              ? branch.weight / (10 + at + 1)
              : fusion === 'dbsf'
                ? (branch.weight * (s - (branch.low as number))) / (branch.width as number)
                : (branch.weight * (s - (branch.min as number))) /
                  ((branch.max as number) - (branch.min as number));
          assert.ok(
            Math.abs(branch.contribution - want) < 1e-12,
            `${branch.branch}: ${branch.contribution} vs ${want}`,
          );
        }
        if (fusion === 'dbsf') {
          const scores = textList.map((x) => x.score);
          const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
          const sigma = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / (scores.length - 1));
          assert.ok(Math.abs((t.low as number) - (mean - 3 * sigma)) < 1e-9, 'text list: μ − 3σ');
          assert.ok(Math.abs((t.width as number) - 6 * sigma) < 1e-9, 'text list: 6σ');
        }
        assert.ok(h.explain?.text, 'the BM25 terms of the hit');
        assert.deepEqual(
          h.explain?.filter?.conditions.map((x) => [x.key, x.answeredBy, x.holds]),
          [['year', 'payload scan', true]],
        );
        if (v.rank !== undefined) assert.equal(h.explain?.vector?.conversion, 'score = -distance');
      }
    });
  }
});
