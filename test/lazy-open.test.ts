/**
 * Opening does not wait for data: `Quiver.open` returns while the sealed segments load in
 * the background. A test hook (`loaderHooks.beforeSegment`) holds loading at a chosen
 * segment, so every assertion is on state and results, never on time: the collection is
 * observed in the middle of loading, reads wait (or fail with `NotReadyError` when asked
 * not to), writes wait and stay correct, the count is exact at open, and progress reaches
 * `ready`.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { connect } from '../src/client/index.js';
import { loaderHooks } from '../src/db/segment-loader.js';
import { NotReadyError, Quiver, SeededRandom } from '../src/index.js';
import { QuiverServer } from '../src/server/server.js';
import { tempDir } from './support/reference.js';
import { http, resultOf } from './support/server.js';

const DIM = 8;
const SEGMENT = 100;
const N = 500;

function points(from: number, to: number, seed = 1) {
  const rng = new SeededRandom(seed + from);
  return Array.from({ length: to - from }, (_, i) => ({
    id: from + i,
    vector: Array.from({ length: DIM }, () => rng.gaussian()),
    payload: { group: `g${(from + i) % 7}` },
  }));
}

/** A gate that holds loading before segment `at` (0-based) of every collection until opened. */
function holdAt(at: number) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  loaderHooks.beforeSegment = (_collection, index) => (index >= at ? opened : undefined);
  return open;
}

afterEach(() => {
  loaderHooks.beforeSegment = undefined;
});

/** A database with `N` points in segments of `SEGMENT` rows (flushed), closed. */
async function written(dir: string): Promise<void> {
  const db = await Quiver.open(dir);
  const c = await db.createCollection('c', { dimension: DIM, segmentSize: SEGMENT, index: { type: 'flat' } });
  await c.upsert(points(0, N));
  await c.flush();
  await db.close();
}

test('open returns before the segments are loaded; reads wait, or fail fast with wait: false', async () => {
  const dir = tempDir();
  try {
    await written(dir.path);
    const query = points(N, N + 1, 9)[0].vector;
    const expected = await (async () => {
      const db = await Quiver.open(dir.path);
      const c = db.collection('c');
      const hits = await c.search(query, { k: 10 });
      await db.close();
      return hits;
    })();

    const release = holdAt(2);
    const db = await Quiver.open(dir.path);
    const c = db.collection('c');
    assert.deepEqual(await db.listCollections(), ['c']);
    const info = await c.info();
    assert.equal(info.loading?.state, 'loading');
    assert.ok(info.loading.segmentsLoaded < info.loading.segmentsTotal);
    assert.equal(info.loading.segmentsTotal, N / SEGMENT);
    assert.ok(info.loading.bytesTotal > 0 && info.loading.bytesLoaded < info.loading.bytesTotal);
    assert.equal(info.count, N, 'the count comes from the manifest');
    assert.equal(info.loading.countExact, true);
    assert.equal(info.sealedSegments, N / SEGMENT);
    assert.equal(await c.count(), N, 'an unfiltered count does not wait');

    await assert.rejects(c.search(query, { k: 10, wait: false }), NotReadyError);
    await assert.rejects(c.get([0], { wait: false }), NotReadyError);
    await assert.rejects(c.scroll({ limit: 5, wait: false }), NotReadyError);
    await assert.rejects(
      c.count({ filter: { must: [{ key: 'group', match: { value: 'g1' } }] }, wait: false }),
      NotReadyError,
    );

    // A search issued now waits for every segment and then answers as after an eager load.
    const pending = c.search(query, { k: 10 });
    const counted = c.count({ filter: { must: [{ key: 'group', match: { value: 'g1' } }] } });
    assert.equal((await c.info()).loading?.state, 'loading', 'nothing loads past the gate');
    release();
    assert.deepEqual(await pending, expected);
    assert.equal(await counted, points(0, N).filter((p) => p.payload.group === 'g1').length);

    const done = await c.info();
    assert.equal(done.loading?.state, 'ready');
    assert.equal(done.loading.segmentsLoaded, done.loading.segmentsTotal);
    assert.equal(done.loading.bytesLoaded, done.loading.bytesTotal);
    assert.deepEqual(await c.search(query, { k: 10, wait: false }), expected);
    await db.close();
  } finally {
    dir.cleanup();
  }
});

test('writes issued while loading wait and are correct: a delete of a point in a segment not yet loaded', async () => {
  const dir = tempDir();
  try {
    await written(dir.path);
    const release = holdAt(1);
    const db = await Quiver.open(dir.path);
    const c = db.collection('c');
    // Point 450 lives in the last segment, which is not loaded yet.
    const deleted = c.delete([450, 451, 10_000]);
    const upserted = c.upsert([{ id: 3, vector: new Array(DIM).fill(1), payload: { group: 'new' } }]);
    assert.equal((await c.info()).loading?.state, 'loading');
    release();
    assert.equal(await deleted, 2);
    await upserted;
    assert.equal(await c.count(), N - 2);
    assert.deepEqual(await c.get([450, 451]), []);
    assert.deepEqual((await c.get([3]))[0].payload, { group: 'new' });
    await db.close();

    const again = await Quiver.open(dir.path);
    const info = await again.collection('c').info();
    assert.equal(info.count, N - 2, 'the count hint written at close gives the count at open');
    assert.equal(info.loading?.countExact, true);
    assert.deepEqual(await again.collection('c').get([450]), []);
    assert.equal((await again.collection('c').get([3]))[0].payload?.group, 'new');
    await again.close();
  } finally {
    dir.cleanup();
  }
});

test('without a valid count hint (a crash) the count is exact once loaded, and upserts over sealed ids count once', async () => {
  const dir = tempDir();
  try {
    await written(dir.path);
    const db = await Quiver.open(dir.path);
    const c = db.collection('c');
    await c.upsert(points(N - 50, N + 50, 3)); // 50 replace sealed points, 50 are new
    await c.delete([0, 1]);
    await db.close();
    rmSync(join(dir.path, 'collections', '1', 'points.qcnt'));

    const release = holdAt(1);
    const reopened = await Quiver.open(dir.path);
    const r = reopened.collection('c');
    const info = await r.info();
    assert.equal(info.loading?.countExact, false, 'the WAL may replace sealed points: not known yet');
    const counted = r.count();
    release();
    assert.equal(await counted, N + 50 - 2);
    assert.equal((await r.info()).loading?.countExact, true);
    assert.equal((await r.info()).count, N + 50 - 2);
    await reopened.close();
  } finally {
    dir.cleanup();
  }
});

test('REST: point reads with wait=false answer 503 NOT_READY while loading; /metrics shows the progress', async () => {
  const dir = tempDir();
  try {
    await written(dir.path);
    const release = holdAt(1);
    const db = await Quiver.open(dir.path);
    const server = await QuiverServer.create(db, { logLevel: 'error' });
    const url = await server.listen('127.0.0.1', 0);
    try {
      const query = { vector: new Array(DIM).fill(0), limit: 3 };
      const refused = await http(url, 'POST', '/collections/c/points/search?wait=false', query);
      assert.equal(refused.status, 503);
      assert.equal((refused.body as { status: { code: string } }).status.code, 'NOT_READY');
      assert.equal(refused.headers.get('retry-after'), '1');
      const info = await http(url, 'GET', '/collections/c');
      assert.equal(info.status, 200, 'collection info never waits');
      const metrics = String((await http(url, 'GET', '/metrics')).body);
      assert.match(metrics, /quiver_collection_loaded\{collection="c"\} 0/);
      assert.match(metrics, /quiver_collection_load_segments_total\{collection="c"\} 5/);
      const remote = await connect(url);
      await assert.rejects(remote.collection('c').search(query.vector, { k: 3, wait: false }), NotReadyError);
      await assert.rejects(remote.collection('c').scroll({ limit: 3, wait: false }), NotReadyError);
      await remote.close();
      const waiting = http(url, 'POST', '/collections/c/points/search', query);
      release();
      assert.equal(resultOf<unknown[]>(await waiting).length, 3);
      assert.match(
        String((await http(url, 'GET', '/metrics')).body),
        /quiver_collection_loaded\{collection="c"\} 1/,
      );
    } finally {
      await server.close();
      await db.close();
    }
  } finally {
    dir.cleanup();
  }
});

test('closing and dropping while loading stop the load; the data stays whole', async () => {
  const dir = tempDir();
  try {
    await written(dir.path);
    let release = holdAt(2);
    let db = await Quiver.open(dir.path);
    const waiting = db.collection('c').search(new Array(DIM).fill(0), { k: 1 });
    const closing = db.close();
    release();
    await closing;
    await assert.rejects(waiting);

    db = await Quiver.open(dir.path);
    assert.equal((await db.collection('c').scroll({ limit: N })).points.length, N);
    await db.close();

    release = holdAt(1);
    db = await Quiver.open(dir.path);
    const dropping = db.dropCollection('c');
    release();
    await dropping;
    assert.deepEqual(await db.listCollections(), []);
    await db.close();
  } finally {
    dir.cleanup();
  }
});

test("load: 'on-demand' reads no segment until the first read, which then loads and answers", async () => {
  const dir = tempDir();
  try {
    await written(dir.path);
    const db = await Quiver.open(dir.path, { load: 'on-demand' });
    const c = db.collection('c');
    await c.info();
    await c.count();
    await new Promise((resolve) => setImmediate(resolve));
    const idle = (await c.info()).loading;
    assert.equal(idle?.state, 'loading');
    assert.equal(idle.segmentsLoaded, 0, 'info and an unfiltered count start nothing');
    assert.equal(idle.bytesLoaded, 0);
    assert.equal((await c.get([7]))[0]?.id, 7);
    assert.equal((await c.info()).loading?.state, 'ready');
    await db.close();
  } finally {
    dir.cleanup();
  }
});
