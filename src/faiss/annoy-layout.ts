/**
 * The node layout of Spotify Annoy 1.17's `.ann` files (`src/annoylib.h`, Python module
 * `annoy` 1.17.0–1.17.3: `AnnoyIndex<int32_t, float, Metric, Kiss64Random>`, and
 * `<int32_t, uint64_t, Hamming>` behind the Python Hamming wrapper).
 *
 * A file is `n_nodes` nodes of one fixed size `s`, nothing else: no header, no magic, no
 * dimension, no metric (the reader is told them, as `AnnoyIndex(f, metric).load(path)` is).
 * Nodes 0..n_items−1 are the items (node i is item i; an id never added is an all-zero
 * "hole"); then each tree's internal nodes in the order the build made them (children before
 * their parent); then a copy of every tree's root. Every node starts with the int32
 * `n_descendants`, and what follows depends on it and on K, the most item ids a node holds
 * (`(s − offsetof(children)) / 4`):
 * - `n_descendants == 1` (items): the vector `v` (`f` float32, or `⌈f/64⌉` uint64 bit words);
 * - `2 ≤ n_descendants ≤ K` (leaves): the item ids, int32, from `children`, over the bytes of
 *   the fields after it;
 * - `n_descendants > K` (splits): `children[0]`, `children[1]` (node numbers) and the
 *   hyperplane in `v` (and `a` / `dot_factor`).
 * A root holds `n_items` as its `n_descendants` whatever its size, which is how `load` finds
 * them; it is a leaf when `n_items ≤ K`.
 *
 * Byte layouts (little-endian, offsets in bytes; f = the dimension):
 * - angular:   n_descendants@0, union { children[2]@4, norm@4 (float32 |v|², items) }, v@12; s = 12 + 4f, K = f + 2
 * - euclidean, manhattan: n_descendants@0, a@4 (float32 plane offset), children[2]@8, v@16; s = 16 + 4f, K = f + 2
 * - dot:       n_descendants@0, children[2]@4, dot_factor@12 (float32), v@16; s = 16 + 4f, K = f + 3
 * - hamming:   n_descendants@0, children[2]@4, 4 bytes of padding, v@16 (uint64 words, ⌈f/64⌉ of
 *   them; a split keeps its bit number in v[0]); s = 16 + 8⌈f/64⌉, K = 2⌈f/64⌉ + 3
 */
import { InvalidArgumentError } from '../errors.js';

export type AnnoyMetric = 'angular' | 'euclidean' | 'manhattan' | 'dot' | 'hamming';

export const ANNOY_METRICS: readonly AnnoyMetric[] = ['angular', 'euclidean', 'manhattan', 'dot', 'hamming'];

/** Byte offsets of a node's fields and the sizes derived from them, for one dimension and metric. */
export interface AnnoyLayout {
  readonly metric: AnnoyMetric;
  /** The dimension the user gives (bits for hamming). */
  readonly dim: number;
  /** Words of `v`: `dim` floats, or ⌈dim/64⌉ uint64 words for hamming. */
  readonly words: number;
  /** Bytes per node (Annoy's `_s`). */
  readonly nodeBytes: number;
  /** Most item ids a leaf holds (Annoy's `_K`). */
  readonly maxLeaf: number;
  readonly childrenAt: number;
  readonly vectorAt: number;
  /** The float32 stored beside the children: `norm` (angular), `a` (euclidean, manhattan), `dot_factor` (dot); −1 for hamming. */
  readonly scalarAt: number;
}

/**
 * The layout of `metric`'s nodes for vectors of `dim` components.
 * @throws InvalidArgumentError for an unknown metric or a dimension that is not a positive integer.
 */
export function annoyLayout(dim: number, metric: AnnoyMetric): AnnoyLayout {
  if (!Number.isInteger(dim) || dim < 1 || dim > 0x10000) {
    throw new InvalidArgumentError(`Annoy dimension must be an integer in [1, 65536], got ${dim}`);
  }
  const at = (childrenAt: number, scalarAt: number, vectorAt: number, words: number, wordBytes: number) => {
    const nodeBytes = vectorAt + words * wordBytes;
    return {
      metric,
      dim,
      words,
      nodeBytes,
      maxLeaf: (nodeBytes - childrenAt) / 4,
      childrenAt,
      vectorAt,
      scalarAt,
    };
  };
  switch (metric) {
    case 'angular':
      return at(4, 4, 12, dim, 4);
    case 'euclidean':
    case 'manhattan':
      return at(8, 4, 16, dim, 4);
    case 'dot':
      return at(4, 12, 16, dim, 4);
    case 'hamming':
      return at(4, -1, 16, Math.ceil(dim / 64), 8);
    default:
      throw new InvalidArgumentError(
        `Annoy metric must be one of ${ANNOY_METRICS.join(', ')}, got ${String(metric)}`,
      );
  }
}

/**
 * Packs a 0/1 vector of `dim` floats into Annoy's uint64 words as the Python Hamming wrapper
 * does (component j of word w is bit j, counted from the least significant, set when the value
 * is > 0.5), returned as little-endian uint32 halves (`2·⌈dim/64⌉` of them).
 */
export function packBits(vector: ArrayLike<number>, dim: number): Uint32Array {
  const out = new Uint32Array(2 * Math.ceil(dim / 64));
  for (let i = 0; i < dim; i++) if (vector[i] > 0.5) out[i >>> 5] |= 1 << (i & 31);
  return out;
}

/** The inverse of `packBits`: `dim` floats, 0 or 1. */
export function unpackBits(words: Uint32Array, dim: number): Float32Array {
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = (words[i >>> 5] >>> (i & 31)) & 1;
  return out;
}

/** Bits set in a uint32. */
export function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/**
 * Whether a split on bit `bit` sends packed vector `words` right: Annoy's `Hamming::margin`
 * tests bit 63 − (bit mod 64), counted from the least significant, of uint64 word ⌊bit/64⌋.
 */
export function hammingSide(words: Uint32Array, bit: number): boolean {
  const inWord = 63 - (bit % 64);
  const half = 2 * Math.floor(bit / 64) + (inWord >= 32 ? 1 : 0);
  return ((words[half] >>> (inWord & 31)) & 1) === 1;
}
