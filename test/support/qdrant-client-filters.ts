/**
 * Suites of `qdrant-client.test.ts`: Qdrant's filter language case by case (without and with
 * payload indexes of every kind), the payload operations and deletes against a model of what
 * every payload must be, and snapshots recovered on a second server.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import type { Filter } from '../../src/index.js';
import {
  assertVectorClose,
  type ClientContext,
  ITEMS,
  ids,
  points,
  QUERIES,
  sortedIds,
} from './qdrant-client-context.js';
import { apiError, makeItems, qdrantClient } from './qdrant-data.js';
import { filterCases } from './qdrant-filter-cases.js';
import { assertRanking, nearest } from './qdrant-reference.js';
import { startTestServer, type TestServer } from './server.js';

export function filterPayloadSnapshotSuites(ctx: ClientContext): void {
  describe('filter language', () => {
    const cases = filterCases(ITEMS);

    /** Runs every case; collects each one's failure so that one run reports all of them. */
    async function checkCases(stage: string) {
      const failures: string[] = [];
      for (const c of cases) {
        const expected = ITEMS.filter((i) => c.holds(i));
        assert.ok(expected.length > 0 && expected.length < ITEMS.length, `${c.name}: selects some, not all`);
        try {
          const counted = await ctx.client.count('items', { filter: c.filter, exact: true });
          assert.equal(counted.count, expected.length, 'count');
          const scrolled = await ctx.client.scroll('items', {
            filter: c.filter,
            limit: 1000,
            with_payload: false,
          });
          assert.deepEqual(ids(scrolled.points), sortedIds(expected), 'scroll');
          const hits = await ctx.client.search('items', {
            vector: QUERIES[0],
            filter: c.filter,
            limit: 5,
            params: { exact: true },
            with_payload: false,
          });
          assertRanking(hits, nearest('Cosine', QUERIES[0], expected, 5), 'search');
          assert.equal(
            await ctx.col('items').count({ filter: (c.embeddedFilter ?? c.filter) as Filter }),
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
        const result = await ctx.client.createPayloadIndex('items', { field_name, field_schema, wait: true });
        assert.equal(result.status, 'completed', field_name);
      }
      const schema = (await ctx.client.getCollection('items')).payload_schema;
      for (const [field, type] of schemas)
        assert.equal(schema[field]?.data_type, type, `payload_schema.${field}`);
      await checkCases('indexed');
      assert.equal(
        (await ctx.client.deletePayloadIndex('items', 'color', { wait: true })).status,
        'completed',
      );
      assert.equal((await ctx.client.getCollection('items')).payload_schema.color, undefined);
      assert.equal(
        (await ctx.col('items').info()).payloadIndexes.color,
        undefined,
        'the embedded API sees it dropped',
      );
      await checkCases('one index dropped');
    });

    test('a uuid payload index', async () => {
      await ctx.client.createCollection('uuids', { vectors: { size: 2, distance: 'Dot' } });
      const keys = ITEMS.slice(0, 5).map((i) =>
        typeof i.id === 'string' ? i.id : `00000000-0000-4000-8000-00000000000${i.id}`,
      );
      await ctx.client.upsert('uuids', {
        wait: true,
        points: keys.map((key, n) => ({ id: n, vector: [1, n], payload: { key } })),
      });
      await ctx.client.createPayloadIndex('uuids', { field_name: 'key', field_schema: 'uuid', wait: true });
      assert.equal((await ctx.client.getCollection('uuids')).payload_schema.key?.data_type, 'uuid');
      const found = await ctx.client.count('uuids', {
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

    /** The whole collection, through the ctx.client and through the embedded API, equals the model. */
    async function assertModel(step: string) {
      const expected = [...model].sort(([a], [b]) => a - b).map(([id, payload]) => ({ id, payload }));
      const scrolled = await ctx.client.scroll('payloads', { limit: 100, with_payload: true });
      assert.deepEqual(
        scrolled.points.map((p) => ({ id: p.id, payload: p.payload ?? {} })),
        expected,
        `${step}: ctx.client scroll`,
      );
      const local = await ctx.col('payloads').scroll({ limit: 100 });
      assert.deepEqual(
        local.points.map((p) => ({ id: p.id, payload: p.payload ?? {} })),
        expected,
        `${step}: embedded scroll`,
      );
    }

    before(async () => {
      await ctx.client.createCollection('payloads', { vectors: { size: 4, distance: 'Dot' } });
      await ctx.client.upsert('payloads', { wait: true, points: points(base) });
      await assertModel('upserted');
    });

    test('setPayload merges keys, by ids and by filter', async () => {
      const result = await ctx.client.setPayload('payloads', {
        payload: { extra: 1, color: 'violet' },
        points: [0, 1],
      });
      assert.equal(result.status, 'completed');
      for (const id of [0, 1]) Object.assign(model.get(id) as Payload, { extra: 1, color: 'violet' });
      await assertModel('set by ids');
      const filter = { must: [{ key: 'count', range: { gte: 7 } }] };
      await ctx.client.setPayload('payloads', { payload: { flagged: true, count: 100 }, filter });
      for (const id of where((p) => (p.count as number) >= 7))
        Object.assign(model.get(id) as Payload, { flagged: true, count: 100 });
      await assertModel('set by filter');
    });

    test('overwritePayload replaces the whole payload, by ids and by filter', async () => {
      await ctx.client.overwritePayload('payloads', { payload: { only: 'this' }, points: [3] });
      model.set(3, { only: 'this' });
      await assertModel('overwrite by ids');
      await ctx.client.overwritePayload('payloads', {
        payload: { group: 'g' },
        filter: { must: [{ key: 'group', match: { value: 2 } }] },
      });
      for (const id of where((p) => p.group === 2)) model.set(id, { group: 'g' });
      await assertModel('overwrite by filter');
    });

    test('deletePayload removes keys, by ids and by filter', async () => {
      await ctx.client.deletePayload('payloads', { keys: ['price', 'tags', 'absent'], points: [4] });
      const four = model.get(4) as Payload;
      delete four.price;
      delete four.tags;
      await assertModel('delete keys by ids');
      await ctx.client.deletePayload('payloads', {
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
      await ctx.client.clearPayload('payloads', { points: [5, 6] });
      model.set(5, {});
      model.set(6, {});
      await assertModel('clear by ids');
      await ctx.client.clearPayload('payloads', {
        filter: { must: [{ key: 'meta.level', range: { gte: 3 } }] },
      });
      for (const id of where((p) => ((p.meta as { level?: number } | undefined)?.level ?? -1) >= 3))
        model.set(id, {});
      await assertModel('clear by filter');
      const [kept] = await ctx.client.retrieve('payloads', { ids: [5], with_vector: true });
      assertVectorClose(kept.vector, base[5].vector, 'vector kept');
    });

    test('delete by ids and by filter', async () => {
      const result = await ctx.client.delete('payloads', { wait: true, points: [7, 8, 99] });
      assert.equal(result.status, 'completed');
      model.delete(7);
      model.delete(8);
      await assertModel('delete by ids');
      await ctx.client.delete('payloads', {
        wait: true,
        filter: { must: [{ key: 'group', match: { value: 'g' } }] },
      });
      for (const id of where((p) => p.group === 'g')) model.delete(id);
      await assertModel('delete by filter');
      assert.deepEqual(await ctx.client.count('payloads', { exact: true }), { count: model.size });
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
      const snapshot = await ctx.client.createSnapshot('items', { wait: true });
      assert.ok(snapshot, 'a snapshot description');
      assert.equal(typeof snapshot.name, 'string');
      assert.ok(snapshot.size > 0);
      const listed = await ctx.client.listSnapshots('items');
      assert.ok(listed.some((d) => d.name === snapshot.name && d.size === snapshot.size));
      const location = `${ctx.s.url}/collections/items/snapshots/${encodeURIComponent(snapshot.name)}`;
      const otherClient = qdrantClient(other.url);
      assert.equal(await otherClient.recoverSnapshot('restored', { location }), true);
      const everything = async (c: QdrantClient, name: string) =>
        (await c.scroll(name, { limit: 1000, with_payload: true, with_vector: true })).points;
      assert.deepEqual(await everything(otherClient, 'restored'), await everything(ctx.client, 'items'));
      const [a, b] = [await ctx.client.getCollection('items'), await otherClient.getCollection('restored')];
      assert.deepEqual(b.config.params.vectors, a.config.params.vectors);
      assert.deepEqual(Object.keys(b.payload_schema).sort(), Object.keys(a.payload_schema).sort());
      assert.equal(await ctx.client.deleteSnapshot('items', snapshot.name), true);
      assert.ok(!(await ctx.client.listSnapshots('items')).some((d) => d.name === snapshot.name));
      await assert.rejects(ctx.client.deleteSnapshot('items', snapshot.name), apiError(404));
    });

    test('a truncated snapshot, or one with the wrong checksum, is refused and changes nothing', async () => {
      const snapshot = await ctx.client.createSnapshot('items', { wait: true });
      assert.ok(snapshot);
      const location = `${ctx.s.url}/collections/items/snapshots/${encodeURIComponent(snapshot.name)}`;
      const bytes = new Uint8Array(await (await fetch(location)).arrayBuffer());
      assert.equal(bytes.length, snapshot.size);
      // A loopback server that hands out the first half of the file.
      const half = createServer((_request, response) => response.end(bytes.subarray(0, bytes.length >> 1)));
      await new Promise<void>((resolve) => half.listen(0, '127.0.0.1', resolve));
      const truncated = `http://127.0.0.1:${(half.address() as AddressInfo).port}/truncated.snapshot`;
      const otherClient = qdrantClient(other.url);
      try {
        const before = await otherClient.scroll('restored', {
          limit: 1000,
          with_payload: true,
          with_vector: true,
        });
        await assert.rejects(
          otherClient.recoverSnapshot('restored', { location: truncated }),
          apiError('4xx'),
        );
        await assert.rejects(otherClient.recoverSnapshot('fresh', { location: truncated }), apiError('4xx'));
        const wrong = '0'.repeat(64);
        await assert.rejects(
          otherClient.recoverSnapshot('restored', { location, checksum: wrong }),
          apiError('4xx'),
        );
        const after = await otherClient.scroll('restored', {
          limit: 1000,
          with_payload: true,
          with_vector: true,
        });
        assert.deepEqual(after, before, 'the collection is unchanged');
        assert.deepEqual(await otherClient.collectionExists('fresh'), { exists: false });
        if (snapshot.checksum) {
          assert.equal(
            await otherClient.recoverSnapshot('fresh', { location, checksum: snapshot.checksum }),
            true,
          );
          assert.equal(
            (await otherClient.count('fresh', { exact: true })).count,
            (await ctx.client.count('items')).count,
          );
        }
      } finally {
        half.closeAllConnections();
        await new Promise((resolve) => half.close(resolve));
        await ctx.client.deleteSnapshot('items', snapshot.name);
      }
    });
  });
}
