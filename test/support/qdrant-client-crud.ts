/**
 * Suites of `qdrant-client.test.ts`: the service and collections (create with each distance
 * and with named vectors, info, list, exists, update, delete) and points (upsert in both
 * forms, retrieve, UUID canonicalization, scroll with offset and order_by, count).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Schemas } from '@qdrant/js-client-rest';
import type { Filter, Point, ScrollOptions } from '../../src/index.js';
import {
  assertVectorClose,
  BY_ID,
  type ClientContext,
  DIM,
  DISTANCES,
  ITEMS,
  ids,
  points,
  QUERIES,
  sortedIds,
  stored,
} from './qdrant-client-context.js';
import { apiError, compareQIds, type Item, makeItems, type QId } from './qdrant-data.js';

export function collectionAndPointSuites(ctx: ClientContext): void {
  describe('service and collections', () => {
    test('versionInfo: GET / answers { title, version }', async () => {
      const info = await ctx.client.versionInfo();
      assert.equal(typeof info.title, 'string');
      assert.match(info.version, /^\d+\.\d+\.\d+/);
    });

    test('createCollection with each distance, getCollection in Qdrant info shape', async () => {
      for (const distance of DISTANCES) {
        const name = `dist_${distance.toLowerCase()}`;
        assert.equal(await ctx.client.createCollection(name, { vectors: { size: 4, distance } }), true);
        const info = await ctx.client.getCollection(name);
        assert.equal(info.status, 'green');
        assert.equal(info.points_count, 0);
        assert.deepEqual(info.payload_schema, {});
        const vectors = info.config.params.vectors as Schemas['VectorParams'];
        assert.deepEqual([vectors.size, vectors.distance], [4, distance], name);
      }
      await assert.rejects(
        ctx.client.createCollection('dist_dot', { vectors: { size: 4, distance: 'Dot' } }),
        apiError(409),
      );
    });

    test('createCollection with named vectors', async () => {
      const created = await ctx.client.createCollection('named', {
        vectors: { image: { size: 4, distance: 'Dot' }, text: { size: 3, distance: 'Euclid' } },
      });
      assert.equal(created, true);
      const vectors = (await ctx.client.getCollection('named')).config.params.vectors as Record<
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
      const names = (await ctx.client.getCollections()).collections.map((c) => c.name);
      for (const name of ['dist_cosine', 'dist_euclid', 'dist_dot', 'dist_manhattan', 'named']) {
        assert.ok(names.includes(name), `${name} in ${names}`);
      }
      assert.deepEqual(await ctx.client.collectionExists('dist_dot'), { exists: true });
      assert.deepEqual(await ctx.client.collectionExists('no_such'), { exists: false });
      assert.equal(
        await ctx.client.updateCollection('dist_dot', { optimizers_config: { indexing_threshold: 10000 } }),
        true,
      );
      assert.equal(await ctx.client.deleteCollection('dist_dot'), true);
      assert.deepEqual(await ctx.client.collectionExists('dist_dot'), { exists: false });
      await assert.rejects(ctx.client.getCollection('dist_dot'), apiError(404));
      assert.deepEqual(await ctx.s.db.listCollections().then((l) => l.includes('dist_dot')), false);
    });
  });

  describe('points', () => {
    before(async () => {
      await ctx.client.createCollection('items', { vectors: { size: DIM, distance: 'Cosine' } });
    });

    test('upsert as a list of points and in batch form, with wait', async () => {
      const half = ITEMS.length / 2;
      const listed = await ctx.client.upsert('items', { wait: true, points: points(ITEMS.slice(0, half)) });
      assert.equal(listed.status, 'completed');
      const rest = ITEMS.slice(half);
      const batched = await ctx.client.upsert('items', {
        wait: true,
        batch: {
          ids: ids(rest),
          vectors: rest.map((i) => i.vector),
          payloads: rest.map((i) => ({ ...i.payload })),
        },
      });
      assert.equal(batched.status, 'completed');
      assert.deepEqual(await ctx.client.count('items', { exact: true }), { count: ITEMS.length });
      assert.equal(await ctx.col('items').count(), ITEMS.length);
      assert.equal((await ctx.client.getCollection('items')).points_count, ITEMS.length);
    });

    test('upsert without wait is acknowledged and applied', async () => {
      const extra = makeItems(3, DIM, 5).map((i, n) => ({ ...i, id: 900_000 + n }));
      const result = await ctx.client.upsert('items', { wait: false, points: points(extra) });
      assert.ok(['acknowledged', 'completed'].includes(result.status), result.status);
      await ctx.client.delete('items', { wait: true, points: ids(extra) });
      assert.deepEqual(await ctx.client.count('items', { exact: true }), { count: ITEMS.length });
    });

    test('retrieve: payload and normalized vector, like the embedded get', async () => {
      const wanted: QId[] = [0, 5, ITEMS[7].id, 123, 999_999];
      const got = await ctx.client.retrieve('items', { ids: wanted, with_payload: true, with_vector: true });
      const expected = wanted.filter((id) => BY_ID.has(id));
      assert.deepEqual(ids(got).sort(compareQIds), [...expected].sort(compareQIds));
      const local = new Map((await ctx.col('items').get(expected)).map((p: Point) => [p.id, p]));
      for (const record of got) {
        const item = BY_ID.get(record.id) as Item;
        assert.deepEqual(record.payload, item.payload, `payload of ${record.id}`);
        assert.deepEqual(record.payload, local.get(record.id)?.payload);
        assertVectorClose(record.vector, stored('Cosine', item.vector), `vector of ${record.id}`);
      }
      const bare = await ctx.client.retrieve('items', { ids: [5], with_payload: false });
      assert.equal(bare[0].payload ?? null, null);
      assert.equal(bare[0].vector ?? null, null);
      const one = await ctx.client.api().getPoint({ collection_name: 'items', id: 5 });
      assert.deepEqual(one.data.result?.payload, (BY_ID.get(5) as Item).payload);
      await assert.rejects(
        ctx.client.api().getPoint({ collection_name: 'items', id: 999_999 }),
        apiError(404),
      );
    });

    test('UUID ids are canonicalized: upper-case and simple forms find the same point', async () => {
      const uuid = ITEMS[7].id as string;
      const [upper] = await ctx.client.retrieve('items', { ids: [uuid.toUpperCase()] });
      assert.equal(upper.id, uuid);
      const [simple] = await ctx.client.retrieve('items', { ids: [uuid.replaceAll('-', '')] });
      assert.equal(simple.id, uuid);
      const fresh = 'F3A1C2D4-0B1E-4F6A-9C7D-8E9F0A1B2C3D';
      await ctx.client.upsert('items', {
        wait: true,
        points: [{ id: fresh, vector: QUERIES[0], payload: { color: 'x' } }],
      });
      const [back] = await ctx.client.retrieve('items', { ids: [fresh.toLowerCase()] });
      assert.equal(back.id, fresh.toLowerCase());
      assert.equal(
        (await ctx.col('items').get([fresh.toLowerCase()])).length,
        1,
        'the embedded API sees the canonical id',
      );
      await ctx.client.delete('items', { wait: true, points: [fresh] });
      assert.equal((await ctx.col('items').get([fresh.toLowerCase()])).length, 0);
    });

    test('scroll pages with offset = next_page_offset, in Qdrant id order, like the embedded scroll', async () => {
      const seen: QId[] = [];
      let offset: QId | undefined;
      for (let page = 0; page < 20; page++) {
        const result = await ctx.client.scroll('items', { limit: 50, offset, with_payload: false });
        seen.push(...ids(result.points));
        if (result.next_page_offset === null || result.next_page_offset === undefined) break;
        offset = result.next_page_offset as QId;
      }
      assert.deepEqual(seen, sortedIds(ITEMS));
      const local = await ctx.col('items').scroll({ limit: 1000 });
      assert.deepEqual(seen, ids(local.points));
      const filtered = await ctx.client.scroll('items', {
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
      const asc = await ctx.client.scroll('items', { limit: 30, order_by: 'price', with_payload: false });
      assert.deepEqual(ids(asc.points), ids(byPrice.slice(0, 30)));
      const desc = await ctx.client.scroll('items', {
        limit: 20,
        order_by: { key: 'price', direction: 'desc', start_from: 30 },
        with_payload: true,
      });
      const expected = byPrice
        .filter((i) => i.payload.price <= 30)
        .reverse()
        .slice(0, 20);
      assert.deepEqual(ids(desc.points), ids(expected));
      const local = await ctx.col('items').scroll({
        limit: 20,
        orderBy: { key: 'price', direction: 'desc', startFrom: 30 },
      } as ScrollOptions);
      assert.deepEqual(ids(desc.points), ids(local.points));
    });

    test('count, exact, with and without a filter', async () => {
      assert.deepEqual(await ctx.client.count('items', { exact: true }), { count: ITEMS.length });
      const filter = { must: [{ key: 'count', range: { gte: 5 } }] };
      const expected = ITEMS.filter((i) => i.payload.count >= 5).length;
      assert.deepEqual(await ctx.client.count('items', { filter, exact: true }), { count: expected });
      assert.equal(await ctx.col('items').count({ filter: filter as Filter }), expected);
    });
  });
}
