/**
 * `@qdrant/js-client-rest` 1.18.0, unchanged, against a real Quiver server on a loopback
 * port: every client method of issue 16's list, with the answers compared to Quiver's
 * embedded API on the same data (the server's own database, opened with `Quiver.open`) and
 * to Qdrant's scoring rules written out plainly (`support/qdrant-reference.ts`): same ids in
 * the same order, scores within 1e-4 (Euclid = the square root of Quiver's `l2`), UUIDs
 * canonical. Searches are exact (`params.exact`, and the data stays in the growing segment),
 * seeds fixed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import type { Filter, Hit, Point, RecommendOptions, ScrollOptions, SearchOptions } from '../src/index.js';
import {
  apiError,
  compareQIds,
  type Item,
  makeItems,
  type QId,
  qdrantClient,
} from './support/qdrant-data.js';
import { filterCases } from './support/qdrant-filter-cases.js';
import {
  assertRanking,
  type Distance,
  dbsf,
  higherIsBetter,
  mmr,
  nearest,
  normalize,
  rrf,
  type Scored,
} from './support/qdrant-reference.js';
import { startTestServer, type TestServer } from './support/server.js';

const DIM = 8;
const ITEMS = makeItems(240, DIM, 1601);
const BY_ID = new Map<QId, Item>(ITEMS.map((i) => [i.id, i]));
const QUERIES = makeItems(6, DIM, 77).map((q) => q.vector);
const DISTANCES: Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan'];
/** Stored vectors as Qdrant returns them: normalized for Cosine. */
const stored = (distance: Distance, v: number[]) => (distance === 'Cosine' ? normalize(v) : v);
const points = (list: readonly Item[]) =>
  list.map((i) => ({ id: i.id, vector: i.vector, payload: { ...i.payload } }));
const ids = (list: readonly { id: QId | string | number }[]) => list.map((p) => p.id);
const sortedIds = (list: readonly Item[]) => ids(list).sort(compareQIds);

function assertVectorClose(got: unknown, expected: readonly number[], message: string): void {
  assert.ok(Array.isArray(got), `${message}: vector ${JSON.stringify(got)}`);
  assert.equal(got.length, expected.length, message);
  for (const [i, x] of got.entries()) {
    assert.ok(Math.abs(x - expected[i]) < 1e-5, `${message}[${i}]: ${x} vs ${expected[i]}`);
  }
}

describe('@qdrant/js-client-rest 1.18.0 against quiver serve', () => {
  let s: TestServer;
  let client: QdrantClient;
  /** The server's database through the embedded API. */
  const col = (name: string) => s.db.collection(name);

  /** Quiver's embedded exact search on the same collection, scores in Qdrant's convention. */
  async function embedded(
    name: string,
    distance: Distance,
    vector: number[],
    options: Record<string, unknown>,
  ) {
    const hits = (await col(name).search(vector, { exact: true, ...options } as SearchOptions)) as Hit[];
    return hits.map((h) => ({ id: h.id, score: distance === 'Euclid' ? Math.sqrt(h.score) : h.score }));
  }

  before(async () => {
    s = await startTestServer();
    client = qdrantClient(s.url);
  });
  after(async () => {
    await s.stop();
  });

  describe('service and collections', () => {
    test('versionInfo: GET / answers { title, version }', async () => {
      const info = await client.versionInfo();
      assert.equal(typeof info.title, 'string');
      assert.match(info.version, /^\d+\.\d+\.\d+/);
    });

    test('createCollection with each distance, getCollection in Qdrant info shape', async () => {
      for (const distance of DISTANCES) {
        const name = `dist_${distance.toLowerCase()}`;
        assert.equal(await client.createCollection(name, { vectors: { size: 4, distance } }), true);
        const info = await client.getCollection(name);
        assert.equal(info.status, 'green');
        assert.equal(info.points_count, 0);
        assert.deepEqual(info.payload_schema, {});
        const vectors = info.config.params.vectors as Schemas['VectorParams'];
        assert.deepEqual([vectors.size, vectors.distance], [4, distance], name);
      }
      await assert.rejects(
        client.createCollection('dist_dot', { vectors: { size: 4, distance: 'Dot' } }),
        apiError(409),
      );
    });

    test('createCollection with named vectors', async () => {
      const created = await client.createCollection('named', {
        vectors: { image: { size: 4, distance: 'Dot' }, text: { size: 3, distance: 'Euclid' } },
      });
      assert.equal(created, true);
      const vectors = (await client.getCollection('named')).config.params.vectors as Record<
        string,
        Schemas['VectorParams']
      >;
      assert.deepEqual(
        Object.keys(vectors)
          .sort()
          .map((k) => [k, vectors[k].size, vectors[k].distance]),
        [
          ['image', 4, 'Dot'],
          ['text', 3, 'Euclid'],
        ],
      );
    });

    test('getCollections, collectionExists, updateCollection, deleteCollection', async () => {
      const names = (await client.getCollections()).collections.map((c) => c.name);
      for (const name of ['dist_cosine', 'dist_euclid', 'dist_dot', 'dist_manhattan', 'named']) {
        assert.ok(names.includes(name), `${name} in ${names}`);
      }
      assert.deepEqual(await client.collectionExists('dist_dot'), { exists: true });
      assert.deepEqual(await client.collectionExists('no_such'), { exists: false });
      assert.equal(
        await client.updateCollection('dist_dot', { optimizers_config: { indexing_threshold: 10000 } }),
        true,
      );
      assert.equal(await client.deleteCollection('dist_dot'), true);
      assert.deepEqual(await client.collectionExists('dist_dot'), { exists: false });
      await assert.rejects(client.getCollection('dist_dot'), apiError(404));
      assert.deepEqual(await s.db.listCollections().then((l) => l.includes('dist_dot')), false);
    });
  });

  describe('points', () => {
    before(async () => {
      await client.createCollection('items', { vectors: { size: DIM, distance: 'Cosine' } });
    });

    test('upsert as a list of points and in batch form, with wait', async () => {
      const half = ITEMS.length / 2;
      const listed = await client.upsert('items', { wait: true, points: points(ITEMS.slice(0, half)) });
      assert.equal(listed.status, 'completed');
      const rest = ITEMS.slice(half);
      const batched = await client.upsert('items', {
        wait: true,
        batch: {
          ids: ids(rest),
          vectors: rest.map((i) => i.vector),
          payloads: rest.map((i) => ({ ...i.payload })),
        },
      });
      assert.equal(batched.status, 'completed');
      assert.deepEqual(await client.count('items', { exact: true }), { count: ITEMS.length });
      assert.equal(await col('items').count(), ITEMS.length);
      assert.equal((await client.getCollection('items')).points_count, ITEMS.length);
    });

    test('upsert without wait is acknowledged and applied', async () => {
      const extra = makeItems(3, DIM, 5).map((i, n) => ({ ...i, id: 900_000 + n }));
      const result = await client.upsert('items', { wait: false, points: points(extra) });
      assert.ok(['acknowledged', 'completed'].includes(result.status), result.status);
      await client.delete('items', { wait: true, points: ids(extra) });
      assert.deepEqual(await client.count('items', { exact: true }), { count: ITEMS.length });
    });

    test('retrieve: payload and normalized vector, like the embedded get', async () => {
      const wanted: QId[] = [0, 5, ITEMS[7].id, 123, 999_999];
      const got = await client.retrieve('items', { ids: wanted, with_payload: true, with_vector: true });
      const expected = wanted.filter((id) => BY_ID.has(id));
      assert.deepEqual(ids(got).sort(compareQIds), [...expected].sort(compareQIds));
      const local = new Map((await col('items').get(expected)).map((p: Point) => [p.id, p]));
      for (const record of got) {
        const item = BY_ID.get(record.id) as Item;
        assert.deepEqual(record.payload, item.payload, `payload of ${record.id}`);
        assert.deepEqual(record.payload, local.get(record.id)?.payload);
        assertVectorClose(record.vector, stored('Cosine', item.vector), `vector of ${record.id}`);
      }
      const bare = await client.retrieve('items', { ids: [5], with_payload: false });
      assert.equal(bare[0].payload ?? null, null);
      assert.equal(bare[0].vector ?? null, null);
      const one = await client.api().getPoint({ collection_name: 'items', id: 5 });
      assert.deepEqual(one.data.result?.payload, (BY_ID.get(5) as Item).payload);
      await assert.rejects(client.api().getPoint({ collection_name: 'items', id: 999_999 }), apiError(404));
    });

    test('UUID ids are canonicalized: upper-case and simple forms find the same point', async () => {
      const uuid = ITEMS[7].id as string;
      const [upper] = await client.retrieve('items', { ids: [uuid.toUpperCase()] });
      assert.equal(upper.id, uuid);
      const [simple] = await client.retrieve('items', { ids: [uuid.replaceAll('-', '')] });
      assert.equal(simple.id, uuid);
      const fresh = 'F3A1C2D4-0B1E-4F6A-9C7D-8E9F0A1B2C3D';
      await client.upsert('items', {
        wait: true,
        points: [{ id: fresh, vector: QUERIES[0], payload: { color: 'x' } }],
      });
      const [back] = await client.retrieve('items', { ids: [fresh.toLowerCase()] });
      assert.equal(back.id, fresh.toLowerCase());
      assert.equal(
        (await col('items').get([fresh.toLowerCase()])).length,
        1,
        'the embedded API sees the canonical id',
      );
      await client.delete('items', { wait: true, points: [fresh] });
      assert.equal((await col('items').get([fresh.toLowerCase()])).length, 0);
    });

    test('scroll pages with offset = next_page_offset, in Qdrant id order, like the embedded scroll', async () => {
      const seen: QId[] = [];
      let offset: QId | undefined;
      for (let page = 0; page < 20; page++) {
        const result = await client.scroll('items', { limit: 50, offset, with_payload: false });
        seen.push(...ids(result.points));
        if (result.next_page_offset === null || result.next_page_offset === undefined) break;
        offset = result.next_page_offset as QId;
      }
      assert.deepEqual(seen, sortedIds(ITEMS));
      const local = await col('items').scroll({ limit: 1000 });
      assert.deepEqual(seen, ids(local.points));
      const filtered = await client.scroll('items', {
        filter: { must: [{ key: 'color', match: { value: 'red' } }] },
        limit: 1000,
        with_payload: ['color', 'price'],
      });
      const reds = ITEMS.filter((i) => i.payload.color === 'red');
      assert.deepEqual(ids(filtered.points), sortedIds(reds));
      for (const p of filtered.points) {
        const item = BY_ID.get(p.id) as Item;
        assert.deepEqual(p.payload, { color: 'red', price: item.payload.price });
      }
    });

    test('scroll with order_by (asc, desc, start_from), like the embedded orderBy', async () => {
      const byPrice = [...ITEMS].sort((a, b) => a.payload.price - b.payload.price);
      const asc = await client.scroll('items', { limit: 30, order_by: 'price', with_payload: false });
      assert.deepEqual(ids(asc.points), ids(byPrice.slice(0, 30)));
      const desc = await client.scroll('items', {
        limit: 20,
        order_by: { key: 'price', direction: 'desc', start_from: 30 },
        with_payload: true,
      });
      const expected = byPrice
        .filter((i) => i.payload.price <= 30)
        .reverse()
        .slice(0, 20);
      assert.deepEqual(ids(desc.points), ids(expected));
      const local = await col('items').scroll({
        limit: 20,
        orderBy: { key: 'price', direction: 'desc', startFrom: 30 },
      } as ScrollOptions);
      assert.deepEqual(ids(desc.points), ids(local.points));
    });

    test('count, exact, with and without a filter', async () => {
      assert.deepEqual(await client.count('items', { exact: true }), { count: ITEMS.length });
      const filter = { must: [{ key: 'count', range: { gte: 5 } }] };
      const expected = ITEMS.filter((i) => i.payload.count >= 5).length;
      assert.deepEqual(await client.count('items', { filter, exact: true }), { count: expected });
      assert.equal(await col('items').count({ filter: filter as Filter }), expected);
    });
  });

  describe('search, recommend, query', () => {
    const cosine = (q: number[], limit: number, allow: (i: Item) => boolean = () => true) =>
      nearest('Cosine', q, ITEMS.filter(allow), limit);

    test('search: exact top-k like brute force and the embedded search; offset, score_threshold', async () => {
      for (const [n, q] of QUERIES.entries()) {
        const hits = await client.search('items', { vector: q, limit: 10, params: { exact: true } });
        assertRanking(hits, cosine(q, 10), `query ${n}`);
        assertRanking(hits, await embedded('items', 'Cosine', q, { k: 10 }), `query ${n} vs embedded`);
        for (const hit of hits) assert.deepEqual(hit.payload, (BY_ID.get(hit.id) as Item).payload);
      }
      const q = QUERIES[0];
      const page = await client.search('items', { vector: q, limit: 5, offset: 5, with_payload: false });
      assertRanking(page, cosine(q, 10).slice(5), 'offset 5');
      assert.ok(page.every((h) => h.payload == null));
      const threshold = cosine(q, 7)[6].score - 1e-6;
      const above = await client.search('items', { vector: q, limit: 50, score_threshold: threshold });
      assertRanking(above, cosine(q, 7), 'score_threshold');
      assertRanking(
        above,
        await embedded('items', 'Cosine', q, { k: 50, scoreThreshold: threshold }),
        'embedded threshold',
      );
    });

    test('search: filter, with_payload list/include/exclude, with_vector, hnsw_ef', async () => {
      const q = QUERIES[1];
      const filter = { must: [{ key: 'tags', match: { any: ['a', 'b'] } }] };
      const allow = (i: Item) => i.payload.tags.includes('a') || i.payload.tags.includes('b');
      const hits = await client.search('items', {
        vector: q,
        limit: 8,
        filter,
        params: { hnsw_ef: 128, exact: true },
      });
      assertRanking(hits, cosine(q, 8, allow), 'filtered');
      assertRanking(hits, await embedded('items', 'Cosine', q, { k: 8, filter }), 'filtered vs embedded');
      const listed = await client.search('items', { vector: q, limit: 3, with_payload: ['color', 'meta'] });
      for (const h of listed) {
        const p = (BY_ID.get(h.id) as Item).payload;
        assert.deepEqual(h.payload, { color: p.color, meta: p.meta });
      }
      const included = await client.search('items', {
        vector: q,
        limit: 3,
        with_payload: { include: ['price'] },
      });
      for (const h of included)
        assert.deepEqual(h.payload, { price: (BY_ID.get(h.id) as Item).payload.price });
      const excluded = await client.search('items', {
        vector: q,
        limit: 3,
        with_payload: {
          exclude: ['title', 'reviews', 'location', 'created', 'tags', 'note', 'meta', 'group'],
        },
      });
      for (const h of excluded) {
        const p = (BY_ID.get(h.id) as Item).payload;
        assert.deepEqual(h.payload, { color: p.color, price: p.price, count: p.count });
      }
      const withVector = await client.search('items', { vector: q, limit: 3, with_vector: true });
      for (const h of withVector)
        assertVectorClose(h.vector, normalize((BY_ID.get(h.id) as Item).vector), `${h.id}`);
    });

    test('search on Euclid, Dot and Manhattan collections: Qdrant scores (Euclid not squared)', async () => {
      const data = ITEMS.slice(0, 60).map((i) => ({ ...i, vector: i.vector.slice(0, 4) }));
      for (const distance of ['Euclid', 'Dot', 'Manhattan'] as Distance[]) {
        const name = `scores_${distance.toLowerCase()}`;
        await client.createCollection(name, { vectors: { size: 4, distance } });
        await client.upsert(name, { wait: true, points: points(data) });
        for (const q of QUERIES.slice(0, 3).map((v) => v.slice(0, 4))) {
          const hits = await client.search(name, {
            vector: q,
            limit: 10,
            params: { exact: true },
            with_payload: false,
          });
          assertRanking(hits, nearest(distance, q, data, 10), `${distance}`);
          assertRanking(hits, await embedded(name, distance, q, { k: 10 }), `${distance} vs embedded`);
          const fourth = nearest(distance, q, data, 4)[3].score;
          const threshold = higherIsBetter(distance) ? fourth - 1e-6 : fourth + 1e-6;
          const bounded = await client.search(name, { vector: q, limit: 10, score_threshold: threshold });
          assertRanking(bounded, nearest(distance, q, data, 4), `${distance} score_threshold`);
        }
      }
    });

    test('searchBatch equals the single searches; searchPointGroups like the embedded groupBy', async () => {
      const searches = QUERIES.slice(0, 3).map((vector, n) => ({
        vector,
        limit: 5 + n,
        params: { exact: true },
        with_payload: n === 0,
      }));
      const batch = await client.searchBatch('items', { searches });
      assert.equal(batch.length, 3);
      for (const [n, hits] of batch.entries()) assertRanking(hits, cosine(QUERIES[n], 5 + n), `batch ${n}`);
      const groups = await client.searchPointGroups('items', {
        vector: QUERIES[2],
        group_by: 'group',
        limit: 3,
        group_size: 2,
        params: { exact: true },
      });
      const local = (await col('items').search(QUERIES[2], {
        k: 3,
        groupBy: 'group',
        groupSize: 2,
        exact: true,
      })) as {
        group: unknown;
        hits: Hit[];
      }[];
      assert.deepEqual(
        groups.groups.map((g) => [g.id, ids(g.hits)]),
        local.map((g) => [g.group, ids(g.hits)]),
      );
    });

    test('recommend: average_vector, best_score, sum_scores like the embedded recommend; recommendBatch', async () => {
      const positive: QId[] = [1, 2, ITEMS[17].id];
      const negative: QId[] = [3];
      const strategies = [
        ['average_vector', 'average'],
        ['best_score', 'best_score'],
        ['sum_scores', 'sum_scores'],
      ] as const;
      const single: Record<string, Scored[]> = {};
      for (const [qdrant, quiver] of strategies) {
        const hits = await client.recommend('items', {
          positive,
          negative,
          strategy: qdrant,
          limit: 10,
          params: { exact: true },
        });
        const local = await col('items').recommend({ positive, negative }, {
          k: 10,
          strategy: quiver,
          exact: true,
        } as RecommendOptions);
        assertRanking(hits, local, qdrant);
        assert.ok(
          hits.every((h) => !positive.includes(h.id) && !negative.includes(h.id)),
          'examples left out',
        );
        single[qdrant] = hits;
      }
      const avg = ITEMS.filter((i) => positive.includes(i.id)).map((i) => normalize(i.vector));
      const neg = normalize((BY_ID.get(3) as Item).vector);
      const mean = avg[0].map((_, d) => avg.reduce((s, v) => s + v[d], 0) / avg.length);
      const target = mean.map((x, d) => x + (x - neg[d]));
      const expected = nearest(
        'Cosine',
        target,
        ITEMS.filter((i) => !positive.includes(i.id) && i.id !== 3),
        10,
      );
      assertRanking(single.average_vector, expected, 'average_vector vs reference');
      const batch = await client.recommendBatch('items', {
        searches: strategies.map(([strategy]) => ({
          positive,
          negative,
          strategy,
          limit: 10,
          params: { exact: true },
        })),
      });
      for (const [n, hits] of batch.entries())
        assertRanking(hits, single[strategies[n][0]], `recommendBatch ${n}`);
    });

    test('query: nearest (plain, { nearest }, by id), limit, offset, score_threshold, params', async () => {
      const q = QUERIES[3];
      const plain = await client.query('items', { query: q, limit: 10, params: { exact: true } });
      assertRanking(plain.points, cosine(q, 10), 'query plain');
      const wrapped = await client.query('items', {
        query: { nearest: q },
        limit: 4,
        offset: 3,
        with_payload: false,
        params: { hnsw_ef: 64, exact: true },
      });
      assertRanking(wrapped.points, cosine(q, 7).slice(3), 'query offset');
      const threshold = cosine(q, 5)[4].score - 1e-6;
      const bounded = await client.query('items', { query: q, limit: 100, score_threshold: threshold });
      assertRanking(bounded.points, cosine(q, 5), 'query score_threshold');
      const byId = await client.query('items', { query: 9, limit: 5, params: { exact: true } });
      assertRanking(
        byId.points,
        cosine((BY_ID.get(9) as Item).vector, 5, (i) => i.id !== 9),
        'query by id',
      );
    });

    test('query: recommend inside query; with_payload and with_vector forms', async () => {
      const hits = await client.query('items', {
        query: { recommend: { positive: [1, 2, ITEMS[17].id], negative: [3], strategy: 'best_score' } },
        limit: 10,
        params: { exact: true },
      });
      const local = await col('items').recommend(
        { positive: [1, 2, ITEMS[17].id], negative: [3] },
        {
          k: 10,
          strategy: 'best_score',
          exact: true,
        },
      );
      assertRanking(hits.points, local, 'query recommend');
      const q = QUERIES[4];
      const bare = await client.query('items', {
        query: q,
        limit: 2,
        with_payload: false,
        with_vector: false,
      });
      for (const p of bare.points)
        assert.equal((p.payload ?? null) === null && (p.vector ?? null) === null, true);
      const full = await client.query('items', { query: q, limit: 2, with_payload: true, with_vector: true });
      for (const p of full.points) {
        const item = BY_ID.get(p.id) as Item;
        assert.deepEqual(p.payload, item.payload);
        assertVectorClose(p.vector, normalize(item.vector), `vector of ${p.id}`);
      }
      const listed = await client.query('items', { query: q, limit: 2, with_payload: ['group'] });
      for (const p of listed.points)
        assert.deepEqual(p.payload, { group: (BY_ID.get(p.id) as Item).payload.group });
      const included = await client.query('items', {
        query: q,
        limit: 2,
        with_payload: { include: ['color', 'count'] },
      });
      for (const p of included.points) {
        const { color, count } = (BY_ID.get(p.id) as Item).payload;
        assert.deepEqual(p.payload, { color, count });
      }
      const excluded = await client.query('items', {
        query: q,
        limit: 2,
        with_payload: { exclude: ['title', 'reviews'] },
      });
      for (const p of excluded.points) {
        const { title: _t, reviews: _r, ...rest } = (BY_ID.get(p.id) as Item).payload;
        assert.deepEqual(p.payload, rest);
      }
    });

    test('query: fusion rrf and dbsf over prefetch, like Qdrant fusing the embedded searches', async () => {
      const [a, b] = [QUERIES[0], QUERIES[5]];
      const prefetch = [
        { query: a, limit: 20 },
        { query: b, limit: 15, filter: { must: [{ key: 'count', range: { lt: 6 } }] } },
      ];
      const lists = [
        await embedded('items', 'Cosine', a, { k: 20 }),
        await embedded('items', 'Cosine', b, { k: 15, filter: prefetch[1].filter }),
      ];
      assertRanking(
        lists[1],
        cosine(b, 15, (i) => i.payload.count < 6),
        'prefetch branch',
      );
      const fusedRrf = await client.query('items', { prefetch, query: { fusion: 'rrf' }, limit: 10 });
      assertRanking(fusedRrf.points, rrf(lists).slice(0, 10), 'rrf');
      const fusedDbsf = await client.query('items', { prefetch, query: { fusion: 'dbsf' }, limit: 10 });
      assertRanking(fusedDbsf.points, dbsf(lists).slice(0, 10), 'dbsf');
      const paged = await client.query('items', { prefetch, query: { fusion: 'rrf' }, limit: 5, offset: 5 });
      assertRanking(paged.points, rrf(lists).slice(5, 10), 'rrf offset');
    });

    test('query: mmr (diversity, candidates_limit) like Qdrant MMR over the embedded candidates', async () => {
      const q = QUERIES[2];
      const candidates = (await col('items').search(q, { k: 40, exact: true, withVector: true })) as Hit[];
      const withVectors = candidates.map((h) => ({
        id: h.id,
        score: h.score,
        vector: Array.from(h.vector ?? []),
      }));
      for (const diversity of [0, 0.5, 0.9]) {
        const got = await client.query('items', {
          query: { nearest: q, mmr: { diversity, candidates_limit: 40 } },
          limit: 8,
          params: { exact: true },
        });
        const expected = mmr('Cosine', q, withVectors, diversity, 8);
        assertRanking(got.points, expected, `mmr diversity ${diversity}`);
        const local = await embedded('items', 'Cosine', q, { k: 8, mmr: { diversity, candidates: 40 } });
        assertRanking(got.points, local, `mmr diversity ${diversity} vs embedded`);
      }
    });

    test('query: order_by a payload key', async () => {
      const byPrice = [...ITEMS].sort((x, y) => y.payload.price - x.payload.price);
      const got = await client.query('items', {
        query: { order_by: { key: 'price', direction: 'desc' } },
        limit: 12,
      });
      assert.deepEqual(ids(got.points), ids(byPrice.slice(0, 12)));
      const filtered = await client.query('items', {
        query: { order_by: 'price' },
        filter: { must: [{ key: 'color', match: { value: 'green' } }] },
        limit: 5,
      });
      const greens = byPrice.filter((i) => i.payload.color === 'green').reverse();
      assert.deepEqual(ids(filtered.points), ids(greens.slice(0, 5)));
    });

    test('queryBatch equals the single queries; queryGroups like the embedded groupBy', async () => {
      const searches = QUERIES.slice(0, 3).map((query, n) => ({
        query,
        limit: 4 + n,
        params: { exact: true },
      }));
      const batch = await client.queryBatch('items', { searches });
      for (const [n, r] of batch.entries())
        assertRanking(r.points, cosine(QUERIES[n], 4 + n), `queryBatch ${n}`);
      const groups = await client.queryGroups('items', {
        query: QUERIES[1],
        group_by: 'color',
        limit: 4,
        group_size: 3,
        params: { exact: true },
      });
      const local = (await col('items').search(QUERIES[1], {
        k: 4,
        groupBy: 'color',
        groupSize: 3,
        exact: true,
      })) as {
        group: unknown;
        hits: Hit[];
      }[];
      assert.deepEqual(
        groups.groups.map((g) => [g.id, ids(g.hits)]),
        local.map((g) => [g.group, ids(g.hits)]),
      );
    });

    test('named vectors: upsert, search by name, query using, with_vector names', async () => {
      const data = ITEMS.slice(0, 50).map((i) => ({
        id: i.id,
        vector: { image: i.vector.slice(0, 4), text: i.vector.slice(4, 7) },
        payload: { color: i.payload.color },
      }));
      await client.upsert('named', { wait: true, points: data });
      const images = data.map((p) => ({ id: p.id, vector: p.vector.image }));
      const texts = data.map((p) => ({ id: p.id, vector: p.vector.text }));
      const qi = QUERIES[0].slice(0, 4);
      const qt = QUERIES[0].slice(4, 7);
      const byImage = await client.search('named', { vector: { name: 'image', vector: qi }, limit: 6 });
      assertRanking(byImage, nearest('Dot', qi, images, 6), 'search image');
      const byText = await client.query('named', {
        query: qt,
        using: 'text',
        limit: 6,
        with_vector: ['text'],
      });
      assertRanking(byText.points, nearest('Euclid', qt, texts, 6), 'query using text');
      assertRanking(
        byText.points,
        await embedded('named', 'Euclid', qt, { k: 6, using: 'text' }),
        'text vs embedded',
      );
      for (const p of byText.points) {
        const vector = p.vector as Record<string, number[]>;
        assert.deepEqual(Object.keys(vector), ['text']);
        assertVectorClose(vector.text, texts.find((t) => t.id === p.id)?.vector ?? [], `text of ${p.id}`);
      }
      const [record] = await client.retrieve('named', { ids: [data[0].id], with_vector: true });
      const both = record.vector as Record<string, number[]>;
      assert.deepEqual(Object.keys(both).sort(), ['image', 'text']);
    });
  });

  describe('filter language', () => {
    const cases = filterCases(ITEMS);

    /** Runs every case; collects each one's failure so that one run reports all of them. */
    async function checkCases(stage: string) {
      const failures: string[] = [];
      for (const c of cases) {
        const expected = ITEMS.filter((i) => c.holds(i));
        assert.ok(expected.length > 0 && expected.length < ITEMS.length, `${c.name}: selects some, not all`);
        try {
          const counted = await client.count('items', { filter: c.filter, exact: true });
          assert.equal(counted.count, expected.length, 'count');
          const scrolled = await client.scroll('items', {
            filter: c.filter,
            limit: 1000,
            with_payload: false,
          });
          assert.deepEqual(ids(scrolled.points), sortedIds(expected), 'scroll');
          const hits = await client.search('items', {
            vector: QUERIES[0],
            filter: c.filter,
            limit: 5,
            params: { exact: true },
            with_payload: false,
          });
          assertRanking(hits, nearest('Cosine', QUERIES[0], expected, 5), 'search');
          assert.equal(
            await col('items').count({ filter: c.filter as Filter }),
            expected.length,
            'embedded count',
          );
        } catch (error) {
          const e = error as { message?: string; data?: unknown };
          failures.push(
            `${stage} ${c.name}: ${e.message?.split('\n')[0]} ${e.data ? JSON.stringify(e.data) : ''}`,
          );
        }
      }
      assert.deepEqual(failures, []);
    }

    test('every condition kind, without payload indexes', async () => {
      await checkCases('unindexed');
    });

    test('createPayloadIndex of every kind: payload_schema, then the same answers through the indexes', async () => {
      const schemas: [string, Schemas['PayloadFieldSchema']][] = [
        ['color', 'keyword'],
        ['count', 'integer'],
        ['price', 'float'],
        ['reviews[].verified', 'bool'],
        ['created', 'datetime'],
        ['title', 'text'],
        ['location', 'geo'],
        ['tags', 'keyword'],
        ['meta.level', 'integer'],
      ];
      for (const [field_name, field_schema] of schemas) {
        const result = await client.createPayloadIndex('items', { field_name, field_schema, wait: true });
        assert.equal(result.status, 'completed', field_name);
      }
      const schema = (await client.getCollection('items')).payload_schema;
      for (const [field, type] of schemas)
        assert.equal(schema[field]?.data_type, type, `payload_schema.${field}`);
      await checkCases('indexed');
      assert.equal((await client.deletePayloadIndex('items', 'color', { wait: true })).status, 'completed');
      assert.equal((await client.getCollection('items')).payload_schema.color, undefined);
      assert.equal(
        (await col('items').info()).payloadIndexes.color,
        undefined,
        'the embedded API sees it dropped',
      );
      await checkCases('one index dropped');
    });

    test('a uuid payload index', async () => {
      await client.createCollection('uuids', { vectors: { size: 2, distance: 'Dot' } });
      const keys = ITEMS.slice(0, 5).map((i) =>
        typeof i.id === 'string' ? i.id : `00000000-0000-4000-8000-00000000000${i.id}`,
      );
      await client.upsert('uuids', {
        wait: true,
        points: keys.map((key, n) => ({ id: n, vector: [1, n], payload: { key } })),
      });
      await client.createPayloadIndex('uuids', { field_name: 'key', field_schema: 'uuid', wait: true });
      assert.equal((await client.getCollection('uuids')).payload_schema.key?.data_type, 'uuid');
      const found = await client.count('uuids', {
        filter: { must: [{ key: 'key', match: { value: keys[2] } }] },
      });
      assert.equal(found.count, 1);
    });
  });

  describe('payload operations and deletes', () => {
    type Payload = Record<string, unknown>;
    const base = makeItems(30, 4, 9).map((i, n) => ({ ...i, id: n }));
    /** What every point's payload must be after each operation, by id. */
    const model = new Map<number, Payload>(
      base.map((i) => [i.id, structuredClone(i.payload) as unknown as Payload]),
    );
    const where = (holds: (p: Payload) => boolean) =>
      [...model].filter(([, p]) => holds(p)).map(([id]) => id);

    /** The whole collection, through the client and through the embedded API, equals the model. */
    async function assertModel(step: string) {
      const expected = [...model].sort(([a], [b]) => a - b).map(([id, payload]) => ({ id, payload }));
      const scrolled = await client.scroll('payloads', { limit: 100, with_payload: true });
      assert.deepEqual(
        scrolled.points.map((p) => ({ id: p.id, payload: p.payload ?? {} })),
        expected,
        `${step}: client scroll`,
      );
      const local = await col('payloads').scroll({ limit: 100 });
      assert.deepEqual(
        local.points.map((p) => ({ id: p.id, payload: p.payload ?? {} })),
        expected,
        `${step}: embedded scroll`,
      );
    }

    before(async () => {
      await client.createCollection('payloads', { vectors: { size: 4, distance: 'Dot' } });
      await client.upsert('payloads', { wait: true, points: points(base) });
      await assertModel('upserted');
    });

    test('setPayload merges keys, by ids and by filter', async () => {
      const result = await client.setPayload('payloads', {
        payload: { extra: 1, color: 'violet' },
        points: [0, 1],
      });
      assert.equal(result.status, 'completed');
      for (const id of [0, 1]) Object.assign(model.get(id) as Payload, { extra: 1, color: 'violet' });
      await assertModel('set by ids');
      const filter = { must: [{ key: 'count', range: { gte: 7 } }] };
      await client.setPayload('payloads', { payload: { flagged: true, count: 100 }, filter });
      for (const id of where((p) => (p.count as number) >= 7))
        Object.assign(model.get(id) as Payload, { flagged: true, count: 100 });
      await assertModel('set by filter');
    });

    test('overwritePayload replaces the whole payload, by ids and by filter', async () => {
      await client.overwritePayload('payloads', { payload: { only: 'this' }, points: [3] });
      model.set(3, { only: 'this' });
      await assertModel('overwrite by ids');
      await client.overwritePayload('payloads', {
        payload: { group: 'g' },
        filter: { must: [{ key: 'group', match: { value: 2 } }] },
      });
      for (const id of where((p) => p.group === 2)) model.set(id, { group: 'g' });
      await assertModel('overwrite by filter');
    });

    test('deletePayload removes keys, by ids and by filter', async () => {
      await client.deletePayload('payloads', { keys: ['price', 'tags', 'absent'], points: [4] });
      const four = model.get(4) as Payload;
      delete four.price;
      delete four.tags;
      await assertModel('delete keys by ids');
      await client.deletePayload('payloads', {
        keys: ['title', 'meta'],
        filter: { must: [{ key: 'color', match: { value: 'red' } }] },
      });
      for (const id of where((p) => p.color === 'red')) {
        const p = model.get(id) as Payload;
        delete p.title;
        delete p.meta;
      }
      await assertModel('delete keys by filter');
    });

    test('clearPayload by ids and by filter; the vectors stay', async () => {
      await client.clearPayload('payloads', { points: [5, 6] });
      model.set(5, {});
      model.set(6, {});
      await assertModel('clear by ids');
      await client.clearPayload('payloads', { filter: { must: [{ key: 'meta.level', range: { gte: 3 } }] } });
      for (const id of where((p) => ((p.meta as { level?: number } | undefined)?.level ?? -1) >= 3))
        model.set(id, {});
      await assertModel('clear by filter');
      const [kept] = await client.retrieve('payloads', { ids: [5], with_vector: true });
      assertVectorClose(kept.vector, base[5].vector, 'vector kept');
    });

    test('delete by ids and by filter', async () => {
      const result = await client.delete('payloads', { wait: true, points: [7, 8, 99] });
      assert.equal(result.status, 'completed');
      model.delete(7);
      model.delete(8);
      await assertModel('delete by ids');
      await client.delete('payloads', {
        wait: true,
        filter: { must: [{ key: 'group', match: { value: 'g' } }] },
      });
      for (const id of where((p) => p.group === 'g')) model.delete(id);
      await assertModel('delete by filter');
      assert.deepEqual(await client.count('payloads', { exact: true }), { count: model.size });
    });
  });

  describe('snapshots', () => {
    let other: TestServer;
    before(async () => {
      other = await startTestServer();
    });
    after(async () => {
      await other.stop();
    });

    test('createSnapshot, listSnapshots, recoverSnapshot on another server, deleteSnapshot', async () => {
      const snapshot = await client.createSnapshot('items', { wait: true });
      assert.ok(snapshot, 'a snapshot description');
      assert.equal(typeof snapshot.name, 'string');
      assert.ok(snapshot.size > 0);
      const listed = await client.listSnapshots('items');
      assert.ok(listed.some((d) => d.name === snapshot.name && d.size === snapshot.size));
      const location = `${s.url}/collections/items/snapshots/${encodeURIComponent(snapshot.name)}`;
      const otherClient = qdrantClient(other.url);
      assert.equal(await otherClient.recoverSnapshot('restored', { location }), true);
      const everything = async (c: QdrantClient, name: string) =>
        (await c.scroll(name, { limit: 1000, with_payload: true, with_vector: true })).points;
      assert.deepEqual(await everything(otherClient, 'restored'), await everything(client, 'items'));
      const [a, b] = [await client.getCollection('items'), await otherClient.getCollection('restored')];
      assert.deepEqual(b.config.params.vectors, a.config.params.vectors);
      assert.deepEqual(Object.keys(b.payload_schema).sort(), Object.keys(a.payload_schema).sort());
      assert.equal(await client.deleteSnapshot('items', snapshot.name), true);
      assert.ok(!(await client.listSnapshots('items')).some((d) => d.name === snapshot.name));
      await assert.rejects(client.deleteSnapshot('items', snapshot.name), apiError(404));
    });
  });
});
