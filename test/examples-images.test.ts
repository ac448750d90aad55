/**
 * The working parts of the image examples (photo retrieval with `mobilenet-v2`, face search
 * with `face`) on a few photos, through a real database with provider fields.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  faceSamples,
  matchFaces,
  SAME_PERSON,
  storedFaces,
  storeFaces,
} from '../examples/support/face-index.js';
import {
  precisionAt,
  QUERY_EDITS,
  queryPhotos,
  STORED_EDITS,
  stdlibPhotos,
  storePhotos,
} from '../examples/support/photo-index.js';
import { Quiver } from '../src/index.js';
import { tempDir } from './support/reference.js';

describe('image examples', () => {
  const dir = tempDir('quiver-examples-images-');
  let db: Quiver;
  before(async () => {
    db = await Quiver.open(dir.path);
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  it('lists the nine @stdlib photos and the six face-api samples', () => {
    assert.equal(stdlibPhotos().length, 9);
    assert.deepEqual(
      faceSamples().map((p) => p.name),
      ['sample1', 'sample2', 'sample3', 'sample4', 'sample5', 'sample6'],
    );
  });

  it('photo retrieval over 3 photos: every edited query finds its photo (precision@1 and @3 = 1)', async () => {
    const names = new Set(['acanthus-mollis', 'black-canyon', 'nagasaki-boats']);
    const photos = stdlibPhotos().filter((p) => names.has(p.name));
    const collection = await storePhotos(db, 'photos', photos);
    assert.equal(await collection.count(), photos.length * STORED_EDITS.length);
    const results = await queryPhotos(collection, photos, 3);
    assert.equal(results.length, photos.length * QUERY_EDITS.length);
    assert.equal(precisionAt(results, 1), 1);
    assert.equal(precisionAt(results, 3), 1);
  });

  it(`face search over 2 photos: one point per face, each found first by its crop (distance < ${SAME_PERSON})`, async () => {
    const photos = faceSamples().filter((p) => p.name === 'sample1' || p.name === 'sample4');
    const collection = await storeFaces(db, 'faces', photos);
    const faces = await storedFaces(collection);
    assert.deepEqual(
      faces.map((f) => f.id),
      ['sample1#0', 'sample1#1', 'sample1#2', 'sample4#0', 'sample4#1', 'sample4#2', 'sample4#3'],
    );
    for (const f of faces) assert.equal(f.id, `${f.source}#${f.index}`);
    const matches = await matchFaces(collection, faces, photos, 2);
    for (const m of matches) {
      assert.equal(m.hits[0].face.id, m.query.id);
      assert.ok(m.hits[0].distance < SAME_PERSON, `${String(m.query.id)}: ${m.hits[0].distance}`);
    }
  });
});
