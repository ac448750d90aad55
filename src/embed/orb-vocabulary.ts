/**
 * Visual vocabularies for the `orb-bovw` provider: `k` visual words (256-bit centroids of
 * ORB or AKAZE descriptors, found by k-majority clustering) and their inverse document
 * frequencies over the training images.
 *
 * File format (`.qvoc`, little-endian, version 1):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic `QVOC` |
 * | 4 | 2 | version (1) |
 * | 6 | 1 | detector: 1 = ORB, 2 = AKAZE |
 * | 7 | 1 | bytes per word (32) |
 * | 8 | 4 | k, the number of words |
 * | 12 | 4 | number of training images |
 * | 16 | 32·k | the words, one 32-byte descriptor each |
 * | 16 + 32·k | 4·k | idf of each word, f32 |
 * | 16 + 36·k | 4 | CRC-32 (zlib) of every byte before it |
 *
 * A reader refuses a file with another magic, version or word size, a wrong length or a bad
 * checksum. idf is the smoothed `ln((1 + N) / (1 + df)) + 1` of scikit-learn, N training
 * images of which df contain the word.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { InvalidArgumentError } from '../errors.js';
import { SeededRandom } from '../eval/random.js';
import { inBatches } from './batch.js';
import { decodeBatch } from './image-input.js';
import { CODE_WORDS, codeWords, kMajority, nearestCentre } from './kmeans-binary.js';
import { loadOpenCv } from './opencv-runtime.js';
import {
  BINARY_DETECTORS,
  type BinaryDetector,
  DESCRIPTOR_BYTES,
  describeGrey,
  type KeypointOptions,
  keypointDecodeOptions,
} from './orb-descriptors.js';
import { EmbeddingModelError, type ImageInput } from './provider.js';

export interface OrbVocabulary {
  /** Which detector's descriptors the words are centroids of. */
  detector: BinaryDetector;
  /** Number of words: the dimension of the histograms. */
  k: number;
  /** k × 32 bytes. */
  words: Uint8Array;
  /** Inverse document frequency of each word (≥ 1). */
  idf: Float32Array;
  /** How many images it was trained on. */
  trainingImages: number;
}

/** Options of {@link trainOrbVocabulary}. */
export interface TrainOrbVocabularyOptions {
  /** Number of visual words: default 256. */
  k?: number;
  /** Seed of the descriptor sample and of k-means++: default 42. */
  seed?: number;
  /**
   * Descriptors clustered at most (a seeded sample of all): default 50 000. Clustering costs
   * about `maxDescriptors · k · 27` Hamming distances (~10 ns each in JS): ~3 s for the default.
   */
  maxDescriptors?: number;
  /** Detector: default `orb`. */
  detector?: BinaryDetector;
  /** Keypoints per image at most: default 500. */
  maxKeypoints?: number;
  /** Side of the square grey image keypoints are found on: default 512. */
  size?: number;
}

const MAGIC = 'QVOC';
const VERSION = 1;
const HEADER_BYTES = 16;
const DEFAULT_K = 256;
const DEFAULT_MAX_DESCRIPTORS = 50_000;
/** Images decoded at once while training. */
const TRAINING_BATCH = 8;
const DETECTOR_CODES: Record<BinaryDetector, number> = { orb: 1, akaze: 2 };

/** Keypoint options with defaults applied; shared with the provider so both see the same defaults. */
export function keypointOptions(o: {
  detector?: BinaryDetector;
  maxKeypoints?: number;
  size?: number;
}): KeypointOptions {
  return { detector: o.detector ?? 'orb', maxKeypoints: o.maxKeypoints ?? 500, size: o.size ?? 512 };
}

function checkTrainingOptions(o: TrainOrbVocabularyOptions): void {
  const ints: [string, number | undefined, number, number][] = [
    ['k', o.k, 2, 65536],
    ['maxDescriptors', o.maxDescriptors, 2, 10_000_000],
    ['maxKeypoints', o.maxKeypoints, 1, 100_000],
    ['size', o.size, 32, 8192],
    ['seed', o.seed, 0, 0xffffffff],
  ];
  for (const [name, v, lo, hi] of ints) {
    if (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi)) {
      throw new InvalidArgumentError(
        `orb vocabulary: ${name} must be an integer in [${lo}, ${hi}], got ${v}`,
      );
    }
  }
  if ((o.maxDescriptors ?? DEFAULT_MAX_DESCRIPTORS) < (o.k ?? DEFAULT_K)) {
    throw new InvalidArgumentError(
      `orb vocabulary: maxDescriptors ${o.maxDescriptors} is below k = ${o.k ?? DEFAULT_K}`,
    );
  }
  if (o.detector !== undefined && !BINARY_DETECTORS.includes(o.detector)) {
    throw new InvalidArgumentError(
      `orb vocabulary: detector must be one of ${BINARY_DETECTORS.join(', ')}, got ${o.detector}`,
    );
  }
}

/** Indices of a seeded sample of `m` of `n` items, ascending (all of them when m ≥ n). */
function sampleIndices(n: number, m: number, seed: number): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (m >= n) return all;
  const rng = new SeededRandom(seed ^ 0x5bd1e995);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.subarray(0, m).sort();
}

/**
 * Trains a vocabulary on `images` (paths or bytes): their descriptors (a seeded sample of at
 * most `maxDescriptors`) clustered by k-majority into `k` words, and idf over the images.
 * Deterministic for the same images and options.
 * @throws InvalidArgumentError for bad options or when the images give fewer than k descriptors;
 *   EmbeddingInputError for an unreadable image; EmbeddingModelError when OpenCV cannot load.
 *
 * @example
 * const vocab = await trainOrbVocabulary(paths, { k: 512 });
 * await saveOrbVocabulary(vocab, 'photos.qvoc');
 * const e = await createEmbedder('orb-bovw', { vocabulary: 'photos.qvoc' });
 */
export async function trainOrbVocabulary(
  images: readonly ImageInput[],
  options: TrainOrbVocabularyOptions = {},
): Promise<OrbVocabulary> {
  checkTrainingOptions(options);
  const k = options.k ?? DEFAULT_K;
  const seed = options.seed ?? 42;
  const kp = keypointOptions(options);
  const runtime = await loadOpenCv();
  const perImage = await inBatches(images, TRAINING_BATCH, async (batch, start) =>
    (await decodeBatch(batch, start, keypointDecodeOptions(kp))).map(
      (image, i) => describeGrey(runtime, image, start + i, kp).data,
    ),
  );
  const total = perImage.reduce((s, d) => s + d.length / DESCRIPTOR_BYTES, 0);
  if (total < k) {
    throw new InvalidArgumentError(
      `orb vocabulary: ${images.length} images gave ${total} descriptors, fewer than k = ${k}`,
    );
  }
  const all = new Uint8Array(total * DESCRIPTOR_BYTES);
  let at = 0;
  for (const d of perImage) {
    all.set(d, at);
    at += d.length;
  }
  const picked = sampleIndices(total, options.maxDescriptors ?? DEFAULT_MAX_DESCRIPTORS, seed);
  const sample = new Uint8Array(picked.length * DESCRIPTOR_BYTES);
  for (const [row, i] of picked.entries()) {
    sample.set(all.subarray(i * DESCRIPTOR_BYTES, (i + 1) * DESCRIPTOR_BYTES), row * DESCRIPTOR_BYTES);
  }
  const words = kMajority(sample, { k, seed });
  return {
    detector: kp.detector,
    k,
    words,
    idf: inverseDocumentFrequency(perImage, words, k),
    trainingImages: images.length,
  };
}

function inverseDocumentFrequency(
  perImage: readonly Uint8Array[],
  words: Uint8Array,
  k: number,
): Float32Array {
  const centres = codeWords(words);
  const df = new Int32Array(k);
  for (const d of perImage) {
    const codes = codeWords(d);
    const seen = new Uint8Array(k);
    for (let i = 0; i < codes.length / CODE_WORDS; i++) seen[nearestCentre(codes, i, centres, k)] = 1;
    for (let w = 0; w < k; w++) df[w] += seen[w];
  }
  const n = perImage.length;
  return Float32Array.from(df, (f) => Math.log((1 + n) / (1 + f)) + 1);
}

/** The `.qvoc` bytes of `vocabulary` (format in the module comment). */
export function encodeOrbVocabulary(vocabulary: OrbVocabulary): Uint8Array {
  const { k } = vocabulary;
  const out = new Uint8Array(HEADER_BYTES + k * (DESCRIPTOR_BYTES + 4) + 4);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint16(4, VERSION, true);
  view.setUint8(6, DETECTOR_CODES[vocabulary.detector]);
  view.setUint8(7, DESCRIPTOR_BYTES);
  view.setUint32(8, k, true);
  view.setUint32(12, vocabulary.trainingImages, true);
  out.set(vocabulary.words, HEADER_BYTES);
  const idfAt = HEADER_BYTES + k * DESCRIPTOR_BYTES;
  for (let w = 0; w < k; w++) view.setFloat32(idfAt + 4 * w, vocabulary.idf[w], true);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** Parses `.qvoc` bytes; `source` names them in errors. @throws EmbeddingModelError when they are not a valid vocabulary. */
export function decodeOrbVocabulary(bytes: Uint8Array, source = 'vocabulary'): OrbVocabulary {
  const fail = (why: string) => new EmbeddingModelError(`${source}: not a Quiver visual vocabulary: ${why}`);
  if (bytes.length < HEADER_BYTES + 4) throw fail(`${bytes.length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw fail(`bad magic (expected ${MAGIC})`);
  const version = view.getUint16(4, true);
  if (version !== VERSION) throw fail(`version ${version}, this reader knows ${VERSION}`);
  const detector = BINARY_DETECTORS.find((d) => DETECTOR_CODES[d] === view.getUint8(6));
  if (detector === undefined) throw fail(`unknown detector code ${view.getUint8(6)}`);
  if (view.getUint8(7) !== DESCRIPTOR_BYTES)
    throw fail(`${view.getUint8(7)}-byte words, expected ${DESCRIPTOR_BYTES}`);
  const k = view.getUint32(8, true);
  const expected = HEADER_BYTES + k * (DESCRIPTOR_BYTES + 4) + 4;
  if (k < 1 || bytes.length !== expected)
    throw fail(`k = ${k} needs ${expected} bytes, the file has ${bytes.length}`);
  if (crc32(bytes.subarray(0, expected - 4)) !== view.getUint32(expected - 4, true))
    throw fail('checksum mismatch');
  const words = new Uint8Array(bytes.subarray(HEADER_BYTES, HEADER_BYTES + k * DESCRIPTOR_BYTES));
  const idfAt = HEADER_BYTES + k * DESCRIPTOR_BYTES;
  const idf = Float32Array.from({ length: k }, (_, w) => view.getFloat32(idfAt + 4 * w, true));
  return { detector, k, words, idf, trainingImages: view.getUint32(12, true) };
}

/** Writes `vocabulary` to `path` as a `.qvoc` file. */
export async function saveOrbVocabulary(vocabulary: OrbVocabulary, path: string): Promise<void> {
  await writeFile(path, encodeOrbVocabulary(vocabulary));
}

/** Reads a `.qvoc` file. @throws EmbeddingModelError when it is missing, unreadable or invalid. */
export async function loadOrbVocabulary(path: string): Promise<OrbVocabulary> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new EmbeddingModelError(`cannot read visual vocabulary '${path}': ${(e as Error).message}`);
  }
  return decodeOrbVocabulary(bytes, `'${path}'`);
}

/** The six sample photos of @vladmandic/face-api (a runtime dependency) the default vocabulary is trained on. */
export function defaultTrainingPhotos(): string[] {
  const demo = join(
    dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
    'demo',
  );
  return [1, 2, 3, 4, 5, 6].map((i) => join(demo, `sample${i}.jpg`));
}

const defaults = new Map<string, Promise<OrbVocabulary>>();

/**
 * The vocabulary used when none is given: trained on first use from the six face-api sample
 * photos ({@link defaultTrainingPhotos}) with these options, and kept in memory for the
 * process (one per distinct options). Deterministic, so every process gets the same words.
 * @throws EmbeddingModelError when the photos are missing or training fails.
 */
export function defaultOrbVocabulary(options: TrainOrbVocabularyOptions): Promise<OrbVocabulary> {
  const key = JSON.stringify([options.k, options.seed, options.maxDescriptors, keypointOptions(options)]);
  let trained = defaults.get(key);
  if (trained === undefined) {
    trained = trainOrbVocabulary(defaultTrainingPhotos(), options).catch((e: unknown) => {
      defaults.delete(key);
      throw e instanceof EmbeddingModelError
        ? e
        : new EmbeddingModelError(`cannot train the default visual vocabulary: ${(e as Error).message}`);
    });
    defaults.set(key, trained);
  }
  return trained;
}
