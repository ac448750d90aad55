/**
 * The shared `Database` contract, continued (see `shared-suite.ts`): vector fields that name
 * an embedding provider. Registered inside the contract's `describe`, so each case runs
 * against the embedded engine and against the HTTP client alike: raw inputs given as image
 * file paths or bytes are vectorized exactly as the provider itself vectorizes them, a
 * search by a photo finds that photo first, and bad raw inputs are refused with the same
 * typed errors, writing nothing.
 *
 * The image provider is `color-histogram` (no model to load, a few milliseconds per photo)
 * over the nine `@stdlib` photos; the text case uses `glove-100` (its word vectors load from
 * a cache in about a second).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, test } from 'node:test';
import { createEmbedder, EmbeddingInputError, type EmbeddingProvider } from '../src/embed/index.js';
import { type Database, DimensionMismatchError, InvalidArgumentError } from '../src/index.js';
import { photoVariant, STDLIB_PHOTOS } from './support/classical-photos.js';

/** Cosine similarity at or above which a search by a photo counts as finding that very photo. */
const SAME_PHOTO = 0.999;
/** Largest difference between a stored component and the provider's own (float32 rounding). */
const TOLERANCE = 1e-6;

const CAPTIONS = [
  'acanthus leaves',
  'airplane seen from above',
  'allium flowers',
  'black canyon cliffs',
  'dust bowl home',
  'french alpine landscape',
  'house cat walking',
  'march pastoral scene',
  'nagasaki boats in a harbour',
];

/** The provider cases; `db` is the contract's database of the moment. */
export function embedCases(db: () => Database): void {
  let histogram: EmbeddingProvider;
  let expected: Float32Array[];

  before(async () => {
    histogram = await createEmbedder('color-histogram');
    expected = await histogram.embed(STDLIB_PHOTOS);
  });

  /** A collection with an image provider field beside a plain one, and a full-text caption. */
  const photos = (name: string) =>
    db().createCollection(name, {
      vectors: { image: { provider: 'color-histogram', index: { type: 'flat' } }, tag: { dimension: 2 } },
      payloadIndexes: { caption: 'text' },
    });

  test('provider fields: dimension and metric from the provider, info names it; a disagreeing dimension creates nothing', async () => {
    const c = await photos('embed-schema');
    const info = await c.info();
    assert.deepEqual(
      [info.vectors?.image.dimension, info.vectors?.image.metric, info.vectors?.image.provider],
      [histogram.dimension, histogram.metric, 'color-histogram'],
    );
    assert.equal(info.vectors?.tag.provider, undefined);
    assert.equal(c.dimension, histogram.dimension);
    const bad: [string, unknown, new (...args: never[]) => Error][] = [
      ['a disagreeing dimension', { provider: 'color-histogram', dimension: 3 }, DimensionMismatchError],
      ['an unknown provider', { provider: 'no-such-provider' }, InvalidArgumentError],
      ['a binary metric', { provider: 'color-histogram', metric: 'hamming' }, InvalidArgumentError],
      ['storeInput without a provider', { dimension: 3, storeInput: true }, InvalidArgumentError],
    ];
    for (const [label, field, type] of bad) {
      await assert.rejects(
        db().createCollection('embed-never', { vectors: { image: field as never } }),
        type,
        label,
      );
    }
    assert.ok(!(await db().listCollections()).includes('embed-never'));
    await db().dropCollection('embed-schema');
  });

  test(`upsert by path and by bytes stores the provider's vectors; a search by a photo finds it first (score >= ${SAME_PHOTO})`, async () => {
    const c = await photos('embed-photos');
    const byPath = [0, 1, 2, 3, 4, 7, 8];
    await c.upsert(
      byPath.map((i) => ({ id: i, image: STDLIB_PHOTOS[i], payload: { caption: CAPTIONS[i] } })),
    );
    // Photos 5 and 6 as the file's bytes: a Buffer, and a plain Uint8Array.
    await c.upsert([
      { id: 5, image: await readFile(STDLIB_PHOTOS[5]), payload: { caption: CAPTIONS[5] } },
      { id: 6, image: new Uint8Array(await readFile(STDLIB_PHOTOS[6])), payload: { caption: CAPTIONS[6] } },
    ]);
    assert.equal(await c.count(), STDLIB_PHOTOS.length);
    const stored = await c.get(
      STDLIB_PHOTOS.map((_, i) => i),
      { withVector: true },
    );
    stored.forEach((p, i) => {
      const v = p.vectors?.image as Float32Array;
      assert.equal(v.length, histogram.dimension);
      const worst = Math.max(...v.map((x, j) => Math.abs(x - expected[i][j])));
      assert.ok(worst <= TOLERANCE, `photo ${i}: stored vector differs from the provider's by ${worst}`);
      assert.deepEqual(p.payload, { caption: CAPTIONS[i] }, 'the raw input is not stored');
    });
    const queries: [string, unknown, number][] = [
      ['a path', STDLIB_PHOTOS[2], 2],
      ['a Buffer', await readFile(STDLIB_PHOTOS[8]), 8],
      ['a re-encoded copy', await photoVariant(STDLIB_PHOTOS[4], { quality: 100 }), 4],
    ];
    for (const [label, image, id] of queries) {
      const [best] = await c.search({ image }, { k: 3 });
      assert.equal(best.id, id, label);
      assert.ok(best.score >= SAME_PHOTO, `${label}: score ${best.score}`);
    }
    const mirrored = await photoVariant(STDLIB_PHOTOS[3], { flop: true });
    assert.equal((await c.search({ image: mirrored }, { k: 1 }))[0].id, 3, 'a mirrored copy');
    const hybrid = await c.search(
      { image: STDLIB_PHOTOS[8], text: 'boats harbour', textField: 'caption' },
      { k: 3, withPayload: true },
    );
    assert.equal(hybrid[0].id, 8, 'hybrid: first in both lists');
    const [first] = await c.search({ image: STDLIB_PHOTOS[0] }, { k: 1, using: 'tag' });
    assert.equal(first.id, 0, "the raw input's field wins over the using option");
  });

  test('bad raw inputs are refused with typed errors, and a failed upsert writes nothing', async () => {
    const c = db().collection('embed-photos');
    const before = await c.count();
    const good = { id: 'new', image: STDLIB_PHOTOS[0] };
    const notAnImage = new TextEncoder().encode('these bytes are not an image');
    const upserts: [string, unknown[], new (...args: never[]) => Error][] = [
      ['bytes that are not an image', [good, { id: 'x', image: notAnImage }], EmbeddingInputError],
      ['a missing file', [good, { id: 'x', image: '/no/such/photo.jpg' }], EmbeddingInputError],
      ['an unknown raw key', [good, { id: 'x', imag: STDLIB_PHOTOS[1] }], InvalidArgumentError],
      ['a raw input of a field without a provider', [good, { id: 'x', tag: 'x' }], InvalidArgumentError],
      ['a number', [good, { id: 'x', image: 7 }], InvalidArgumentError],
      ['an empty path', [good, { id: 'x', image: '' }], InvalidArgumentError],
      ['empty bytes', [good, { id: 'x', image: new Uint8Array(0) }], InvalidArgumentError],
      [
        'a raw input and a vector for one field',
        [{ id: 'x', image: STDLIB_PHOTOS[1], vectors: { image: Array.from(expected[1]) } }],
        InvalidArgumentError,
      ],
    ];
    for (const [label, points, type] of upserts) {
      await assert.rejects(c.upsert(points as never), type, label);
    }
    assert.equal(await c.count(), before);
    assert.deepEqual(await c.get(['new', 'x']), []);
    const photo = await readFile(STDLIB_PHOTOS[1]);
    const searches: [string, unknown, new (...args: never[]) => Error][] = [
      ['bytes that are not an image', { image: notAnImage }, EmbeddingInputError],
      ['a missing file', { image: '/no/such/photo.jpg' }, EmbeddingInputError],
      ['an unknown key', { imag: photo }, InvalidArgumentError],
      ['two raw inputs', { image: photo, tag: 'x' }, InvalidArgumentError],
      ['a raw input and a vector', { image: photo, vector: [1, 2] }, InvalidArgumentError],
      ['a number', { image: 3 }, InvalidArgumentError],
    ];
    for (const [label, query, type] of searches) {
      await assert.rejects(c.search(query as never, { k: 1 }), type, label);
    }
    await db().dropCollection('embed-photos');
  });

  test("an image field named text takes a bare text query as its raw input (a path on the caller's machine)", async () => {
    const c = await db().createCollection('embed-named-text', {
      vectors: { text: { provider: 'color-histogram', index: { type: 'flat' } } },
    });
    await c.upsert([0, 1, 2].map((i) => ({ id: i, text: STDLIB_PHOTOS[i] })));
    const [best] = await c.search({ text: STDLIB_PHOTOS[1] }, { k: 1 });
    assert.equal(best.id, 1);
    assert.ok(best.score >= SAME_PHOTO, `score ${best.score}`);
    await db().dropCollection('embed-named-text');
  });

  test('a text provider: storeInput keeps the text; search by the field, or by a bare text without a text index', async () => {
    const c = await db().createCollection('embed-texts', {
      vectors: {
        caption: { provider: 'glove-100', storeInput: true, index: { type: 'flat' } },
        image: { provider: 'color-histogram', index: { type: 'flat' } },
      },
    });
    const texts = [
      'a red dress on a hanger',
      'boats in a harbour at night',
      'a cat sleeping on the sofa',
      'snow on the alpine mountains',
    ];
    await c.upsert(
      texts.map((caption, i) => ({ id: i, caption, ...(i === 3 ? { image: STDLIB_PHOTOS[5] } : {}) })),
    );
    const stored = await c.get([0, 3]);
    assert.deepEqual(
      stored.map((p) => p.payload),
      [{ caption: texts[0] }, { caption: texts[3] }],
      'texts kept, image paths not (storeInput is per field)',
    );
    assert.equal((await c.search({ caption: 'ships in the harbor' }, { k: 1 }))[0].id, 1);
    assert.equal((await c.search({ text: 'kitten on a couch' }, { k: 1 }))[0].id, 2, 'a bare text');
    const before = await c.count();
    const bad: [string, unknown, new (...args: never[]) => Error][] = [
      ['bytes for a text field', new TextEncoder().encode('a red dress'), InvalidArgumentError],
      ['a text without a known word', 'zzzqqq xxyyzz', EmbeddingInputError],
    ];
    for (const [label, caption, type] of bad) {
      await assert.rejects(c.upsert([{ id: 9, caption }]), type, label);
      await assert.rejects(c.search({ caption }), type, label);
    }
    assert.equal(await c.count(), before);
    await db().dropCollection('embed-texts');
  });
}
