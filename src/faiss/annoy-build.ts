/**
 * Builds Annoy trees over item vectors the way Annoy 1.17's `_make_tree` does, for writing
 * with `annoyBytes`: a node of more than K items (a root: while the index has more than K
 * items) is split by a hyperplane from `two_means` — two centroids started at two distinct
 * random items and moved by 200 online steps toward random items, each weighted by how many
 * it took — normal p − q (unit), through the origin for angular, halfway between p and q for
 * euclidean and manhattan (offset −normal·(p + q)/2); Hamming splits on a random bit that
 * separates the items (20 tries, then every bit in turn). A split leaving 95% or more on one
 * side is retried (3 attempts); if the sides stay over 99% apart, items are dealt to random
 * sides under a zero normal. Points exactly on a plane go to a random side, as Annoy's `side`.
 *
 * Dot: items get Annoy's `dot_factor` √(max‖x‖² − ‖x‖²) (Bachrach et al. 2014), centroids are
 * found angularly over (x, dot_factor), and the split keeps the last component as its
 * `dot_factor`; items take the side of 1.17's margin normal·x + dot_factor², the margin its
 * search uses for queries, so a query descends where the items were put.
 *
 * The random choices come from `SeededRandom(seed)`, so a seed gives one forest; it is not
 * Annoy's Kiss64Random stream, so the trees differ from those Annoy builds from the same seed.
 */
import { SeededRandom } from '../eval/random.js';
import { type AnnoyLayout, hammingSide, packBits } from './annoy-layout.js';
import type { AnnoySplit, AnnoyTree } from './annoy-write.js';

const TWO_MEANS_STEPS = 200;
const SPLIT_ATTEMPTS = 3;
const HAMMING_TRIES = 20;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let z = 0; z < a.length; z++) s += a[z] * b[z];
  return s;
}

function normalize(v: Float32Array): void {
  const norm = Math.sqrt(dot(v, v));
  if (norm > 0) for (let z = 0; z < v.length; z++) v[z] /= norm;
}

function imbalance(left: number, right: number): number {
  const f = left / (left + right + 1e-9);
  return Math.max(f, 1 - f);
}

/**
 * `trees` trees over `vectors` (by id; undefined for holes) for `layout`'s metric.
 * Each tree holds every present id once.
 */
export function buildAnnoyTrees(
  layout: AnnoyLayout,
  vectors: readonly (ArrayLike<number> | undefined)[],
  trees: number,
  seed: number,
): AnnoyTree[] {
  const rng = new SeededRandom(seed);
  const { metric, dim, maxLeaf: K } = layout;
  const n = vectors.length;
  const ids: number[] = [];
  vectors.forEach((v, id) => {
    if (v !== undefined) ids.push(id);
  });
  const packed =
    metric === 'hamming' ? vectors.map((v) => (v === undefined ? undefined : packBits(v, dim))) : [];
  // Rows the centroids are found over: the vectors, with dot's extra component appended.
  const rows = vectors.map((v) => (v === undefined ? undefined : Float32Array.from(v)));
  const space = metric === 'dot' ? augment(rows) : rows;
  const cosine = metric === 'angular' || metric === 'dot';

  const distance = (p: Float32Array, x: Float32Array): number => {
    if (cosine) {
      const pp = dot(p, p);
      const xx = dot(x, x);
      return pp * xx > 0 ? 2 - (2 * dot(p, x)) / Math.sqrt(pp * xx) : 2;
    }
    let d = 0;
    for (let z = 0; z < p.length; z++) {
      const t = p[z] - x[z];
      d += metric === 'euclidean' ? t * t : Math.abs(t);
    }
    return d;
  };

  const twoMeans = (items: number[]): [Float32Array, Float32Array] => {
    const count = items.length;
    const i = rng.int(count);
    let j = rng.int(count - 1);
    j += j >= i ? 1 : 0;
    const p = Float32Array.from(space[items[i]]!);
    const q = Float32Array.from(space[items[j]]!);
    if (cosine) {
      normalize(p);
      normalize(q);
    }
    let ic = 1;
    let jc = 1;
    for (let l = 0; l < TWO_MEANS_STEPS; l++) {
      const x = space[items[rng.int(count)]]!;
      const di = ic * distance(p, x);
      const dj = jc * distance(q, x);
      const norm = cosine ? Math.sqrt(dot(x, x)) : 1;
      if (!(norm > 0)) continue;
      const [mean, c] = di < dj ? [p, ic++] : dj < di ? [q, jc++] : [undefined, 0];
      if (mean) for (let z = 0; z < mean.length; z++) mean[z] = (mean[z] * c + x[z] / norm) / (c + 1);
    }
    return [p, q];
  };

  /** A split of `items` (not yet checked for balance). */
  const createSplit = (items: number[]): Omit<AnnoySplit, 'left' | 'right'> => {
    if (metric === 'hamming') return { normal: new Float32Array(dim), offset: 0, bit: hammingBit(items) };
    const [p, q] = twoMeans(items);
    const w = p.map((pz, z) => pz - q[z]);
    normalize(w);
    const normal = w.slice(0, dim);
    if (metric === 'dot') return { normal, offset: w[dim] };
    if (metric === 'angular') return { normal, offset: 0 };
    let offset = 0;
    for (let z = 0; z < dim; z++) offset += (-w[z] * (p[z] + q[z])) / 2;
    return { normal, offset };
  };

  const hammingBit = (items: number[]): number => {
    const bits = 64 * layout.words;
    const splits = (bit: number) => {
      const ones = items.reduce((c, id) => c + (hammingSide(packed[id]!, bit) ? 1 : 0), 0);
      return ones > 0 && ones < items.length;
    };
    for (let t = 0; t < HAMMING_TRIES; t++) {
      const bit = rng.int(bits);
      if (splits(bit)) return bit;
    }
    for (let bit = 0; bit < bits; bit++) if (splits(bit)) return bit;
    return 0;
  };

  const side = (plane: Omit<AnnoySplit, 'left' | 'right'>, id: number): boolean => {
    if (metric === 'hamming') return hammingSide(packed[id]!, plane.bit!);
    let margin = dot(plane.normal, rows[id]!);
    if (metric === 'euclidean' || metric === 'manhattan') margin += plane.offset;
    else if (metric === 'dot') margin += plane.offset * plane.offset;
    return margin !== 0 ? margin > 0 : rng.next() < 0.5;
  };

  const make = (items: number[], root: boolean): AnnoyTree => {
    if (items.length <= K && (!root || n <= K || items.length <= 1)) return { items };
    let plane = createSplit(items);
    let sides: [number[], number[]] = [[], []];
    for (let attempt = 0; attempt < SPLIT_ATTEMPTS; attempt++) {
      if (attempt > 0) plane = createSplit(items);
      sides = [[], []];
      for (const id of items) sides[side(plane, id) ? 1 : 0].push(id);
      if (imbalance(sides[0].length, sides[1].length) < 0.95) break;
    }
    while (imbalance(sides[0].length, sides[1].length) > 0.99) {
      plane = { normal: new Float32Array(dim), offset: 0, bit: 0 };
      sides = [[], []];
      for (const id of items) sides[rng.next() < 0.5 ? 1 : 0].push(id);
    }
    return { ...plane, left: make(sides[0], false), right: make(sides[1], false) };
  };

  return Array.from({ length: trees }, () => make(ids, true));
}

/** Rows with dot's extra component √(max‖x‖² − ‖x‖²) appended. */
function augment(rows: (Float32Array | undefined)[]): (Float32Array | undefined)[] {
  const norms = rows.map((v) => (v === undefined ? 0 : dot(v, v)));
  const largest = norms.reduce((a, b) => Math.max(a, b), 0);
  return rows.map((v, i) => {
    if (v === undefined) return undefined;
    const out = new Float32Array(v.length + 1);
    out.set(v);
    out[v.length] = Math.sqrt(Math.max(0, largest - norms[i]));
    return out;
  });
}
