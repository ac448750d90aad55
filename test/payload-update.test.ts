/**
 * Payload updates (setPayload, overwritePayload, deletePayloadKeys, clearPayload): what each
 * does by ids and by filter on growing and sealed segments, what it counts, ordered scrolls
 * seeing the new values, typed rejections of bad input, and a drop racing updates.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CollectionNotFoundError,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidIdError,
} from '../src/index.js';
import type { Filter } from '../src/payload/filter.js';
import { DIM, filled, payloadOf, walRows, withDb } from './support/payload-update.js';
import { tempDir } from './support/reference.js';

for (const sealed of [false, true]) {
  const where = sealed ? 'sealed' : 'growing';

  test(`setPayload merges keys by ids on a ${where} segment, skipping ids that do not exist`, async () => {
    await withDb(async (db) => {
      const col = await filled(db, 20, { seal: sealed });
      assert.equal(await col.setPayload([1, 2, 2, 999], { tag: 'new', extra: [1, 2] }), 2);
      assert.deepEqual(await payloadOf(col, 1), { i: 1, tag: 'new', meta: { n: 1 }, extra: [1, 2] });
      assert.deepEqual(await payloadOf(col, 3), { i: 3, tag: 'odd', meta: { n: 3 } });
      assert.equal(await col.setPayload([999, 'nope'], { tag: 'x' }), 0);
    });
  });

  test(`setPayload with a key merges into (and creates) the object at that path on a ${where} segment`, async () => {
    await withDb(async (db) => {
      const col = await filled(db, 10, { seal: sealed });
      await col.setPayload([1], { author: 'ann' }, { key: 'meta' });
      assert.deepEqual(await payloadOf(col, 1), { i: 1, tag: 'odd', meta: { n: 1, author: 'ann' } });
      await col.setPayload([2], { deep: true }, { key: 'a.b.c' });
      assert.deepEqual(await payloadOf(col, 2), {
        i: 2,
        tag: 'even',
        meta: { n: 2 },
        a: { b: { c: { deep: true } } },
      });
      // A value on the path that is not an object is replaced by one.
      await col.setPayload([3], { x: 1 }, { key: 'tag' });
      assert.deepEqual(await payloadOf(col, 3), { i: 3, tag: { x: 1 }, meta: { n: 3 } });
    });
  });

  test(`overwritePayload, deletePayloadKeys and clearPayload by filter on a ${where} segment`, async () => {
    await withDb(async (db) => {
      const col = await filled(db, 30, { seal: sealed });
      const odd: Filter = { must: [{ key: 'tag', match: { value: 'odd' } }] };
      assert.equal(await col.overwritePayload({ filter: odd }, { tag: 'odd', only: true }), 15);
      assert.deepEqual(await payloadOf(col, 5), { tag: 'odd', only: true });
      assert.deepEqual(await payloadOf(col, 4), { i: 4, tag: 'even', meta: { n: 4 } });

      const even: Filter = { must: [{ key: 'tag', match: { value: 'even' } }] };
      assert.equal(await col.deletePayloadKeys({ filter: even }, ['meta.n', 'missing', 'i']), 15);
      assert.deepEqual(await payloadOf(col, 4), { tag: 'even', meta: {} });

      assert.equal(
        await col.clearPayload({ filter: { must: [{ key: 'only', match: { value: true } }] } }),
        15,
      );
      assert.deepEqual(await payloadOf(col, 5), {});
      assert.equal(await col.count({ filter: odd }), 0);
      assert.equal(await col.count({ filter: even }), 15);
      assert.equal(await col.clearPayload({ filter: odd }), 0);
    });
  });
}

test('deletePayloadKeys walks through arrays like filters do, and leaves other points alone', async () => {
  await withDb(async (db) => {
    const col = await db.createCollection('a', { dimension: 2, index: { type: 'flat' } });
    const payload = { authors: [{ name: 'x', age: 1 }, { name: 'y' }, 'plain'], keep: 1 };
    await col.upsert([
      { id: 1, vector: [1, 0], payload },
      { id: 2, vector: [0, 1], payload },
    ]);
    assert.equal(await col.deletePayloadKeys([1], ['authors.name']), 1);
    assert.deepEqual(await payloadOf(col, 1), { authors: [{ age: 1 }, {}, 'plain'], keep: 1 });
    assert.deepEqual(await payloadOf(col, 2), payload);
  });
});

test('a point changed, then upserted again, takes the upserted payload; a deleted one is not counted', async () => {
  await withDb(async (db) => {
    const col = await filled(db, 10, { seal: true });
    await col.setPayload([1, 2], { tag: 'changed' });
    await col.upsert([{ id: 1, vector: new Array(DIM).fill(1), payload: { fresh: true } }]);
    await col.delete([2]);
    assert.deepEqual(await payloadOf(col, 1), { fresh: true });
    assert.equal(await col.setPayload([1, 2], { more: 1 }), 1);
    await col.flush();
    await col.compact();
    assert.deepEqual(await payloadOf(col, 1), { fresh: true, more: 1 });
    assert.equal((await col.get([2])).length, 0);
  });
});

/** The ids whose payload matches `filter`, computed from the payloads alone. */
test('bad input is rejected with typed errors and changes nothing', async () => {
  await withDb(async (db) => {
    const col = await filled(db, 5);
    const call = col as unknown as Record<string, (...args: unknown[]) => Promise<number>>;
    await assert.rejects(call.setPayload([1], ['not', 'an', 'object']), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], 'text'), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], null), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1n }), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1 }, { key: '' }), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1 }, { key: 'a..b' }), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1 }, { key: 7 }), InvalidArgumentError);
    await assert.rejects(call.setPayload([1], { a: 1 }, 'meta'), InvalidArgumentError);
    await assert.rejects(call.overwritePayload([1], 5), InvalidArgumentError);
    await assert.rejects(call.deletePayloadKeys([1], 'a'), InvalidArgumentError);
    await assert.rejects(call.deletePayloadKeys([1], []), InvalidArgumentError);
    await assert.rejects(call.deletePayloadKeys([1], ['ok', '.bad']), InvalidArgumentError);
    await assert.rejects(call.clearPayload('all'), InvalidArgumentError);
    await assert.rejects(call.clearPayload({ ids: [1] }), InvalidArgumentError);
    await assert.rejects(call.clearPayload([1, -2]), InvalidIdError);
    await assert.rejects(
      call.clearPayload({ filter: { must: [{ key: 'a', match: {} }] } }),
      InvalidFilterError,
    );
    assert.deepEqual(await payloadOf(col, 1), { i: 1, tag: 'odd', meta: { n: 1 } });
    assert.equal(col.storage.lastSeq, 1, 'nothing was logged');
  });
});

test('an update racing a drop is rejected with CollectionNotFoundError and leaves nothing behind', async () => {
  const dir = tempDir();
  try {
    await withDb(async (db) => {
      const col = await filled(db, 100, { seal: true });
      await col.setPayload([1], { before: true });
      const updates = [
        col.setPayload({ filter: { must: [{ key: 'tag', match: { value: 'odd' } }] } }, { x: 1 }),
        col.overwritePayload([2, 3], { y: 1 }),
        col.deletePayloadKeys([4], ['i']),
        col.clearPayload([5]),
      ].map((p) => assert.rejects(p, CollectionNotFoundError));
      await Promise.all([...updates, db.dropCollection('p')]);
      await assert.rejects(col.setPayload([1], { after: true }), CollectionNotFoundError);
    }, dir);
    assert.deepEqual(walRows(dir.path), []);
    await withDb(async (db) => {
      await db.createCollection('p', { dimension: DIM });
    }, dir);
    await withDb(async (db) => {
      assert.equal(await db.collection('p').count(), 0);
    }, dir);
  } finally {
    dir.cleanup();
  }
});

test('a scroll ordered by a payload key sees the new values at once', async () => {
  await withDb(async (db) => {
    const col = await filled(db, 6, { seal: true });
    const order = async () => (await col.scroll({ orderBy: 'i', limit: 10 })).points.map((p) => p.id);
    assert.deepEqual(await order(), [0, 1, 2, 3, 4, 5]);
    await col.setPayload([0], { i: 10 });
    await col.overwritePayload([4], { i: -1 });
    assert.deepEqual(await order(), [4, 1, 2, 3, 5, 0]);
    await col.clearPayload([4]);
    assert.deepEqual(await order(), [1, 2, 3, 5, 0]);
  });
});

test('named vectors: payload updates leave every vector as it was', async () => {
  await withDb(async (db) => {
    const col = await db.createCollection('nv', {
      vectors: { image: { dimension: 4 }, text: { dimension: 3, metric: 'cosine' } },
    });
    await col.upsert([
      { id: 'a', vectors: { image: [1, 2, 3, 4], text: [0.6, 0.8, 0] }, payload: { k: 1 } },
      { id: 'b', vectors: { image: [4, 3, 2, 1] }, payload: { k: 2 } },
    ]);
    const before = await col.get(['a', 'b'], { withVector: true });
    await col.flush();
    assert.equal(await col.setPayload(['a', 'b'], { k: 3 }), 2);
    assert.equal(await col.clearPayload(['b']), 1);
    const after = await col.get(['a', 'b'], { withVector: true });
    assert.deepEqual(
      after.map((p) => p.vectors),
      before.map((p) => p.vectors),
    );
    assert.deepEqual(
      after.map((p) => p.payload),
      [{ k: 3 }, {}],
    );
  });
});

test('an update by filter acts on the points that match when it takes effect, in submission order with other writes', async () => {
  await withDb(async (db) => {
    const col = await filled(db, 10, { seal: true });
    const odd = { filter: { must: [{ key: 'tag', match: { value: 'odd' } }] } };
    // Submitted in this order: the update first (point 5 still odd), then the upsert that moves 5 away.
    const update = col.setPayload(odd, { seen: true });
    const upsert = col.upsert([{ id: 5, vector: new Array(DIM).fill(0.5), payload: { tag: 'archived' } }]);
    // Submitted after both: point 7 becomes odd-free before this delete-keys by filter takes effect.
    const moved = col.overwritePayload([7], { tag: 'moved' });
    const dropped = col.deletePayloadKeys(odd, ['seen']);
    assert.equal(await update, 5);
    await upsert;
    assert.equal(await moved, 1);
    assert.equal(await dropped, 3);
    assert.deepEqual(await payloadOf(col, 5), { tag: 'archived' });
    assert.deepEqual(await payloadOf(col, 7), { tag: 'moved' });
    assert.deepEqual(await payloadOf(col, 3), { i: 3, tag: 'odd', meta: { n: 3 } });
  });
});
