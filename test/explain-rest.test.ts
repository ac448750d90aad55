/**
 * Explained results over the REST API and `quiverdb/client`: `"explain": true` in search and
 * query bodies puts `explain` on each hit (the REST l2 score, a distance, says so in the
 * vector's conversion), the client returns the embedded engine's explanation exactly, the
 * query API explains a fusion of prefetches (contributions adding up to the fused score),
 * hits are the same with and without it, a non-boolean is a 400, and the OpenAPI document
 * carries the option and the hit field. Data: fixed seeds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from '../src/client/index.js';
import type { HitExplanation } from '../src/index.js';
import { gaussianMixture } from '../src/index.js';
import { http, resultOf, startTestServer, type TestServer } from './support/server.js';

const DIM = 8;
const N = 600;
const data = gaussianMixture(N + 1, DIM, 10, 31);
const vector = (i: number) => Array.from(data.subarray(i * DIM, (i + 1) * DIM));
const WORDS = ['red', 'green', 'blue', 'cyan'];

interface WireHit {
  id: number;
  score: number;
  explain?: HitExplanation;
}

describe('explained results over REST and the client', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    const c = await server.db.createCollection('docs', {
      dimension: DIM,
      segmentSize: 400,
      payloadIndexes: { body: { type: 'text', analyzer: 'simple' }, group: 'keyword' },
    });
    await c.upsert(
      Array.from({ length: N }, (_, i) => ({
        id: i,
        vector: vector(i),
        payload: { body: `${WORDS[i % 4]} ${WORDS[(i * 7) % 4]} ${WORDS[(i * 3) % 4]}`, group: `g${i % 5}` },
      })),
    );
    await c.flush();
  });
  after(async () => {
    await server.stop();
  });

  test('search: explain on every hit, same hits without it; l2 REST score stated as a distance', async () => {
    const body = {
      vector: vector(N),
      limit: 5,
      filter: { must: [{ key: 'group', match: { value: 'g1' } }] },
    };
    const plain = resultOf<WireHit[]>(
      await http(server.url, 'POST', '/collections/docs/points/search', body),
    );
    const hits = resultOf<WireHit[]>(
      await http(server.url, 'POST', '/collections/docs/points/search', { ...body, explain: true }),
    );
    assert.deepEqual(
      hits.map((h) => [h.id, h.score]),
      plain.map((h) => [h.id, h.score]),
    );
    for (const h of plain) assert.equal(h.explain, undefined);
    for (const h of hits) {
      const v = h.explain?.vector;
      assert.ok(v);
      assert.equal(v.conversion, 'score = sqrt(distance)');
      assert.equal(v.score, h.score);
      assert.ok(Math.abs(Math.sqrt(v.distance) - h.score) < 1e-6);
      assert.equal(h.explain?.filter?.conditions[0].answeredBy, 'keyword index');
      assert.ok(h.explain?.path?.segment);
    }
    const bad = await http(server.url, 'POST', '/collections/docs/points/search', {
      ...body,
      explain: 'yes',
    });
    assert.equal(bad.status, 400);
  });

  test('client: the embedded explanation, exactly', async () => {
    const db = await connect(server.url);
    try {
      const remote = await db.collection('docs');
      const local = await server.db.collection('docs');
      const text = { text: 'red blue', textField: 'body', vector: vector(N) };
      for (const [query, options] of [
        [vector(N), { k: 5, explain: true }],
        [
          { text: 'red cyan', textField: 'body' },
          { k: 5, explain: true },
        ],
        [text, { k: 5, explain: true, fusion: 'dbsf' }],
      ] as const) {
        const got = await remote.search(query, options);
        const want = await local.search(query, options);
        assert.equal(got.length, 5);
        // l2 scores travel as √distance and are squared back: equal to rounding, the rest exactly.
        const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
        const scoreless = (h: (typeof got)[number]) => ({
          ...h,
          score: 0,
          explain: { ...h.explain, vector: h.explain?.vector && { ...h.explain.vector, score: 0 } },
        });
        assert.deepEqual(got.map(scoreless), want.map(scoreless));
        for (const [i, h] of got.entries()) {
          assert.ok(close(h.score, want[i].score));
          if (h.explain?.vector)
            assert.ok(close(h.explain.vector.score, want[i].explain?.vector?.score as number));
        }
      }
    } finally {
      await db.close();
    }
  });

  test('query API: a nearest query explained; a fusion of prefetches explained', async () => {
    const nearest = resultOf<{ points: WireHit[] }>(
      await http(server.url, 'POST', '/collections/docs/points/query', {
        query: vector(N),
        limit: 3,
        explain: true,
      }),
    );
    for (const h of nearest.points) assert.equal(h.explain?.kind, 'vector');
    const body = {
      prefetch: [
        { query: vector(N), limit: 10 },
        { query: { text: 'green red', text_field: 'body' }, limit: 10 },
      ],
      query: { fusion: 'rrf' },
      limit: 5,
    };
    const plain = resultOf<{ points: WireHit[] }>(
      await http(server.url, 'POST', '/collections/docs/points/query', body),
    );
    const fused = resultOf<{ points: WireHit[] }>(
      await http(server.url, 'POST', '/collections/docs/points/query', { ...body, explain: true }),
    );
    assert.deepEqual(
      fused.points.map((h) => [h.id, h.score]),
      plain.points.map((h) => [h.id, h.score]),
    );
    for (const h of fused.points) {
      const f = h.explain?.fusion;
      assert.equal(h.explain?.kind, 'fusion');
      assert.ok(f);
      assert.deepEqual(
        f.branches.map((b) => b.branch),
        ['prefetch[0]', 'prefetch[1]'],
      );
      let sum: number | undefined;
      for (const b of f.branches) {
        if (b.rank === undefined) continue;
        assert.equal(b.contribution, 1 / (1 + b.rank), "Qdrant's rrf: 1 / (k + position), k = 2");
        sum = sum === undefined ? b.contribution : sum + b.contribution;
      }
      assert.equal(sum, h.score);
    }
  });

  test('recommend: explain over REST and the client', async () => {
    const body = { positive: [1, 2], negative: [5], limit: 3 };
    const hits = resultOf<WireHit[]>(
      await http(server.url, 'POST', '/collections/docs/points/recommend', { ...body, explain: true }),
    );
    assert.equal(hits.length, 3);
    for (const h of hits) assert.equal(h.explain?.vector?.score, h.score);
    const db = await connect(server.url);
    try {
      const got = await (await db.collection('docs')).recommend(
        { positive: [1, 2] },
        { k: 3, explain: true },
      );
      for (const h of got) assert.equal(h.explain?.kind, 'vector');
      const batch = await (await db.collection('docs')).searchBatch([vector(N), vector(1)], {
        k: 2,
        explain: true,
      });
      for (const h of batch.flat()) assert.equal(h.explain?.kind, 'vector');
    } finally {
      await db.close();
    }
  });

  test('OpenAPI: the explain option and the hit field are documented', async () => {
    const doc = (await http(server.url, 'GET', '/openapi.json')).body as Record<string, unknown>;
    const text = JSON.stringify(doc);
    assert.match(text, /"explain":\{"description":"Quiver extension: each hit carries `explain`/);
    assert.match(text, /how the hit was found and scored/);
  });
});
