/**
 * Scoring the ids a measuring child returned against a data set's exact top-k (the cached
 * ground truth of `datasets.ts`), shared by the HNSW comparison (`run.ts`) and the index
 * families benchmark (`families.ts`).
 */
import { recallAtK } from '../../src/eval/metrics.js';
import type { MaterializedDataset } from './datasets.js';

/**
 * Mean recall@k over the queries of sweep point `e`, from an ids file of
 * `points × queryCount × k` entries (−1 after the last id a search returned).
 */
export function meanRecall(ids: Int32Array, e: number, set: MaterializedDataset, k: number): number {
  const { truth, queryCount } = set;
  let sum = 0;
  for (let q = 0; q < queryCount; q++) {
    const at = (e * queryCount + q) * k;
    let found = 0;
    while (found < k && ids[at + found] >= 0) found++;
    const relevant = truth.rows.subarray(q * truth.k, q * truth.k + k);
    sum += recallAtK(ids.subarray(at, at + found), relevant, k);
  }
  return sum / queryCount;
}

/** Queries whose k-th and (k+1)-th true distances are equal (their true top-k is not unique). */
export function tiesAtK(set: MaterializedDataset, k: number): number {
  const { truth } = set;
  let ties = 0;
  for (let q = 0; q < truth.count; q++) {
    if (truth.distances[q * truth.k + k - 1] === truth.distances[q * truth.k + k]) ties++;
  }
  return ties;
}
