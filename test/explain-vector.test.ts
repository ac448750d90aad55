/**
 * Explained vector searches (`explain: true`): for each path — the growing segment's exact
 * scan, an HNSW walk (ef, M), IVF probes (nprobe, the hit's list within the probed ones),
 * SQ8 and PQ (the codes' distance beside the exact one, which the re-ranked score equals),
 * a planned exact scan of few filtered rows, a value partition — the explanation names it,
 * its distances agree with an exact search, and the hits (ids, order, scores) are those of
 * the same search without `explain`. Filter conditions name the payload index that answers
 * them or a payload scan, and say whether the hit satisfies them. Data: fixed seeds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Hit, SearchOptions } from '../src/index.js';
import { gaussianMixture, InvalidArgumentError, Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

const DIM = 16;
const N = 4_500;
const Q = 5;
const data = gaussianMixture(N + Q, DIM, 20, 2121);

function vector(i: number): number[] {
  return Array.from(data.subarray(i * DIM, (i + 1) * DIM));
}

function points(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: i,
    vector: vector(i),
    payload: {
      tenth: i % 10,
      color: i % 3 === 0 ? 'red' : 'blue',
      rare: i % 500 === 0,
      tag: i % 100 === 7 ? 'x' : 'y',
    },
  }));
}

type Coll = Awaited<ReturnType<Quiver['createCollection']>>;

/** The hits of `query` with and without explain; asserts they are identical (ids, order, scores). */
async function explained(c: Coll, query: number[], options: SearchOptions): Promise<Hit[]> {
  const plain = await c.search(query, options);
  const withExplain = await c.search(query, { ...options, explain: true });
  assert.deepEqual(
    withExplain.map((h) => [h.id, h.score]),
    plain.map((h) => [h.id, h.score]),
    'explain changes no result',
  );
  for (const h of plain) assert.equal(h.explain, undefined, 'no explanation unless asked');
  for (const h of withExplain) assert.ok(h.explain, 'every hit explained');
  return withExplain;
}

/** The exact distance of each hit equals the distance an exact search reports for that point (relative 1e-5). */
async function checkExactDistances(c: Coll, query: number[], hits: Hit[], filter?: object): Promise<void> {
  const exact = await c.search(query, { k: N, exact: true, filter });
  const byId = new Map(exact.map((h) => [h.id, h.score]));
  for (const h of hits) {
    const v = h.explain?.vector;
    assert.ok(v, 'vector scoring explained');
    const truth = byId.get(h.id) as number;
    assert.ok(
      Math.abs(v.exactDistance - truth) <= 1e-5 * Math.max(1, Math.abs(truth)),
      `${v.exactDistance} vs ${truth}`,
    );
    assert.equal(v.score, h.score, 'explained score is the hit score');
    assert.equal(v.conversion, 'score = distance');
  }
}

describe('explained vector searches', () => {
  const dir = tempDir('explain-vector').path;
  let db: Quiver;

  before(async () => {
    db = await Quiver.open(dir);
  });
  after(async () => {
    await db.close();
  });

  test('growing segment: exact scan; a bad explain value is refused; not with groupBy', async () => {
    const c = await db.createCollection('growing', { dimension: DIM });
    await c.upsert(points(500));
    const hits = await explained(c, vector(N), { k: 5 });
    for (const h of hits) {
      assert.equal(h.explain?.kind, 'vector');
      assert.equal(h.explain?.path?.method, 'exact-scan');
      assert.equal(h.explain?.path?.segment.kind, 'growing');
      assert.equal(
        h.explain?.vector?.distance,
        h.explain?.vector?.exactDistance,
        'a scan ranks by exact distance',
      );
    }
    await checkExactDistances(c, vector(N), hits);
    await assert.rejects(
      c.search(vector(N), { k: 5, explain: 'yes' as unknown as boolean }),
      InvalidArgumentError,
    );
    await assert.rejects(
      c.search(vector(N), { k: 5, explain: true, groupBy: 'color' }),
      InvalidArgumentError,
    );
  });

  test('HNSW: graph walk with ef and M; exact distances', async () => {
    const c = await db.createCollection('hnsw', { dimension: DIM, index: 'HNSW12', segmentSize: N });
    await c.upsert(points(N));
    await c.flush();
    for (let q = 0; q < Q; q++) {
      const hits = await explained(c, vector(N + q), { k: 10, ef: 40 });
      for (const h of hits) {
        const path = h.explain?.path;
        assert.equal(path?.method, 'graph-walk');
        assert.equal(path?.segment.kind, 'sealed');
        assert.equal(path?.ef, 40);
        assert.equal(path?.M, 12);
        assert.equal(path?.index, 'hnsw');
      }
      await checkExactDistances(c, vector(N + q), hits);
    }
  });

  test('filters: conditions answered by the keyword index or by a payload scan; a planned scan of few rows', async () => {
    const c = await db.createCollection('filtered', {
      dimension: DIM,
      segmentSize: N,
      payloadIndexes: { color: 'keyword' },
    });
    await c.upsert(points(N));
    await c.flush();
    const filter = {
      must: [
        { key: 'color', match: { value: 'red' } },
        { key: 'tenth', range: { lt: 5 } },
      ],
    };
    const hits = await explained(c, vector(N), { k: 5, filter });
    for (const h of hits) {
      const conditions = h.explain?.filter?.conditions;
      assert.deepEqual(
        conditions?.map((x) => [x.path, x.key, x.answeredBy, x.holds]),
        [
          ['must[0]', 'color', 'keyword index', true],
          ['must[1]', 'tenth', 'payload scan', true],
        ],
      );
      // 1,500 red rows of 4,500: 1,500² < 16 · ef 64 · 4,500, so the planner scans.
      assert.equal(h.explain?.path?.method, 'exact-scan');
      assert.equal(h.explain?.path?.allowedBound, 1_500);
      assert.equal(h.explain?.path?.allowedRows, 750);
    }
    await checkExactDistances(c, vector(N), hits, filter);
    const blue = { must: [{ key: 'color', match: { value: 'blue' } }] };
    const walked = await explained(c, vector(N), { k: 5, filter: blue });
    for (const h of walked) {
      assert.equal(h.explain?.path?.method, 'graph-walk', '3,000 blue rows: the walk');
      assert.match(h.explain?.path?.reason ?? '', /filter applied inside the walk/);
    }
    const rare = {
      must: [{ key: 'rare', match: { value: true } }],
      must_not: [{ key: 'color', match: { value: 'blue' } }],
    };
    const few = await explained(c, vector(N), { k: 3, filter: rare });
    assert.ok(few.length > 0);
    for (const h of few) {
      assert.equal(h.explain?.path?.method, 'exact-scan', 'few allowed rows are scanned');
      assert.match(h.explain?.path?.reason ?? '', /scan/);
      assert.deepEqual(
        h.explain?.filter?.conditions.map((x) => [x.path, x.answeredBy, x.holds]),
        [
          ['must[0]', 'payload scan', true],
          ['must_not[0]', 'keyword index', false],
        ],
      );
    }
  });

  test('IVF: lists probed, the list each hit came from is among them', async () => {
    const c = await db.createCollection('ivf', { dimension: DIM, index: 'IVF16,Flat', segmentSize: N });
    await c.upsert(points(N));
    await c.flush();
    for (let q = 0; q < Q; q++) {
      const hits = await explained(c, vector(N + q), { k: 10, nprobe: 3 });
      for (const h of hits) {
        const path = h.explain?.path;
        assert.equal(path?.method, 'ivf-probe');
        assert.equal(path?.nprobe, 3);
        assert.equal(path?.nlist, 16);
        assert.ok(path?.list !== undefined && path.list >= 0 && path.list < 16);
        assert.ok(
          path?.listRank !== undefined && path.listRank >= 1 && path.listRank <= 3,
          `list rank ${path?.listRank}`,
        );
        assert.equal(h.explain?.vector?.approximateDistance, undefined, 'flat lists hold full vectors');
      }
      await checkExactDistances(c, vector(N + q), hits);
    }
  });

  for (const [factory, onDisk] of [
    ['SQ8', false],
    ['PQ4', false],
    ['IVF16,PQ4', false],
    ['HNSW12,SQ8', false],
    ['HNSW12,SQ8', true],
  ] as const) {
    test(`${factory}${onDisk ? ' on disk' : ''}: the codes' distance beside the exact one; re-ranked scores are exact`, async () => {
      const name = `${factory.replace(/\W/g, '_').toLowerCase()}${onDisk ? '_disk' : ''}`;
      const c = await db.createCollection(name, { dimension: DIM, index: factory, segmentSize: N, onDisk });
      await c.upsert(points(N));
      await c.flush();
      const query = vector(N + 1);
      const hits = await explained(c, query, { k: 10 });
      await checkExactDistances(c, query, hits);
      if (onDisk) for (const h of hits) assert.match(h.explain?.path?.reason ?? '', /rows read from disk/);
      // With re-ranking off, the index ranks by the codes' distance: the explanation's approximate one.
      const coded = await explained(c, query, { k: 10, rerank: 0 });
      let differs = 0;
      for (const h of coded) {
        const v = h.explain?.vector;
        assert.ok(v?.approximateDistance !== undefined, 'quantized: approximate distance');
        assert.ok(
          Math.abs(v.approximateDistance - v.distance) <= 1e-3 * Math.max(1, Math.abs(v.distance)),
          `${factory}: approximate ${v.approximateDistance} vs ranked ${v.distance}`,
        );
        if (Math.abs(v.exactDistance - v.approximateDistance) > 1e-6) differs++;
      }
      assert.ok(differs > 0, 'codes lose precision: approximate differs from exact');
    });
  }

  test('searchBatch and recommend (average) explained, results unchanged; other strategies refuse explain', async () => {
    const c = await db.createCollection('batch', { dimension: DIM, index: 'HNSW12', segmentSize: N });
    await c.upsert(points(N));
    await c.flush();
    const queries = [vector(N), vector(N + 1)];
    const plain = await c.searchBatch(queries, { k: 4 });
    const batch = await c.searchBatch(queries, { k: 4, explain: true });
    assert.deepEqual(
      batch.map((hits) => hits.map((h) => [h.id, h.score])),
      plain.map((hits) => hits.map((h) => [h.id, h.score])),
    );
    for (const [q, hits] of batch.entries()) {
      for (const h of hits) assert.equal(h.explain?.path?.method, 'graph-walk');
      await checkExactDistances(c, queries[q], hits);
    }
    const like = { positive: [1, 2], negative: [3] };
    const recommended = await c.recommend(like, { k: 5, explain: true });
    assert.deepEqual(
      recommended.map((h) => [h.id, h.score]),
      (await c.recommend(like, { k: 5 })).map((h) => [h.id, h.score]),
    );
    for (const h of recommended) {
      assert.equal(h.explain?.kind, 'vector');
      assert.equal(h.explain?.vector?.score, h.score);
      assert.equal(h.explain?.path?.method, 'graph-walk');
    }
    await assert.rejects(
      c.recommend(like, { k: 5, explain: true, strategy: 'best_score' }),
      InvalidArgumentError,
    );
  });

  test('value partition: the partition searched is named', async () => {
    // A partition needs at least 1,024 rows and at most 1/8 of its segment: 9,000 rows, 1 in 8 tagged.
    const rows = 9_000;
    const big = gaussianMixture(rows + 1, DIM, 20, 77);
    const row = (i: number) => Array.from(big.subarray(i * DIM, (i + 1) * DIM));
    const c = await db.createCollection('parts', {
      dimension: DIM,
      segmentSize: rows,
      payloadIndexes: { tag: { type: 'keyword', partitioned: true } },
    });
    await c.upsert(
      Array.from({ length: rows }, (_, i) => ({
        id: i,
        vector: row(i),
        payload: { tag: i % 8 === 1 ? 'x' : 'y', n: i },
      })),
    );
    await c.flush();
    const filter = { must: [{ key: 'tag', match: { value: 'x' } }] };
    const hits = await explained(c, row(rows), { k: 5, filter });
    assert.equal(hits.length, 5);
    for (const h of hits) {
      const path = h.explain?.path;
      assert.ok(path?.partition, 'searched through the partition of tag x');
      assert.deepEqual(path.partition, { key: 'tag', value: 'x', rows: 1_125 });
      assert.equal(path.method, 'graph-walk', 'every partition row is allowed: its graph is walked');
    }
    await checkExactDistances(c, row(rows), hits, filter);
    // A second condition leaves 13 of the partition's rows allowed: they are scanned.
    const narrow = {
      must: [
        { key: 'tag', match: { value: 'x' } },
        { key: 'n', range: { lt: 100 } },
      ],
    };
    const few = await explained(c, row(rows), { k: 5, filter: narrow });
    for (const h of few) {
      const path = h.explain?.path;
      assert.equal(path?.partition?.rows, 1_125);
      assert.equal(path?.allowedRows, 13);
      assert.equal(path?.method, 'exact-scan');
    }
    await checkExactDistances(c, row(rows), few, narrow);
  });
});
