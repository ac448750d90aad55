/**
 * `mobilenet-v2`: real features from the MobileNetV2 model in nsfwjs, checked against nsfwjs's
 * own model, on the nine @stdlib photos and re-encoded copies of them.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as nsfwjs from 'nsfwjs';
import { decodeImage } from '../src/embed/image-input.js';
import { createEmbedder, EmbeddingInputError, type EmbeddingProvider } from '../src/embed/index.js';
import { loadTensorFlow } from '../src/embed/tf-runtime.js';
import { InvalidArgumentError } from '../src/errors.js';
import {
  assertEachNearestItsOriginal,
  assertUnitVectors,
  photoVariant,
  STDLIB_PHOTOS,
} from './support/classical-photos.js';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('mobilenet-v2 embedder', () => {
  let embedder: EmbeddingProvider;
  let originals: Float32Array[];

  before(async () => {
    embedder = await createEmbedder('mobilenet-v2');
    originals = await embedder.embed(STDLIB_PHOTOS);
  });
  after(() => embedder.dispose());

  it('describes itself: image, 1280-d, cosine, batches of 16', () => {
    assert.equal(embedder.name, 'mobilenet-v2');
    assert.equal(embedder.kind, 'image');
    assert.equal(embedder.dimension, 1280);
    assert.equal(embedder.metric, 'cosine');
    assert.equal(embedder.batchSize, 16);
  });

  it('gives 1280-d vectors of unit norm (±1e-5), not all alike', () => {
    assertUnitVectors(originals, 1280);
    assert.ok(maxAbsDiff(originals[0], originals[1]) > 0.01);
  });

  it("equals the L2-normalized flatten_1 output of nsfwjs's own model at 224 (max diff ≤ 1e-5)", async () => {
    await loadTensorFlow();
    const model = await nsfwjs.load('MobileNetV2');
    try {
      for (const i of [0, 6]) {
        const image = await decodeImage(STDLIB_PHOTOS[i], 0, { width: 224, height: 224, fit: 'cover' });
        const pixels = tf.tensor3d(image.data, [224, 224, 3], 'int32');
        const output = model.infer(pixels, 'flatten_1');
        const reference = (await output.data()) as Float32Array;
        tf.dispose([pixels, output]);
        let norm = 0;
        for (const x of reference) norm += x * x;
        const normalized = reference.map((x) => x / Math.sqrt(norm));
        assert.ok(maxAbsDiff(normalized, originals[i]) <= 1e-5, `photo ${i}`);
      }
    } finally {
      // NSFWJS.dispose() throws after an `infer` with an endpoint (it disposes the endpoint
      // model, which shares its layers, and then the model); disposing the model frees the weights.
      model.model.dispose();
    }
  });

  it('finds each photo from a copy resized to 80 % and re-encoded as JPEG quality 60 (nearest of 9)', async () => {
    const copies = await Promise.all(
      STDLIB_PHOTOS.map(async (path) => {
        const { width } = await decodeImage(path, 0);
        return photoVariant(path, { width: Math.round(width * 0.8), quality: 60 });
      }),
    );
    assertEachNearestItsOriginal(await embedder.embed(copies), originals);
  });

  it('gives a file path and its bytes the same vector, and is deterministic across batch shapes', async () => {
    const bytes = await readFile(STDLIB_PHOTOS[3]);
    const [fromBytes, other] = await embedder.embed([bytes, STDLIB_PHOTOS[5]]);
    assert.deepEqual(fromBytes, originals[3]);
    assert.ok(maxAbsDiff(other, originals[5]) <= 1e-6);
    assert.deepEqual((await embedder.embed([STDLIB_PHOTOS[3]]))[0], fromBytes);
  });

  it('rejects a missing file and non-image bytes with EmbeddingInputError naming the input', async () => {
    await assert.rejects(embedder.embed([STDLIB_PHOTOS[0], '/nonexistent/photo.jpg']), (e: unknown) => {
      assert.ok(e instanceof EmbeddingInputError);
      assert.equal(e.index, 1);
      return true;
    });
    await assert.rejects(embedder.embed([Buffer.from('not an image at all')]), (e: unknown) => {
      assert.ok(e instanceof EmbeddingInputError);
      assert.equal(e.index, 0);
      return true;
    });
  });

  it('returns [] for no inputs', async () => {
    assert.deepEqual(await embedder.embed([]), []);
  });
});

describe('mobilenet-v2 options and lifecycle', () => {
  it('rejects bad options with InvalidArgumentError', async () => {
    await assert.rejects(createEmbedder('mobilenet-v2', { inputSize: 100 }), InvalidArgumentError);
    await assert.rejects(createEmbedder('mobilenet-v2', { inputSize: 256 }), InvalidArgumentError);
    await assert.rejects(createEmbedder('mobilenet-v2', { batchSize: 0 }), InvalidArgumentError);
    await assert.rejects(createEmbedder('mobilenet-v2', { inputsize: 96 }), InvalidArgumentError);
  });

  it('at inputSize 96 gives different unit vectors that still find re-encoded copies (nearest of 9)', async () => {
    const small = await createEmbedder('mobilenet-v2', { inputSize: 96, batchSize: 4 });
    try {
      const base = await small.embed(STDLIB_PHOTOS);
      assertUnitVectors(base, 1280);
      const copies = await Promise.all(
        STDLIB_PHOTOS.map((path) => photoVariant(path, { width: 600, quality: 60 })),
      );
      assertEachNearestItsOriginal(await small.embed(copies), base);
      const big = await createEmbedder('mobilenet-v2');
      const [at224] = await big.embed([STDLIB_PHOTOS[0]]);
      await big.dispose();
      assert.ok(maxAbsDiff(at224, base[0]) > 0.01);
    } finally {
      await small.dispose();
    }
  });

  it('rejects an unreadable input in a later batch with its index in the whole call', async () => {
    const e = await createEmbedder('mobilenet-v2', { inputSize: 96, batchSize: 2 });
    try {
      const inputs = [...STDLIB_PHOTOS.slice(0, 3), '/nonexistent/photo.jpg', STDLIB_PHOTOS[4]];
      await assert.rejects(e.embed(inputs), (err: unknown) => {
        assert.ok(err instanceof EmbeddingInputError);
        assert.equal(err.index, 3);
        return true;
      });
    } finally {
      await e.dispose();
    }
  });

  it('frees every tensor on dispose and loads again when used afterwards', async () => {
    await loadTensorFlow();
    const before = tf.memory().numTensors;
    const e = await createEmbedder('mobilenet-v2', { inputSize: 96 });
    const [first] = await e.embed([STDLIB_PHOTOS[2]]);
    assert.ok(tf.memory().numTensors > before);
    await e.dispose();
    assert.equal(tf.memory().numTensors, before);
    const [again] = await e.embed([STDLIB_PHOTOS[2]]);
    assert.deepEqual(again, first);
    await e.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
