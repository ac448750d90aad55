/**
 * Explained results (`search(…, { explain: true })`): a second pass over the final hits of a
 * search that says how each was found and scored, so a search that does not ask pays
 * nothing — no tracing is threaded through the hot loops.
 *
 * Per hit: the path through its segment (`explain-path.ts`, re-derived from the planner's
 * inputs once per segment), its distances (the ranked one, the exact one recomputed on the
 * stored vector, and for quantized indexes the codes' one: `explain-score.ts`), its BM25
 * terms (`InvertedIndex.explainRow`, the same arithmetic as the search), the fusion's
 * arithmetic for hybrid searches (`explain-fusion.ts`, over the two branch lists ranked
 * again with the same inputs), and how each filter condition is answered
 * (`explain-filter.ts`).
 *
 * Explanations read the collection as it is when the pass runs, just after the search: a
 * write landing between the two may make a hybrid hit's branch ranks differ from those the
 * search fused. The hits themselves are never changed.
 */
import { InvalidArgumentError } from '../errors.js';
import type { IndexSearchParams } from '../index/vector-index.js';
import type { SegmentView } from '../segment/segment-view.js';
import { bm25Stats, type InvertedIndex } from '../text/inverted-index.js';
import type { StoredVectorField } from './collection-config.js';
import type { CollectionStorage } from './collection-storage.js';
import { explainFilter } from './explain-filter.js';
import { type BranchList, explainFusion } from './explain-fusion.js';
import { explainSegmentPath, ivfListOf } from './explain-path.js';
import { approximateDistance, kernelDistance } from './explain-score.js';
import type {
  Bm25Explanation,
  HitExplanation,
  SearchPathExplanation,
  VectorScoreExplanation,
} from './explain-types.js';
import { higherIsBetter, scoreOf } from './metric.js';
import type { ParsedQuery } from './query-input.js';
import type { RankOptions } from './ranked-search.js';
import { topK } from './search.js';
import { type ScoredRow, textTopK } from './text-search.js';
import type { Hit } from './types.js';
import { describe } from './validate.js';

/** What the explanation pass reads of a collection. */
export interface ExplainSource {
  storage: CollectionStorage;
  fields: readonly StoredVectorField[];
}

/** A finished search as the explanation pass redoes its decisions: query, rows ranked per branch, options. */
export interface ExplainedSearch {
  q: ParsedQuery;
  /** The rows the search ranked per branch (`rankedCount`). */
  n: number;
  rank: RankOptions;
}

/** Sets `explain` on each of `hits` (made from `rows`, in the same order) of `search`; returns `hits`. */
export async function explainHits(
  source: ExplainSource,
  hits: Hit[],
  rows: readonly ScoredRow[],
  search: ExplainedSearch,
): Promise<Hit[]> {
  const explanations = await new HitExplainer(source, search.q, search.n, search.rank).explain(rows);
  hits.forEach((hit, i) => {
    hit.explain = explanations[i];
  });
  return hits;
}

/**
 * Whether search options ask for explanations (`explain: true`).
 * @throws InvalidArgumentError for a non-boolean `explain`, or `explain` with `groupBy`.
 */
export function wantsExplain(opts: { explain?: unknown; groupBy?: unknown }): boolean {
  if (opts.explain === undefined || opts.explain === false) return false;
  if (opts.explain !== true)
    throw new InvalidArgumentError(`explain must be a boolean, got ${describe(opts.explain)}`);
  if (opts.groupBy !== undefined) throw new InvalidArgumentError('explain cannot be combined with groupBy');
  return true;
}

/** The rows a search ranked per branch for a window of `k` (what `RankedSearch` asked its branches for). */
export function rankedCount(o: RankOptions, k: number): number {
  return o.mmr ? o.mmr.candidates : o.window.offset + k;
}

/** The explanations of one search's hits; caches what is per segment or per query. */
class HitExplainer {
  private readonly views: SegmentView[];
  private readonly paths = new Map<SegmentView, SearchPathExplanation>();
  private textStats?: ReturnType<typeof bm25Stats>;
  private branches?: BranchList[];

  constructor(
    private readonly source: ExplainSource,
    private readonly q: ParsedQuery,
    private readonly n: number,
    private readonly o: RankOptions,
  ) {
    this.views = source.storage.set.views();
  }

  async explain(rows: readonly ScoredRow[]): Promise<HitExplanation[]> {
    const hybrid = this.q.vector !== undefined && this.q.text !== undefined;
    if (hybrid && this.branches === undefined) this.branches = await this.branchLists();
    return rows.map((row) => {
      const kind = hybrid ? 'hybrid' : this.q.text ? 'text' : 'vector';
      const out: HitExplanation = { kind };
      const id = row.view.id(row.offset);
      if (this.q.vector) {
        const vectorList = this.branches?.[0];
        const at = vectorList ? vectorList.ids.indexOf(id) : -1;
        const score = vectorList ? (at >= 0 ? vectorList.scores[at] : undefined) : row.score;
        if (score !== undefined) {
          out.path = this.path(row, this.q.vector);
          out.vector = this.vectorScore(row, this.q.vector, score, out.path);
        }
      }
      if (this.q.text) out.text = this.bm25(row, this.q.text);
      if (hybrid) out.fusion = explainFusion(id, this.branches as BranchList[], this.o.fusion);
      if (this.o.scope.filter) out.filter = explainFilter(this.o.scope.filter, row.view, row.offset);
      return out;
    });
  }

  /** The search path through the hit's segment; IVF adds the hit's own list. */
  private path(row: ScoredRow, query: Float32Array): SearchPathExplanation {
    let path = this.paths.get(row.view);
    if (path === undefined) {
      const position = this.views.indexOf(row.view);
      const params: IndexSearchParams = this.o.params;
      path = explainSegmentPath(row.view, position, this.q.field, this.n, this.o.scope, params);
      this.paths.set(row.view, path);
    }
    if (path.method !== 'ivf-probe') return path;
    const index = row.view.fieldIndex(this.q.field);
    const listed = ivfListOf(index, query, row.view.vector(row.offset, this.q.field));
    if (!listed) return path;
    const fallback = path.nprobe !== undefined && listed.listRank > path.nprobe;
    return fallback
      ? {
          ...path,
          ...listed,
          method: 'ivf-fallback-scan',
          reason: `IVF: the ${path.nprobe} nearest lists held fewer than k allowed rows; the allowed rows were scanned exactly`,
        }
      : { ...path, ...listed };
  }

  private vectorScore(
    row: ScoredRow,
    query: Float32Array,
    score: number,
    path: SearchPathExplanation,
  ): VectorScoreExplanation {
    const f = this.source.fields[this.q.field];
    const kernels = this.source.storage.kernels;
    const kind = this.source.storage.set.layout[this.q.field].distance;
    const distance = higherIsBetter(f.metric) ? -score : score;
    const stored = row.view.vector(row.offset, this.q.field);
    const out: VectorScoreExplanation = {
      metric: f.metric,
      distance,
      exactDistance: kernelDistance(kernels, kind, query, stored),
      conversion: higherIsBetter(f.metric) ? 'score = -distance' : 'score = distance',
      score: scoreOf(f.metric, distance),
    };
    if (path.partition === undefined) {
      const approximate = approximateDistance(
        row.view.fieldIndex(this.q.field),
        kernels,
        query,
        row.offset,
        stored,
      );
      if (approximate !== undefined) out.approximateDistance = approximate;
    }
    return out;
  }

  /** The BM25 terms of the hit's text (statistics over every segment, as `textTopK`). */
  private bm25(row: ScoredRow, text: { key: string; terms: string[] }): Bm25Explanation | undefined {
    const index = row.view.payloadIndex.textIndex(text.key);
    if (!index) return undefined;
    this.textStats ??= bm25Stats(
      this.views.flatMap((view) => {
        const part = view.payloadIndex.textIndex(text.key);
        return part && view.liveCount > 0 ? [{ index: part as InvertedIndex, live: view.liveRows() }] : [];
      }),
      text.terms,
    );
    const stats = this.textStats;
    const split = index.explainRow(text.terms, row.offset, stats);
    let score = 0;
    for (const term of split.terms) score += term.contribution;
    return {
      field: text.key,
      docCount: stats.docCount,
      avgLength: stats.avgLength,
      docLength: split.docLength,
      k1: split.k1,
      b: split.b,
      terms: split.terms,
      score,
    };
  }

  /** The vector and text lists of a hybrid search, ranked again with the search's inputs. */
  private async branchLists(): Promise<BranchList[]> {
    const q = this.q;
    const metric = this.source.fields[q.field].metric;
    const found = await topK(
      this.views,
      q.field,
      q.vector as Float32Array,
      this.n,
      this.o.scope,
      this.o.params,
    );
    const text = q.text as { key: string; terms: string[] };
    const textRows = textTopK(this.views, text.key, text.terms, this.n, { filter: this.o.scope.filter });
    return [
      {
        branch: 'vector',
        ids: found.map((c) => c.view.id(c.offset)),
        scores: found.map((c) => scoreOf(metric, c.distance)),
        higherIsBetter: higherIsBetter(metric),
        weight: this.o.fusion.vectorWeight,
      },
      {
        branch: 'text',
        ids: textRows.map((r) => r.view.id(r.offset)),
        scores: textRows.map((r) => r.score),
        higherIsBetter: true,
        weight: this.o.fusion.textWeight,
      },
    ];
  }
}
