/**
 * The `color-histogram` provider: bins land where the HSV layout says, the vector ignores
 * flips and rescaling, a re-encoded photo is nearest its original, and bad inputs and
 * options are typed errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createColorHistogramEmbedder, hsvHistogram } from '../src/embed/color-histogram.js';
import { createEmbedder, EmbeddingInputError, type EmbedInput } from '../src/embed/index.js';
import { InvalidArgumentError } from '../src/errors.js';
import {
  assertEachNearestItsOriginal,
  assertUnitVectors,
  cosine,
  photoVariant,
  STDLIB_PHOTOS,
  solidImage,
} from './support/classical-photos.js';

/** Index of the only non-zero component, or -1. */
function onlyBin(v: Float32Array): number {
  const nonZero = [...v.keys()].filter((i) => v[i] !== 0);
  return nonZero.length === 1 ? nonZero[0] : -1;
}

describe('hsvHistogram', () => {
  test('hue bins are centred on red: 350°, 0° and 10° share bin 0; green and blue land in theirs', () => {
    const bins: [number, number, number] = [8, 4, 4];
    const redAt = (rgb: number[]) => onlyBin(hsvHistogram(Uint8Array.from(rgb), bins));
    // Fully saturated, full value: s bin 3, v bin 3 → index (h·4 + 3)·4 + 3 = 16h + 15.
    assert.equal(redAt([255, 0, 43]), 15); // hue ≈ 350°
    assert.equal(redAt([255, 0, 0]), 15);
    assert.equal(redAt([255, 43, 0]), 15); // hue ≈ 10°
    assert.equal(redAt([0, 255, 0]), 16 * 3 + 15); // 120° → bin 3 of 45° bins centred on 0°, 45°, 90°, 135°…
    assert.equal(redAt([0, 0, 255]), 16 * 5 + 15); // 240°
    assert.equal(redAt([128, 128, 128]), 2); // grey: hue 0, saturation 0, value 0.5 → v bin 2
    assert.equal(redAt([0, 0, 0]), 0);
    assert.equal(redAt([100, 100, 90]), 1); // saturation 0.1 < 1/4: grey, whatever its hue (60°)
  });

  test('fractions sum to 1', () => {
    const rgb = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);
    const h = hsvHistogram(rgb, [6, 3, 3]);
    assert.equal(h.length, 54);
    assert.ok(Math.abs(h.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  });
});

describe('color-histogram provider', () => {
  test('defaults: bins [8, 4, 8] → 256-d cosine image provider', async () => {
    const e = await createEmbedder('color-histogram');
    assert.deepEqual([e.name, e.kind, e.metric, e.dimension], ['color-histogram', 'image', 'cosine', 256]);
  });

  test('a pure red image is the unit vector of the red, saturated, bright bin (hellinger and l2)', async () => {
    const red = await solidImage(50, 30, [255, 0, 0]);
    for (const normalize of ['hellinger', 'l2']) {
      const e = await createColorHistogramEmbedder({ normalize });
      const [v] = await e.embed([red]);
      assert.equal(onlyBin(v), 31); // (hue 0 · 4 + saturation 3) · 8 + value 7
      assert.equal(v[31], 1);
    }
  });

  test('flipped copies score cosine > 0.999 and a 40% rescaled copy > 0.9 with its photo (9 photos)', async () => {
    const e = await createEmbedder('color-histogram', { bins: [16, 4, 4] });
    assert.equal(e.dimension, 256);
    const originals = await e.embed(STDLIB_PHOTOS);
    const flipped = await e.embed(
      await Promise.all(STDLIB_PHOTOS.map((p) => photoVariant(p, { flip: true, flop: true, quality: 95 }))),
    );
    const small = await e.embed(await Promise.all(STDLIB_PHOTOS.map((p) => photoVariant(p, { width: 400 }))));
    assertUnitVectors([...originals, ...flipped, ...small], 256);
    for (let i = 0; i < STDLIB_PHOTOS.length; i++) {
      assert.ok(
        cosine(originals[i], flipped[i]) > 0.999,
        `photo ${i} flipped: ${cosine(originals[i], flipped[i])}`,
      );
      assert.ok(
        cosine(originals[i], small[i]) > 0.9,
        `photo ${i} rescaled: ${cosine(originals[i], small[i])}`,
      );
    }
  });

  test('each @stdlib photo re-encoded at JPEG quality 40, or at 40% size, is nearest its original (9 photos)', async () => {
    const e = await createEmbedder('color-histogram');
    const originals = await e.embed(STDLIB_PHOTOS);
    for (const variant of [{ quality: 40 }, { width: 400 }]) {
      const copies = await e.embed(await Promise.all(STDLIB_PHOTOS.map((p) => photoVariant(p, variant))));
      assertEachNearestItsOriginal(copies, originals);
    }
  });

  test('unreadable inputs are EmbeddingInputError naming their position; bad options InvalidArgumentError', async () => {
    const e = await createEmbedder('color-histogram');
    await assert.rejects(e.embed([STDLIB_PHOTOS[0], Buffer.from('not an image')]), (err: unknown) => {
      assert.ok(err instanceof EmbeddingInputError);
      assert.equal(err.index, 1);
      return true;
    });
    await assert.rejects(e.embed(['/no/such/photo.jpg']), EmbeddingInputError);
    await assert.rejects(e.embed(['']), EmbeddingInputError);
    await assert.rejects(e.embed([42 as unknown as EmbedInput]), EmbeddingInputError);
    await assert.rejects(createEmbedder('color-histogram', { bins: [8, 4] }), InvalidArgumentError);
    await assert.rejects(createEmbedder('color-histogram', { bins: [8, 0, 4] }), InvalidArgumentError);
    await assert.rejects(createEmbedder('color-histogram', { size: 2 }), InvalidArgumentError);
    await assert.rejects(createEmbedder('color-histogram', { normalize: 'l1' }), InvalidArgumentError);
    await assert.rejects(createEmbedder('color-histogram', { bin: 8 }), InvalidArgumentError);
  });
});
