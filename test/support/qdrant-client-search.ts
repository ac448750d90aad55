/**
 * Suite of `qdrant-client.test.ts`: search (offset, score_threshold, filters, payload and
 * vector selectors, the four distances), search batch and groups, recommend with its three
 * strategies and batch, and the universal query API (nearest, recommend, RRF/DBSF fusion over
 * prefetch, MMR, order_by, batch, groups, named vectors).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Hit, RecommendOptions } from '../../src/index.js';
import {
  assertVectorClose,
  BY_ID,
  type ClientContext,
  ITEMS,
  ids,
  points,
  QUERIES,
} from './qdrant-client-context.js';
import type { Item, QId } from './qdrant-data.js';
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
} from './qdrant-reference.js';

export function searchSuites(ctx: ClientContext): void {
  describe('search, recommend, query', () => {
    const cosine = (q: number[], limit: number, allow: (i: Item) => boolean = () => true) =>
      nearest('Cosine', q, ITEMS.filter(allow), limit);
    /** Asserts that the client's groups are the embedded exact `groupBy` search's: same groups, same hits, in order. */
    const assertGroupsAsEmbedded = async (
      groups: { groups: { id: unknown; hits: { id: QId }[] }[] },
      q: number[],
      grouping: { k: number; groupBy: string; groupSize: number },
    ) => {
      const local = (await ctx.col('items').search(q, { ...grouping, exact: true })) as {
        group: unknown;
        hits: Hit[];
      }[];
      assert.deepEqual(
        groups.groups.map((g) => [g.id, ids(g.hits)]),
        local.map((g) => [g.group, ids(g.hits)]),
      );
    };

    test('search: exact top-k like brute force and the embedded search; offset, score_threshold', async () => {
      for (const [n, q] of QUERIES.entries()) {
        const hits = await ctx.client.search('items', { vector: q, limit: 10, params: { exact: true } });
        assertRanking(hits, cosine(q, 10), `query ${n}`);
        assertRanking(hits, await ctx.embedded('items', 'Cosine', q, { k: 10 }), `query ${n} vs embedded`);
        for (const hit of hits) assert.deepEqual(hit.payload, (BY_ID.get(hit.id) as Item).payload);
      }
      const q = QUERIES[0];
      const page = await ctx.client.search('items', { vector: q, limit: 5, offset: 5, with_payload: false });
      assertRanking(page, cosine(q, 10).slice(5), 'offset 5');
      assert.ok(page.every((h) => h.payload == null));
      const threshold = cosine(q, 7)[6].score - 1e-6;
      const above = await ctx.client.search('items', { vector: q, limit: 50, score_threshold: threshold });
      assertRanking(above, cosine(q, 7), 'score_threshold');
      assertRanking(
        above,
        await ctx.embedded('items', 'Cosine', q, { k: 50, scoreThreshold: threshold }),
        'embedded threshold',
      );
    });

    test('search: filter, with_payload list/include/exclude, with_vector, hnsw_ef', async () => {
      const q = QUERIES[1];
      const filter = { must: [{ key: 'tags', match: { any: ['a', 'b'] } }] };
      const allow = (i: Item) => i.payload.tags.includes('a') || i.payload.tags.includes('b');
      const hits = await ctx.client.search('items', {
        vector: q,
        limit: 8,
        filter,
        params: { hnsw_ef: 128, exact: true },
      });
      assertRanking(hits, cosine(q, 8, allow), 'filtered');
      assertRanking(hits, await ctx.embedded('items', 'Cosine', q, { k: 8, filter }), 'filtered vs embedded');
      const listed = await ctx.client.search('items', {
        vector: q,
        limit: 3,
        with_payload: ['color', 'meta'],
      });
      for (const h of listed) {
        const p = (BY_ID.get(h.id) as Item).payload;
        assert.deepEqual(h.payload, { color: p.color, meta: p.meta });
      }
      const included = await ctx.client.search('items', {
        vector: q,
        limit: 3,
        with_payload: { include: ['price'] },
      });
      for (const h of included)
        assert.deepEqual(h.payload, { price: (BY_ID.get(h.id) as Item).payload.price });
      const excluded = await ctx.client.search('items', {
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
      const withVector = await ctx.client.search('items', { vector: q, limit: 3, with_vector: true });
      for (const h of withVector)
        assertVectorClose(h.vector, normalize((BY_ID.get(h.id) as Item).vector), `${h.id}`);
    });

    test('search on Euclid, Dot and Manhattan collections: Qdrant scores (Euclid not squared)', async () => {
      const data = ITEMS.slice(0, 60).map((i) => ({ ...i, vector: i.vector.slice(0, 4) }));
      for (const distance of ['Euclid', 'Dot', 'Manhattan'] as Distance[]) {
        const name = `scores_${distance.toLowerCase()}`;
        await ctx.client.createCollection(name, { vectors: { size: 4, distance } });
        await ctx.client.upsert(name, { wait: true, points: points(data) });
        for (const q of QUERIES.slice(0, 3).map((v) => v.slice(0, 4))) {
          const hits = await ctx.client.search(name, {
            vector: q,
            limit: 10,
            params: { exact: true },
            with_payload: false,
          });
          assertRanking(hits, nearest(distance, q, data, 10), `${distance}`);
          assertRanking(hits, await ctx.embedded(name, distance, q, { k: 10 }), `${distance} vs embedded`);
          const fourth = nearest(distance, q, data, 4)[3].score;
          const threshold = higherIsBetter(distance) ? fourth - 1e-6 : fourth + 1e-6;
          const bounded = await ctx.client.search(name, { vector: q, limit: 10, score_threshold: threshold });
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
      const batch = await ctx.client.searchBatch('items', { searches });
      assert.equal(batch.length, 3);
      for (const [n, hits] of batch.entries()) assertRanking(hits, cosine(QUERIES[n], 5 + n), `batch ${n}`);
      const groups = await ctx.client.searchPointGroups('items', {
        vector: QUERIES[2],
        group_by: 'group',
        limit: 3,
        group_size: 2,
        params: { exact: true },
      });
      await assertGroupsAsEmbedded(groups, QUERIES[2], { k: 3, groupBy: 'group', groupSize: 2 });
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
        const hits = await ctx.client.recommend('items', {
          positive,
          negative,
          strategy: qdrant,
          limit: 10,
          params: { exact: true },
        });
        const local = await ctx.col('items').recommend({ positive, negative }, {
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
      const batch = await ctx.client.recommendBatch('items', {
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
      const plain = await ctx.client.query('items', { query: q, limit: 10, params: { exact: true } });
      assertRanking(plain.points, cosine(q, 10), 'query plain');
      const wrapped = await ctx.client.query('items', {
        query: { nearest: q },
        limit: 4,
        offset: 3,
        with_payload: false,
        params: { hnsw_ef: 64, exact: true },
      });
      assertRanking(wrapped.points, cosine(q, 7).slice(3), 'query offset');
      const threshold = cosine(q, 5)[4].score - 1e-6;
      const bounded = await ctx.client.query('items', { query: q, limit: 100, score_threshold: threshold });
      assertRanking(bounded.points, cosine(q, 5), 'query score_threshold');
      const byId = await ctx.client.query('items', { query: 9, limit: 5, params: { exact: true } });
      assertRanking(
        byId.points,
        cosine((BY_ID.get(9) as Item).vector, 5, (i) => i.id !== 9),
        'query by id',
      );
    });

    test('query: recommend inside query; with_payload and with_vector forms', async () => {
      const hits = await ctx.client.query('items', {
        query: { recommend: { positive: [1, 2, ITEMS[17].id], negative: [3], strategy: 'best_score' } },
        limit: 10,
        params: { exact: true },
      });
      const local = await ctx.col('items').recommend(
        { positive: [1, 2, ITEMS[17].id], negative: [3] },
        {
          k: 10,
          strategy: 'best_score',
          exact: true,
        },
      );
      assertRanking(hits.points, local, 'query recommend');
      const q = QUERIES[4];
      const bare = await ctx.client.query('items', {
        query: q,
        limit: 2,
        with_payload: false,
        with_vector: false,
      });
      for (const p of bare.points)
        assert.equal((p.payload ?? null) === null && (p.vector ?? null) === null, true);
      const full = await ctx.client.query('items', {
        query: q,
        limit: 2,
        with_payload: true,
        with_vector: true,
      });
      for (const p of full.points) {
        const item = BY_ID.get(p.id) as Item;
        assert.deepEqual(p.payload, item.payload);
        assertVectorClose(p.vector, normalize(item.vector), `vector of ${p.id}`);
      }
      const listed = await ctx.client.query('items', { query: q, limit: 2, with_payload: ['group'] });
      for (const p of listed.points)
        assert.deepEqual(p.payload, { group: (BY_ID.get(p.id) as Item).payload.group });
      const included = await ctx.client.query('items', {
        query: q,
        limit: 2,
        with_payload: { include: ['color', 'count'] },
      });
      for (const p of included.points) {
        const { color, count } = (BY_ID.get(p.id) as Item).payload;
        assert.deepEqual(p.payload, { color, count });
      }
      const excluded = await ctx.client.query('items', {
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
        await ctx.embedded('items', 'Cosine', a, { k: 20 }),
        await ctx.embedded('items', 'Cosine', b, { k: 15, filter: prefetch[1].filter }),
      ];
      assertRanking(
        lists[1],
        cosine(b, 15, (i) => i.payload.count < 6),
        'prefetch branch',
      );
      const fusedRrf = await ctx.client.query('items', { prefetch, query: { fusion: 'rrf' }, limit: 10 });
      assertRanking(fusedRrf.points, rrf(lists).slice(0, 10), 'rrf');
      const fusedDbsf = await ctx.client.query('items', { prefetch, query: { fusion: 'dbsf' }, limit: 10 });
      assertRanking(fusedDbsf.points, dbsf(lists).slice(0, 10), 'dbsf');
      const paged = await ctx.client.query('items', {
        prefetch,
        query: { fusion: 'rrf' },
        limit: 5,
        offset: 5,
      });
      assertRanking(paged.points, rrf(lists).slice(5, 10), 'rrf offset');
    });

    test('query: mmr (diversity, candidates_limit) like Qdrant MMR over the embedded candidates', async () => {
      const q = QUERIES[2];
      const candidates = (await ctx
        .col('items')
        .search(q, { k: 40, exact: true, withVector: true })) as Hit[];
      const withVectors = candidates.map((h) => ({
        id: h.id,
        score: h.score,
        vector: Array.from(h.vector ?? []),
      }));
      for (const diversity of [0, 0.5, 0.9]) {
        const got = await ctx.client.query('items', {
          query: { nearest: q, mmr: { diversity, candidates_limit: 40 } },
          limit: 8,
          params: { exact: true },
        });
        const expected = mmr('Cosine', q, withVectors, diversity, 8);
        assertRanking(got.points, expected, `mmr diversity ${diversity}`);
        const local = await ctx.embedded('items', 'Cosine', q, { k: 8, mmr: { diversity, candidates: 40 } });
        assertRanking(got.points, local, `mmr diversity ${diversity} vs embedded`);
      }
    });

    test('query: order_by a payload key', async () => {
      const byPrice = [...ITEMS].sort((x, y) => y.payload.price - x.payload.price);
      const got = await ctx.client.query('items', {
        query: { order_by: { key: 'price', direction: 'desc' } },
        limit: 12,
      });
      assert.deepEqual(ids(got.points), ids(byPrice.slice(0, 12)));
      const filtered = await ctx.client.query('items', {
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
      const batch = await ctx.client.queryBatch('items', { searches });
      for (const [n, r] of batch.entries())
        assertRanking(r.points, cosine(QUERIES[n], 4 + n), `queryBatch ${n}`);
      const groups = await ctx.client.queryGroups('items', {
        query: QUERIES[1],
        group_by: 'color',
        limit: 4,
        group_size: 3,
        params: { exact: true },
      });
      await assertGroupsAsEmbedded(groups, QUERIES[1], { k: 4, groupBy: 'color', groupSize: 3 });
    });

    test('named vectors: upsert, search by name, query using, with_vector names', async () => {
      const data = ITEMS.slice(0, 50).map((i) => ({
        id: i.id,
        vector: { image: i.vector.slice(0, 4), text: i.vector.slice(4, 7) },
        payload: { color: i.payload.color },
      }));
      await ctx.client.upsert('named', { wait: true, points: data });
      const images = data.map((p) => ({ id: p.id, vector: p.vector.image }));
      const texts = data.map((p) => ({ id: p.id, vector: p.vector.text }));
      const qi = QUERIES[0].slice(0, 4);
      const qt = QUERIES[0].slice(4, 7);
      const byImage = await ctx.client.search('named', { vector: { name: 'image', vector: qi }, limit: 6 });
      assertRanking(byImage, nearest('Dot', qi, images, 6), 'search image');
      const byText = await ctx.client.query('named', {
        query: qt,
        using: 'text',
        limit: 6,
        with_vector: ['text'],
      });
      assertRanking(byText.points, nearest('Euclid', qt, texts, 6), 'query using text');
      assertRanking(
        byText.points,
        await ctx.embedded('named', 'Euclid', qt, { k: 6, using: 'text' }),
        'text vs embedded',
      );
      for (const p of byText.points) {
        const vector = p.vector as Record<string, number[]>;
        assert.deepEqual(Object.keys(vector), ['text']);
        assertVectorClose(vector.text, texts.find((t) => t.id === p.id)?.vector ?? [], `text of ${p.id}`);
      }
      const [record] = await ctx.client.retrieve('named', { ids: [data[0].id], with_vector: true });
      const both = record.vector as Record<string, number[]>;
      assert.deepEqual(Object.keys(both).sort(), ['image', 'text']);
    });
  });
}
