/**
 * The ranking behind `Collection.search` and `searchBatch`: a parsed query (vector, text or
 * both) becomes rows with user-facing scores, best first, and the result window (`offset`,
 * `scoreThreshold`), maximal marginal relevance and grouping are applied to them.
 *
 * Invariants:
 * - `rows(…, k, window)` returns the rows ranked offset+1 … offset+k among those passing the
 *   threshold: it ranks offset + k rows and drops the first `offset`. A row's rank does not
 *   depend on `offset`, so consecutive windows page through one ranking (for exact
 *   searches; approximate indexes may rank a larger request slightly differently).
 * - The threshold is in the scores' own terms: higher-is-better scores (ip, cosine, BM25,
 *   fused) keep score ≥ t, distances (l2, l1, hamming, jaccard) keep score ≤ t.
 */
import { InvalidArgumentError } from '../errors.js';
import type { IndexSearchParams } from '../index/vector-index.js';
import type { SegmentView } from '../segment/segment-view.js';
import type { StoredVectorField } from './collection-config.js';
import type { CollectionStorage } from './collection-storage.js';
import { type Grouped, groupHits } from './grouping.js';
import { fuseBranches } from './hybrid.js';
import { higherIsBetter, scoreOf } from './metric.js';
import { selectByMmr } from './mmr.js';
import type { FusionOptions, MmrSettings, ParsedQuery, ResultWindow } from './query-input.js';
import { type Candidate, type RowScope, topK } from './search.js';
import { topKBatch } from './search-batch.js';
import { type ScoredRow, textTopK } from './text-search.js';

/** How to rank: index parameters, filter scope, fusion, window and MMR. */
export interface RankOptions {
  scope: RowScope;
  params: IndexSearchParams;
  fusion: FusionOptions;
  window: ResultWindow;
  mmr?: MmrSettings;
}

export class RankedSearch {
  constructor(
    private readonly storage: CollectionStorage,
    private readonly fields: readonly StoredVectorField[],
  ) {}

  /**
   * The rows of the window [offset, offset + k) of the ranking of `q`, best first; directly,
   * without a promise, when every segment search ran on this thread (callers `await` either).
   */
  rows(q: ParsedQuery, k: number, o: RankOptions): ScoredRow[] | Promise<ScoredRow[]> {
    const offset = o.window.offset;
    const ranked = this.ranked(q, offset + k, o);
    if (ranked instanceof Promise) return ranked.then((r) => (offset === 0 ? r : r.slice(offset)));
    return offset === 0 ? ranked : ranked.slice(offset);
  }

  /**
   * `finish(rows, q)` of `rows` of each of the vector queries `vectors` of `field` (a
   * `searchBatch`), through one batched search (search-batch.ts; `finish` runs as each query
   * is answered); undefined when the ranking cannot batch (maximal marginal relevance), and
   * the caller ranks query by query.
   */
  rowsBatch<R>(
    field: number,
    vectors: readonly Float32Array[],
    k: number,
    o: RankOptions,
    finish: (rows: ScoredRow[], q: number) => R,
    coalesced = false,
  ): Promise<R[]> | undefined {
    if (o.mmr) return undefined;
    const { offset, scoreThreshold } = o.window;
    const higher = higherIsBetter(this.fields[field].metric);
    const views = this.storage.set.views();
    return topKBatch(
      views,
      field,
      vectors,
      offset + k,
      o.scope,
      o.params,
      (found, q) => {
        const rows = withinThreshold(this.scored(found, field), scoreThreshold, higher);
        return finish(offset === 0 ? rows : rows.slice(offset), q);
      },
      coalesced,
    );
  }

  /**
   * The groups [offset, offset + k) of the ranking of `q` by the values at payload `key`,
   * each of up to `size` rows. More rows are ranked until the groups are full or every
   * point was seen.
   */
  async groups(
    q: ParsedQuery,
    k: number,
    size: number,
    key: string,
    o: RankOptions,
  ): Promise<Grouped<ScoredRow>[]> {
    if (o.mmr) throw new InvalidArgumentError('mmr cannot be combined with groupBy');
    const wanted = o.window.offset + k;
    const total = this.storage.set.count;
    let fetch = Math.max(1, Math.min(total, wanted * size * 4));
    for (;;) {
      const ranked = await this.ranked(q, fetch, o);
      const { groups, complete } = groupHits(
        ranked,
        (r) => r.view.payload(r.offset) ?? undefined,
        key,
        wanted,
        size,
      );
      if (complete || ranked.length < fetch || fetch >= total) return groups.slice(o.window.offset);
      fetch = Math.min(fetch * 4, total);
    }
  }

  /**
   * Vector candidates with the field's user-facing scores: sets each candidate's `score` in
   * place and returns the same array (a candidate is its own row; see `Candidate`).
   */
  scored(found: Candidate[], field: number): ScoredRow[] {
    const metric = this.fields[field].metric;
    for (const c of found) c.score = scoreOf(metric, c.distance);
    return found;
  }

  /**
   * The best `n` rows of `q` that pass the threshold, best first. Hybrid searches rank `n`
   * rows in each branch before fusing them.
   */
  private ranked(q: ParsedQuery, n: number, o: RankOptions): ScoredRow[] | Promise<ScoredRow[]> {
    if (o.mmr) return this.rankedByMmr(q, n, o, o.mmr);
    const views = this.storage.set.views();
    if (!q.vector) return this.fusedWith(undefined, views, q, n, o);
    const found = topK(views, q.field, q.vector, n, o.scope, o.params);
    if (found instanceof Promise) {
      return found.then((f) => this.fusedWith(this.scored(f, q.field), views, q, n, o));
    }
    return this.fusedWith(this.scored(found, q.field), views, q, n, o);
  }

  /** The vector branch's rows (if any) fused with the text branch's (if any), within the threshold. */
  private fusedWith(
    vectorHits: ScoredRow[] | undefined,
    views: readonly SegmentView[],
    q: ParsedQuery,
    n: number,
    o: RankOptions,
  ): ScoredRow[] {
    // The text branch is not limited to points that have the searched vector field.
    const textHits = q.text
      ? textTopK(views, q.text.key, q.text.terms, n, { filter: o.scope.filter })
      : undefined;
    const higher = higherIsBetter(this.fields[q.field].metric);
    if (!textHits) return withinThreshold(vectorHits!, o.window.scoreThreshold, higher);
    if (!vectorHits) return withinThreshold(textHits, o.window.scoreThreshold, true);
    const fused = fuseBranches(vectorHits, textHits, o.fusion, higher, n);
    return withinThreshold(fused, o.window.scoreThreshold, true);
  }

  /** `n` rows picked by maximal marginal relevance among the nearest `mmr.candidates`. */
  private async rankedByMmr(
    q: ParsedQuery,
    n: number,
    o: RankOptions,
    mmr: MmrSettings,
  ): Promise<ScoredRow[]> {
    if (!q.vector || q.text)
      throw new InvalidArgumentError('mmr needs a vector query (not a text or hybrid one)');
    const f = this.fields[q.field];
    const views = this.storage.set.views();
    const found = await topK(views, q.field, q.vector, mmr.candidates, o.scope, o.params);
    const candidates = withinThreshold(
      this.scored(found, q.field),
      o.window.scoreThreshold,
      higherIsBetter(f.metric),
    );
    const vectors = candidates.map((c) => ({ vector: c.view.vector(c.offset, q.field) }));
    // Similarity to the query is the negated kernel distance (the inner product for ip and cosine).
    const relevance = found.slice(0, candidates.length).map((c) => -c.distance);
    const picks = selectByMmr(
      vectors,
      relevance,
      mmr.diversity,
      n,
      this.storage.kernels,
      this.storage.set.layout[q.field],
    );
    return picks.map((i) => candidates[i]);
  }
}

/** The prefix of `rows` (best first) whose scores pass `threshold` (see the module comment). */
export function withinThreshold<T extends { score: number }>(
  rows: T[],
  threshold: number | undefined,
  higher: boolean,
): T[] {
  if (threshold === undefined) return rows;
  let end = 0;
  while (end < rows.length && (higher ? rows[end].score >= threshold : rows[end].score <= threshold)) end++;
  return end === rows.length ? rows : rows.slice(0, end);
}
