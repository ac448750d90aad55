/**
 * Thumbnails of image provider fields (`storeInput: 'thumbnail'`) in the embedded engine:
 * the nine @stdlib photos upserted into a `mobilenet-v2` collection (paths and bytes) each
 * get a WebP of at most 256 px with the photo's aspect ratio; a search by a photo finds it
 * first and its hit has a thumbnail; thumbnails are replaced on re-upsert (and dropped by a
 * re-upsert without an image), deleted with their points (by id and by filter), survive a
 * reopen, travel in snapshots, and leave the catalog with their collection. Bad inputs and
 * bad options are typed errors that write nothing; a version-2 catalog opens and gets the
 * table; damaged rows and packs are `CorruptDataError`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import sharp from 'sharp';
import { makeThumbnail } from '../src/db/thumbnail-image.js';
import { EmbeddingInputError } from '../src/embed/provider.js';
import {
  CorruptDataError,
  type FieldEmbedder,
  InvalidArgumentError,
  InvalidIdError,
  Quiver,
} from '../src/index.js';
import { decodeThumbnailPack, encodeThumbnailPack } from '../src/storage/thumbnail-pack.js';
import { STDLIB_PHOTOS } from './support/classical-photos.js';
import { tempDir } from './support/reference.js';

/** Cosine similarity at or above which a search by a photo counts as finding that very photo. */
const SAME_PHOTO = 0.999;
/** mobilenet-v2 at its smallest input: the thumbnails do not depend on the model. */
const PROVIDER = {
  provider: 'mobilenet-v2',
  providerOptions: { inputSize: 96 },
  storeInput: 'thumbnail',
} as const;

/** Rows of the catalog's thumbnails table (read with the database closed). */
function tableRows(dir: string): number {
  const sqlite = new Sqlite(join(dir, 'catalog.sqlite'), { readonly: true });
  try {
    return (sqlite.prepare('SELECT count(*) AS n FROM thumbnails').get() as { n: number }).n;
  } finally {
    sqlite.close();
  }
}

describe('thumbnails of an image provider field', () => {
  const dir = tempDir('quiver-thumbnails-');
  let db: Quiver;
  /** The expected thumbnail of each photo (made the same way, by the same sharp). */
  let expected: Buffer[];

  before(async () => {
    db = await Quiver.open(dir.path);
    expected = await Promise.all(STDLIB_PHOTOS.map((path) => makeThumbnail({ input: path, where: 'test' })));
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  test('each upserted photo (path or bytes) gets a WebP of at most 256 px with its aspect ratio', async () => {
    const photos = await db.createCollection('photos', {
      vectors: { image: PROVIDER },
      payloadIndexes: { n: 'integer' },
    });
    await photos.upsert(
      STDLIB_PHOTOS.map((path, n) => ({
        id: n,
        image: n % 2 === 0 ? path : readFileSync(path),
        payload: { n },
      })),
    );
    assert.equal(await photos.count(), STDLIB_PHOTOS.length);
    for (const [n, path] of STDLIB_PHOTOS.entries()) {
      const webp = await photos.thumbnail(n, 'image');
      assert.ok(webp, `photo ${n} has a thumbnail`);
      const meta = await sharp(webp).metadata();
      const original = await sharp(path).metadata();
      assert.equal(meta.format, 'webp');
      assert.equal(
        Math.max(meta.width!, meta.height!),
        256,
        'the longer side is 256 (the photos are larger)',
      );
      const ratio = original.width! / original.height!;
      assert.ok(
        Math.abs(meta.width! / meta.height! - ratio) < 0.01,
        `aspect ${meta.width}x${meta.height} vs ${original.width}x${original.height}`,
      );
      assert.deepEqual(webp, expected[n], 'as makeThumbnail makes it');
      assert.ok(webp.length < 40_000, `${webp.length} bytes`);
    }
    const [stored] = await photos.get([0]);
    assert.deepEqual(stored.payload, { n: 0 }, "the path is not kept in the payload with 'thumbnail'");
    const info = await photos.info();
    assert.equal(info.vectors?.image.storeInput, 'thumbnail');
  });

  test('a search by a photo finds it first, and each hit has its thumbnail', async () => {
    const photos = db.collection('photos');
    const hits = await photos.search({ image: readFileSync(STDLIB_PHOTOS[3]) }, { k: 3 });
    assert.equal(hits[0].id, 3);
    assert.ok(hits[0].score >= SAME_PHOTO, `score ${hits[0].score}`);
    for (const hit of hits)
      assert.deepEqual(await photos.thumbnail(hit.id, 'image'), expected[Number(hit.id)]);
  });

  test('re-upserting replaces the thumbnail; without an image it is gone; unknown points have none', async () => {
    const photos = db.collection('photos');
    await photos.upsert([{ id: 0, image: STDLIB_PHOTOS[5], payload: { n: 5 } }]);
    assert.deepEqual(await photos.thumbnail(0, 'image'), expected[5]);
    const [point] = await photos.get([1], { withVector: true });
    await photos.upsert([
      { id: 1, vectors: point.vectors as Record<string, Float32Array>, payload: { n: 1 } },
    ]);
    assert.equal(await photos.thumbnail(1, 'image'), undefined, 'no image in the new version of point 1');
    assert.equal(await photos.count(), STDLIB_PHOTOS.length);
    assert.equal(await photos.thumbnail(999, 'image'), undefined);
    assert.equal(await photos.thumbnail('0', 'image'), undefined, "string id '0' is not point 0");
    // Twice in one batch: the last point wins, thumbnail included.
    await photos.upsert([
      { id: 2, image: STDLIB_PHOTOS[7], payload: { n: 7 } },
      { id: 2, image: STDLIB_PHOTOS[2], payload: { n: 2 } },
    ]);
    assert.deepEqual(await photos.thumbnail(2, 'image'), expected[2]);
  });

  test('deleting points (by id, by filter) deletes their thumbnails', async () => {
    const photos = db.collection('photos');
    assert.equal(await photos.delete([4]), 1);
    assert.equal(await photos.thumbnail(4, 'image'), undefined);
    assert.equal(await photos.delete({ filter: { must: [{ key: 'n', match: { value: 6 } }] } }), 1);
    assert.equal(await photos.thumbnail(6, 'image'), undefined);
    assert.deepEqual(await photos.thumbnail(8, 'image'), expected[8], 'the others stay');
  });

  test('bad inputs and options are typed errors that write nothing', async () => {
    const photos = db.collection('photos');
    const before = await photos.count();
    await assert.rejects(
      photos.upsert([
        { id: 50, image: STDLIB_PHOTOS[0] },
        { id: 51, image: Buffer.from('not an image at all') },
      ]),
      EmbeddingInputError,
    );
    assert.equal(await photos.count(), before);
    assert.equal(await photos.thumbnail(50, 'image'), undefined, 'nothing of the batch was written');
    await assert.rejects(photos.thumbnail(0, 'caption'), InvalidArgumentError);
    await assert.rejects(photos.thumbnail(-1, 'image'), InvalidIdError);
    await assert.rejects(
      db.createCollection('texts', { vectors: { t: { provider: 'glove-100', storeInput: 'thumbnail' } } }),
      InvalidArgumentError,
    );
    await assert.rejects(
      db.createCollection('typo', {
        vectors: { image: { ...PROVIDER, storeInput: 'thumb' as unknown as 'thumbnail' } },
      }),
      InvalidArgumentError,
    );
    const plain = await db.createCollection('plain', { dimension: 2 });
    await assert.rejects(plain.thumbnail(0, 'image'), InvalidArgumentError);
    await db.dropCollection('plain');
  });

  test('thumbnails survive a reopen, travel in a snapshot and leave with their collection', async () => {
    await db.close();
    db = await Quiver.open(dir.path);
    const photos = db.collection('photos');
    assert.deepEqual(await photos.thumbnail(0, 'image'), expected[5]);
    assert.deepEqual(await photos.thumbnail(8, 'image'), expected[8]);

    const snapshot = await db.createSnapshot('photos');
    const restored = await db.recoverSnapshot('copy', await db.snapshotPath('photos', snapshot.name));
    for (const id of [0, 2, 3, 8]) {
      assert.deepEqual(await restored.thumbnail(id, 'image'), await photos.thumbnail(id, 'image'));
    }
    assert.equal(await restored.thumbnail(4, 'image'), undefined);
    const hits = await restored.search({ image: STDLIB_PHOTOS[8] }, { k: 1 });
    assert.equal(hits[0].id, 8);

    await db.dropCollection('copy');
    await db.dropCollection('photos');
    await db.close();
    assert.equal(tableRows(dir.path), 0, 'no thumbnail rows remain');
    db = await Quiver.open(dir.path);
  });
});

test('a detecting provider gives each of its points the thumbnail of the whole image', async () => {
  const dir = tempDir('quiver-thumbnails-detect-');
  // Two "detections" per image, as the face provider makes one point per face.
  const detector: FieldEmbedder = {
    kind: 'image',
    dimension: 2,
    metric: 'l2',
    embed: async (inputs) => inputs.map(() => new Float32Array([0, 0])),
    detect: async (inputs: readonly (string | Uint8Array)[]) =>
      inputs.map((_: unknown, i: number) =>
        [0, 1].map((n) => ({
          vector: new Float32Array([i, n]),
          box: { x: n, y: 0, width: 1, height: 1 },
          score: 1 - n / 10,
        })),
      ),
  };
  const db = await Quiver.open(dir.path, { embedders: async () => detector });
  try {
    const faces = await db.createCollection('faces', {
      vectors: { photo: { provider: 'fake-detector', storeInput: 'thumbnail' } },
    });
    await faces.upsert([
      { id: 'a', photo: STDLIB_PHOTOS[0] },
      { id: 'b', photo: STDLIB_PHOTOS[1] },
    ]);
    const [a, b] = await Promise.all(
      [0, 1].map((n) => makeThumbnail({ input: STDLIB_PHOTOS[n], where: 'test' })),
    );
    assert.deepEqual(await faces.thumbnail('a#0', 'photo'), a);
    assert.deepEqual(await faces.thumbnail('a#1', 'photo'), a);
    assert.deepEqual(await faces.thumbnail('b#1', 'photo'), b);
    assert.equal(await faces.thumbnail('a', 'photo'), undefined, 'the source id is no point');
  } finally {
    await db.close();
    dir.cleanup();
  }
});

describe('thumbnail storage formats', () => {
  test('a version-2 catalog opens (migrated to 3, with the table) and keeps thumbnails afterwards', async () => {
    const dir = tempDir('quiver-thumbnails-v2-');
    try {
      let db = await Quiver.open(dir.path);
      await db.createCollection('c', { dimension: 2 });
      await db.close();
      const sqlite = new Sqlite(join(dir.path, 'catalog.sqlite'));
      sqlite.exec('DROP TABLE thumbnails');
      sqlite.prepare(`UPDATE meta SET value = '2' WHERE key = 'schema_version'`).run();
      sqlite.close();
      db = await Quiver.open(dir.path);
      assert.deepEqual(await db.listCollections(), ['c']);
      const photos = await db.createCollection('photos', {
        vectors: { image: { provider: 'color-histogram', storeInput: 'thumbnail' } },
      });
      await photos.upsert([{ id: 1, image: STDLIB_PHOTOS[0] }]);
      await db.close();
      const check = new Sqlite(join(dir.path, 'catalog.sqlite'), { readonly: true });
      const version = check.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as {
        value: string;
      };
      check.close();
      assert.equal(version.value, '3');
      assert.equal(tableRows(dir.path), 1);
    } finally {
      dir.cleanup();
    }
  });

  test('a damaged thumbnail row or thumbnail pack is CorruptDataError', async () => {
    const dir = tempDir('quiver-thumbnails-damage-');
    try {
      let db = await Quiver.open(dir.path);
      const photos = await db.createCollection('photos', {
        vectors: { image: { provider: 'color-histogram', storeInput: 'thumbnail' } },
      });
      await photos.upsert([
        { id: 1, image: STDLIB_PHOTOS[0] },
        { id: 'two', image: STDLIB_PHOTOS[1] },
      ]);
      const snapshot = await db.createSnapshot('photos');
      const path = await db.snapshotPath('photos', snapshot.name);
      await db.close();

      const sqlite = new Sqlite(join(dir.path, 'catalog.sqlite'));
      const row = sqlite.prepare(`SELECT rowid, body FROM thumbnails WHERE point = 'two'`).get() as {
        rowid: number;
        body: Buffer;
      };
      row.body[100] ^= 1;
      sqlite.prepare('UPDATE thumbnails SET body = ? WHERE rowid = ?').run(row.body, row.rowid);
      sqlite.close();
      db = await Quiver.open(dir.path);
      await assert.rejects(db.collection('photos').thumbnail('two', 'image'), CorruptDataError);
      assert.ok(await db.collection('photos').thumbnail(1, 'image'), 'the other row reads');

      const pack = encodeThumbnailPack([{ point: 1, field: 'image', body: Buffer.from([1, 2, 3]) }]);
      assert.deepEqual(decodeThumbnailPack(pack, 'pack')[0].point, 1);
      pack[18] ^= 1;
      assert.throws(() => decodeThumbnailPack(pack, 'pack'), CorruptDataError);
      const restored = await db.recoverSnapshot('copy', path);
      assert.ok(await restored.thumbnail('two', 'image'), 'the snapshot (taken before) holds the sound row');
      await db.close();
    } finally {
      dir.cleanup();
    }
  });
});
