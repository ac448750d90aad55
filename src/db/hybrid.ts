/**
 * Hybrid search: merging the ranked lists of a vector search and a text search into one,
 * by reciprocal-rank fusion, by weighted min-max normalized scores or by distribution-based
 * score fusion (weighted, mean ± 3σ normalized scores). A point found by both
 * branches appears once.
 */
import { fuseDbsf, fuseRrf, fuseWeighted } from '../text/fusion.js';
import type { FusionOptions } from './query-input.js';
import type { ScoredRow } from './text-search.js';
import type { PointId } from './types.js';

/**
 * The best `k` of two ranked lists (best first), scored by the fusion: `vectorHigherIsBetter`
 * tells which way the vector list's scores point (text scores are BM25, higher is better).
 */
export function fuseBranches(
  vectorHits: readonly ScoredRow[],
  textHits: readonly ScoredRow[],
  fusion: FusionOptions,
  vectorHigherIsBetter: boolean,
  k: number,
): ScoredRow[] {
  const byId = new Map<PointId, ScoredRow>();
  for (const row of [...vectorHits, ...textHits]) byId.set(row.view.id(row.offset), row);
  const idsOf = (rows: readonly ScoredRow[]) => rows.map((r) => r.view.id(r.offset));
  const scored = [
    {
      keys: idsOf(vectorHits),
      scores: vectorHits.map((r) => r.score),
      higherIsBetter: vectorHigherIsBetter,
      weight: fusion.vectorWeight,
    },
    {
      keys: idsOf(textHits),
      scores: textHits.map((r) => r.score),
      higherIsBetter: true,
      weight: fusion.textWeight,
    },
  ];
  const fused =
    fusion.fusion === 'rrf'
      ? fuseRrf(scored, fusion.rrfK)
      : fusion.fusion === 'dbsf'
        ? fuseDbsf(scored)
        : fuseWeighted(scored);
  return fused.slice(0, k).map(({ key, score }) => ({ ...byId.get(key)!, score }));
}
