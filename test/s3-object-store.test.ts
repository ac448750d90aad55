/**
 * `S3ObjectStore` against a real S3-compatible server on loopback (s3rver): the
 * `ObjectStore` contract (atomic puts, ENOENT for missing objects, listing, folders, prefix
 * deletes, multipart uploads), `UnavailableError` while the server is down and recovery after,
 * and a whole database whose segments live in the bucket.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Quiver, SeededRandom, UnavailableError } from '../src/index.js';
import { parseS3Url, S3ObjectStore } from '../src/storage/s3-object-store.js';
import { tempDir } from './support/reference.js';
import { type S3Server, startS3 } from './support/s3.js';

let s3: S3Server;
const stores: S3ObjectStore[] = [];
const storeAt = (prefix: string, extra: Partial<ConstructorParameters<typeof S3ObjectStore>[0]> = {}) => {
  const store = new S3ObjectStore({ bucket: s3.bucket, prefix, endpoint: s3.endpoint, ...extra });
  stores.push(store);
  return store;
};

before(async () => {
  s3 = await startS3();
});
after(async () => {
  for (const s of stores) await s.close();
  await s3.stop();
});

test('parseS3Url splits bucket and prefix, and refuses other URLs', () => {
  assert.deepEqual(parseS3Url('s3://b/some/prefix'), { bucket: 'b', prefix: 'some/prefix' });
  assert.deepEqual(parseS3Url('s3://b'), { bucket: 'b', prefix: '' });
  assert.throws(() => parseS3Url('http://b/x'), /s3:\/\/bucket\/prefix/);
});

test('put, get, size, list, folders, delete and deletePrefix keep to the ObjectStore contract', async () => {
  const store = storeAt('contract');
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
  await store.put('collections/1/seg-000001.qseg', bytes(1000, 1));
  await store.put('collections/1/seg-000002.qseg', bytes(0, 2));
  await store.put('collections/2/seg-000001.qseg', bytes(10, 3));
  await store.put('top.bin', bytes(3, 4));
  assert.deepEqual(await store.get('collections/1/seg-000001.qseg'), bytes(1000, 1));
  assert.equal((await store.get('collections/1/seg-000002.qseg')).length, 0);
  assert.equal(await store.size('collections/1/seg-000001.qseg'), 1000);
  assert.deepEqual((await store.list('collections/')).sort(), [
    'collections/1/seg-000001.qseg',
    'collections/1/seg-000002.qseg',
    'collections/2/seg-000001.qseg',
  ]);
  assert.deepEqual((await store.list('collections/1/')).sort(), [
    'collections/1/seg-000001.qseg',
    'collections/1/seg-000002.qseg',
  ]);
  assert.deepEqual((await store.folders('collections/')).sort(), ['collections/1/', 'collections/2/']);
  // Another prefix of the same bucket sees none of it.
  assert.deepEqual(await storeAt('other').list(''), []);

  await store.put('top.bin', bytes(5, 9));
  assert.deepEqual(await store.get('top.bin'), bytes(5, 9), 'a put replaces the object whole');

  await assert.rejects(
    store.get('collections/9/none'),
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
  await assert.rejects(
    store.size('collections/9/none'),
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
  await store.delete('collections/9/none');
  await store.delete('top.bin');
  await assert.rejects(store.get('top.bin'), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');

  await store.deletePrefix('collections/1/');
  assert.deepEqual(await store.list('collections/'), ['collections/2/seg-000001.qseg']);
  await store.removeTemporary();
});

test('objects larger than a part go up as multipart uploads and come back byte for byte', async () => {
  const store = storeAt('multipart', { partBytes: 5 * 2 ** 20 });
  const rng = new SeededRandom(3);
  const data = new Uint8Array(12 * 2 ** 20 + 17);
  for (let i = 0; i < data.length; i += 4096) data[i] = rng.int(256);
  await store.put('big.qseg', data);
  assert.equal(await store.size('big.qseg'), data.length);
  assert.deepEqual(await store.get('big.qseg'), data);
});

test('an unreachable server is an UnavailableError, and the store works again when it is back', async () => {
  const store = storeAt('outage', { maxAttempts: 1, connectTimeoutMs: 1000 });
  await store.put('a', Uint8Array.of(1, 2, 3));
  await s3.pause();
  try {
    await assert.rejects(store.put('b', Uint8Array.of(4)), UnavailableError);
    await assert.rejects(store.get('a'), UnavailableError);
    await assert.rejects(store.list(''), UnavailableError);
  } finally {
    await s3.resume();
  }
  await store.put('b', Uint8Array.of(4));
  assert.deepEqual((await store.list('')).sort(), ['a', 'b']);
  assert.deepEqual(await store.get('a'), Uint8Array.of(1, 2, 3));
});

test('a database keeps its sealed segments in the bucket and reopens from them', async () => {
  const dir = tempDir();
  const rng = new SeededRandom(7);
  const points = Array.from({ length: 300 }, (_, i) => ({
    id: i,
    vector: Array.from({ length: 8 }, () => rng.gaussian()),
    payload: { i, even: i % 2 === 0 },
  }));
  const store = storeAt('database');
  let db = await Quiver.open(dir.path, { objectStore: store });
  try {
    const col = await db.createCollection('c', { dimension: 8, segmentSize: 100 });
    await col.upsert(points);
    await col.flush();
    await col.delete([5, 6]);
    await col.flush();
    const keys = await store.list('');
    assert.ok(
      keys.some((k) => k.endsWith('.qseg')),
      `segments are in the bucket: ${keys.join(', ')}`,
    );
    await db.close();

    db = await Quiver.open(dir.path, { objectStore: storeAt('database') });
    const again = db.collection('c');
    assert.equal(await again.count(), 298);
    const [hit] = await again.search(points[42].vector, { k: 1, withPayload: true });
    assert.equal(hit.id, 42);
    assert.deepEqual(hit.payload, { i: 42, even: true });
    assert.equal((await again.get([5, 6])).length, 0);
  } finally {
    await db.close();
    dir.cleanup();
  }
});
