/**
 * Value partitions are kept in a partition file beside their segment and read at open instead
 * of rebuilt: the partitions after a reopen are the ones built before (same rows, same graph,
 * same answers); a segment without the file (written by the previous version) or with a
 * stale one (payloads changed since) gets them rebuilt in the background, and the file
 * written again.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type EmbeddedCollection, type Filter, gaussianMixture, Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

const DIM = 16;
const N = 12_000;
const data = gaussianMixture(N + 20, DIM, 40, 515);
const vector = (i: number) => data.subarray(i * DIM, (i + 1) * DIM);
/** 1 row in 10: 1,200 rows of a 12,000-row segment, within the partition bounds. */
const PART: Filter = { must: [{ key: 'tags', match: { value: 'part' } }] };

function point(i: number) {
  return { id: i, vector: vector(i), payload: { tags: i % 10 === 3 ? ['part'] : ['other'] } };
}

function partitionOf(c: EmbeddedCollection) {
  return c.storage.set.sealed[0].segment.partition(0, 'tags', 'part');
}

async function searches(c: EmbeddedCollection) {
  const out = [];
  for (let q = 0; q < 10; q++) out.push(await c.search(vector(N + q), { k: 10, filter: PART }));
  return out;
}

describe('value partitions kept on disk', () => {
  const dir = tempDir('partition-files');
  const file = join(dir.path, 'collections', '1', 'seg-000001.qpart');
  let before_: Awaited<ReturnType<typeof searches>>;
  let rows: Uint32Array;

  before(async () => {
    const db = await Quiver.open(dir.path);
    const c = await db.createCollection('parts', {
      dimension: DIM,
      segmentSize: N,
      index: { type: 'hnsw', M: 16, efConstruction: 64 },
      payloadIndexes: { tags: { type: 'keyword', partitioned: true } },
    });
    await c.upsert(Array.from({ length: N }, (_, i) => point(i)));
    await c.flush();
    const part = partitionOf(c);
    assert.ok(part, 'built after the index');
    rows = part.rows.slice();
    before_ = await searches(c);
    await db.close();
  });
  after(() => dir.cleanup());

  test('the partition file is written after the build and read at open: same rows, same answers', async () => {
    assert.ok(existsSync(file));
    const db = await Quiver.open(dir.path);
    const c = db.collection('parts');
    await c.loaded();
    const info = await c.info();
    assert.equal(info.loading?.partitionsLoaded, 1);
    assert.equal(info.loading?.partitionsRebuilt, 0);
    assert.equal(c.indexer.pending, 0, 'no index build');
    const part = partitionOf(c);
    assert.ok(part, 'attached while loading, before any build');
    assert.deepEqual(part.rows, rows);
    part.index.checkIntegrity();
    assert.deepEqual(await searches(c), before_);
    await db.close();
  });

  test('a segment without the file (previous version) gets its partitions rebuilt, and the file again', async () => {
    rmSync(file);
    const db = await Quiver.open(dir.path);
    const c = db.collection('parts');
    await c.loaded();
    const info = await c.info();
    assert.equal(info.loading?.partitionsLoaded, 0);
    assert.equal(info.loading?.partitionsRebuilt, 1);
    await c.indexer.idle();
    assert.deepEqual(partitionOf(c)?.rows, rows);
    assert.ok(existsSync(file), 'written again');
    await db.close();
  });

  test('a stale file (payloads changed since) is not used: the partitions follow the payloads', async () => {
    const stale = readFileSync(file);
    let db = await Quiver.open(dir.path);
    let c = db.collection('parts');
    await c.setPayload([3], { tags: ['other'] });
    await c.flush();
    await c.indexer.idle();
    assert.equal(partitionOf(c)?.size, rows.length - 1);
    await db.close();

    writeFileSync(file, stale);
    db = await Quiver.open(dir.path);
    c = db.collection('parts');
    await c.loaded();
    assert.equal((await c.info()).loading?.partitionsRebuilt, 1);
    await c.indexer.idle();
    const part = partitionOf(c);
    assert.equal(part?.size, rows.length - 1);
    assert.ok(!part?.rows.includes(3));
    for (const hits of await searches(c))
      assert.ok(hits.every((h) => h.id !== 3 && (h.id as number) % 10 === 3));
    await db.close();

    // A damaged file is ignored the same way.
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 0x40;
    writeFileSync(file, bytes);
    db = await Quiver.open(dir.path);
    c = db.collection('parts');
    await c.loaded();
    assert.equal((await c.info()).loading?.partitionsRebuilt, 1);
    await db.close();
  });
});
