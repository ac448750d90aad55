/**
 * Maximal marginal relevance (Carbonell & Goldstein 1998), as Qdrant applies it to a
 * nearest-neighbour query: from candidates ranked by similarity to the query, pick results
 * one at a time; the first is the most relevant, and each next one maximizes
 *
 *     λ · sim(candidate, query) − (1 − λ) · max over picked p of sim(candidate, p)
 *
 * with λ = 1 − diversity. The similarity is the metric's, "higher is better": the inner
 * product for `ip` and `cosine` (unit vectors), the negated kernel distance otherwise
 * (−squared distance for `l2`), as Qdrant's raw scores.
 *
 * Invariants: the result holds min(limit, candidates) distinct candidates in pick order;
 * ties go to the candidate ranked earlier in the input (more relevant first); the work is
 * O(candidates · picks) distances, since after each pick only the distances from the new
 * pick to the remaining candidates are computed (Qdrant's lazy similarity matrix).
 */
import type { Kernels } from '../kernels/kernels.js';
import type { FieldLayout } from '../segment/segment-view.js';
import { RowDistances } from './row-distances.js';

/** What `selectByMmr` needs of each candidate. */
export interface MmrCandidate {
  /** Its vector of the searched field, in stored form. */
  vector: Float32Array;
}

/**
 * Indexes into `candidates` (ordered best first by relevance) of the `limit` picks, in pick
 * order. `relevance[i]` is candidate i's similarity to the query.
 */
export function selectByMmr(
  candidates: readonly MmrCandidate[],
  relevance: readonly number[],
  diversity: number,
  limit: number,
  kernels: Kernels,
  layout: FieldLayout,
): number[] {
  const n = candidates.length;
  if (n === 0 || limit <= 0) return [];
  const lambda = 1 - diversity;
  const picks: number[] = [];
  const remaining = new Set<number>();
  for (let i = 0; i < n; i++) remaining.add(i);
  /** The highest similarity of each candidate to any pick so far. */
  const closest = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const distances = new RowDistances(
    kernels,
    layout,
    candidates.map((c) => c.vector),
  );
  try {
    let first = 0;
    for (let i = 1; i < n; i++) if (relevance[i] > relevance[first]) first = i;
    for (let pick = first; ; ) {
      picks.push(pick);
      remaining.delete(pick);
      if (picks.length >= limit || remaining.size === 0) break;
      const fromPick = distances.from(candidates[pick].vector);
      let best = -1;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const i of remaining) {
        closest[i] = Math.max(closest[i], -fromPick[i]);
        const score = lambda * relevance[i] - (1 - lambda) * closest[i];
        if (best < 0 || score > bestScore || (score === bestScore && i < best)) {
          best = i;
          bestScore = score;
        }
      }
      pick = best;
    }
  } finally {
    distances.dispose();
  }
  return picks;
}
