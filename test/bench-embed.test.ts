/**
 * The helpers of the embedding benchmarks (bench/embed/): the chunked feature cache reuses,
 * resumes and refuses what it should; label precision@k matches a hand-computed answer for l2
 * and for cosine (its exact search caches tiny answer files in `.bench-cache/`, as the
 * benchmarks do); the HOG space of 28 × 28 images has the stated 1296 components and equals
 * `hogDescriptor` of each image.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { featuresOf, HOG_PARAMS, hogFeatures, type PixelSplit } from '../bench/embed/fashion-features.js';
import {
  CHUNK_ROWS,
  cachedFeatures,
  type Extractor,
  PROBE_ROWS,
  PROBE_TOLERANCE,
} from '../bench/embed/feature-cache.js';
import { labelPrecisionAtK } from '../bench/embed/label-precision.js';
import { hogDescriptor } from '../src/embed/hog-features.js';
import { SeededRandom } from '../src/eval/random.js';

/** An extractor whose row i is [i + shift, −i], counting the rows it computes. */
function countingExtractor(shift = 0): Extractor & { rows: number } {
  const ex = {
    rows: 0,
    dimension: 2,
    prepare: async () => {},
    extract: async (start: number, end: number) => {
      ex.rows += end - start;
      const out = new Float32Array((end - start) * 2);
      for (let i = start; i < end; i++) out.set([i + shift, -i], (i - start) * 2);
      return out;
    },
  };
  return ex;
}

describe('bench/embed helpers', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quiver-bench-embed-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the feature cache extracts whole chunks once, reuses them for any prefix, re-extracts when the probe rows changed, and rejects a corrupt chunk', async () => {
    const size = 2 * CHUNK_ROWS + 10;
    const ex = countingExtractor();
    const quiet = () => {};
    const head = await cachedFeatures(dir, 'k', { name: 'train', size, count: 5 }, ex, quiet);
    assert.equal(ex.rows, CHUNK_ROWS);
    assert.deepEqual([...head.vectors], [0, -0, 1, -1, 2, -2, 3, -3, 4, -4]);
    const all = await cachedFeatures(dir, 'k', { name: 'train', size, count: size }, ex, quiet);
    assert.equal(ex.rows, CHUNK_ROWS + PROBE_ROWS + (size - CHUNK_ROWS));
    assert.deepEqual([...all.vectors.subarray(2 * (size - 1))], [size - 1, -(size - 1)]);
    const before = ex.rows;
    await cachedFeatures(dir, 'k', { name: 'train', size, count: size }, ex, quiet);
    assert.equal(ex.rows, before + PROBE_ROWS, 'a second read extracts only the probe rows');
    // Within the tolerance the cache stands; beyond it, every chunk of the split is redone.
    const nudged = countingExtractor(PROBE_TOLERANCE / 2);
    await cachedFeatures(dir, 'k', { name: 'train', size, count: size }, nudged, quiet);
    assert.equal(nudged.rows, PROBE_ROWS);
    const changed = countingExtractor(1);
    const redone = await cachedFeatures(dir, 'k', { name: 'train', size, count: 3 }, changed, quiet);
    assert.equal(changed.rows, PROBE_ROWS + CHUNK_ROWS);
    assert.deepEqual([...redone.vectors], [1, -0, 2, -1, 3, -2]);
    await writeFile(join(dir, 'k', 'train-1.bin'), 'not a chunk');
    await assert.rejects(
      cachedFeatures(dir, 'k', { name: 'train', size, count: size }, changed, quiet),
      /delete it/,
    );
  });

  test('label precision@k equals the hand-computed value for l2 and for cosine', () => {
    // Training points on a line; the queries' two nearest are known by construction.
    const train = {
      vectors: Float32Array.from([1, 0, 2, 0, 0, 1, 0, 3]),
      labels: Uint8Array.from([0, 0, 1, 1]),
    };
    const queries = { vectors: Float32Array.from([1.4, 0, 0, 2.6]), labels: Uint8Array.from([0, 0]) };
    // l2: query 0 → rows 0, 1 (labels 0, 0); query 1 → rows 3, 2 (labels 1, 1): (1 + 0) / 2.
    assert.equal(labelPrecisionAtK(train, queries, 2, 'l2', 2, 'test-embed-l2').precision, 0.5);
    // cosine: query 0 is parallel to rows 0 and 1 and query 1 to rows 2 and 3: the same answer.
    assert.equal(labelPrecisionAtK(train, queries, 2, 'cosine', 2, 'test-embed-cos').precision, 0.5);
    // A query between the classes: rows 0 and 2 tie at d² = 0.5 (labels 0 and 1).
    const between = { vectors: Float32Array.from([0.5, 0.5]), labels: Uint8Array.from([1]) };
    assert.equal(labelPrecisionAtK(train, between, 2, 'l2', 2, 'test-embed-between').precision, 0.5);
    // Where the metrics disagree: (9, 0) is nearest (10, 1) by l2 but parallel to (1, 0).
    const apart = { vectors: Float32Array.from([1, 0, 10, 1]), labels: Uint8Array.from([0, 1]) };
    const far = { vectors: Float32Array.from([9, 0]), labels: Uint8Array.from([1]) };
    assert.equal(labelPrecisionAtK(apart, far, 2, 'l2', 1, 'test-embed-apart-l2').precision, 1);
    assert.equal(labelPrecisionAtK(apart, far, 2, 'cosine', 1, 'test-embed-apart-cos').precision, 0);
  });

  test('the HOG space gives 1296 components per 28 × 28 image, equal to hogDescriptor', async () => {
    const rng = new SeededRandom(11);
    const size = 3;
    const pixels = Uint8Array.from({ length: size * 784 }, () => rng.int(256));
    const split: PixelSplit = { name: 'test', pixels, labels: new Uint8Array(size), size };
    const space = hogFeatures();
    assert.equal(space.dimension, 1296);
    const got = await featuresOf(space, split, size, dir, () => {});
    const expected = hogDescriptor(pixels.subarray(784, 1568), 28, 28, HOG_PARAMS);
    assert.deepEqual([...got.vectors.subarray(1296, 2592)], [...expected]);
  });
});
