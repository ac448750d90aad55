/**
 * Every kind of bad input is rejected with its own error type, and leaves the data as it
 * was: a rejected batch changes nothing (all-or-nothing), and the database stays usable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClosedError,
  type Collection,
  CollectionExistsError,
  CollectionNotFoundError,
  DatabaseLockedError,
  DimensionMismatchError,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidIdError,
  InvalidVectorError,
  Quiver,
} from '../src/index.js';
import { tempDir } from './support/reference.js';

describe('bad input is rejected with a typed error and changes nothing', () => {
  const dir = tempDir();
  let db: Quiver;
  let col: Collection;
  const good = (id: string | number) => ({ id, vector: [1, 2, 3, 4], payload: { ok: true } });
  let snapshot: unknown;

  const state = async () => ({
    count: await col.count(),
    page: await col.scroll({ limit: 1000, withVector: true }),
    hits: await col.search([1, 0, 0, 0], { k: 5 }),
  });

  before(async () => {
    db = await Quiver.open(dir.path);
    col = await db.createCollection('things', { dimension: 4, metric: 'cosine' });
    await col.upsert([good('a'), good('b'), { id: 3, vector: [0, 1, 0, 0] }]);
    await col.flush();
    await col.upsert([good('c')]);
    snapshot = await state();
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  const rejectedBatches: [string, unknown, new (...args: never[]) => Error][] = [
    ['wrong dimension', [good('x'), { id: 'y', vector: [1, 2, 3] }], DimensionMismatchError],
    ['NaN', [good('x'), { id: 'y', vector: [1, Number.NaN, 3, 4] }], InvalidVectorError],
    ['Infinity', [{ id: 'y', vector: [1, Number.POSITIVE_INFINITY, 3, 4] }], InvalidVectorError],
    ['overflows float32', [{ id: 'y', vector: [1e39, 0, 0, 0] }], InvalidVectorError],
    ['a string in the vector', [{ id: 'y', vector: [1, '2', 3, 4] }], InvalidVectorError],
    ['no vector', [{ id: 'y' }], InvalidVectorError],
    ['zero vector under cosine', [{ id: 'y', vector: [0, 0, 0, 0] }], InvalidVectorError],
    ['negative id', [good(-1)], InvalidIdError],
    ['fractional id', [good(1.5)], InvalidIdError],
    ['unsafe integer id', [good(2 ** 53)], InvalidIdError],
    ['empty string id', [good('')], InvalidIdError],
    ['object id', [{ id: { a: 1 }, vector: [1, 2, 3, 4] }], InvalidIdError],
    ['payload not an object', [{ id: 'y', vector: [1, 2, 3, 4], payload: [1, 2] }], InvalidArgumentError],
    ['points not an array', good('x'), InvalidArgumentError],
    ['null point', [good('x'), null], InvalidArgumentError],
  ];
  for (const [name, batch, ErrorType] of rejectedBatches) {
    test(`upsert: ${name}`, async () => {
      await assert.rejects(col.upsert(batch as never), ErrorType);
      assert.deepEqual(await state(), snapshot);
    });
  }

  test('a cyclic payload is rejected', async () => {
    const payload: Record<string, unknown> = {};
    payload.self = payload;
    await assert.rejects(col.upsert([{ id: 'z', vector: [1, 2, 3, 4], payload }]), InvalidArgumentError);
    assert.deepEqual(await state(), snapshot);
  });

  test('searches with bad queries or options', async () => {
    await assert.rejects(col.search([1, 2, 3]), DimensionMismatchError);
    await assert.rejects(col.search([1, 2, 3, Number.NaN]), InvalidVectorError);
    await assert.rejects(col.search([1, 2, 3, 4], { k: 0 }), InvalidArgumentError);
    await assert.rejects(col.search([1, 2, 3, 4], { k: 1.5 }), InvalidArgumentError);
    await assert.rejects(col.search([1, 2, 3, 4], { k: 1_000_000 }), InvalidArgumentError);
    await assert.rejects(
      col.searchBatch([
        [1, 2, 3, 4],
        [1, 2],
      ]),
      DimensionMismatchError,
    );
    await assert.rejects(col.rangeSearch([1, 2, 3, 4], { radius: Number.NaN }), InvalidArgumentError);
    await assert.rejects(col.scroll({ offset: 1, cursor: 'a' }), InvalidArgumentError);
    await assert.rejects(col.get([1, null as never]), InvalidIdError);
  });

  test('malformed filters', async () => {
    const filters: unknown[] = [
      { must: 7 },
      { must: [{ key: 'a', match: { value: [1] } }] },
      { must: [{ key: 'a', range: {} }] },
      { must: [{ key: '', exists: true }] },
      { wrong: [] },
      'label = cat',
    ];
    for (const filter of filters) {
      await assert.rejects(col.search([1, 2, 3, 4], { filter: filter as never }), InvalidFilterError);
      await assert.rejects(col.count({ filter: filter as never }), InvalidFilterError);
      await assert.rejects(col.delete({ filter: filter as never }), InvalidFilterError);
    }
    assert.deepEqual(await state(), snapshot);
  });

  test('collections: names, duplicates, missing, bad config', async () => {
    for (const name of ['', 'a/b', '..', 'a b', 'x'.repeat(65), 'née', 'a\nb']) {
      await assert.rejects(db.createCollection(name, { dimension: 4 }), InvalidArgumentError);
    }
    await assert.rejects(db.createCollection('things', { dimension: 4 }), CollectionExistsError);
    await assert.rejects(db.createCollection('dim0', { dimension: 0 }), InvalidArgumentError);
    await assert.rejects(
      db.createCollection('metric', { dimension: 4, metric: 'hamming' as never }),
      InvalidArgumentError,
    );
    assert.throws(() => db.collection('missing'), CollectionNotFoundError);
    await assert.rejects(db.dropCollection('missing'), CollectionNotFoundError);
    assert.deepEqual(await db.listCollections(), ['things']);
    assert.deepEqual(await state(), snapshot);
  });

  test('a second process cannot open the same folder', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `import('${new URL('../src/index.js', import.meta.url).href}').then(async ({ Quiver }) => {
      try { await Quiver.open(${JSON.stringify(dir.path)}); process.exit(0); }
      catch (e) { console.log(e.name); process.exit(3); } })`;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(out.status, 3);
    assert.equal(out.stdout.trim(), DatabaseLockedError.name);
  });

  test('a dropped collection and a closed database refuse further calls', async () => {
    const tmp = await db.createCollection('temp', { dimension: 2 });
    await db.dropCollection('temp');
    await assert.rejects(tmp.count(), CollectionNotFoundError);
    const other = tempDir();
    const db2 = await Quiver.open(other.path);
    const c2 = await db2.createCollection('c', { dimension: 2 });
    await db2.close();
    await assert.rejects(c2.search([1, 2]), ClosedError);
    assert.throws(() => db2.collection('c'), ClosedError);
    other.cleanup();
    assert.deepEqual(await state(), snapshot);
  });
});
