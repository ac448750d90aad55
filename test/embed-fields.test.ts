/**
 * Vector fields that name an embedding provider, end to end through the engine with real
 * providers: `color-histogram` (images, no model to load) and `face` (face-api detection and
 * descriptors, one point per face). Checks that the schema takes its dimension and metric from
 * the provider, that upsert by path or bytes stores exactly the provider's vector, that a
 * search by raw input finds the same photo first, that bad inputs are typed errors which write
 * nothing, that `storeInput` keeps paths, and that the schema survives a reopen.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEmbedder, EmbeddingInputError } from '../src/embed/index.js';
import { DimensionMismatchError, InvalidArgumentError, Quiver } from '../src/index.js';
import { photoVariant, STDLIB_PHOTOS } from './support/classical-photos.js';

const FACE_SAMPLES = join(
  dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
  'demo',
);

describe('vector fields with a provider', () => {
  let dir: string;
  let db: Quiver;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quiver-embed-fields-'));
    db = await Quiver.open(dir);
  });
  after(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the schema takes dimension and metric from the provider; a disagreeing dimension or unknown provider creates nothing', async () => {
    const photos = await db.createCollection('photos', {
      vectors: { image: { provider: 'color-histogram', storeInput: true } },
      payloadIndexes: { path: 'keyword' },
    });
    const histogram = await createEmbedder('color-histogram');
    const info = await photos.info();
    assert.deepEqual(
      {
        dimension: info.vectors?.image.dimension,
        metric: info.vectors?.image.metric,
        provider: info.vectors?.image.provider,
      },
      { dimension: histogram.dimension, metric: histogram.metric, provider: 'color-histogram' },
    );
    await assert.rejects(
      db.createCollection('wrong', { vectors: { image: { provider: 'color-histogram', dimension: 3 } } }),
      DimensionMismatchError,
    );
    await assert.rejects(
      db.createCollection('unknown', { vectors: { image: { provider: 'no-such-model' } } }),
      InvalidArgumentError,
    );
    await assert.rejects(
      db.createCollection('binary', {
        vectors: { image: { provider: 'color-histogram', metric: 'hamming' } },
      }),
      InvalidArgumentError,
    );
    assert.deepEqual(await db.listCollections(), ['photos']);
  });

  test('upsert by path and by bytes stores the provider vector; a re-encoded copy finds its photo first', async () => {
    const photos = db.collection('photos');
    const bytes = await readFile(STDLIB_PHOTOS[1]);
    await photos.upsert(
      STDLIB_PHOTOS.map((path, i) =>
        i === 1 ? { id: i, image: bytes } : { id: i, image: path, payload: { n: i } },
      ),
    );
    assert.equal(await photos.count(), STDLIB_PHOTOS.length);
    const histogram = await createEmbedder('color-histogram');
    const [expected] = await histogram.embed([STDLIB_PHOTOS[0]]);
    const [stored] = await photos.get([0], { withVector: true, withPayload: true });
    assert.deepEqual([...(stored.vectors?.image ?? [])], [...expected]);
    assert.deepEqual(stored.payload, { n: 0, image: STDLIB_PHOTOS[0] }, 'storeInput keeps the path');
    const [fromBytes] = await photos.get([1], { withPayload: true });
    assert.deepEqual(fromBytes.payload ?? {}, {}, 'bytes are never stored');
    for (let i = 0; i < STDLIB_PHOTOS.length; i++) {
      const copy = await photoVariant(STDLIB_PHOTOS[i], { width: 300, quality: 60 });
      const [best] = await photos.search({ image: copy }, { k: 3 });
      assert.equal(best.id, i, `photo ${i}`);
    }
  });

  test('bad raw inputs are typed errors and write nothing', async () => {
    const photos = db.collection('photos');
    const before = await photos.count();
    await assert.rejects(
      photos.upsert([
        { id: 100, image: STDLIB_PHOTOS[0] },
        { id: 101, image: join(dir, 'missing.jpg') },
      ]),
      EmbeddingInputError,
    );
    await assert.rejects(
      photos.upsert([{ id: 102, image: Buffer.from('not an image') }]),
      EmbeddingInputError,
    );
    await assert.rejects(photos.upsert([{ id: 103, image: 42 }]), InvalidArgumentError);
    await assert.rejects(photos.upsert([{ id: 104, picture: STDLIB_PHOTOS[0] }]), InvalidArgumentError);
    await assert.rejects(photos.search({ image: Buffer.alloc(0) }), InvalidArgumentError);
    await assert.rejects(photos.search({ image: STDLIB_PHOTOS[0], vector: [1] }), InvalidArgumentError);
    assert.equal(await photos.count(), before);
    assert.deepEqual(await photos.get([100, 101, 102, 103, 104]), []);
  });

  test('the provider field works again after a reopen', async () => {
    await db.close();
    db = await Quiver.open(dir);
    const photos = db.collection('photos');
    const [best] = await photos.search({ image: STDLIB_PHOTOS[4] }, { k: 1 });
    assert.equal(best.id, 4);
    await photos.upsert([{ id: 'again', image: STDLIB_PHOTOS[4] }]);
    assert.equal(await photos.count(), STDLIB_PHOTOS.length + 1);
  });

  test('a face field makes one point per face (ids <id>#n, box in the payload); an image without faces adds none', async () => {
    const faces = await db.createCollection('faces', { vectors: { face: { provider: 'face' } } });
    const face = await createEmbedder('face');
    const group = join(FACE_SAMPLES, 'sample1.jpg');
    const [found] = await face.detect!([group]);
    assert.ok(found.length >= 1, 'sample1.jpg has faces');
    await faces.upsert([
      { id: 'group', face: group, payload: { album: 'samples' } },
      { id: 'landscape', face: STDLIB_PHOTOS[5] },
    ]);
    assert.equal(await faces.count(), found.length);
    const points = await faces.get(
      found.map((_, n) => `group#${n}`),
      { withPayload: true },
    );
    assert.equal(points.length, found.length);
    points.forEach((p, n) => {
      const meta = p.payload?.face as { source: string; index: number; box: { width: number } };
      assert.equal(meta.source, 'group');
      assert.equal(meta.index, n);
      assert.ok(meta.box.width > 0);
      assert.equal(p.payload?.album, 'samples');
    });
    const [best] = await faces.search({ face: group }, { k: 1 });
    assert.equal(best.id, 'group#0', 'the best face of the photo finds itself');
  });
});
