/**
 * The `best_score` recommendation strategy: candidates are the nearest points to each
 * positive example, re-scored by their best similarity to any example (`bestScore` in
 * `recommend.ts`), best first.
 */
import { FlatIndex } from '../index/flat-index.js';
import type { IndexSearchParams } from '../index/vector-index.js';
import type { Kernels } from '../kernels/kernels.js';
import type { FieldLayout, SegmentView } from '../segment/segment-view.js';
import { bestScore } from './recommend.js';
import { type Candidate, type RowScope, topK } from './search.js';
import type { ScoredRow } from './text-search.js';

export interface BestScoreOptions {
  k: number;
  /** Candidates fetched per positive example. */
  pool: number;
  scope: RowScope;
  params: IndexSearchParams;
  /** False for rows that must not be recommended (the examples themselves). */
  keep(row: { view: SegmentView; offset: number }): boolean;
  kernels: Kernels;
  layout: FieldLayout;
}

/** The best `k` rows of `views` by the best-score rule over the examples' vectors of `field`. */
export async function rankByBestScore(
  views: readonly SegmentView[],
  field: number,
  positive: readonly Float32Array[],
  negative: readonly Float32Array[],
  o: BestScoreOptions,
): Promise<ScoredRow[]> {
  const candidates = new Map<string, Candidate>();
  for (const example of positive) {
    for (const c of await topK(views, field, example, o.pool, o.scope, o.params)) {
      if (o.keep(c)) candidates.set(`${c.view.id(c.offset)}`, c);
    }
  }
  const pos = similarities(o.kernels, o.layout, positive);
  const neg = similarities(o.kernels, o.layout, negative);
  let rescored: ScoredRow[];
  try {
    rescored = [...candidates.values()].map((c): ScoredRow => {
      const v = c.view.vector(c.offset, field);
      return { view: c.view, offset: c.offset, score: bestScore(pos.of(v), neg.of(v)) };
    });
  } finally {
    pos.dispose();
    neg.dispose();
  }
  rescored.sort((a, b) => b.score - a.score);
  return rescored.slice(0, o.k);
}

/** Similarities ("higher is better": negated distances) of a vector to each example. */
function similarities(kernels: Kernels, layout: FieldLayout, examples: readonly Float32Array[]) {
  const index = new FlatIndex(kernels, layout.dimension, layout.distance);
  if (examples.length > 0) index.add(concatRows(examples, layout.dimension));
  return {
    of: (v: Float32Array) =>
      examples.length === 0 ? [] : Array.from(index.search(v, examples.length).distances, (d) => -d),
    dispose: () => index.dispose(),
  };
}

/** Rows of `dimension` floats, one after the other. */
function concatRows(rows: readonly Float32Array[], dimension: number): Float32Array {
  const out = new Float32Array(rows.length * dimension);
  rows.forEach((row, i) => {
    out.set(row, i * dimension);
  });
  return out;
}
