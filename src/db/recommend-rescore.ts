/**
 * The `best_score` and `sum_scores` recommendation strategies: candidates are gathered
 * (below), re-scored by their similarities to every example (`bestScore` and `sumScores` in
 * `recommend.ts`) and returned best first, ties in candidate order.
 *
 * Candidates: the nearest points to each positive example; for similarities linear in the
 * candidate (`linear`: ip and cosine, where Σ sim(positive) − Σ sim(negative) is the inner
 * product with Σ positive − Σ negative), also the nearest points by that inner product, so
 * that `sum_scores` finds exactly what an exhaustive scoring would wherever the index is
 * exact. With the `scan` strategy (`exact: true`) every allowed row is a candidate.
 */
import type { IndexSearchParams } from '../index/vector-index.js';
import type { Kernels } from '../kernels/kernels.js';
import type { FieldLayout, SegmentView } from '../segment/segment-view.js';
import { bestScore, sumScores } from './recommend.js';
import { RowDistances } from './row-distances.js';
import { allowedRows, type RowScope, topK } from './search.js';
import type { ScoredRow } from './text-search.js';

export interface RescoreOptions {
  strategy: 'best_score' | 'sum_scores';
  k: number;
  /** Candidates fetched per positive example. */
  pool: number;
  scope: RowScope;
  params: IndexSearchParams;
  /** False for rows that must not be recommended (the examples themselves). */
  keep(row: { view: SegmentView; offset: number }): boolean;
  kernels: Kernels;
  layout: FieldLayout;
  /** Whether similarity is the inner product (ip, cosine), so Σ positive − Σ negative ranks by `sum_scores`. */
  linear: boolean;
}

/** The best `k` rows of `views` by the strategy's rule over the examples' vectors of `field`. */
export async function rankByExamples(
  views: readonly SegmentView[],
  field: number,
  positive: readonly Float32Array[],
  negative: readonly Float32Array[],
  o: RescoreOptions,
): Promise<ScoredRow[]> {
  const candidates = await gather(views, field, positive, negative, o);
  const pos = new RowDistances(o.kernels, o.layout, positive);
  const neg = new RowDistances(o.kernels, o.layout, negative);
  const score = o.strategy === 'best_score' ? bestScore : sumScores;
  // Similarities are "higher is better": negated kernel distances.
  const similarities = (d: RowDistances, v: Float32Array) => Array.from(d.from(v), (x) => -x);
  let rescored: ScoredRow[];
  try {
    rescored = candidates.map((c): ScoredRow => {
      const v = c.view.vector(c.offset, field);
      return { view: c.view, offset: c.offset, score: score(similarities(pos, v), similarities(neg, v)) };
    });
  } finally {
    pos.dispose();
    neg.dispose();
  }
  rescored.sort((a, b) => b.score - a.score);
  return rescored.slice(0, o.k);
}

/** The candidate rows (see the module comment), each once, that `keep` accepts. */
async function gather(
  views: readonly SegmentView[],
  field: number,
  positive: readonly Float32Array[],
  negative: readonly Float32Array[],
  o: RescoreOptions,
): Promise<{ view: SegmentView; offset: number }[]> {
  const out: { view: SegmentView; offset: number }[] = [];
  if (o.params.strategy === 'scan') {
    for (const view of views) {
      if (view.liveCount === 0) continue;
      const allowed = allowedRows(view, o.scope);
      for (let offset = 0; offset < view.rows; offset++) {
        if ((allowed === undefined || allowed.has(offset)) && o.keep({ view, offset }))
          out.push({ view, offset });
      }
    }
    return out;
  }
  const queries = [...positive];
  if (o.linear && o.strategy === 'sum_scores') queries.push(difference(positive, negative));
  const seen = new Set<string>();
  for (const query of queries) {
    for (const c of await topK(views, field, query, o.pool, o.scope, o.params)) {
      const key = `${typeof c.view.id(c.offset)}:${c.view.id(c.offset)}`;
      if (seen.has(key) || !o.keep(c)) continue;
      seen.add(key);
      out.push({ view: c.view, offset: c.offset });
    }
  }
  return out;
}

/** Σ positive − Σ negative. */
function difference(positive: readonly Float32Array[], negative: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(positive[0].length);
  for (const v of positive) for (let i = 0; i < out.length; i++) out[i] += v[i];
  for (const v of negative) for (let i = 0; i < out.length; i++) out[i] -= v[i];
  return out;
}
