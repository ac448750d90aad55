/**
 * The recommendation example's data: a real catalogue and simulated users.
 *
 * No package available offline ships real user–item interactions (MovieLens, Jester and the
 * like are in neither the npm nor the Debian lists here), so the users are simulated, and
 * this module states exactly how. The catalogue is real: the images of Fashion-MNIST's test
 * split (Debian `dataset-fashion-mnist`), each item a 784-d vector of its raw pixels.
 *
 * The protocol (every draw from one `SeededRandom`, so a seed fixes everything):
 * - Item popularity: the items are shuffled and the item at rank r gets weight 1 / r^0.8
 *   (a Zipf law, independent of category and look).
 * - Item tone: the item's mean pixel value, standardized within its category (z-score):
 *   dark versus light garments, a property of the image but not a coordinate of its
 *   cosine-compared vector (cosine ignores the scale of a vector).
 * - A user has hidden tastes: two liked categories (the first drawn with probability
 *   `p ∈ [0.5, 0.8)`, the second with 1 − p), a preferred tone (dark or light) and one
 *   disliked category. Each interaction picks a category (with probability 0.1 uniformly among
 *   the nine not disliked, "exploration"; otherwise a liked one), then an item of that
 *   category with probability ∝ popularity × exp(1.5 · tone · z), without repeats.
 * - A user makes `train + heldOut` interactions; the first `train` are what the recommender
 *   sees (positives), the rest are held out and are the relevant items of the evaluation.
 * - A user also skipped `negatives` items of the disliked category (drawn uniformly): they are
 *   seen, used as negative examples, and never relevant.
 *
 * Invariants: `train`, `heldOut` and `negatives` of a user are pairwise disjoint; the same
 * seed and sizes give the same users.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR } from '../../bench/data/fashion-mnist.js';
import { SeededRandom } from '../../src/eval/random.js';

export const CATALOGUE_DIMENSION = 784;
const CATEGORIES = FASHION_MNIST_CLASSES.length;
const ZIPF_EXPONENT = 0.8;
const EXPLORATION = 0.1;
const TONE_STRENGTH = 1.5;

/** The sizes of one run. */
export interface RecommendProtocol {
  /** Catalogue size: the first `items` images of the test split (1..10,000). */
  items: number;
  users: number;
  /** Interactions per user that the recommender sees. */
  train: number;
  /** Interactions per user held out for evaluation. */
  heldOut: number;
  /** Skipped items of the disliked category per user. */
  negatives: number;
  seed: number;
}

/** The full run of `npm run example:recommend` and of the benchmark section. */
export const FULL_PROTOCOL: RecommendProtocol = {
  items: 10_000,
  users: 1_000,
  train: 20,
  heldOut: 10,
  negatives: 5,
  seed: 22,
};

export interface Catalogue {
  /** `count × 784` raw pixel values 0–255, row-major; item i is row i. */
  vectors: Float32Array;
  /** Category (Fashion-MNIST class, 0–9) per item. */
  labels: Uint8Array;
  count: number;
}

export interface SimulatedUser {
  /** The hidden tastes, reported but never given to a recommender. */
  liked: [number, number];
  disliked: number;
  tone: 'dark' | 'light';
  /** Items the user interacted with that the recommender sees, in order. */
  train: number[];
  /** Items the user interacted with later: the relevant items of the evaluation. */
  heldOut: number[];
  /** Items of the disliked category the user saw and skipped. */
  negatives: number[];
}

/**
 * The first `items` images of Fashion-MNIST's test split.
 * @throws Error naming the Debian package when its files are missing
 */
export function loadCatalogue(items: number, dir = FASHION_MNIST_DIR): Catalogue {
  const images = join(dir, 't10k-images-idx3-ubyte.gz');
  const labels = join(dir, 't10k-labels-idx1-ubyte.gz');
  if (!existsSync(images) || !existsSync(labels)) {
    throw new Error(
      `${images} not found: install Debian's dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist)`,
    );
  }
  const pixels = gunzipSync(readFileSync(images));
  const classes = gunzipSync(readFileSync(labels));
  // IDX headers: images magic 0x803 + 3 u32 dims (16 bytes); labels 0x801 + 1 u32 (8 bytes).
  if (pixels.readUInt32BE(0) !== 0x803 || classes.readUInt32BE(0) !== 0x801) {
    throw new Error(`${dir}: the test split's files are not IDX images and labels`);
  }
  const available = pixels.readUInt32BE(4);
  if (!Number.isInteger(items) || items < 1 || items > available) {
    throw new Error(`catalogue size must be an integer in 1..${available}, got ${items}`);
  }
  return {
    vectors: Float32Array.from(pixels.subarray(16, 16 + items * CATALOGUE_DIMENSION)),
    labels: Uint8Array.from(classes.subarray(8, 8 + items)),
    count: items,
  };
}

/** Cumulative sampling weights of one category's items for one tone preference. */
interface CategorySampler {
  items: number[];
  cumulative: Float64Array;
}

/** Users drawn by the protocol above over `catalogue`. */
export function simulateUsers(catalogue: Catalogue, protocol: RecommendProtocol): SimulatedUser[] {
  const rng = new SeededRandom(protocol.seed);
  const popularity = zipfPopularity(catalogue.count, rng);
  const z = toneScores(catalogue);
  const samplers = (['dark', 'light'] as const).map((tone) =>
    Array.from({ length: CATEGORIES }, (_, c) =>
      categorySampler(catalogue, c, (i) => {
        const sign = tone === 'light' ? 1 : -1;
        return popularity[i] * Math.exp(TONE_STRENGTH * sign * z[i]);
      }),
    ),
  );
  const uniform = Array.from({ length: CATEGORIES }, (_, c) => categorySampler(catalogue, c, () => 1));
  const users: SimulatedUser[] = [];
  for (let u = 0; u < protocol.users; u++) {
    const order = shuffled(CATEGORIES, rng);
    const liked: [number, number] = [order[0], order[1]];
    const disliked = order[2];
    const share = 0.5 + 0.3 * rng.next();
    const tone = rng.next() < 0.5 ? 'dark' : 'light';
    const bySampler = samplers[tone === 'dark' ? 0 : 1];
    const taken = new Set<number>();
    const interactions: number[] = [];
    while (interactions.length < protocol.train + protocol.heldOut) {
      let category: number;
      if (rng.next() < EXPLORATION) {
        do category = rng.int(CATEGORIES);
        while (category === disliked);
      } else category = rng.next() < share ? liked[0] : liked[1];
      const item = draw(bySampler[category], rng);
      if (item === undefined || taken.has(item)) continue;
      taken.add(item);
      interactions.push(item);
    }
    const negatives: number[] = [];
    while (negatives.length < protocol.negatives) {
      const item = draw(uniform[disliked], rng);
      if (item === undefined || taken.has(item)) continue;
      taken.add(item);
      negatives.push(item);
    }
    users.push({
      liked,
      disliked,
      tone,
      train: interactions.slice(0, protocol.train),
      heldOut: interactions.slice(protocol.train),
      negatives,
    });
  }
  return users;
}

/** Weight 1 / rank^0.8 for a random ranking of `count` items. */
function zipfPopularity(count: number, rng: SeededRandom): Float64Array {
  const order = shuffled(count, rng);
  const weight = new Float64Array(count);
  for (let r = 0; r < count; r++) weight[order[r]] = 1 / (r + 1) ** ZIPF_EXPONENT;
  return weight;
}

/** Each item's mean pixel value as a z-score within its category. */
function toneScores(catalogue: Catalogue): Float64Array {
  const mean = new Float64Array(catalogue.count);
  for (let i = 0; i < catalogue.count; i++) {
    let sum = 0;
    for (let d = 0; d < CATALOGUE_DIMENSION; d++) sum += catalogue.vectors[i * CATALOGUE_DIMENSION + d];
    mean[i] = sum / CATALOGUE_DIMENSION;
  }
  const z = new Float64Array(catalogue.count);
  for (let c = 0; c < CATEGORIES; c++) {
    const members = [...catalogue.labels.keys()].filter((i) => catalogue.labels[i] === c);
    if (members.length === 0) continue;
    const mu = members.reduce((s, i) => s + mean[i], 0) / members.length;
    const sd = Math.sqrt(members.reduce((s, i) => s + (mean[i] - mu) ** 2, 0) / members.length) || 1;
    for (const i of members) z[i] = (mean[i] - mu) / sd;
  }
  return z;
}

function categorySampler(
  catalogue: Catalogue,
  category: number,
  weight: (item: number) => number,
): CategorySampler {
  const items = [...catalogue.labels.keys()].filter((i) => catalogue.labels[i] === category);
  const cumulative = new Float64Array(items.length);
  let total = 0;
  items.forEach((item, j) => {
    total += weight(item);
    cumulative[j] = total;
  });
  return { items, cumulative };
}

/** One item drawn with probability ∝ its weight; undefined for an empty category. */
function draw(sampler: CategorySampler, rng: SeededRandom): number | undefined {
  const n = sampler.items.length;
  if (n === 0) return undefined;
  const target = rng.next() * sampler.cumulative[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sampler.cumulative[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return sampler.items[lo];
}

/** 0..n−1 in a random order (Fisher–Yates). */
function shuffled(n: number, rng: SeededRandom): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
