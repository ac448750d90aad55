/**
 * The public shapes of the Database / Collection API. The embedded engine implements them
 * now; the HTTP client will implement the same interfaces, so user code moves between
 * embedded and remote unchanged.
 */
import type { Filter, Payload } from '../payload/filter.js';

/** A point id: a string (1–256 UTF-16 units) or a non-negative safe integer. `1` and `'1'` are different ids. */
export type PointId = string | number;

/**
 * Similarity metric of a collection.
 * - `l2`: squared Euclidean distance (as FAISS and hnswlib report it); score = distance, lower is better.
 * - `ip`: inner product; score = dot product, higher is better.
 * - `cosine`: cosine similarity in [-1, 1]; vectors are L2-normalized on insert (and returned
 *   normalized); score = similarity, higher is better.
 */
export type Metric = 'l2' | 'ip' | 'cosine';

/** What users may pass as a vector. Converted once to Float32Array at the API boundary. */
export type VectorInput = number[] | Float32Array;

export interface PointInput {
  id: PointId;
  vector: VectorInput;
  payload?: Payload;
}

/** A stored point as returned by get/scroll. */
export interface Point {
  id: PointId;
  payload?: Payload;
  vector?: Float32Array;
}

/** One search result. Results are ordered best first (see `Metric` for what `score` means). */
export interface Hit {
  id: PointId;
  score: number;
  payload?: Payload;
  vector?: Float32Array;
}

export interface CollectionConfig {
  /** Vector length, 1..65,536. */
  dimension: number;
  /** Default `l2`. */
  metric?: Metric;
  /** Points in the growing segment at which it is sealed into an immutable segment. Default 100,000. */
  segmentSize?: number;
  /**
   * Index of sealed segments. Default `{ type: 'hnsw', M: 16, efConstruction: 200, ef: 64 }`
   * (`ef` is the default search effort); `{ type: 'flat' }` keeps every search exact. The
   * growing segment is always searched exactly.
   */
  index?: IndexConfig;
}

/** The index of a collection's sealed segments. */
export type IndexConfig =
  | { type: 'hnsw'; M?: number; efConstruction?: number; ef?: number }
  | { type: 'flat' };

export interface SearchOptions {
  /** Number of results (1..10,000). Default 10. */
  k?: number;
  /** HNSW search effort (candidates kept, >= k is used); default the collection's `index.ef`. */
  ef?: number;
  /** Search exactly, ignoring approximate indexes. Default false. */
  exact?: boolean;
  filter?: Filter;
  /** Include payloads in hits. Default false. */
  withPayload?: boolean;
  /** Include stored vectors in hits. Default false. */
  withVector?: boolean;
}

export interface RangeSearchOptions {
  /**
   * The bound, in the metric's own terms: `l2` returns points with squared distance ≤ radius;
   * `cosine` returns points with cosine distance (1 − similarity) ≤ radius; `ip` returns points
   * with inner product ≥ radius (FAISS's convention for similarity metrics).
   */
  radius: number;
  filter?: Filter;
  withPayload?: boolean;
  withVector?: boolean;
  /** At most this many results, best first. Default: all. */
  limit?: number;
}

export interface GetOptions {
  withPayload?: boolean; // default true
  withVector?: boolean; // default false
}

export interface ScrollOptions {
  /** Page size (1..10,000). Default 100. */
  limit?: number;
  /** Skip this many matching points (in id order). Mutually exclusive with `cursor`. */
  offset?: number;
  /** Continue after this id (the `nextCursor` of the previous page). */
  cursor?: PointId;
  filter?: Filter;
  withPayload?: boolean; // default true
  withVector?: boolean; // default false
}

export interface ScrollPage {
  points: Point[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: PointId;
}

export interface CollectionInfo {
  name: string;
  dimension: number;
  metric: Metric;
  /** Live points (upserted and not deleted). */
  count: number;
  /** Sealed, immutable segments. */
  sealedSegments: number;
  /** Points in the growing (unsealed) segment, including superseded ones. */
  growingPoints: number;
  /** The index of sealed segments, with defaults filled in. */
  index: IndexConfig;
  /** Sealed segments searched through their approximate index (the others: exactly). */
  indexedSegments: number;
  /** Sealed segments whose index is being built. */
  indexingSegments: number;
}

export interface CountOptions {
  filter?: Filter;
}

export interface DeleteByFilter {
  filter: Filter;
}

/** A collection of points with one vector field. */
export interface Collection {
  readonly name: string;
  readonly dimension: number;
  readonly metric: Metric;
  upsert(points: PointInput[]): Promise<void>;
  get(ids: PointId[], options?: GetOptions): Promise<Point[]>;
  delete(selector: PointId[] | DeleteByFilter): Promise<number>;
  /** Live points; with `{ filter }` (or a bare filter), those matching it. */
  count(options?: CountOptions | Filter): Promise<number>;
  scroll(options?: ScrollOptions): Promise<ScrollPage>;
  search(vector: VectorInput, options?: SearchOptions): Promise<Hit[]>;
  searchBatch(vectors: VectorInput[], options?: SearchOptions): Promise<Hit[][]>;
  rangeSearch(vector: VectorInput, options: RangeSearchOptions): Promise<Hit[]>;
  flush(): Promise<void>;
  compact(): Promise<void>;
  info(): Promise<CollectionInfo>;
}

export interface Database {
  createCollection(name: string, config: CollectionConfig): Promise<Collection>;
  collection(name: string): Collection;
  /** Names of all collections, sorted (including one whose files fail verification). */
  listCollections(): Promise<string[]>;
  dropCollection(name: string): Promise<void>;
  close(): Promise<void>;
}
