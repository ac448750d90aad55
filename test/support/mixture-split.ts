/**
 * A seeded Gaussian mixture cut into base rows and held-out queries, the data set most
 * index tests measure recall on.
 */
import { gaussianMixture } from '../../src/eval/random.js';

export interface MixtureSplit {
  /** `count` rows of `dimension` floats. */
  base: Float32Array;
  /** `queryCount` rows drawn from the same mixture after the base rows. */
  queries: Float32Array;
  /** Base row i (a view). */
  row(i: number): Float32Array;
  /** Query i (a view). */
  query(i: number): Float32Array;
}

export function mixtureSplit(
  count: number,
  queryCount: number,
  dimension: number,
  clusters: number,
  seed: number,
): MixtureSplit {
  const data = gaussianMixture(count + queryCount, dimension, clusters, seed);
  const base = data.slice(0, count * dimension);
  const queries = data.slice(count * dimension);
  return {
    base,
    queries,
    row: (i) => base.subarray(i * dimension, (i + 1) * dimension),
    query: (i) => queries.subarray(i * dimension, (i + 1) * dimension),
  };
}
