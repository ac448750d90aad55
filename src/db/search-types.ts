/**
 * The options and queries of reads: search, recommend, range search, get, scroll and count
 * (types.ts re-exports these).
 */
import type { Filter } from '../payload/filter.js';
import type { Point, PointId, VectorInput } from './point-types.js';

/**
 * Whether a read waits for the collection's segments, which load in the background after
 * open (`info().loading`). Default `true`: the read waits until they are loaded and its
 * answer is exact. `false`: while they are loading the read fails at once with
 * `NotReadyError` (REST: 503 `NOT_READY`); once loaded it makes no difference.
 */
export interface ReadOptions {
  wait?: boolean;
  /**
   * Cluster mode: `strong` (the default) sees every write acknowledged before the read began,
   * on any node; `eventual` reads each shard's replica as it is, without waiting for it to
   * catch up with the log. An embedded database always reads its own writes.
   */
  consistency?: 'strong' | 'eventual';
}

export interface SearchOptions extends ReadOptions {
  /** Number of results (1..10,000). Default 10. */
  k?: number;
  /** HNSW search effort (candidates kept, >= k is used); default the collection's `index.ef`. */
  ef?: number;
  /** IVF lists probed per query (1..nlist); default the index's (see README). */
  nprobe?: number;
  /** Annoy forest: nodes inspected per query; default trees · k. */
  searchK?: number;
  /** Quantized indexes (SQ8, PQ, LSH, HNSW over SQ8): candidates re-ranked on full vectors; 0 = off. */
  rerank?: number;
  /** Search exactly, ignoring approximate indexes. Default false. */
  exact?: boolean;
  filter?: Filter;
  /** Include payloads in hits. Default false. */
  withPayload?: boolean;
  /** Include stored vectors in hits. Default false. */
  withVector?: boolean;
  /** The vector field to search in a collection with named vectors (a query object's `using` wins). */
  using?: string;
  /**
   * Skip this many best results first (pagination): `k` still counts what is returned, so
   * `{ k: 10, offset: 20 }` returns results 21–30. With `groupBy`, whole groups are skipped.
   * Default 0.
   */
  offset?: number;
  /**
   * Keep only results whose score is at least this good, in the score's own terms: score ≥ t
   * for `ip` and `cosine` (similarities) and for text and hybrid searches (BM25 and fused
   * scores); score ≤ t for `l2` (squared distance), `l1`, `hamming` and `jaccard`.
   */
  scoreThreshold?: number;
  /**
   * Maximal marginal relevance (a vector search only): fetch `candidates` nearest points,
   * then pick results one by one, each maximizing λ · sim(query) − (1 − λ) · max sim(picked),
   * where λ = 1 − `diversity` and sim is the metric's similarity (the inner product for `ip`
   * and `cosine`, the negated distance otherwise). Hits keep their ordinary scores (the
   * similarity to the query, as Qdrant returns them) in the order picked.
   */
  mmr?: MmrOptions;
  /**
   * How a hybrid (text and vector) search merges its two lists. Default `rrf`. `dbsf`
   * (distribution-based score fusion, as Qdrant): each list's scores are mapped to
   * [0, 1] by (s − (μ − 3σ)) / 6σ (μ, σ: the list's mean and sample standard deviation; a
   * lone hit scores 0.5; distances are negated first), then summed, weighted by `weights`.
   */
  fusion?: 'rrf' | 'weighted' | 'dbsf';
  /** The k of reciprocal-rank fusion: score = Σ weight / (rrfK + rank). Default 60. */
  rrfK?: number;
  /** Weights of the two branches of a hybrid search (default 1 each; `weighted` normalizes each list's scores to [0, 1] first). */
  weights?: { vector?: number; text?: number };
  /**
   * Explain each hit (`Hit.explain`): the search path through its segment, its distances
   * (exact, and the codes' for quantized indexes), BM25 term contributions, the fusion's
   * arithmetic and how each filter condition was answered. Computed in a second pass over the
   * final hits: results are identical with and without it. Not with `groupBy`. Default false.
   */
  explain?: boolean;
  /** Group hits by this payload key: `k` then counts groups, each of up to `groupSize` hits. */
  groupBy?: string;
  /** Hits per group (1..100). Default 3. */
  groupSize?: number;
}

/** Maximal marginal relevance options (`SearchOptions.mmr`). */
export interface MmrOptions {
  /** λ's complement in [0, 1], as Qdrant's `diversity`: 0 = pure relevance, 1 = pure diversity. Default 0.5. */
  diversity?: number;
  /**
   * Nearest points to choose from (1..10,000; at least k + offset are taken). Default
   * max(k + offset, 100); Qdrant's `candidates_limit` defaults to its `limit` instead.
   */
  candidates?: number;
}

/**
 * What to search for: a vector (of the field `using`), a text (BM25 over the full-text
 * indexed field `textField`), or both (a hybrid search, fused by `SearchOptions.fusion`).
 */
export interface SearchQuery {
  vector?: VectorInput;
  using?: string;
  /**
   * A text: with `textField`, a BM25 query over that full-text field. Without it, the raw
   * input of a vector field named `text` that has a provider, or else of the collection's
   * only text-provider field, if it has no full-text field.
   */
  text?: string;
  textField?: string;
}

/**
 * A search by the raw input of a field with a provider, under the field's name:
 * `{ image: bytes }`, `{ caption: 'a red dress' }` (with `text`/`textField` too: hybrid).
 */
export type RawSearchQuery = Record<string, unknown>;

/** Examples for `recommend`: point ids (of the collection) or vectors. */
export interface RecommendQuery {
  positive: (PointId | VectorInput)[];
  negative?: (PointId | VectorInput)[];
}

export interface RecommendOptions extends ReadOptions {
  /** Number of results (1..10,000). Default 10. */
  k?: number;
  filter?: Filter;
  using?: string;
  /**
   * `average` (default): one search for avg(positive) + (avg(positive) − avg(negative)).
   * `best_score`: each candidate scores σ(its best similarity to a positive example), or
   * −σ(its best similarity to a negative example) when that one is at least as similar, so
   * points nearer a negative example come last (Qdrant's rule; σ is the logistic function,
   * similarity the metric's score, negated distance for `l2`). Candidates are the nearest
   * neighbours of each positive example.
   * `sum_scores` (Qdrant's rule): score = Σ sim(positive) − Σ sim(negative), with the same
   * similarity. Candidates are the nearest neighbours of each positive example (for `ip`
   * and `cosine`, also of Σ positive − Σ negative, which ranks exactly by this score); with
   * `exact`, every allowed point is scored.
   */
  strategy?: 'average' | 'best_score' | 'sum_scores';
  /** Skip this many best results first (`SearchOptions.offset`). Default 0. */
  offset?: number;
  /**
   * Keep only results at least this good (`SearchOptions.scoreThreshold`): for `average`, in
   * the metric's terms; for `best_score` and `sum_scores` their scores are higher-is-better.
   */
  scoreThreshold?: number;
  ef?: number;
  exact?: boolean;
  withPayload?: boolean;
  withVector?: boolean;
  /**
   * Explain each hit (`Hit.explain`, see `SearchOptions.explain`): the `average` strategy's
   * search for the combined vector. Not with `best_score` or `sum_scores`. Default false.
   */
  explain?: boolean;
}

export interface RangeSearchOptions extends ReadOptions {
  /**
   * The bound, in the metric's own terms: `l2` returns points with squared distance ≤ radius,
   * `l1` (and the binary metrics) points with distance ≤ radius;
   * `cosine` returns points with cosine distance (1 − similarity) ≤ radius; `ip` returns points
   * with inner product ≥ radius (FAISS's convention for similarity metrics).
   */
  radius: number;
  filter?: Filter;
  withPayload?: boolean;
  withVector?: boolean;
  /** At most this many results, best first. Default: all. */
  limit?: number;
  /** The vector field, in a collection with named vectors. */
  using?: string;
}

export interface GetOptions extends ReadOptions {
  withPayload?: boolean; // default true
  withVector?: boolean; // default false
}

export interface ScrollOptions extends ReadOptions {
  /** Page size (1..10,000). Default 100. */
  limit?: number;
  /** Skip this many matching points (in id order). Mutually exclusive with `cursor`. */
  offset?: number;
  /** Continue after this id (the `nextCursor` of the previous page). Not with `orderBy`. */
  cursor?: PointId;
  /**
   * Page in the order of a numeric or datetime (RFC 3339 string) payload value instead of by
   * id: a key, or `{ key, direction, startFrom }` (`direction` default `asc`; `startFrom`
   * a number or datetime: only values ≥ it, ≤ for `desc`). Points without such a value at
   * the key are left out; as in Qdrant, a point with several values appears once per value
   * (each with its `orderValue`); ties are broken by id. As in Qdrant, no `nextCursor` is
   * returned: continue with `startFrom` set to the last `orderValue` and skip the points of
   * that value already seen.
   */
  orderBy?: string | OrderBy;
  filter?: Filter;
  withPayload?: boolean; // default true
  withVector?: boolean; // default false
}

/** `ScrollOptions.orderBy` in full. */
export interface OrderBy {
  key: string;
  direction?: 'asc' | 'desc';
  startFrom?: number | string;
}

export interface ScrollPage {
  points: Point[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: PointId;
}

export interface CountOptions extends ReadOptions {
  filter?: Filter;
}
