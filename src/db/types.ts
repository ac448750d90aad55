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
 * - `hamming`: binary vectors (`dimension` bits, given as dimension/8 bytes); score = number
 *   of differing bits, lower is better.
 * - `jaccard`: binary vectors; score = 1 − |a ∧ b| / |a ∨ b| (0 for two empty vectors),
 *   lower is better.
 */
export type Metric = 'l2' | 'ip' | 'cosine' | 'hamming' | 'jaccard';

/**
 * What users may pass as a vector, converted once at the API boundary: numbers for float
 * metrics; for binary metrics (`hamming`, `jaccard`) `dimension / 8` bytes as a
 * `Uint8Array` or an array of byte values (bit i is bit i % 8 of byte i / 8).
 */
export type VectorInput = number[] | Float32Array | Uint8Array;

/** A stored vector as returned: floats, or the bytes of a binary vector. */
export type StoredVector = Float32Array | Uint8Array;

export interface PointInput {
  id: PointId;
  vector: VectorInput;
  payload?: Payload;
}

/** A stored point as returned by get/scroll. */
export interface Point {
  id: PointId;
  payload?: Payload;
  vector?: StoredVector;
}

/** One search result. Results are ordered best first (see `Metric` for what `score` means). */
export interface Hit {
  id: PointId;
  score: number;
  payload?: Payload;
  vector?: StoredVector;
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
   * (`ef` is the default search effort); `{ type: 'flat' }` keeps every search exact; a
   * FAISS-style factory string picks any other family: `'HNSW32'`, `'HNSW32,SQ8'`, `'SQ8'`,
   * `'PQ16'`, `'IVF1024,Flat'`, `'IVF4096,SQ8'`, `'IVF1024,PQ16'`, `'LSH256'`, `'Annoy50'`.
   * Indexes that need training (IVF, PQ) train on a sample of each sealed segment; a segment
   * too small to train on stays exact. The growing segment is always searched exactly.
   */
  index?: IndexConfig;
}

/** The index of a collection's sealed segments (see `CollectionConfig.index`). */
export type IndexConfig =
  | string
  | { type: 'hnsw'; M?: number; efConstruction?: number; ef?: number }
  | { type: 'flat' }
  | { type: 'factory'; factory: string; efConstruction?: number; ef?: number };

export interface SearchOptions {
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
