/**
 * Searches and recommendations as Qdrant's bodies ask for them, run on the engine: the
 * body's vector (`[...]`, `{ name, vector }`), Quiver's text and raw-input extensions, its
 * `params` and output options become the engine's query and options; the answer is cut to
 * `offset`…`offset + limit`, held to `score_threshold`, and scored in Qdrant's conventions.
 *
 * `offset` and `score_threshold` are applied here, over the engine's best `offset + limit`:
 * the same points the engine would return for them, in the same order (its hits are
 * ranked by score), so this holds whatever the engine's own options are.
 */

import type {
  Collection,
  Hit,
  HitGroup,
  Metric,
  PointId,
  RecommendOptions,
  RecommendQuery,
  SearchOptions,
  SearchQuery,
  VectorInput,
} from '../db/types.js';
import { InvalidArgumentError } from '../errors.js';
import type { Filter } from '../payload/filter.js';
import type { VectorEncoding, WireVector } from '../wire/format.js';
import { type Output, requestVector, wireGroup, wireHit } from './convert.js';
import { fieldMetric, lowerIsBetter } from './distance.js';
import { canonicalFilter, canonicalId } from './point-ids.js';
import { projection, type WithPayload, type WithVector } from './projection.js';
import { type QuantizationParamsBody, rerankOf } from './quantization-params.js';
import { checkBareText, fieldProviders, rawInputs, reservedQueryKeys } from './raw-inputs.js';

export interface SearchParamsBody {
  hnsw_ef?: number;
  exact?: boolean;
  nprobe?: number;
  search_k?: number;
  rerank?: number;
  quantization?: QuantizationParamsBody | null;
}

/** What every search body has. */
export interface CommonBody {
  filter?: unknown;
  params?: SearchParamsBody;
  limit?: number;
  /** The old name of `limit`. */
  top?: number;
  offset?: number;
  with_payload?: WithPayload;
  with_vector?: WithVector;
  score_threshold?: number;
  vector_encoding?: VectorEncoding;
  /** Quiver extension (search and query bodies): each hit carries `explain` (see `HitExplanation`). */
  explain?: boolean;
}

export interface SearchBody extends CommonBody {
  vector?: WireVector | { name: string; vector: WireVector };
  using?: string;
  text?: string;
  text_field?: string;
  inputs?: Record<string, string>;
  fusion?: 'rrf' | 'weighted' | 'dbsf';
  rrf_k?: number;
  weights?: { vector?: number; text?: number };
}

export type Example = PointId | number[] | { vector: WireVector };

export interface RecommendBody extends CommonBody {
  positive?: Example[];
  negative?: Example[];
  strategy?: 'average_vector' | 'best_score' | 'sum_scores';
  using?: string;
}

export interface GroupsBody {
  group_by: string;
  group_size?: number;
}

/** How the scores of a result read: as the metric's (vector scores) or as higher-is-better (fused, BM25, best_score). */
export type ScoreKind = { metric: Metric } | { metric: undefined };

export function outputOf(body: CommonBody, payloadDefault: boolean): Output {
  return {
    projection: projection(body.with_payload, body.with_vector, payloadDefault),
    encoding: body.vector_encoding,
  };
}

/** The engine options every search shares: effort, filter, what to return. */
export function commonOptions(body: CommonBody, out: Output, k: number): SearchOptions {
  const options: SearchOptions = {
    k,
    withPayload: out.projection.withPayload,
    withVector: out.projection.withVector,
  };
  if (body.filter !== undefined) options.filter = canonicalFilter(body.filter) as Filter;
  const p = body.params;
  if (p?.hnsw_ef !== undefined) options.ef = p.hnsw_ef;
  if (p?.exact !== undefined) options.exact = p.exact;
  if (p?.nprobe !== undefined) options.nprobe = p.nprobe;
  if (p?.search_k !== undefined) options.searchK = p.search_k;
  const rerank = rerankOf(p, k);
  if (rerank !== undefined) options.rerank = rerank;
  return options;
}

/** The engine query of a search body, the field it searches, and whether its scores are the metric's. */
export async function searchQuery(
  collection: Collection,
  body: SearchBody,
): Promise<{
  query: VectorInput | SearchQuery | Record<string, unknown>;
  using?: string;
  vectorScores: boolean;
}> {
  let vector: VectorInput | undefined;
  let using = body.using;
  if (body.vector !== undefined) {
    if (typeof body.vector === 'object' && !Array.isArray(body.vector)) {
      using = body.vector.name;
      vector = requestVector(body.vector.vector, 'vector.vector');
    } else {
      vector = requestVector(body.vector, 'vector');
    }
  }
  const hasText = body.text !== undefined || body.text_field !== undefined;
  if (!hasText && body.inputs === undefined) {
    return { query: vector ?? missingVector(), using, vectorScores: true };
  }
  const query: SearchQuery & Record<string, unknown> = {};
  if (vector !== undefined) query.vector = vector;
  if (using !== undefined) query.using = using;
  if (body.text !== undefined) query.text = body.text;
  if (body.text_field !== undefined) query.textField = body.text_field;
  const needsProviders =
    body.inputs !== undefined || (body.text !== undefined && body.text_field === undefined);
  if (needsProviders) {
    const providers = await fieldProviders(collection);
    checkBareText({ text: body.text, textField: body.text_field }, providers);
    if (body.inputs !== undefined) {
      Object.assign(
        query,
        rawInputs(
          body.inputs,
          providers,
          reservedQueryKeys({ text: body.text, textField: body.text_field }),
          'inputs',
        ),
      );
    }
  }
  // A text with a text field is BM25 (alone or fused with a vector): not the metric's score.
  const vectorScores = body.text_field === undefined;
  return { query, using, vectorScores };
}

function missingVector(): never {
  throw new InvalidArgumentError(
    'vector: is required (or, as Quiver extensions, text with text_field, or inputs)',
  );
}

/** Runs a search body (or a groups body) on the engine; the answer in Qdrant's shape. */
export async function runSearch(collection: Collection, body: SearchBody): Promise<unknown[]> {
  const out = outputOf(body, false);
  const { query, using, vectorScores } = await searchQuery(collection, body);
  const offset = body.offset ?? 0;
  const options = searchOptions(body, out, limitOf(body) + offset, using);
  const metric = vectorScores ? await fieldMetric(collection, using) : undefined;
  const hits = await collection.search(query as VectorInput, options);
  return finish(hits, offset, body.score_threshold, metric, out);
}

/**
 * A batch of searches. When they differ only in their vectors (the common case, and what
 * `quiverdb/client`'s `searchBatch` sends), they run as one engine `searchBatch`, which
 * spreads the queries over the worker pool; otherwise one search each, concurrently.
 */
export async function runSearchBatch(collection: Collection, searches: SearchBody[]): Promise<unknown[][]> {
  const rest = (s: SearchBody) => {
    const { vector, ...others } = s;
    const name = typeof vector === 'object' && !Array.isArray(vector) ? vector.name : undefined;
    return JSON.stringify({ ...others, name });
  };
  const plain = (s: SearchBody) =>
    s.explain !== true &&
    s.vector !== undefined &&
    s.text === undefined &&
    s.text_field === undefined &&
    s.inputs === undefined;
  if (
    searches.length < 2 ||
    !searches.every(plain) ||
    !searches.every((s) => rest(s) === rest(searches[0]))
  ) {
    return Promise.all(searches.map((s) => runSearch(collection, s)));
  }
  const first = searches[0];
  const queries = await Promise.all(searches.map((s) => searchQuery(collection, s)));
  const out = outputOf(first, false);
  const offset = first.offset ?? 0;
  const using = queries[0].using;
  const options = searchOptions(first, out, limitOf(first) + offset, using);
  const metric = await fieldMetric(collection, using);
  const results = await collection.searchBatch(
    queries.map((q) => q.query as VectorInput),
    options,
  );
  return results.map((hits) => finish(hits, offset, first.score_threshold, metric, out));
}

export async function runSearchGroups(collection: Collection, body: SearchBody & GroupsBody) {
  const out = outputOf(body, false);
  const { query, using, vectorScores } = await searchQuery(collection, body);
  const options = searchOptions(body, out, limitOf(body), using);
  options.groupBy = body.group_by;
  if (body.group_size !== undefined) options.groupSize = body.group_size;
  const metric = vectorScores ? await fieldMetric(collection, using) : undefined;
  const groups = await collection.search(
    query as VectorInput,
    options as SearchOptions & { groupBy: string },
  );
  return { groups: finishGroups(groups, body.score_threshold, metric, out) };
}

function searchOptions(body: SearchBody, out: Output, k: number, using: string | undefined): SearchOptions {
  const options = commonOptions(body, out, k);
  if (using !== undefined) options.using = using;
  if (body.fusion !== undefined) options.fusion = body.fusion as SearchOptions['fusion'];
  if (body.rrf_k !== undefined) options.rrfK = body.rrf_k;
  if (body.weights !== undefined) options.weights = body.weights;
  if (body.explain !== undefined) options.explain = body.explain;
  return options;
}

/** The examples of a recommend body for the engine: ids canonicalized, vectors converted. */
export function examplesOf(body: { positive?: Example[]; negative?: Example[] }): RecommendQuery {
  const convert = (examples: Example[], where: string): (PointId | VectorInput)[] =>
    examples.map((e, i) =>
      typeof e === 'object' && !Array.isArray(e)
        ? requestVector(e.vector, `${where}[${i}].vector`)
        : Array.isArray(e)
          ? e
          : (canonicalId(e) as PointId),
    );
  const query: RecommendQuery = { positive: convert(body.positive ?? [], 'positive') };
  if (body.negative !== undefined) query.negative = convert(body.negative, 'negative');
  return query;
}

/** The engine's strategy of a Qdrant one. */
export function strategyOf(strategy: RecommendBody['strategy']): RecommendOptions['strategy'] {
  return (
    strategy === undefined || strategy === 'average_vector' ? 'average' : strategy
  ) as RecommendOptions['strategy'];
}

export async function runRecommend(collection: Collection, body: RecommendBody): Promise<unknown[]> {
  const out = outputOf(body, false);
  const offset = body.offset ?? 0;
  const common = commonOptions(body, out, limitOf(body) + offset);
  const options: RecommendOptions = {
    k: common.k,
    withPayload: common.withPayload,
    withVector: common.withVector,
    strategy: strategyOf(body.strategy),
  };
  if (common.filter !== undefined) options.filter = common.filter;
  if (common.ef !== undefined) options.ef = common.ef;
  if (common.exact !== undefined) options.exact = common.exact;
  if (body.using !== undefined) options.using = body.using;
  if (body.explain !== undefined) options.explain = body.explain;
  const hits = await collection.recommend(examplesOf(body), options);
  const metric = options.strategy === 'average' ? await fieldMetric(collection, body.using) : undefined;
  return finish(hits, offset, body.score_threshold, metric, out);
}

/** Whether a hit's REST score passes the threshold. */
function passes(score: number, metric: Metric | undefined, threshold: number | undefined): boolean {
  if (threshold === undefined) return true;
  return metric !== undefined && lowerIsBetter(metric) ? score <= threshold : score >= threshold;
}

/** Hits after `offset`, held to `threshold`, in Qdrant's shape. `metric`: set when scores are the metric's. */
export function finish(
  hits: Hit[],
  offset: number,
  threshold: number | undefined,
  metric: Metric | undefined,
  out: Output,
): unknown[] {
  const wire = [];
  for (const hit of hits.slice(offset)) {
    const w = wireHit(hit, out, metric);
    if (passes(w.score, metric, threshold)) wire.push(w);
  }
  return wire;
}

export function finishGroups(
  groups: HitGroup[],
  threshold: number | undefined,
  metric: Metric | undefined,
  out: Output,
): unknown[] {
  const wire = [];
  for (const group of groups) {
    const g = wireGroup(group, out, metric);
    g.hits = g.hits.filter((h) => passes(h.score, metric, threshold));
    if (g.hits.length > 0) wire.push(g);
  }
  return wire;
}

/** A body's `limit` (or its old name `top`), default 10. */
export function limitOf(body: CommonBody): number {
  return body.limit ?? body.top ?? 10;
}
