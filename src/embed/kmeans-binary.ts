/**
 * k-majority: k-means for binary descriptors (Grana et al., 2013), the clustering that builds
 * visual vocabularies of ORB/AKAZE descriptors. Points and centroids are 256-bit codes
 * (8 u32 words); distance is Hamming; a centroid is the bitwise majority of its members.
 *
 * Deterministic for a given seed: greedy k-means++ seeding (candidates drawn with probability
 * proportional to the squared Hamming distance to the nearest chosen centre) with
 * `SeededRandom`; assignment ties go to the lowest centre index; a bit whose members are
 * split evenly keeps the centroid's previous value; an empty cluster is re-seeded with the
 * point farthest from its centre (lowest index among equals, each point used once per
 * round). Stops when no assignment changes or after `maxIterations` rounds.
 */
import { InvalidArgumentError } from '../errors.js';
import { SeededRandom } from '../eval/random.js';

/** u32 words per 256-bit code. */
export const CODE_WORDS = 8;

/** Bits set in a u32 (SWAR). */
function popcount32(x: number): number {
  const a = x - ((x >>> 1) & 0x55555555);
  const b = (a & 0x33333333) + ((a >>> 2) & 0x33333333);
  return (Math.imul((b + (b >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

/** Hamming distance of the codes at code indices `i` of `a` and `j` of `b`. */
export function hamming256(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  const p = i * CODE_WORDS;
  const q = j * CODE_WORDS;
  return (
    popcount32(a[p] ^ b[q]) +
    popcount32(a[p + 1] ^ b[q + 1]) +
    popcount32(a[p + 2] ^ b[q + 2]) +
    popcount32(a[p + 3] ^ b[q + 3]) +
    popcount32(a[p + 4] ^ b[q + 4]) +
    popcount32(a[p + 5] ^ b[q + 5]) +
    popcount32(a[p + 6] ^ b[q + 6]) +
    popcount32(a[p + 7] ^ b[q + 7])
  );
}

/**
 * Index of the centre of `centres` (k codes) nearest code `i` of `codes`, lowest index on
 * ties. The query's words are held in locals so each centre costs 8 loads and 8 popcounts.
 */
export function nearestCentre(codes: Uint32Array, i: number, centres: Uint32Array, k: number): number {
  const p = i * CODE_WORDS;
  const q0 = codes[p];
  const q1 = codes[p + 1];
  const q2 = codes[p + 2];
  const q3 = codes[p + 3];
  const q4 = codes[p + 4];
  const q5 = codes[p + 5];
  const q6 = codes[p + 6];
  const q7 = codes[p + 7];
  let centre = 0;
  let best = 257;
  for (let c = 0, at = 0; c < k; c++, at += CODE_WORDS) {
    const d =
      popcount32(q0 ^ centres[at]) +
      popcount32(q1 ^ centres[at + 1]) +
      popcount32(q2 ^ centres[at + 2]) +
      popcount32(q3 ^ centres[at + 3]) +
      popcount32(q4 ^ centres[at + 4]) +
      popcount32(q5 ^ centres[at + 5]) +
      popcount32(q6 ^ centres[at + 6]) +
      popcount32(q7 ^ centres[at + 7]);
    if (d < best) {
      best = d;
      centre = c;
    }
  }
  return centre;
}

/** The codes of `bytes` (n × 32 bytes) as u32 words, copied so the view is aligned. */
export function codeWords(bytes: Uint8Array): Uint32Array {
  if (bytes.length % (CODE_WORDS * 4) !== 0) {
    throw new InvalidArgumentError(
      `binary codes: ${bytes.length} bytes is not a whole number of 32-byte codes`,
    );
  }
  const copy = new Uint8Array(bytes);
  return new Uint32Array(copy.buffer, 0, copy.length / 4);
}

/** A point drawn with probability proportional to `weights[i]` (which sum to `total` > 0). */
function drawWeighted(weights: Float64Array, total: number, rng: SeededRandom): number {
  let target = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return weights.length - 1;
}

/**
 * Greedy k-means++ seeding (as scikit-learn's): each next centre is the best, by the total
 * squared distance it leaves, of `2 + ln k` candidates drawn proportionally to the squared
 * distance to the nearest centre so far. Plain k-means++ often puts two seeds in one cluster
 * of near-duplicate descriptors, which the majority updates cannot undo.
 */
function seedCentres(codes: Uint32Array, n: number, k: number, rng: SeededRandom): Uint32Array {
  const centres = new Uint32Array(k * CODE_WORDS);
  const trials = 2 + Math.floor(Math.log(k));
  let nearest = new Float64Array(n);
  let best = new Float64Array(n);
  let candidate = new Float64Array(n);
  const first = rng.int(n);
  centres.set(codes.subarray(first * CODE_WORDS, (first + 1) * CODE_WORDS), 0);
  let potential = 0;
  for (let i = 0; i < n; i++) {
    nearest[i] = hamming256(codes, i, codes, first) ** 2;
    potential += nearest[i];
  }
  for (let c = 1; c < k; c++) {
    let chosen = -1;
    let bestPotential = Number.POSITIVE_INFINITY;
    for (let t = 0; t < (potential > 0 ? trials : 1); t++) {
      const pick = potential > 0 ? drawWeighted(nearest, potential, rng) : rng.int(n);
      let p = 0;
      for (let i = 0; i < n; i++) {
        candidate[i] = Math.min(nearest[i], hamming256(codes, i, codes, pick) ** 2);
        p += candidate[i];
      }
      if (p < bestPotential) {
        bestPotential = p;
        chosen = pick;
        [best, candidate] = [candidate, best];
      }
    }
    centres.set(codes.subarray(chosen * CODE_WORDS, (chosen + 1) * CODE_WORDS), c * CODE_WORDS);
    [nearest, best] = [best, nearest];
    potential = bestPotential;
  }
  return centres;
}

/** Sets each centroid to the bitwise majority of its members (even splits keep the old bit). */
function majorityUpdate(
  codes: Uint32Array,
  n: number,
  assign: Int32Array,
  centres: Uint32Array,
  k: number,
): Int32Array {
  const bits = CODE_WORDS * 32;
  const ones = new Int32Array(k * bits);
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = assign[i];
    sizes[c]++;
    const base = c * bits;
    for (let w = 0; w < CODE_WORDS; w++) {
      const x = codes[i * CODE_WORDS + w];
      for (let b = 0; b < 32; b++) ones[base + w * 32 + b] += (x >>> b) & 1;
    }
  }
  for (let c = 0; c < k; c++) {
    if (sizes[c] === 0) continue;
    for (let w = 0; w < CODE_WORDS; w++) {
      let word = centres[c * CODE_WORDS + w];
      for (let b = 0; b < 32; b++) {
        const twice = 2 * ones[c * bits + w * 32 + b];
        if (twice > sizes[c]) word |= 1 << b;
        else if (twice < sizes[c]) word &= ~(1 << b);
      }
      centres[c * CODE_WORDS + w] = word >>> 0;
    }
  }
  return sizes;
}

/** Moves each empty centre onto the point farthest from its own centre. */
function reseedEmpty(
  codes: Uint32Array,
  distances: Int32Array,
  sizes: Int32Array,
  centres: Uint32Array,
  k: number,
): void {
  const used = new Set<number>();
  for (let c = 0; c < k; c++) {
    if (sizes[c] > 0) continue;
    let far = -1;
    for (let i = 0; i < distances.length; i++) {
      if (!used.has(i) && (far < 0 || distances[i] > distances[far])) far = i;
    }
    used.add(far);
    centres.set(codes.subarray(far * CODE_WORDS, (far + 1) * CODE_WORDS), c * CODE_WORDS);
  }
}

/** What {@link kMajority} is asked for. */
export interface KMajorityOptions {
  k: number;
  seed: number;
  /** Rounds of assignment and update: default 20. */
  maxIterations?: number;
}

/**
 * Clusters `codes` (n × 32 bytes, n ≥ k) into `k` centroids; returns them as k × 32 bytes.
 * @throws InvalidArgumentError when k < 1 or there are fewer codes than k.
 */
export function kMajority(codes: Uint8Array, options: KMajorityOptions): Uint8Array {
  const { k, seed } = options;
  const maxIterations = options.maxIterations ?? 20;
  const words = codeWords(codes);
  const n = words.length / CODE_WORDS;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new InvalidArgumentError(
      `k-majority: k must be an integer in [1, ${n}] (the number of descriptors), got ${k}`,
    );
  }
  const centres = seedCentres(words, n, k, new SeededRandom(seed));
  const assign = new Int32Array(n).fill(-1);
  const distances = new Int32Array(n);
  for (let round = 0; round < maxIterations; round++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const centre = nearestCentre(words, i, centres, k);
      if (centre !== assign[i]) changed++;
      assign[i] = centre;
      distances[i] = hamming256(words, i, centres, centre);
    }
    if (changed === 0) break;
    const sizes = majorityUpdate(words, n, assign, centres, k);
    reseedEmpty(words, distances, sizes, centres, k);
  }
  return new Uint8Array(centres.buffer.slice(0));
}
