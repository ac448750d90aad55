/**
 * Collections whose index is a factory string: every family is built on sealed segments
 * (trained on a sample of each), searched with its query-time knobs (nprobe, searchK,
 * rerank, ef) at recall@10 >= 0.9 against exact search with and without a filter, loaded
 * from its index file at reopen with identical results; a segment too small to train stays
 * exact; a malformed factory string is rejected with the grammar.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gaussianMixture, IndexFactoryError, InvalidArgumentError, Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

const N = 10_000;
const DIM = 32;
const Q = 50;
const data = gaussianMixture(N + Q, DIM, 40, 777);

function vector(i: number): number[] {
  return Array.from(data.subarray(i * DIM, (i + 1) * DIM));
}

function points(from: number, to: number) {
  return Array.from({ length: to - from }, (_, j) => ({
    id: from + j,
    vector: vector(from + j),
    payload: { half: (from + j) % 2 },
  }));
}

type Coll = Awaited<ReturnType<Quiver['createCollection']>>;
type Knobs = { nprobe?: number; searchK?: number; rerank?: number; ef?: number };

async function recall(c: Coll, knobs: Knobs, filter?: object): Promise<number> {
  let hits = 0;
  let wanted = 0;
  for (let q = 0; q < Q; q++) {
    const query = vector(N + q);
    const truth = await c.search(query, { k: 10, filter, exact: true });
    const got = await c.search(query, { k: 10, filter, ...knobs });
    assert.equal(got.length, truth.length, 'always k results when k points match');
    const want = new Set(truth.map((h) => h.id));
    for (const h of got) if (want.has(h.id)) hits++;
    wanted += truth.length;
  }
  return hits / wanted;
}

const CASES: { factory: string; knobs: Knobs }[] = [
  { factory: 'IVF16,Flat', knobs: { nprobe: 8 } },
  { factory: 'IVF16,SQ8', knobs: { nprobe: 8 } },
  { factory: 'IVF16,PQ8', knobs: { nprobe: 8, rerank: 50 } },
  { factory: 'SQ8', knobs: {} },
  { factory: 'PQ8', knobs: { rerank: 100 } },
  { factory: 'HNSW16,SQ8', knobs: { ef: 64 } },
  { factory: 'LSH128', knobs: { rerank: 200 } },
  { factory: 'Annoy8', knobs: { searchK: 800 } },
];

describe('factory-string collections', () => {
  for (const { factory, knobs } of CASES) {
    test(`${factory}: indexed at flush, recall@10 >= 0.9, same results after reopen`, async () => {
      const name = factory.toLowerCase().replace(/[^a-z0-9]/g, '_');
      const dir = tempDir(`factory-${name}`).path;
      let db = await Quiver.open(dir);
      const c = await db.createCollection(name, { dimension: DIM, index: factory, segmentSize: 5_000 });
      for (let at = 0; at < N; at += 5_000) await c.upsert(points(at, at + 5_000));
      await c.flush();
      const info = await c.info();
      assert.equal(info.indexedSegments, 2);
      assert.ok((await recall(c, knobs)) >= 0.9);
      assert.ok((await recall(c, knobs, { must: [{ key: 'half', match: { value: 1 } }] })) >= 0.9);
      const before = await c.search(vector(N), { k: 10, ...knobs });
      await db.close();
      db = await Quiver.open(dir);
      const again = db.collection(name);
      await again.loaded();
      assert.equal((await again.info()).indexedSegments, 2);
      assert.deepEqual(await again.search(vector(N), { k: 10, ...knobs }), before);
      await db.dropCollection(name);
      await db.close();
    });
  }

  test('a segment too small to train its index on stays exact', async () => {
    const db = await Quiver.open(tempDir('factory-small').path);
    const c = await db.createCollection('small', { dimension: DIM, index: 'IVF256,Flat', segmentSize: 500 });
    await c.upsert(points(0, 500));
    await c.upsert(points(500, 1_000));
    await c.flush();
    const info = await c.info();
    assert.equal(info.sealedSegments, 2);
    assert.equal(info.indexedSegments, 0);
    assert.equal(await recall(c, {}), 1);
    await db.close();
  });

  test('malformed factory strings and knobs are rejected with the grammar', async () => {
    const db = await Quiver.open(tempDir('factory-bad').path);
    for (const bad of ['IVF', 'IVF1024', 'IVF1024,PQ', 'HNSW32,PQ8', 'LSH12', 'Annoy0', 'Cube9', '']) {
      await assert.rejects(db.createCollection('bad', { dimension: DIM, index: bad }), IndexFactoryError);
    }
    await assert.rejects(
      db.createCollection('bad', { dimension: DIM, index: { type: 'factory', factory: 'PQ8', ef: 10 } }),
      InvalidArgumentError,
    );
    const c = await db.createCollection('knobs', { dimension: DIM, index: 'IVF16,Flat' });
    await assert.rejects(c.search(vector(0), { nprobe: 0 }), InvalidArgumentError);
    await assert.rejects(c.search(vector(0), { rerank: -1 }), InvalidArgumentError);
    assert.deepEqual((await c.info()).index, { type: 'factory', factory: 'IVF16,Flat' });
    await db.close();
  });
});
