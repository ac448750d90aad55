/**
 * The `Database` / `Collection` contract, as one suite that runs against every
 * implementation: the embedded engine (`Quiver.open`) and the HTTP client (`connect` to a
 * real server). Each implementation must give the same answers and reject the same inputs
 * with the same error classes; results are checked against float64 brute force. Named
 * vectors and recommendations (`shared-suite-vectors.ts`), payload indexes, text, hybrid and
 * grouped search (`shared-suite-query.ts`), and vector fields with an embedding provider
 * (`shared-suite-embed.ts`) are part of the same contract.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClosedError,
  type Collection,
  CollectionExistsError,
  CollectionNotFoundError,
  type Database,
  DimensionMismatchError,
  type Filter,
  type Hit,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidIdError,
  InvalidVectorError,
  type Metric,
  type PointId,
  SeededRandom,
} from '../src/index.js';
import { embedCases } from './shared-suite-embed.js';
import { queryCases } from './shared-suite-query.js';
import { updateCases } from './shared-suite-updates.js';
import { float32, normalized, vectorCases } from './shared-suite-vectors.js';
import { assertTopK, bruteForce } from './support/reference.js';

/** A database to test, and how to dispose of it (and whatever serves it). */
export interface Subject {
  db: Database;
  dispose(): Promise<void>;
}

const DIM = 8;
const N = 240;
const COLOURS = ['red', 'green', 'blue'];

interface Row {
  id: PointId;
  vector: number[];
  payload: { colour: string; n: number };
}

/** N rows: ids alternate between integers and strings; payloads have a colour and a number. */
function rows(seed: number): Row[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: N }, (_, i) => ({
    id: i % 2 === 0 ? i : `p${i}`,
    vector: Array.from({ length: DIM }, () => rng.gaussian()),
    payload: { colour: COLOURS[i % 3], n: i },
  }));
}

/** The stored vectors as the reference sees them (float32, normalized under cosine). */
function stored(metric: Metric, data: Row[]): [PointId, number[]][] {
  return data.map((r) => [r.id, metric === 'cosine' ? normalized(r.vector) : float32(r.vector)]);
}

async function filled(db: Database, name: string, metric: Metric, data: Row[]): Promise<Collection> {
  // Flat: sealed segments are searched exactly, so results can be compared with brute force.
  const collection = await db.createCollection(name, {
    dimension: DIM,
    metric,
    segmentSize: 100,
    index: { type: 'flat' },
  });
  for (let i = 0; i < data.length; i += 50) await collection.upsert(data.slice(i, i + 50));
  return collection;
}

export function sharedSuite(label: string, open: () => Promise<Subject>): void {
  describe(`Database contract: ${label}`, () => {
    let subject: Subject;
    let db: Database;
    const data = rows(7);
    const red: Filter = { must: [{ key: 'colour', match: { value: 'red' } }] };
    const isRed = (id: PointId) => data.find((r) => r.id === id)!.payload.colour === 'red';

    before(async () => {
      subject = await open();
      db = subject.db;
    });
    after(async () => {
      await subject.dispose();
    });

    test('collections: create, describe, list, find, drop', async () => {
      const a = await db.createCollection('coll-a', { dimension: 4, metric: 'ip' });
      assert.deepEqual([a.name, a.dimension, a.metric], ['coll-a', 4, 'ip']);
      await db.createCollection('coll-b', { dimension: 3 });
      const names = await db.listCollections();
      assert.ok(names.includes('coll-a') && names.includes('coll-b'));
      assert.deepEqual(names, [...names].sort());
      const b = db.collection('coll-b');
      assert.deepEqual([b.name, b.dimension, b.metric], ['coll-b', 3, 'l2']);
      const info = await b.info();
      assert.deepEqual(
        [info.name, info.dimension, info.metric, info.count, info.sealedSegments, info.growingPoints],
        ['coll-b', 3, 'l2', 0, 0, 0],
      );
      await db.dropCollection('coll-a');
      assert.ok(!(await db.listCollections()).includes('coll-a'));
      assert.throws(() => db.collection('coll-a'), CollectionNotFoundError);
      await assert.rejects(a.count(), CollectionNotFoundError);
      await db.dropCollection('coll-b');
    });

    test('collections: duplicates, missing ones, bad names and configs are refused', async () => {
      await db.createCollection('dup', { dimension: 2 });
      await assert.rejects(db.createCollection('dup', { dimension: 2 }), CollectionExistsError);
      for (const name of ['', 'a/b', '..', 'a\\b', 'a b', 'x'.repeat(65), 'née', 'a\nb', 'a\u0000b']) {
        await assert.rejects(db.createCollection(name, { dimension: 2 }), InvalidArgumentError, name);
      }
      await assert.rejects(db.createCollection('dim0', { dimension: 0 }), InvalidArgumentError);
      await assert.rejects(db.createCollection('dimx', { dimension: 1.5 }), InvalidArgumentError);
      await assert.rejects(
        db.createCollection('metric', { dimension: 2, metric: 'hamming' as never }),
        InvalidArgumentError,
      );
      assert.throws(() => db.collection('missing'), CollectionNotFoundError);
      await assert.rejects(db.dropCollection('missing'), CollectionNotFoundError);
      await assert.rejects(db.dropCollection('../x'), CollectionNotFoundError);
      await db.dropCollection('dup');
    });

    test('upsert and get: vectors, payloads and ids come back as stored', async () => {
      const c = await filled(db, 'crud', 'l2', data);
      assert.equal(await c.count(), N);
      const ids = [data[5].id, 'nope', data[0].id, 12345];
      const got = await c.get(ids, { withVector: true });
      assert.deepEqual(
        got.map((p) => p.id),
        [data[5].id, data[0].id],
      );
      assert.ok(got[0].vector instanceof Float32Array);
      assert.deepEqual(Array.from(got[0].vector!), float32(data[5].vector));
      assert.deepEqual(got[1].payload, data[0].payload);
      const bare = await c.get([data[1].id], { withPayload: false });
      assert.deepEqual(bare, [{ id: data[1].id }]);
      // 1 and '1' are different ids; upserting an existing id replaces vector and payload.
      await c.upsert([
        { id: 1, vector: new Float32Array(DIM).fill(1), payload: { kind: 'number' } },
        { id: '1', vector: new Float32Array(DIM).fill(2) },
      ]);
      await c.upsert([{ id: 1, vector: new Float32Array(DIM).fill(3), payload: { kind: 'replaced' } }]);
      const both = await c.get([1, '1'], { withVector: true });
      assert.deepEqual(
        both.map((p) => [p.id, p.vector![0], p.payload]),
        [
          [1, 3, { kind: 'replaced' }],
          ['1', 2, {}],
        ],
      );
      assert.equal(await c.count(), N + 2);
      await db.dropCollection('crud');
    });

    for (const metric of ['l2', 'ip', 'cosine'] as const) {
      test(`search, batch and range search under ${metric} match brute force`, async () => {
        const c = await filled(db, `search-${metric}`, metric, data);
        await c.flush();
        await c.upsert([
          { id: 'late', vector: data[3].vector.map((x) => x + 0.01), payload: { colour: 'red', n: -1 } },
        ]);
        const all = [
          ...stored(metric, data),
          ['late', stored(metric, [{ ...data[3], vector: data[3].vector.map((x) => x + 0.01) }])[0][1]] as [
            PointId,
            number[],
          ],
        ];
        const rng = new SeededRandom(99);
        const queries = Array.from({ length: 4 }, () => Array.from({ length: DIM }, () => rng.gaussian()));
        for (const q of queries) {
          assertTopK(await c.search(q, { k: 7 }), bruteForce(metric, all, q), 7);
          assertTopK(await c.search(Float32Array.from(q)), bruteForce(metric, all, q), 10);
          const filtered = await c.search(q, { k: 5, filter: red, withPayload: true });
          assertTopK(
            filtered,
            bruteForce(metric, all, q, (id) => id === 'late' || isRed(id)),
            5,
          );
          for (const hit of filtered) assert.equal((hit.payload as { colour: string }).colour, 'red');
        }
        const batch = await c.searchBatch(queries, { k: 3 });
        assert.equal(batch.length, queries.length);
        for (let i = 0; i < queries.length; i++)
          assert.deepEqual(batch[i], await c.search(queries[i], { k: 3 }));

        const q = queries[0];
        const ranked = bruteForce(metric, all, q);
        const radius =
          metric === 'l2' ? ranked[20].score : metric === 'ip' ? ranked[20].score : 1 - ranked[20].score;
        const within = await c.rangeSearch(q, { radius });
        assert.ok(within.length >= 20 && within.length <= 22, `range found ${within.length}`);
        assertTopK(within, ranked, within.length);
        const limited = await c.rangeSearch(q, { radius, limit: 5, withVector: true });
        assert.deepEqual(
          limited.map((h) => h.id),
          within.slice(0, 5).map((h) => h.id),
        );
        assert.ok(limited.every((h) => h.vector instanceof Float32Array && h.vector.length === DIM));
        await db.dropCollection(`search-${metric}`);
      });
    }

    test('an HNSW collection: its index config, ef and exact search', async () => {
      const c = await db.createCollection('hnsw', {
        dimension: DIM,
        metric: 'l2',
        segmentSize: 100,
        index: { type: 'hnsw', M: 8, efConstruction: 64, ef: 32 },
      });
      for (let i = 0; i < data.length; i += 60) await c.upsert(data.slice(i, i + 60));
      await c.flush();
      const info = await c.info();
      assert.deepEqual(info.index, { type: 'hnsw', M: 8, efConstruction: 64, ef: 32 });
      assert.equal(info.count, N);
      const q = data[10].vector.map((x) => x + 0.05);
      const reference = bruteForce('l2', stored('l2', data), q);
      assertTopK(await c.search(q, { k: 10, exact: true }), reference, 10);
      const approximate = await c.search(q, { k: 10, ef: 100 });
      assert.equal(approximate.length, 10);
      assert.equal(approximate[0].id, reference[0].id);
      await assert.rejects(c.search(q, { k: 10, ef: 0 }), InvalidArgumentError);
      await assert.rejects(
        db.createCollection('hnsw-bad', { dimension: DIM, index: { type: 'hnsw', M: 0 } }),
        InvalidArgumentError,
      );
      await assert.rejects(
        db.createCollection('ivf', { dimension: DIM, index: { type: 'ivf' } as never }),
        InvalidArgumentError,
      );
      await db.dropCollection('hnsw');
    });

    test('a factory-string collection: IVF trained per segment, searched with nprobe and rerank', async () => {
      const c = await db.createCollection('ivf-flat', {
        dimension: DIM,
        segmentSize: 200,
        index: 'ivf4,flat',
      });
      await c.upsert(data);
      await c.flush();
      const info = await c.info();
      assert.deepEqual(info.index, { type: 'factory', factory: 'IVF4,Flat' });
      assert.ok(info.indexedSegments >= 1);
      const q = data[10].vector.map((x) => x + 0.05);
      const reference = bruteForce('l2', stored('l2', data), q);
      assertTopK(await c.search(q, { k: 10, nprobe: 4 }), reference, 10);
      assert.equal((await c.search(q, { k: 10, nprobe: 1, rerank: 0 })).length, 10);
      await assert.rejects(c.search(q, { k: 10, nprobe: 0 }), InvalidArgumentError);
      await assert.rejects(
        db.createCollection('ivf-bad', { dimension: DIM, index: 'IVF4,Cube' }),
        (err: Error) => err instanceof InvalidArgumentError && err.message.includes('IVF<nlist>,PQ<m>'),
      );
      await db.dropCollection('ivf-flat');
    });

    test('binary vectors under hamming and jaccard match brute force, across sealed segments', async () => {
      const rng = new SeededRandom(31);
      const bytes = Array.from({ length: 300 }, () => Uint8Array.from({ length: 5 }, () => rng.int(256)));
      const popcount = (x: number) => x.toString(2).replaceAll('0', '').length;
      const distance = (metric: string, a: Uint8Array, b: Uint8Array) => {
        let differ = 0;
        let both = 0;
        let either = 0;
        for (let i = 0; i < a.length; i++) {
          differ += popcount(a[i] ^ b[i]);
          both += popcount(a[i] & b[i]);
          either += popcount(a[i] | b[i]);
        }
        return metric === 'hamming' ? differ : either === 0 ? 0 : Math.fround(1 - both / either);
      };
      for (const metric of ['hamming', 'jaccard'] as const) {
        const c = await db.createCollection(`bits-${metric}`, { dimension: 40, metric, segmentSize: 120 });
        assert.deepEqual((await c.info()).index, { type: 'flat' });
        await c.upsert(bytes.map((v, id) => ({ id, vector: id % 2 ? v : Array.from(v) })));
        const query = bytes[7].map((b, i) => (i === 0 ? b ^ 0b101 : b));
        const expected = bytes
          .map((v, id) => ({ id, d: distance(metric, query, v) }))
          .sort((a, b) => a.d - b.d || a.id - b.id);
        const hits = await c.search(query, { k: 12, withVector: true });
        assert.deepEqual(
          hits.map((h) => h.score),
          expected.slice(0, 12).map((e) => e.d),
        );
        for (const h of hits) assert.deepEqual(h.vector, bytes[h.id as number]);
        const [point] = await c.get([3], { withVector: true });
        assert.deepEqual(point.vector, bytes[3]);
        const near = await c.rangeSearch(query, { radius: expected[5].d });
        assert.equal(near.length, expected.filter((e) => e.d <= expected[5].d).length);
        await assert.rejects(c.upsert([{ id: 1, vector: [1, 2, 3, 4] }]), DimensionMismatchError);
        await assert.rejects(c.upsert([{ id: 1, vector: [1, 2, 3, 4, 256] }]), InvalidVectorError);
        await assert.rejects(c.search([0.5, 0, 0, 0, 0]), InvalidVectorError);
        await db.dropCollection(`bits-${metric}`);
      }
      await assert.rejects(
        db.createCollection('bits-odd', { dimension: 12, metric: 'hamming' }),
        InvalidArgumentError,
      );
      await assert.rejects(
        db.createCollection('bits-hnsw', { dimension: 64, metric: 'hamming', index: 'HNSW16' }),
        InvalidArgumentError,
      );
    });

    test('hits carry payloads and vectors only when asked', async () => {
      const c = await filled(db, 'hits', 'l2', data.slice(0, 20));
      const [plain] = await c.search(data[4].vector, { k: 1 });
      assert.deepEqual(Object.keys(plain).sort(), ['id', 'score']);
      assert.equal(plain.id, data[4].id);
      const [full] = await c.search(data[4].vector, { k: 1, withPayload: true, withVector: true });
      assert.deepEqual(full.payload, data[4].payload);
      assert.deepEqual(Array.from(full.vector!), float32(data[4].vector));
      await db.dropCollection('hits');
    });

    test('count, delete by ids and by filter', async () => {
      const c = await filled(db, 'deletes', 'l2', data);
      const reds = data.filter((r) => r.payload.colour === 'red').length;
      assert.equal(await c.count({ filter: red }), reds);
      assert.equal(await c.count(red), reds);
      assert.equal(await c.delete([data[0].id, data[1].id, 'never-existed']), 2);
      assert.equal(await c.count(), N - 2);
      const redsLeft = reds - 1; // data[0] was red
      assert.equal(await c.delete({ filter: red }), redsLeft);
      assert.equal(await c.count(red), 0);
      assert.equal(await c.count(), N - 2 - redsLeft);
      assert.deepEqual(await c.get([data[0].id, data[3].id]), []);
      await db.dropCollection('deletes');
    });

    test('scroll pages through every point in id order, with cursor, offset and filter', async () => {
      const c = await filled(db, 'scroll', 'l2', data);
      await c.flush();
      const seen: PointId[] = [];
      let page = await c.scroll({ limit: 50 });
      for (;;) {
        seen.push(...page.points.map((p) => p.id));
        if (page.nextCursor === undefined) break;
        page = await c.scroll({ limit: 50, cursor: page.nextCursor });
      }
      const ints = data.map((r) => r.id).filter((id): id is number => typeof id === 'number');
      const strs = data.map((r) => r.id).filter((id): id is string => typeof id === 'string');
      assert.deepEqual(seen, [...ints.sort((a, b) => a - b), ...strs.sort()]);
      const offset = await c.scroll({ limit: 3, offset: 10, withPayload: false, withVector: true });
      assert.deepEqual(
        offset.points.map((p) => p.id),
        seen.slice(10, 13),
      );
      assert.ok(offset.points.every((p) => p.payload === undefined && p.vector?.length === DIM));
      const reds = await c.scroll({ limit: 1000, filter: red });
      assert.deepEqual(
        reds.points.map((p) => p.id),
        seen.filter(isRed),
      );
      assert.equal(reds.nextCursor, undefined);
      await db.dropCollection('scroll');
    });

    test('flush and compact keep the data and change the segments', async () => {
      const c = await filled(db, 'segments', 'l2', data.slice(0, 150));
      await c.flush();
      await c.delete(data.slice(0, 40).map((r) => r.id));
      const before = await c.search(data[100].vector, { k: 10 });
      await c.compact();
      const info = await c.info();
      assert.equal(info.count, 110);
      assert.equal(info.growingPoints, 0);
      assert.ok(info.sealedSegments >= 1);
      assert.deepEqual(await c.search(data[100].vector, { k: 10 }), before);
      await db.dropCollection('segments');
    });

    test('bad input is refused with the same error classes, and changes nothing', async () => {
      const c = await filled(db, 'bad', 'cosine', data.slice(0, 30));
      const snapshot = async () => ({
        count: await c.count(),
        page: await c.scroll({ limit: 100, withVector: true }),
      });
      const state = await snapshot();
      const good = { id: 'ok', vector: data[0].vector };
      const batches: [string, unknown, new (...args: never[]) => Error][] = [
        ['wrong dimension', [good, { id: 'y', vector: [1, 2, 3] }], DimensionMismatchError],
        ['NaN', [good, { id: 'y', vector: [Number.NaN, ...data[0].vector.slice(1)] }], InvalidVectorError],
        [
          'Infinity',
          [{ id: 'y', vector: [Number.POSITIVE_INFINITY, ...data[0].vector.slice(1)] }],
          InvalidVectorError,
        ],
        ['overflows float32', [{ id: 'y', vector: [1e39, ...data[0].vector.slice(1)] }], InvalidVectorError],
        [
          'a string in the vector',
          [{ id: 'y', vector: ['1', ...data[0].vector.slice(1)] }],
          InvalidVectorError,
        ],
        ['no vector', [{ id: 'y' }], InvalidVectorError],
        ['zero vector under cosine', [{ id: 'y', vector: new Array(DIM).fill(0) }], InvalidVectorError],
        ['negative id', [{ ...good, id: -1 }], InvalidIdError],
        ['fractional id', [{ ...good, id: 1.5 }], InvalidIdError],
        ['empty id', [{ ...good, id: '' }], InvalidIdError],
        ['object id', [{ ...good, id: { a: 1 } }], InvalidIdError],
        ['payload not an object', [{ ...good, payload: [1, 2] }], InvalidArgumentError],
        ['points not an array', good, InvalidArgumentError],
        ['null point', [good, null], InvalidArgumentError],
      ];
      for (const [name, batch, ErrorType] of batches) {
        await assert.rejects(c.upsert(batch as never), ErrorType, name);
      }
      const q = data[0].vector;
      await assert.rejects(c.search([1, 2, 3]), DimensionMismatchError);
      await assert.rejects(c.search([Number.NaN, ...q.slice(1)]), InvalidVectorError);
      await assert.rejects(c.search('abc' as never), InvalidVectorError);
      await assert.rejects(c.search(q, { k: 0 }), InvalidArgumentError);
      await assert.rejects(c.search(q, { k: 1.5 }), InvalidArgumentError);
      await assert.rejects(c.search(q, { k: 1_000_000 }), InvalidArgumentError);
      await assert.rejects(c.searchBatch([q, [1, 2]]), DimensionMismatchError);
      await assert.rejects(c.rangeSearch(q, { radius: Number.NaN }), InvalidArgumentError);
      await assert.rejects(c.scroll({ offset: 1, cursor: 'a' }), InvalidArgumentError);
      await assert.rejects(c.get([1, null as never]), InvalidIdError);
      await assert.rejects(c.get('abc' as never), InvalidArgumentError);
      for (const filter of [
        { must: 7 },
        { must: [{ key: 'a', match: { value: [1] } }] },
        { must: [{ key: 'a', range: {} }] },
        { wrong: [] },
        'colour = red',
      ]) {
        await assert.rejects(c.search(q, { filter: filter as never }), InvalidFilterError);
        await assert.rejects(c.count({ filter: filter as never }), InvalidFilterError);
        await assert.rejects(c.delete({ filter: filter as never }), InvalidFilterError);
      }
      const error = await c
        .search(q, { filter: { must: [{ key: 'a', range: { gte: 'x' as never } }] } })
        .then(
          () => assert.fail('accepted a string bound'),
          (e: unknown) => e,
        );
      assert.ok(error instanceof InvalidFilterError);
      assert.equal(error.path, 'filter.must[0].range.gte');
      assert.deepEqual(await snapshot(), state);
      await db.dropCollection('bad');
    });

    test('errors keep their fields: dimension, collection name', async () => {
      const c = await db.createCollection('fields', { dimension: 4 });
      const mismatch = await c.upsert([{ id: 1, vector: [1, 2] }]).then(
        () => assert.fail('accepted a short vector'),
        (e: unknown) => e,
      );
      assert.ok(mismatch instanceof DimensionMismatchError);
      assert.deepEqual(
        [mismatch.expected, mismatch.given, mismatch.message],
        [4, 2, 'points[0].vector: expected dimension 4, got 2'],
      );
      const missing = await db.dropCollection('ghost').then(
        () => assert.fail('dropped a missing collection'),
        (e: unknown) => e,
      );
      assert.ok(missing instanceof CollectionNotFoundError);
      assert.equal(missing.collection, 'ghost');
      await db.dropCollection('fields');
    });

    test('a closed database refuses further calls', async () => {
      const other = await open();
      const c = await other.db.createCollection('c', { dimension: 2 });
      await other.db.close();
      await assert.rejects(c.search([1, 2]), ClosedError);
      await assert.rejects(c.upsert([{ id: 1, vector: [1, 2] }]), ClosedError);
      assert.throws(() => other.db.collection('c'), ClosedError);
      await assert.rejects(other.db.listCollections(), ClosedError);
      await other.dispose();
    });

    test('concurrent searches and writes all complete', async () => {
      const c = await filled(db, 'concurrent', 'l2', data);
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        work.push(c.search(data[i].vector, { k: 3 }));
        work.push(c.upsert([{ id: `new-${i}`, vector: data[i].vector }]));
      }
      const results = await Promise.all(work);
      for (let i = 0; i < 40; i++) {
        // The point itself, or its copy `new-i` if that was written first: both at distance 0.
        const [best] = results[2 * i] as Hit[];
        assert.ok(best.id === data[i].id || best.id === `new-${i}`, `query ${i}: ${best.id}`);
        assert.equal(best.score, 0);
      }
      assert.equal(await c.count(), N + 40);
      await db.dropCollection('concurrent');
    });

    vectorCases(() => db);
    queryCases(() => db);
    embedCases(() => db);
    updateCases(() => db);
  });
}
