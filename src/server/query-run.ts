/**
 * Qdrant's universal query API (`/points/query`) on the engine.
 *
 * A request is a stage: an optional `query`, optional `prefetch` stages (nested), a
 * `filter`, `using`, `params`, `score_threshold` and `limit`. A stage with prefetches runs
 * them first; their results are its candidates:
 * - `{ fusion: 'rrf' | 'dbsf' }` (or `{ rrf: { k } }`) fuses the prefetches' ranked lists
 *   (`fuseHitLists`; Qdrant's RRF scores 1 / (k + position from 0), default k = 2);
 * - any other query re-scores only the candidates: it runs as an exact search restricted to
 *   their ids (a `has_id` condition) and the stage's filter;
 * - no query returns the prefetches' results, in order, each point once.
 * A stage's filter also applies to its prefetches (Qdrant's rule: the filter of a query
 * holds for all it is computed from). Queries: a vector or `{ nearest }` (with `mmr`, the
 * engine's maximal marginal relevance), a point id (its vector; the point itself is left
 * out), `{ recommend }`, `{ order_by }`, and Quiver's `{ text, text_field }` (BM25).
 *
 * Scores stay in the engine's terms until the answer is written (`distance.ts`); a stage
 * remembers whether its scores are a metric's distances, so fusion and thresholds read them
 * the right way round.
 */

import { type BranchList, explainFusion } from '../db/explain-fusion.js';
import { fuseHitLists } from '../db/fusion.js';
import type {
  Collection,
  Hit,
  Metric,
  PointId,
  RecommendOptions,
  ScrollOptions,
  SearchOptions,
} from '../db/types.js';
import { InvalidArgumentError } from '../errors.js';
import type { Filter } from '../payload/filter.js';
import { engineThreshold, fieldMetric, lowerIsBetter } from './distance.js';
import { canonicalFilter, canonicalId } from './point-ids.js';
import { rerankOf } from './quantization-params.js';
import type { SearchParamsBody } from './search-run.js';
import { examplesOf, strategyOf } from './search-run.js';

type Dense = number[];
type OrderByBody = string | { key: string; direction?: 'asc' | 'desc'; start_from?: number | string };

export type QueryBody =
  | Dense
  | PointId
  | { nearest: Dense | PointId; mmr?: { diversity?: number; candidates_limit?: number } }
  | {
      recommend: {
        positive?: (Dense | PointId)[];
        negative?: (Dense | PointId)[];
        strategy?: 'average_vector' | 'best_score' | 'sum_scores';
      };
    }
  | { fusion: 'rrf' | 'dbsf' }
  | { rrf: { k?: number } }
  | { order_by: OrderByBody }
  | { text: string; text_field: string };

export interface Stage {
  prefetch?: Stage | Stage[];
  query?: QueryBody;
  using?: string;
  filter?: unknown;
  params?: SearchParamsBody;
  score_threshold?: number;
  limit?: number;
}

/** A stage's answer: hits in the engine's terms, and how to read their scores. */
export interface Ranked {
  hits: Hit[];
  /** Set when the scores are this metric's (converted for the answer, compared its way). */
  metric?: Metric;
}

/** What the top stage returns of each point; inner stages return ids and scores only. */
export interface Wanted {
  withPayload: boolean;
  withVector: boolean;
  /** Quiver extension: explain the top stage's hits (vector, nearest and text queries; fusion of prefetches). */
  explain?: boolean;
}

const NOTHING: Wanted = { withPayload: false, withVector: false };

function and(a: Filter | undefined, b: Filter | undefined): Filter | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { must: [a, b] } as unknown as Filter;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isId = (v: unknown): v is PointId => typeof v === 'string' || typeof v === 'number';

/**
 * Runs a stage: its best `limit` hits after `offset`. `outer`: the filter of the stages
 * above, which holds here too.
 */
export async function runStage(
  collection: Collection,
  stage: Stage,
  limit: number,
  offset: number,
  wanted: Wanted,
  outer?: Filter,
): Promise<Ranked> {
  const filter = and(
    outer,
    stage.filter === undefined ? undefined : (canonicalFilter(stage.filter) as Filter),
  );
  const prefetches = list(stage.prefetch);
  const inner =
    prefetches.length === 0
      ? undefined
      : await Promise.all(prefetches.map((p) => runStage(collection, p, p.limit ?? 10, 0, NOTHING, filter)));
  const query = stage.query;
  const threshold = stage.score_threshold;

  if (typeof query === 'object' && query !== null && ('fusion' in query || 'rrf' in query)) {
    if (inner === undefined)
      throw new InvalidArgumentError('query: fusion needs prefetch (the lists to fuse)');
    const method = 'fusion' in query ? query.fusion : 'rrf';
    const k = 'rrf' in query ? (query.rrf.k ?? 2) : 2;
    const hits = fuseHitLists(
      inner.map((r) => ({
        hits: r.hits,
        higherIsBetter: r.metric === undefined || !lowerIsBetter(r.metric),
      })),
      {
        method,
        ...(method === 'rrf' ? { rrfK: Math.max(0, k - 1) } : {}),
        offset,
        limit,
        scoreThreshold: threshold,
      },
    );
    if (wanted.explain) explainFused(hits, inner, method, method === 'rrf' ? Math.max(0, k - 1) : 0);
    return { hits: await withOutput(collection, hits, wanted) };
  }
  if (query === undefined) {
    if (inner === undefined) {
      const page = await collection.scroll(scrollOptions(limit + offset, filter, wanted));
      return { hits: page.points.slice(offset).map((p) => ({ ...p, score: 0 })) };
    }
    const seen = new Set<PointId>();
    const hits = inner.flatMap((r) => r.hits).filter((h) => !seen.has(h.id) && seen.add(h.id) !== undefined);
    return {
      hits: await withOutput(collection, hits.slice(offset, offset + limit), wanted),
      metric: inner[0]?.metric,
    };
  }

  // The query re-scores the prefetches' candidates, or searches the whole collection.
  let scope = filter;
  let exact = stage.params?.exact;
  if (inner !== undefined) {
    const ids = [...new Set(inner.flatMap((r) => r.hits.map((h) => h.id)))];
    if (ids.length === 0) return { hits: [] };
    scope = and(filter, { must: [{ has_id: ids }] } as unknown as Filter);
    exact = true;
  }
  return runQuery(collection, stage, query, { limit, offset, filter: scope, exact, threshold, wanted });
}

interface QueryRun {
  limit: number;
  offset: number;
  filter?: Filter;
  exact?: boolean;
  threshold?: number;
  wanted: Wanted;
}

async function runQuery(
  collection: Collection,
  stage: Stage,
  query: QueryBody,
  r: QueryRun,
): Promise<Ranked> {
  const using = stage.using;
  if (typeof query === 'object' && !Array.isArray(query) && 'order_by' in query) {
    const options = scrollOptions(r.limit + r.offset, r.filter, r.wanted);
    options.orderBy = orderByOf(query.order_by);
    const page = await collection.scroll(options);
    return { hits: page.points.slice(r.offset).map((p) => ({ ...p, score: 0 })) };
  }
  if (typeof query === 'object' && !Array.isArray(query) && 'text' in query) {
    const options = searchOptions(stage, r, undefined);
    const hits = await collection.search({ text: query.text, textField: query.text_field }, options);
    return { hits };
  }
  const metric = await fieldMetric(collection, using);
  if (typeof query === 'object' && !Array.isArray(query) && 'recommend' in query) {
    const strategy = strategyOf(query.recommend.strategy);
    const scored = strategy === 'average' ? metric : undefined;
    const s = searchOptions(stage, r, scored);
    const options: RecommendOptions = {
      k: s.k,
      offset: s.offset,
      strategy,
      withPayload: r.wanted.withPayload,
      withVector: r.wanted.withVector,
    };
    for (const key of ['filter', 'using', 'ef', 'exact', 'scoreThreshold'] as const) {
      if (s[key] !== undefined) (options as Record<string, unknown>)[key] = s[key];
    }
    const hits = await collection.recommend(examplesOf(query.recommend), options);
    return { hits, metric: scored };
  }
  const nearest =
    typeof query === 'object' && !Array.isArray(query) && 'nearest' in query ? query.nearest : query;
  const mmr = typeof query === 'object' && !Array.isArray(query) && 'mmr' in query ? query.mmr : undefined;
  const options = searchOptions(stage, r, metric);
  if (mmr !== undefined) {
    options.mmr = {};
    if (mmr.diversity !== undefined) options.mmr.diversity = mmr.diversity;
    if (mmr.candidates_limit !== undefined) options.mmr.candidates = mmr.candidates_limit;
  }
  let vector = nearest as Dense;
  if (isId(nearest)) {
    const id = canonicalId(nearest) as PointId;
    vector = await vectorOf(collection, id, using);
    options.filter = {
      must: options.filter === undefined ? [] : [options.filter],
      must_not: [{ has_id: [id] }],
    } as unknown as Filter;
  }
  const hits = await collection.search(vector, options);
  return { hits, metric };
}

function searchOptions(stage: Stage, r: QueryRun, metric: Metric | undefined): SearchOptions {
  const options: SearchOptions = {
    k: r.limit,
    offset: r.offset,
    withPayload: r.wanted.withPayload,
    withVector: r.wanted.withVector,
  };
  if (stage.using !== undefined) options.using = stage.using;
  if (r.filter !== undefined) options.filter = r.filter;
  if (r.exact !== undefined) options.exact = r.exact;
  const p = stage.params;
  if (p?.hnsw_ef !== undefined) options.ef = p.hnsw_ef;
  if (p?.nprobe !== undefined) options.nprobe = p.nprobe;
  if (p?.search_k !== undefined) options.searchK = p.search_k;
  const rerank = rerankOf(p, r.limit);
  if (rerank !== undefined) options.rerank = rerank;
  if (r.wanted.explain) options.explain = true;
  if (r.threshold !== undefined) {
    options.scoreThreshold = metric === undefined ? r.threshold : engineThreshold(metric, r.threshold);
  }
  return options;
}

function scrollOptions(limit: number, filter: Filter | undefined, wanted: Wanted): ScrollOptions {
  const options: ScrollOptions = { limit, ...wanted };
  if (filter !== undefined) options.filter = filter;
  return options;
}

function orderByOf(orderBy: OrderByBody): ScrollOptions['orderBy'] {
  if (typeof orderBy === 'string') return orderBy;
  const out: ScrollOptions['orderBy'] = { key: orderBy.key };
  if (orderBy.direction !== undefined) out.direction = orderBy.direction;
  if (orderBy.start_from !== undefined) out.startFrom = orderBy.start_from;
  return out;
}

/** The stored vector of point `id` in field `using`, for a query by id. */
async function vectorOf(collection: Collection, id: PointId, using: string | undefined): Promise<Dense> {
  const [point] = await collection.get([id], { withPayload: false, withVector: true });
  const v =
    point === undefined
      ? undefined
      : using === undefined
        ? (point.vector ?? Object.values(point.vectors ?? {})[0])
        : point.vectors?.[using];
  if (v === undefined) {
    throw new InvalidArgumentError(
      `query: point ${JSON.stringify(id)} not found${using === undefined ? '' : ` (or has no vector ${using})`}`,
    );
  }
  return Array.from(v);
}

/** Hits with the payloads and vectors the answer wants (fused and merged lists come without them). */
async function withOutput(collection: Collection, hits: Hit[], wanted: Wanted): Promise<Hit[]> {
  if (!wanted.withPayload && !wanted.withVector) return hits;
  const points = new Map(
    (
      await collection.get(
        hits.map((h) => h.id),
        wanted,
      )
    ).map((p) => [p.id, p]),
  );
  return hits
    .filter((h) => points.has(h.id))
    .map((h) => ({
      ...points.get(h.id)!,
      id: h.id,
      score: h.score,
      ...(h.explain === undefined ? {} : { explain: h.explain }),
    }));
}

/** Sets each fused hit's `explain`: its rank, score and contribution in each prefetch's list. */
function explainFused(hits: Hit[], inner: readonly Ranked[], method: 'rrf' | 'dbsf', rrfK: number): void {
  const lists: BranchList[] = inner.map((r, i) => ({
    branch: `prefetch[${i}]`,
    ids: r.hits.map((h) => h.id),
    scores: r.hits.map((h) => h.score),
    higherIsBetter: r.metric === undefined || !lowerIsBetter(r.metric),
    weight: 1,
  }));
  for (const hit of hits) {
    hit.explain = { kind: 'fusion', fusion: explainFusion(hit.id, lists, { fusion: method, rrfK }) };
  }
}
