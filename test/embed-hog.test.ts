/**
 * HOG: the pure descriptor against scikit-image's `skimage.feature.hog` (run through
 * Debian's /usr/bin/python3 with python3-skimage) on synthetic and real grey images for
 * several parameter sets, and the `hog` provider's contract.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHogEmbedder } from '../src/embed/hog.js';
import { type HogParams, hogDescriptor, hogDimension } from '../src/embed/hog-features.js';
import { decodeImage } from '../src/embed/image-input.js';
import { createEmbedder, EmbeddingInputError } from '../src/embed/index.js';
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

/** Largest absolute difference allowed from skimage's float64 output (float32 rounding of a value ≤ 1 is ≤ 6e-8). */
const TOLERANCE = 1e-7;
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, '..', '..', 'test', 'support', 'skimage-hog.py');

interface GreyImage {
  label: string;
  pixels: Uint8Array | Float32Array;
  width: number;
  height: number;
}

function noise(width: number, height: number, seed: number): GreyImage {
  const rng = new SeededRandom(seed);
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
  return { label: `noise ${width}x${height}`, pixels, width, height };
}

/** Rings and a diagonal ramp with a little noise: smooth gradients in every direction. */
function rings(width: number, height: number, seed: number): GreyImage {
  const rng = new SeededRandom(seed);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot(x - width / 3, y - height / 2);
      const v = 100 + 80 * Math.sin(r / 3) + 0.4 * (x + y) + rng.int(9);
      pixels[y * width + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { label: `rings ${width}x${height}`, pixels, width, height };
}

function floatNoise(width: number, height: number, seed: number): GreyImage {
  const rng = new SeededRandom(seed);
  const pixels = new Float32Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.next();
  return { label: `float noise ${width}x${height}`, pixels, width, height };
}

async function photo(size: number): Promise<GreyImage> {
  const img = await decodeImage(STDLIB_PHOTOS[0], 0, { width: size, height: size, color: 'gray' });
  return { label: `photo ${size}x${size}`, pixels: img.data, width: size, height: size };
}

interface Case {
  image: GreyImage;
  params: Required<HogParams>;
}

function params(
  orientations: number,
  pixelsPerCell: [number, number],
  cellsPerBlock: [number, number],
  blockNorm: Required<HogParams>['blockNorm'],
  transformSqrt = false,
): Required<HogParams> {
  return { orientations, pixelsPerCell, cellsPerBlock, blockNorm, transformSqrt };
}

describe('hogDescriptor matches skimage.feature.hog', () => {
  const dir = tempDir('quiver-hog-');
  const cases: Case[] = [];
  const reference: Float64Array[] = [];

  before(async () => {
    const photo128 = await photo(128);
    const fashionSized = noise(28, 28, 7);
    cases.push(
      { image: noise(64, 48, 1), params: params(9, [8, 8], [2, 2], 'L2-Hys') },
      { image: rings(97, 83, 2), params: params(12, [6, 6], [3, 3], 'L1') },
      { image: rings(97, 83, 2), params: params(9, [5, 7], [2, 3], 'L2', true) },
      { image: photo128, params: params(9, [8, 8], [2, 2], 'L2-Hys') },
      { image: photo128, params: params(9, [16, 16], [2, 2], 'L1-sqrt') },
      { image: photo128, params: params(8, [8, 16], [2, 1], 'L2') },
      { image: photo128, params: params(6, [10, 10], [3, 3], 'L2-Hys', true) },
      { image: fashionSized, params: params(9, [4, 4], [2, 2], 'L2-Hys') },
      { image: floatNoise(40, 40, 3), params: params(9, [5, 5], [2, 2], 'L2-Hys') },
    );
    const manifest = cases.map((c, i) => {
      const input = join(dir.path, `case${i}.raw`);
      writeFileSync(
        input,
        new Uint8Array(c.image.pixels.buffer, c.image.pixels.byteOffset, c.image.pixels.byteLength),
      );
      return {
        input,
        dtype: c.image.pixels instanceof Float32Array ? 'float32' : 'uint8',
        width: c.image.width,
        height: c.image.height,
        ...c.params,
        output: join(dir.path, `case${i}.f64`),
      };
    });
    writeFileSync(join(dir.path, 'manifest.json'), JSON.stringify(manifest));
    execFileSync(PYTHON, [SCRIPT, join(dir.path, 'manifest.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
    for (const m of manifest) {
      const bytes = readFileSync(m.output);
      reference.push(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8));
    }
  });
  after(() => dir.cleanup());

  test(`9 images × parameter sets agree with skimage within ${TOLERANCE} (max abs difference)`, () => {
    for (const [i, c] of cases.entries()) {
      const ours = hogDescriptor(c.image.pixels, c.image.width, c.image.height, c.params);
      const what = `${c.image.label} ${JSON.stringify(c.params)}`;
      assert.equal(ours.length, reference[i].length, `${what}: length`);
      assert.equal(
        ours.length,
        hogDimension(c.image.width, c.image.height, c.params),
        `${what}: hogDimension`,
      );
      let maxDiff = 0;
      for (let j = 0; j < ours.length; j++) maxDiff = Math.max(maxDiff, Math.abs(ours[j] - reference[i][j]));
      assert.ok(maxDiff <= TOLERANCE, `${what}: max abs difference ${maxDiff}`);
    }
  });

  test('28×28 with 4-pixel cells: 7×7 cells, 6×6 blocks of 2×2×9 = 1296 components', () => {
    assert.equal(hogDimension(28, 28, { pixelsPerCell: 4 }), 1296);
  });
});

describe('hogDescriptor parameters', () => {
  test('a flat image gives all zeros', () => {
    const v = hogDescriptor(new Uint8Array(32 * 32).fill(77), 32, 32);
    assert.ok(v.every((x) => x === 0));
  });

  test('bad parameters and sizes throw InvalidArgumentError', () => {
    const px = new Uint8Array(32 * 32);
    assert.throws(() => hogDescriptor(px, 32, 31), InvalidArgumentError);
    assert.throws(() => hogDescriptor(px, 32, 32, { orientations: 0 }), InvalidArgumentError);
    assert.throws(() => hogDescriptor(px, 32, 32, { pixelsPerCell: [8, 0] }), InvalidArgumentError);
    assert.throws(() => hogDescriptor(px, 32, 32, { pixelsPerCell: 20 }), InvalidArgumentError);
    assert.throws(() => hogDescriptor(px, 32, 32, { blockNorm: 'L3' as 'L2' }), InvalidArgumentError);
  });
});

describe('hog provider', () => {
  test('defaults: 128×128, 16-pixel cells, 2×2 blocks, 9 bins → 1764-d cosine', async () => {
    const e = await createEmbedder('hog');
    assert.equal(e.name, 'hog');
    assert.equal(e.kind, 'image');
    assert.equal(e.metric, 'cosine');
    assert.equal(e.dimension, 1764);
  });

  test('its vector is the pure descriptor of the decoded grey image, L2-normalized', async () => {
    const e = await createHogEmbedder({ width: 64, height: 48, pixelsPerCell: 8, blockNorm: 'L1' });
    const [v] = await e.embed([STDLIB_PHOTOS[1]]);
    const img = await decodeImage(STDLIB_PHOTOS[1], 0, { width: 64, height: 48, color: 'gray' });
    const raw = hogDescriptor(img.data, 64, 48, { pixelsPerCell: 8, blockNorm: 'L1' });
    const norm = Math.hypot(...raw);
    assertUnitVectors([v], e.dimension);
    for (let i = 0; i < v.length; i++) assert.ok(Math.abs(v[i] - raw[i] / norm) < 1e-6);
  });

  test('each @stdlib photo re-encoded at 60% size is nearest its original (9 photos)', async () => {
    const e = await createEmbedder('hog');
    const originals = await e.embed(STDLIB_PHOTOS);
    const copies = await e.embed(
      await Promise.all(STDLIB_PHOTOS.map((p) => photoVariant(p, { width: 600 }))),
    );
    assertUnitVectors([...originals, ...copies], e.dimension);
    assertEachNearestItsOriginal(copies, originals);
  });

  test('a flat image, an unreadable input and bad options are typed errors', async () => {
    const e = await createEmbedder('hog');
    await assert.rejects(e.embed([await solidImage(64, 64, [90, 90, 90])]), EmbeddingInputError);
    await assert.rejects(e.embed([STDLIB_PHOTOS[0], Buffer.from('not an image')]), EmbeddingInputError);
    await assert.rejects(createEmbedder('hog', { width: 0 }), InvalidArgumentError);
    await assert.rejects(createEmbedder('hog', { blockNorm: 'L3' }), InvalidArgumentError);
    await assert.rejects(createEmbedder('hog', { pixelsPerCell: [8, 8, 8] }), InvalidArgumentError);
    await assert.rejects(createEmbedder('hog', { cellsPerBlock: 9 }), InvalidArgumentError);
    await assert.rejects(createEmbedder('hog', { orientation: 9 }), InvalidArgumentError);
  });
});
