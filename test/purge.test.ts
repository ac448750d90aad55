/**
 * Verified erasure (issue 21, item 4): after `delete(ids, { purge: true })` no byte of any
 * file under the database folder holds the deleted points' vectors (float32 little-endian)
 * or payload strings, while without purge they are found (so the scan is proven to work);
 * the other points stay intact and searchable; `purgeReport` lists what holds deleted data
 * before and nothing after; snapshots taken before are deleted and named in the result.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError, Quiver } from '../src/index.js';
import { holders, PURGE_DIM, purgePoint, purgeSecret, purgeVector } from './support/purge-data.js';
import { tempDir } from './support/reference.js';

const N = 600;
/** Points sealed in segments (0..499), then 100 more left in the growing segment (the WAL). */
const SEALED = 500;
const victims = [3, 77, 250, 499, 512, 590];

async function populate(dir: string): Promise<Quiver> {
  const db = await Quiver.open(dir);
  const col = await db.createCollection('faces', { dimension: PURGE_DIM, metric: 'l2', segmentSize: 200 });
  await col.createPayloadIndex('group', 'keyword');
  for (let at = 0; at < SEALED; at += 100) {
    await col.upsert(Array.from({ length: 100 }, (_, k) => purgePoint(at + k)));
  }
  await col.flush();
  await col.upsert(Array.from({ length: N - SEALED }, (_, k) => purgePoint(SEALED + k)));
  return db;
}

test('without purge, a delete leaves the bytes on disk (the scan finds them) and purge-report lists them', async () => {
  const dir = tempDir();
  try {
    const db = await populate(dir.path);
    const col = db.collection('faces');
    await col.delete(victims);
    await col.flush();
    for (const i of [3, 250, 590]) assert.ok(holders(dir.path, i).length > 0, `point ${i}'s bytes are found`);
    const [report] = (await db.purgeReport('faces')).collections;
    assert.equal(report.clean, false);
    assert.ok(report.segments.length >= 1, 'segments with tombstones are listed');
    assert.equal(
      report.segments.reduce((s, x) => s + x.deletedRows, 0),
      4,
      'the four sealed victims are tombstoned (the growing ones were dropped at the seal)',
    );
    await db.close();
  } finally {
    dir.cleanup();
  }
});

test('delete with purge leaves no byte of the deleted points in any file; the others stay intact', async () => {
  const dir = tempDir();
  try {
    const db = await populate(dir.path);
    const col = db.collection('faces');
    const snapshot = await db.createSnapshot('faces');
    const before = (await db.purgeReport('faces')).collections[0];
    assert.equal(before.snapshots.length, 1);
    // An earlier delete without purge is erased by the purge too.
    await col.delete([10]);
    const result = await col.purge(victims);
    assert.equal(result.deleted, victims.length);
    assert.deepEqual(result.snapshotsDeleted, [snapshot.name]);
    assert.ok(result.segmentsRewritten >= 1);
    for (const i of [...victims, 10]) assert.deepEqual(holders(dir.path, i), [], `point ${i} is erased`);
    for (const i of [4, 251, 591]) assert.ok(holders(dir.path, i).length > 0, `point ${i} is still on disk`);

    assert.equal(await col.count(), N - victims.length - 1);
    assert.deepEqual(await col.get(victims), []);
    for (const i of [0, 4, 251, 498, 513, 599]) {
      const [hit] = await col.search(purgeVector(i), { k: 1, withPayload: true });
      assert.equal(hit.id, i);
      assert.equal(hit.payload?.secret, purgeSecret(i));
    }
    const after = await db.purgeReport('faces');
    assert.equal(after.collections[0].clean, true, JSON.stringify(after));
    assert.equal(after.catalog.walFileBytes, 0);
    assert.equal(after.catalog.freePages, 0);
    await db.close();

    const again = await Quiver.open(dir.path);
    const reopened = again.collection('faces');
    assert.equal(await reopened.count(), N - victims.length - 1);
    const [p] = await reopened.get([251], { withVector: true });
    assert.deepEqual(Array.from(p.vector as Float32Array), purgeVector(251));
    await again.close();
  } finally {
    dir.cleanup();
  }
});

test('delete by filter with purge erases every matching point', async () => {
  const dir = tempDir();
  try {
    const db = await populate(dir.path);
    const col = db.collection('faces');
    const deleted = await col.delete(
      { filter: { must: [{ key: 'group', match: { value: 7 } }] } },
      { purge: true },
    );
    assert.equal(deleted, N / 10);
    for (const i of [7, 207, 497, 597]) assert.deepEqual(holders(dir.path, i), [], `point ${i} is erased`);
    assert.ok(holders(dir.path, 8).length > 0);
    assert.equal(await col.count({ must: [{ key: 'group', match: { value: 7 } }] }), 0);
    assert.equal(await col.count(), N - N / 10);
    await db.close();
  } finally {
    dir.cleanup();
  }
});

test('purge options are checked before anything changes', async () => {
  const dir = tempDir();
  try {
    const db = await populate(dir.path);
    const col = db.collection('faces');
    await assert.rejects(col.delete([1], { purge: 'yes' as unknown as boolean }), InvalidArgumentError);
    await assert.rejects(col.delete([1], 'purge' as never), InvalidArgumentError);
    assert.equal(await col.count(), N);
    await db.close();
  } finally {
    dir.cleanup();
  }
});
