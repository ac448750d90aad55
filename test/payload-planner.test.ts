/**
 * Payload indexes in collections: declared in the config or created later, persisted in the
 * catalog and rebuilt for every segment (growing, sealed, after reopen and compaction);
 * filtered searches, counts, scrolls and deletes give the same answers with and without
 * them; and the planner returns k results with high recall at every selectivity.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianMixture, InvalidArgumentError, Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

const N = 6000;
const DIM = 16;
const data = gaussianMixture(N + 30, DIM, 40, 77);
const vector = (i: number) => Array.from(data.subarray(i * DIM, (i + 1) * DIM));
const TAGS = ['half', 'tenth', 'hundredth', 'thousandth'];

function payload(i: number) {
  const tags: string[] = [];
  if (i % 2 === 0) tags.push('half');
  if (i % 10 === 3) tags.push('tenth');
  if (i % 100 === 7) tags.push('hundredth');
  if (i % 1000 === 9) tags.push('thousandth');
  return {
    tags,
    n: i,
    price: (i % 97) / 4,
    at: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(),
  };
}

const filters = [
  ...TAGS.map((tag) => ({ must: [{ key: 'tags', match: { value: tag } }] })),
  { must: [{ key: 'n', range: { gte: 100, lt: 160 } }] },
  { must: [{ key: 'price', range: { gt: 20 } }], must_not: [{ key: 'tags', match: { value: 'half' } }] },
  {
    should: [
      { key: 'tags', match: { value: 'tenth' } },
      { key: 'n', range: { lt: 5 } },
    ],
  },
  { must: [{ key: 'at', range: { gte: '2020-01-03T00:00:00Z', lt: '2020-01-04T00:00:00Z' } }] },
];

describe('payload indexes and the planner', () => {
  test('indexed and unindexed collections agree on filtered search, count and scroll; indexes persist', async () => {
    const dir = tempDir('payload-idx').path;
    let db = await Quiver.open(dir);
    const plain = await db.createCollection('plain', { dimension: DIM, segmentSize: 2500 });
    const indexed = await db.createCollection('indexed', {
      dimension: DIM,
      segmentSize: 2500,
      payloadIndexes: { tags: 'keyword', n: 'integer' },
    });
    const points = Array.from({ length: N }, (_, i) => ({ id: i, vector: vector(i), payload: payload(i) }));
    await plain.upsert(points);
    await indexed.upsert(points);
    await indexed.createPayloadIndex('price', 'float');
    await indexed.createPayloadIndex('at', 'datetime');
    const compare = async (c: typeof indexed) => {
      for (const filter of filters) {
        assert.equal(await c.count({ filter }), await plain.count({ filter }), JSON.stringify(filter));
        for (let q = 0; q < 3; q++) {
          const query = vector(N + q);
          const want = await plain.search(query, { k: 10, filter, exact: true });
          const got = await c.search(query, { k: 10, filter, exact: true });
          assert.deepEqual(
            got.map((h) => h.id),
            want.map((h) => h.id),
          );
        }
        const page = await c.scroll({ filter, limit: 20 });
        assert.deepEqual(
          page.points.map((p) => p.id),
          (await plain.scroll({ filter, limit: 20 })).points.map((p) => p.id),
        );
      }
    };
    await compare(indexed);
    await indexed.flush();
    await compare(indexed);
    const info = await indexed.info();
    assert.deepEqual(Object.keys(info.payloadIndexes).sort(), ['at', 'n', 'price', 'tags']);
    await db.close();
    db = await Quiver.open(dir);
    const reopened = db.collection('indexed');
    assert.deepEqual((await reopened.info()).payloadIndexes.price, { type: 'float' });
    await reopened.dropPayloadIndex('price');
    await assert.rejects(reopened.dropPayloadIndex('price'), InvalidArgumentError);
    await assert.rejects(reopened.createPayloadIndex('tags', 'vector' as never), InvalidArgumentError);
    const deleted = await reopened.delete({ filter: filters[2] });
    assert.equal(deleted, N / 100);
    assert.equal(await reopened.count({ filter: filters[2] }), 0);
    await db.close();
  });

  test('HNSW segments return k results with recall@10 >= 0.95 at 50%, 10%, 1% and 0.1% selectivity', async () => {
    const db = await Quiver.open(tempDir('payload-planner').path);
    const c = await db.createCollection('c', {
      dimension: DIM,
      segmentSize: 3000,
      payloadIndexes: { tags: 'keyword' },
    });
    await c.upsert(Array.from({ length: N }, (_, i) => ({ id: i, vector: vector(i), payload: payload(i) })));
    await c.flush();
    for (const filter of filters.slice(0, 4)) {
      let hits = 0;
      let wanted = 0;
      for (let q = 0; q < 30; q++) {
        const query = vector(N + q);
        const truth = await c.search(query, { k: 10, filter, exact: true });
        const got = await c.search(query, { k: 10, filter });
        assert.equal(got.length, truth.length, 'k results whenever k points match');
        const want = new Set(truth.map((h) => h.id));
        hits += got.filter((h) => want.has(h.id)).length;
        wanted += truth.length;
      }
      assert.ok(hits / wanted >= 0.95, `${JSON.stringify(filter)}: recall ${hits / wanted}`);
    }
    await db.close();
  });
});
