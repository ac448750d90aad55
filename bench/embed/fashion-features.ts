/**
 * Feature spaces over Fashion-MNIST's 28 × 28 grey images, for the label-precision benchmark:
 * the raw pixels, HOG computed by Quiver's pure HOG function on the pixels, and MobileNetV2's
 * pooled features computed by the `mobilenet-v2` provider from PNG files of the images.
 *
 * Invariants: a space's vectors for row i of a split depend only on that image (up to float
 * rounding that may depend on the batch it was computed in), so cached chunks can be mixed
 * across runs; every extracted space is cached under a key naming its parameters.
 */
import sharp from 'sharp';
import { type HogParams, hogDescriptor, hogDimension } from '../../src/embed/hog-features.js';
import { createEmbedder } from '../../src/embed/index.js';
import type { EmbeddingProvider } from '../../src/embed/provider.js';
import { type CachedFeatures, cachedFeatures, type Extractor } from './feature-cache.js';

/** Side of a Fashion-MNIST image, in pixels. */
export const SIDE = 28;
const PIXELS = SIDE * SIDE;

/**
 * The MobileNetV2 input size for the whole of Fashion-MNIST (~75 images/s here): the native
 * 224 runs ~16 images/s on this machine's single-threaded wasm backend, over an hour for
 * 70,000 images.
 */
export const MOBILENET_REDUCED_SIZE = 96;

/** One split of the data set as grey bytes. */
export interface PixelSplit {
  name: 'train' | 'test';
  /** `size × 784` bytes, row-major images. */
  pixels: Uint8Array;
  labels: Uint8Array;
  size: number;
}

/** A way of turning images into vectors, and how its vectors are compared. */
export interface FeatureSpace {
  /** Names the space in tables, with its parameters. */
  label: string;
  dimension: number;
  metric: 'l2' | 'cosine';
  /** Cache folder name (the parameters); undefined when there is nothing to extract. */
  key: string | undefined;
  /** Computes features of rows of `split`. */
  extractor(split: PixelSplit): Extractor;
  /** Releases models. */
  dispose(): Promise<void>;
}

/** The raw pixel values 0–255 as a 784-d vector. */
export function rawPixels(metric: 'l2' | 'cosine'): FeatureSpace {
  return {
    label: 'raw pixels',
    dimension: PIXELS,
    metric,
    key: undefined,
    extractor: (split) => ({
      dimension: PIXELS,
      prepare: async () => {},
      extract: async (start, end) => Float32Array.from(split.pixels.subarray(start * PIXELS, end * PIXELS)),
    }),
    dispose: async () => {},
  };
}

/**
 * HOG parameters for 28 × 28 images: 4 × 4-pixel cells (a 7 × 7 grid; the provider's default
 * 16-pixel cells would leave one cell), 2 × 2-cell blocks at a stride of one cell (6 × 6
 * blocks), 9 orientations, L2-Hys: 6 · 6 · 2 · 2 · 9 = 1296 components.
 */
export const HOG_PARAMS: HogParams = {
  orientations: 9,
  pixelsPerCell: 4,
  cellsPerBlock: 2,
  blockNorm: 'L2-Hys',
};

/** {@link HOG_PARAMS} in words, for tables. */
export const HOG_PARAMETERS =
  '9 orientations, 4 × 4-pixel cells, 2 × 2-cell blocks (stride one cell), L2-Hys block normalization';

/**
 * HOG of the grey pixels by `hogDescriptor` (what the `hog` provider computes after decoding
 * and resizing), compared by cosine as the provider's vectors are.
 */
export function hogFeatures(): FeatureSpace {
  const dimension = hogDimension(SIDE, SIDE, HOG_PARAMS);
  return {
    label: 'HOG',
    dimension,
    metric: 'cosine',
    key: 'hog-o9-c4-b2-l2hys',
    extractor: (split) => ({
      dimension,
      prepare: async () => {},
      extract: async (start, end) => {
        const out = new Float32Array((end - start) * dimension);
        for (let row = start; row < end; row++) {
          const pixels = split.pixels.subarray(row * PIXELS, (row + 1) * PIXELS);
          out.set(hogDescriptor(pixels, SIDE, SIDE, HOG_PARAMS), (row - start) * dimension);
        }
        return out;
      },
    }),
    dispose: async () => {},
  };
}

/**
 * MobileNetV2's 1280-d pooled features from the `mobilenet-v2` provider at `inputSize`. Each
 * image goes in as a grey PNG file's bytes (made with sharp), so the timing includes what a
 * user's upsert of an image file costs: PNG decoding, grey → RGB, resizing 28 → inputSize.
 */
export function mobileNetFeatures(inputSize: number): FeatureSpace {
  let provider: EmbeddingProvider | undefined;
  const load = async (): Promise<EmbeddingProvider> => {
    provider ??= await createEmbedder('mobilenet-v2', { inputSize });
    return provider;
  };
  const dimension = 1280;
  return {
    label: `MobileNetV2, input ${inputSize} × ${inputSize}`,
    dimension,
    metric: 'cosine',
    key: `mobilenet-v2-${inputSize}`,
    extractor: (split) => ({
      dimension,
      prepare: async () => {
        await (await load()).embed([await pngOf(split, 0)]);
      },
      extract: async (start, end) => {
        const files = await Promise.all(rangeOf(start, end).map((row) => pngOf(split, row)));
        return concatRows(await (await load()).embed(files), dimension);
      },
    }),
    dispose: async () => {
      await provider?.dispose();
      provider = undefined;
    },
  };
}

/**
 * The first `count` rows of `split` in `space`: extracted, or read from the cache under
 * `keepDir` (see feature-cache.ts). Raw pixels are never cached and take no extraction time.
 */
export async function featuresOf(
  space: FeatureSpace,
  split: PixelSplit,
  count: number,
  keepDir: string,
  log: (message: string) => void,
): Promise<CachedFeatures> {
  const extractor = space.extractor(split);
  if (space.key === undefined) {
    return { vectors: await extractor.extract(0, count), dimension: space.dimension, count, seconds: 0 };
  }
  return cachedFeatures(keepDir, space.key, { name: split.name, size: split.size, count }, extractor, log);
}

/** Row `row` of `split` as the bytes of a grey PNG file. */
function pngOf(split: PixelSplit, row: number): Promise<Buffer> {
  const pixels = split.pixels.subarray(row * PIXELS, (row + 1) * PIXELS);
  return sharp(pixels, { raw: { width: SIDE, height: SIDE, channels: 1 } })
    .png()
    .toBuffer();
}

/** `[start, start + 1, …, end − 1]`. */
function rangeOf(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/** The vectors one after another in one array. */
export function concatRows(vectors: readonly Float32Array[], dimension: number): Float32Array {
  const out = new Float32Array(vectors.length * dimension);
  vectors.forEach((v, i) => {
    if (v.length !== dimension)
      throw new Error(`feature vector ${i} has ${v.length} floats, expected ${dimension}`);
    out.set(v, i * dimension);
  });
  return out;
}
