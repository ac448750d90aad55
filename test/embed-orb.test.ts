/**
 * The `orb-bovw` provider and its parts: k-majority clustering of binary codes, vocabulary
 * training (deterministic per seed), the `.qvoc` file round trip, and retrieval of re-encoded
 * and rescaled @stdlib photos with ORB and AKAZE words.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  createEmbedder,
  type EmbedderOptions,
  EmbeddingInputError,
  EmbeddingModelError,
} from '../src/embed/index.js';
import { hamming256, kMajority } from '../src/embed/kmeans-binary.js';
import {
  createOrbBovwEmbedder,
  decodeOrbVocabulary,
  encodeOrbVocabulary,
  loadOrbVocabulary,
  saveOrbVocabulary,
  trainOrbVocabulary,
} from '../src/embed/orb-bovw.js';
import { InvalidArgumentError } from '../src/errors.js';
import { SeededRandom } from '../src/eval/random.js';
import {
  assertEachNearestItsOriginal,
  assertUnitVectors,
  photoVariant,
  STDLIB_PHOTOS,
  solidImage,
} from './support/classical-photos.js';
import { tempDir } from './support/reference.js';

const dir = tempDir('quiver-orb-');
after(() => dir.cleanup());

/** `perPrototype` copies of each of `prototypes` random 256-bit codes, each with `flips` random bits flipped. */
function noisyCodes(prototypes: number, perPrototype: number, flips: number, seed: number) {
  const rng = new SeededRandom(seed);
  const protos = Uint8Array.from({ length: prototypes * 32 }, () => rng.int(256));
  const codes = new Uint8Array(prototypes * perPrototype * 32);
  for (let p = 0; p < prototypes; p++) {
    for (let c = 0; c < perPrototype; c++) {
      const at = (p * perPrototype + c) * 32;
      codes.set(protos.subarray(p * 32, p * 32 + 32), at);
      for (let f = 0; f < flips; f++) {
        const bit = rng.int(256);
        codes[at + (bit >> 3)] ^= 1 << (bit & 7);
      }
    }
  }
  return { protos, codes };
}

describe('k-majority on binary codes', () => {
  test('recovers 8 prototypes exactly from 40 copies each with 16 of 256 bits flipped', () => {
    const { protos, codes } = noisyCodes(8, 40, 16, 1);
    const centres = kMajority(codes, { k: 8, seed: 3 });
    const words = new Uint32Array(centres.buffer);
    const expected = new Uint32Array(protos.buffer);
    for (let p = 0; p < 8; p++) {
      const best = Math.min(...Array.from({ length: 8 }, (_, c) => hamming256(expected, p, words, c)));
      assert.equal(best, 0, `prototype ${p} is ${best} bits from its nearest centroid`);
    }
  });

  test('is deterministic per seed; k above the number of codes is InvalidArgumentError', () => {
    const { codes } = noisyCodes(5, 30, 60, 2);
    assert.deepEqual(kMajority(codes, { k: 16, seed: 9 }), kMajority(codes, { k: 16, seed: 9 }));
    assert.throws(() => kMajority(codes.subarray(0, 32 * 10), { k: 11, seed: 1 }), InvalidArgumentError);
    assert.throws(() => kMajority(codes.subarray(0, 33), { k: 1, seed: 1 }), InvalidArgumentError);
  });
});

describe('visual vocabularies', () => {
  const photos = STDLIB_PHOTOS.slice(0, 3);

  test('training is deterministic: same seed, same 32 words; another seed, other words', async () => {
    const a = await trainOrbVocabulary(photos, { k: 32, seed: 7 });
    const b = await trainOrbVocabulary(photos, { k: 32, seed: 7 });
    const c = await trainOrbVocabulary(photos, { k: 32, seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.words, c.words);
    assert.equal(a.k, 32);
    assert.equal(a.words.length, 32 * 32);
    assert.equal(a.trainingImages, 3);
    assert.equal(a.detector, 'orb');
    assert.ok(a.idf.every((x) => x >= 1 && x <= 1 + Math.log(4 / 1)));
  });

  test('a .qvoc file round-trips; a corrupted or missing one is EmbeddingModelError', async () => {
    const vocab = await trainOrbVocabulary(photos, { k: 16, seed: 1, maxDescriptors: 500 });
    assert.deepEqual(decodeOrbVocabulary(encodeOrbVocabulary(vocab)), vocab);
    const path = join(dir.path, 'v.qvoc');
    await saveOrbVocabulary(vocab, path);
    assert.deepEqual(await loadOrbVocabulary(path), vocab);
    const bytes = await readFile(path);
    assert.equal(bytes.length, 16 + 16 * 36 + 4);
    bytes[100] ^= 1;
    await writeFile(join(dir.path, 'bad.qvoc'), bytes);
    await assert.rejects(loadOrbVocabulary(join(dir.path, 'bad.qvoc')), EmbeddingModelError);
    await assert.rejects(loadOrbVocabulary(join(dir.path, 'none.qvoc')), EmbeddingModelError);
    assert.throws(() => decodeOrbVocabulary(bytes.subarray(0, 40)), EmbeddingModelError);
    await assert.rejects(
      createEmbedder('orb-bovw', { vocabulary: join(dir.path, 'bad.qvoc') }),
      EmbeddingModelError,
    );
  });

  test('bad training options are InvalidArgumentError', async () => {
    await assert.rejects(trainOrbVocabulary(photos, { k: 1 }), InvalidArgumentError);
    await assert.rejects(trainOrbVocabulary(photos, { detector: 'sift' as 'orb' }), InvalidArgumentError);
    await assert.rejects(
      trainOrbVocabulary(photos.slice(0, 1), { k: 5000, maxKeypoints: 100 }),
      InvalidArgumentError,
    );
  });
});

describe('orb-bovw provider', () => {
  test('default: 256 ORB words trained from the face-api samples; re-encoded and 60% copies of the 9 photos are nearest their originals', async () => {
    const unhandledBefore = process.listeners('unhandledRejection').length;
    const e = await createEmbedder('orb-bovw');
    assert.deepEqual([e.name, e.kind, e.metric, e.dimension], ['orb-bovw', 'image', 'cosine', 256]);
    const originals = await e.embed(STDLIB_PHOTOS);
    assertUnitVectors(originals, 256);
    for (const variant of [{ quality: 40 }, { width: 600 }]) {
      const copies = await e.embed(await Promise.all(STDLIB_PHOTOS.map((p) => photoVariant(p, variant))));
      assertEachNearestItsOriginal(copies, originals);
    }
    assert.deepEqual(
      await e.embed(STDLIB_PHOTOS.slice(0, 2)),
      originals.slice(0, 2),
      'same input, same vector',
    );
    assert.equal(
      process.listeners('unhandledRejection').length,
      unhandledBefore,
      'opencv-js listeners removed',
    );
  });

  test('AKAZE words from a saved vocabulary: dimension k, tf-idf unit vectors, rescaled copies nearest their originals', async () => {
    const photos = STDLIB_PHOTOS.slice(3, 7);
    const path = join(dir.path, 'akaze.qvoc');
    await saveOrbVocabulary(
      await trainOrbVocabulary(photos, { k: 64, detector: 'akaze', maxKeypoints: 300 }),
      path,
    );
    const e = await createOrbBovwEmbedder({ vocabulary: path, tfidf: true, maxKeypoints: 300 });
    assert.equal(e.dimension, 64);
    const originals = await e.embed(photos);
    const copies = await e.embed(await Promise.all(photos.map((p) => photoVariant(p, { width: 600 }))));
    assertUnitVectors([...originals, ...copies], 64);
    assertEachNearestItsOriginal(copies, originals);
    await assert.rejects(createOrbBovwEmbedder({ vocabulary: path, detector: 'orb' }), InvalidArgumentError);
  });

  test('a flat grey image has no keypoints: EmbeddingInputError naming its position', async () => {
    const e = await createEmbedder('orb-bovw', { k: 64 });
    assert.equal(e.dimension, 64);
    const flat = await solidImage(300, 200, [128, 128, 128]);
    await assert.rejects(e.embed([STDLIB_PHOTOS[0], flat]), (err: unknown) => {
      assert.ok(err instanceof EmbeddingInputError);
      assert.equal(err.index, 1);
      return true;
    });
    await assert.rejects(e.embed([Buffer.from('not an image')]), EmbeddingInputError);
  });

  test('bad options are InvalidArgumentError', async () => {
    const bad: EmbedderOptions[] = [
      { detector: 'sift' },
      { k: 1 },
      { k: 2.5 },
      { maxKeypoints: 0 },
      { size: 16 },
      { tfidf: 'yes' },
      { vocabulary: '' },
      { vocabulary: join(dir.path, 'v.qvoc'), k: 64 },
      { words: 10 },
    ];
    for (const options of bad)
      await assert.rejects(createEmbedder('orb-bovw', options), InvalidArgumentError);
  });
});
