/**
 * `face`: real detection and descriptors from @vladmandic/face-api on the six sample photos
 * that ship with it (3 + 3 + 3 + 4 + 5 + 4 people), crops and mirrored copies of them, and a
 * landscape without anyone in it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { cropAround, faceSamples, SAME_PERSON } from '../examples/support/face-index.js';
import type { Detection } from '../src/embed/index.js';
import { createEmbedder, EmbeddingInputError, type EmbeddingProvider } from '../src/embed/index.js';
import { loadTensorFlow } from '../src/embed/tf-runtime.js';
import { InvalidArgumentError } from '../src/errors.js';
import { STDLIB_PHOTOS } from './support/classical-photos.js';

const SAMPLES = faceSamples().map((photo) => photo.path);
const PEOPLE = [3, 3, 3, 4, 5, 4];
const LANDSCAPE = STDLIB_PHOTOS[5]; // french-alpine-landscape

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

describe('face embedder', () => {
  let embedder: EmbeddingProvider;
  let found: Detection[][];
  let sizes: { width: number; height: number }[];
  /** Every face of every sample, with where it came from. */
  let all: { sample: number; face: number; vector: Float32Array }[];

  before(async () => {
    embedder = await createEmbedder('face');
    found = await embedder.detect!(SAMPLES);
    sizes = await Promise.all(
      SAMPLES.map(async (p) => {
        const m = await sharp(p).metadata();
        return { width: m.width!, height: m.height! };
      }),
    );
    all = found.flatMap((faces, sample) => faces.map((f, face) => ({ sample, face, vector: f.vector })));
  });
  after(() => embedder.dispose());

  /** The sample face nearest `vector`, and its distance. */
  function nearestFace(vector: Float32Array): { sample: number; face: number; distance: number } {
    const ranked = all.map((f) => ({ ...f, distance: distance(vector, f.vector) }));
    ranked.sort((a, b) => a.distance - b.distance);
    return ranked[0];
  }

  it('describes itself: image, 128-d, l2', () => {
    assert.equal(embedder.name, 'face');
    assert.equal(embedder.kind, 'image');
    assert.equal(embedder.dimension, 128);
    assert.equal(embedder.metric, 'l2');
  });

  it('finds every person in the samples (3, 3, 3, 4, 5, 4), best first, score ≥ 0.5', () => {
    assert.deepEqual(
      found.map((faces) => faces.length),
      PEOPLE,
    );
    for (const faces of found) {
      for (let i = 0; i < faces.length; i++) {
        assert.ok(faces[i].score >= 0.5 && faces[i].score <= 1);
        if (i > 0) assert.ok(faces[i - 1].score >= faces[i].score);
      }
    }
  });

  it('gives boxes inside the image, at least 100 px (faces in 1920-px photos), and 128-d finite descriptors', () => {
    found.forEach((faces, s) => {
      for (const { box, vector } of faces) {
        assert.ok(box.x >= 0 && box.y >= 0, `sample ${s + 1} box ${JSON.stringify(box)}`);
        assert.ok(box.x + box.width <= sizes[s].width && box.y + box.height <= sizes[s].height);
        assert.ok(box.width >= 100 && box.height >= 100);
        assert.equal(vector.length, 128);
        assert.ok(vector.every(Number.isFinite));
      }
    });
  });

  it(`matches a crop of a face to that face (distance < ${SAME_PERSON}) before anyone else`, async () => {
    for (const [s, f] of [
      [0, 0],
      [3, 2],
      [4, 4],
    ]) {
      const crop = await cropAround(SAMPLES[s], found[s][f].box);
      const [vector] = await embedder.embed([crop]);
      const best = nearestFace(vector);
      assert.deepEqual([best.sample, best.face], [s, f]);
      assert.ok(best.distance < SAME_PERSON, `distance ${best.distance}`);
    }
  });

  it(`matches every face of a mirrored, 60 % copy to its original (distance < ${SAME_PERSON})`, async () => {
    const s = 2;
    const width = Math.round(sizes[s].width * 0.6);
    const copy = await sharp(SAMPLES[s]).flop().resize({ width }).jpeg({ quality: 80 }).toBuffer();
    const [faces] = await embedder.detect!([copy]);
    assert.equal(faces.length, PEOPLE[s]);
    for (const face of faces) {
      const best = nearestFace(face.vector);
      assert.equal(best.sample, s);
      assert.ok(best.distance < SAME_PERSON, `distance ${best.distance}`);
      // The mirrored box, scaled back, lands on the original face's box (centres within 10 %).
      const original = found[s][best.face].box;
      const centre = sizes[s].width - (face.box.x + face.box.width / 2) / 0.6;
      assert.ok(Math.abs(centre - (original.x + original.width / 2)) < 0.1 * original.width);
    }
  });

  it('finds no face in a landscape: detect gives [], embed rejects with EmbeddingInputError at its index', async () => {
    assert.deepEqual(await embedder.detect!([LANDSCAPE]), [[]]);
    const crop = await cropAround(SAMPLES[0], found[0][0].box);
    await assert.rejects(embedder.embed([crop, LANDSCAPE]), (e: unknown) => {
      assert.ok(e instanceof EmbeddingInputError);
      assert.equal(e.index, 1);
      return true;
    });
  });

  it('gives a path and its bytes the same descriptor; rejects unreadable inputs', async () => {
    const crop = await cropAround(SAMPLES[1], found[1][0].box);
    const [a, b] = await embedder.embed([crop, crop]);
    assert.deepEqual(a, b);
    const [fromPath] = await embedder.detect!([LANDSCAPE]);
    const [fromBytes] = await embedder.detect!([await readFile(LANDSCAPE)]);
    assert.deepEqual(fromBytes, fromPath);
    await assert.rejects(embedder.embed(['/nonexistent/face.jpg']), EmbeddingInputError);
    await assert.rejects(embedder.detect!([Buffer.from('no image')]), EmbeddingInputError);
  });
});

describe('face options and lifecycle', () => {
  it('rejects bad options with InvalidArgumentError', async () => {
    await assert.rejects(createEmbedder('face', { detector: 'mtcnn' }), InvalidArgumentError);
    await assert.rejects(createEmbedder('face', { minConfidence: 1.5 }), InvalidArgumentError);
    await assert.rejects(createEmbedder('face', { batchSize: 0 }), InvalidArgumentError);
    await assert.rejects(createEmbedder('face', { threshold: 0.6 }), InvalidArgumentError);
  });

  it('shares networks between providers and frees every tensor when the last one is disposed', async () => {
    await loadTensorFlow();
    const baseline = tf.memory().numTensors;
    const crop = await sharp(SAMPLES[0]).extract({ left: 300, top: 250, width: 400, height: 450 }).toBuffer();
    const ssd = await createEmbedder('face');
    const tiny = await createEmbedder('face', { detector: 'tiny' });
    const [fromSsd] = await ssd.embed([crop]);
    const [fromTiny] = await tiny.embed([crop]);
    assert.ok(distance(fromSsd, fromTiny) < SAME_PERSON);
    await ssd.dispose();
    const [again] = await tiny.embed([crop]);
    assert.deepEqual(again, fromTiny);
    await tiny.dispose();
    assert.equal(tf.memory().numTensors, baseline);
  });
});
