/**
 * Collections with the HNSW index (the default): sealed segments get their index built
 * on worker threads after sealing, `flush()` returns once it is searchable, results keep
 * recall@10 >= 0.95 against exact search (with and without filters, after deletions), the
 * index file is loaded at reopen instead of rebuilt, and a corrupt index file is reported.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CorruptDataError, gaussianMixture, Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

const N = 12_000;
const DIM = 32;
const Q = 100;
const data = gaussianMixture(N + Q, DIM, 60, 4242);

function vector(i: number): number[] {
  return Array.from(data.subarray(i * DIM, (i + 1) * DIM));
}

function points(from: number, to: number) {
  return Array.from({ length: to - from }, (_, j) => ({
    id: from + j,
    vector: vector(from + j),
    payload: { tenth: (from + j) % 10, hundredth: (from + j) % 100 },
  }));
}

type Coll = Awaited<ReturnType<Quiver['createCollection']>>;

/** Mean recall@10 of approximate search against `exact: true` search over the query set. */
async function recall(c: Coll, filter?: object): Promise<number> {
  let hits = 0;
  let wanted = 0;
  for (let q = 0; q < Q; q++) {
    const query = vector(N + q);
    const truth = await c.search(query, { k: 10, filter, exact: true });
    const got = await c.search(query, { k: 10, filter });
    assert.equal(got.length, truth.length, 'always k results when k points match');
    const want = new Set(truth.map((h) => h.id));
    for (const h of got) if (want.has(h.id)) hits++;
    wanted += truth.length;
  }
  return hits / wanted;
}

function indexFiles(dir: string): string[] {
  const folder = join(dir, 'collections', '1');
  return readdirSync(folder)
    .filter((f) => f.endsWith('.qidx'))
    .map((f) => join(folder, f));
}

describe('HNSW collections', () => {
  const dir = tempDir('hnsw-coll').path;

  test('flush returns once every sealed segment is indexed; recall@10 >= 0.95', async () => {
    const db = await Quiver.open(dir);
    const c = await db.createCollection('feat', { dimension: DIM, segmentSize: 6_000 });
    for (let at = 0; at < N; at += 2_000) await c.upsert(points(at, at + 2_000));
    await c.flush();
    const info = await c.info();
    assert.deepEqual(info.index, { type: 'hnsw', M: 16, efConstruction: 200, ef: 64 });
    assert.equal(info.sealedSegments, 2, 'two seals of 6,000 points');
    assert.equal(info.indexedSegments, 2);
    assert.equal(info.indexingSegments, 0);
    assert.equal(indexFiles(dir).length, 2);
    const r = await recall(c);
    assert.ok(r >= 0.95, `recall ${r}`);
    for (const filter of [
      { must: [{ key: 'tenth', match: { value: 3 } }] },
      { must: [{ key: 'hundredth', match: { value: 7 } }] },
    ]) {
      const rf = await recall(c, filter);
      assert.ok(rf >= 0.95, `filtered recall ${rf}`);
    }
    // A larger ef never lowers recall, and `ef` below k still returns k hits.
    assert.equal((await c.search(vector(N), { k: 25, ef: 1 })).length, 25);
    await db.close();
  });

  test('deleted points are never returned; recall holds after deleting 30%', async () => {
    const db = await Quiver.open(dir);
    const c = db.collection('feat');
    const gone = Array.from({ length: N }, (_, i) => i).filter((i) => i % 10 < 3);
    assert.equal(await c.delete(gone), gone.length);
    const dead = new Set(gone);
    for (let q = 0; q < 20; q++) {
      for (const h of await c.search(vector(N + q), { k: 10 })) assert.ok(!dead.has(h.id as number));
    }
    const r = await recall(c);
    assert.ok(r >= 0.95, `recall ${r}`);
    await c.compact();
    await c.flush();
    const info = await c.info();
    assert.equal(info.count, N - gone.length);
    assert.equal(info.indexedSegments, info.sealedSegments);
    assert.ok((await recall(c)) >= 0.95);
    await db.close();
  });

  test('reopening loads the index files instead of rebuilding them', async () => {
    const before = indexFiles(dir).map((f) => readFileSync(f));
    const db = await Quiver.open(dir);
    const c = db.collection('feat');
    await c.loaded();
    const info = await c.info();
    assert.equal(info.indexingSegments, 0, 'nothing to rebuild');
    assert.equal(info.indexedSegments, info.sealedSegments);
    assert.deepEqual(
      indexFiles(dir).map((f) => readFileSync(f)),
      before,
    );
    assert.ok((await recall(c)) >= 0.95);
    await db.close();
  });

  test('a flat collection never builds an index and stays exact', async () => {
    const flatDir = tempDir('flat-coll').path;
    const db = await Quiver.open(flatDir);
    const c = await db.createCollection('exact', {
      dimension: DIM,
      segmentSize: 3_000,
      index: { type: 'flat' },
    });
    await c.upsert(points(0, 6_000));
    await c.flush();
    const info = await c.info();
    assert.equal(info.indexedSegments, 0);
    assert.deepEqual(info.index, { type: 'flat' });
    assert.deepEqual(await c.search(vector(N), { k: 10 }), await c.search(vector(N), { k: 10, exact: true }));
    await db.close();
  });

  test('bad index configs and search options are refused', async () => {
    const db = await Quiver.open(tempDir('hnsw-bad').path);
    const { InvalidArgumentError } = await import('../src/index.js');
    for (const index of [
      { type: 'ivf' },
      { type: 'hnsw', M: 1 },
      { type: 'hnsw', ef: 0 },
      { type: 'hnsw', m: 16 },
      'HNSW-16',
    ]) {
      await assert.rejects(
        db.createCollection('x', { dimension: 4, index: index as never }),
        InvalidArgumentError,
      );
    }
    const c = await db.createCollection('ok', { dimension: 4 });
    await c.upsert([{ id: 1, vector: [1, 2, 3, 4] }]);
    await assert.rejects(c.search([1, 2, 3, 4], { ef: 0 }), InvalidArgumentError);
    await assert.rejects(c.search([1, 2, 3, 4], { exact: 'yes' as never }), InvalidArgumentError);
    assert.equal((await c.search([1, 2, 3, 4])).length, 1);
    await db.close();
  });

  test('a corrupt index file is reported as CorruptDataError naming it', async () => {
    const file = indexFiles(dir)[0];
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 0x10;
    writeFileSync(file, bytes);
    const db = await Quiver.open(dir);
    await assert.rejects(
      async () => db.collection('feat').loaded(),
      (err: unknown) => err instanceof CorruptDataError && err.message.includes('.qidx'),
    );
    await db.close();
  });
});
