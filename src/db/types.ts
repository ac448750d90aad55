/**
 * The public shapes of the Database / Collection API. The embedded engine implements them
 * now; the HTTP client will implement the same interfaces, so user code moves between
 * embedded and remote unchanged.
 */
import type { Filter, MatchValue, Payload } from '../payload/filter.js';
import type { PayloadIndexConfig, PayloadIndexInfo } from '../payload/index-declaration.js';
import type { TextAnalyzerName } from '../text/analyzer-config.js';
import type { HitExplanation } from './explain-types.js';

export type * from './explain-types.js';

/** A point id: a string (1–256 UTF-16 units) or a non-negative safe integer. `1` and `'1'` are different ids. */
export type PointId = string | number;

/**
 * Similarity metric of a collection.
 * - `l2`: squared Euclidean distance (as FAISS and hnswlib report it); score = distance, lower is better.
 * - `ip`: inner product; score = dot product, higher is better.
 * - `cosine`: cosine similarity in [-1, 1]; vectors are L2-normalized on insert (and returned
 *   normalized); score = similarity, higher is better.
 * - `l1`: Manhattan distance Σ |a[i] − b[i]| (FAISS's METRIC_L1, Qdrant's `Manhattan`);
 *   score = distance, lower is better. Indexes: Flat, HNSW, IVF-Flat (others are refused).
 * - `hamming`: binary vectors (`dimension` bits, given as dimension/8 bytes); score = number
 *   of differing bits, lower is better.
 * - `jaccard`: binary vectors; score = 1 − |a ∧ b| / |a ∨ b| (0 for two empty vectors),
 *   lower is better.
 */
export type Metric = 'l2' | 'ip' | 'cosine' | 'l1' | 'hamming' | 'jaccard';

/**
 * What users may pass as a vector, converted once at the API boundary: numbers for float
 * metrics; for binary metrics (`hamming`, `jaccard`) `dimension / 8` bytes as a
 * `Uint8Array` or an array of byte values (bit i is bit i % 8 of byte i / 8).
 */
export type VectorInput = number[] | Float32Array | Uint8Array;

/** A stored vector as returned: floats, or the bytes of a binary vector. */
export type StoredVector = Float32Array | Uint8Array;

/**
 * A raw input of a vector field that names an embedding provider: an image file path or the
 * file's bytes for image providers, a text for text providers.
 */
export type RawInput = string | Uint8Array;

/**
 * A point to upsert. A collection with one vector takes `vector`; a collection with named
 * vectors takes `vectors`, keyed by field name, where any field may be left out (the point
 * is then never found through that field).
 */
export interface PointInput {
  id: PointId;
  vector?: VectorInput;
  vectors?: Record<string, VectorInput>;
  payload?: Payload;
}

/**
 * A point whose named fields with a `provider` are given their raw input under the field's
 * own name, `{ id, image: 'photo.jpg', payload }`, vectorized on upsert (see
 * `VectorFieldConfig.provider`); other fields may still come as `vectors`.
 */
export interface RawPointInput {
  id: PointId;
  vectors?: Record<string, VectorInput>;
  payload?: Payload;
  /** Raw inputs of provider fields, by field name (`RawInput`). */
  [field: string]: unknown;
}

/** A stored point as returned by get/scroll (`vectors` for collections with named vectors). */
export interface Point {
  id: PointId;
  payload?: Payload;
  vector?: StoredVector;
  vectors?: Record<string, StoredVector>;
  /** The payload value a scroll with `orderBy` placed this point by (a number or datetime string). */
  orderValue?: number | string;
}

/**
 * One search result. Results are ordered best first. A vector search's `score` is the
 * metric's (see `Metric`); a text search's is its BM25 score; a hybrid search's is the
 * fused score (higher is better for both).
 */
export interface Hit {
  id: PointId;
  score: number;
  payload?: Payload;
  vector?: StoredVector;
  vectors?: Record<string, StoredVector>;
  /** How the hit was found and scored, when the search asked (`explain: true`); see `HitExplanation`. */
  explain?: HitExplanation;
}

/** The hits of one group of a grouped search: the points whose `groupBy` value is `group`. */
export interface HitGroup {
  group: MatchValue;
  hits: Hit[];
}

/** One named vector field of a collection. */
export interface VectorFieldConfig {
  /** Vector length, 1..65,536 (bits for binary metrics); with a `provider`, the provider's (may be left out). */
  dimension?: number;
  /** Default `l2`, or the provider's metric. */
  metric?: Metric;
  /** Index of this field in sealed segments; default the collection's `index`. */
  index?: IndexConfig;
  /**
   * Keep the full-precision vectors of sealed segments on disk (Qdrant's `on_disk: true`):
   * memory holds only the index and SQ8 codes (HNSW<M> becomes HNSW<M>,SQ8; Flat scans the
   * file), and rows are read from the segment file to re-rank the best `rerank` candidates
   * and to return vectors. The growing segment stays in memory. Default false.
   */
  onDisk?: boolean;
  /**
   * An embedding provider (`quiverdb/embed`: `'mobilenet-v2'`, `'face'`, `'glove-100'`, `'hog'`,
   * `'color-histogram'`, `'orb-bovw'`, `'audio-mfcc'`, `'onnx:<folder>'`, `'openai:<url>'`) that turns the
   * field's raw inputs into vectors: `upsert([{ id, image: 'photo.jpg' }])` and
   * `search({ image: bytes })` vectorize automatically. A detecting provider (`face`) makes
   * one point per face found: ids `<id>#<n>` (n = 0 for the most confident) and the payload
   * key named like the field holding `{ source, index, box, score }`; an image without faces
   * adds no point.
   */
  provider?: string;
  /** Options given to the provider (JSON; e.g. `{ inputSize: 128 }`). */
  providerOptions?: Record<string, unknown>;
  /**
   * What to keep of the raw inputs besides the vector. `true`: string inputs (file paths,
   * texts) in the payload under the field's name (byte inputs are not kept). `'thumbnail'`
   * (image providers only): a WebP of each image input, path or bytes, at most 256 px on its
   * longer side (aspect kept, never enlarged, quality 75), stored durably with the point
   * (replaced when the point is upserted again, deleted with it, carried by snapshots) and
   * read with `Collection.thumbnail`; nothing is added to the payload. Default false: only
   * the vector is stored.
   */
  storeInput?: boolean | 'thumbnail';
}

/** Payload index kinds and declarations (declared beside the payload indexes, payload/index-declaration.ts). */
export type { PayloadIndexConfig, PayloadIndexInfo, PayloadIndexType } from '../payload/index-declaration.js';

/** Analyzers of full-text fields (declared beside the analyzers, text/analyzer-config.ts). */
export type { TextAnalyzerName };

export interface CollectionConfig {
  /** Vector length, 1..65,536, of a collection with one vector per point (give this or `vectors`). */
  dimension?: number;
  /** Default `l2`. */
  metric?: Metric;
  /**
   * Named vector fields, each with its own dimension, metric and index (instead of
   * `dimension`/`metric`): `{ image: { dimension: 1280, metric: 'cosine' }, text: { dimension: 100 } }`.
   * Names match [A-Za-z0-9_-]{1,64}.
   */
  vectors?: Record<string, VectorFieldConfig>;
  /** Payload fields to index, by dotted key: `{ label: 'keyword', body: { type: 'text', analyzer: 'english' } }`. */
  payloadIndexes?: Record<string, PayloadIndexConfig>;
  /** Keep the vectors of sealed segments on disk (see `VectorFieldConfig.onDisk`; one vector per point). */
  onDisk?: boolean;
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

/**
 * Whether a read waits for the collection's segments, which load in the background after
 * open (`info().loading`). Default `true`: the read waits until they are loaded and its
 * answer is exact. `false`: while they are loading the read fails at once with
 * `NotReadyError` (REST: 503 `NOT_READY`); once loaded it makes no difference.
 */
export interface ReadOptions {
  wait?: boolean;
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

/** A named vector field as `info()` reports it. */
export interface VectorFieldInfo {
  dimension: number;
  metric: Metric;
  index: IndexConfig;
  /** The embedding provider that vectorizes the field's raw inputs, if any. */
  provider?: string;
  /** Whether sealed segments keep the field's vectors on disk. */
  onDisk?: boolean;
  /** With a provider: what the field keeps of raw inputs (`VectorFieldConfig.storeInput`). */
  storeInput?: boolean | 'thumbnail';
  /** Bytes of memory the field holds (embedded engine). */
  memory?: FieldMemoryInfo;
  /** Bytes of the field's data on disk: its share of segment files, and its index files. */
  disk?: DiskInfo;
}

/** Bytes of linear memory (the arenas) a vector field holds. */
export interface FieldMemoryInfo {
  /** `vectors + index`. */
  bytes: number;
  /** Full-precision vectors (sealed and growing segments). */
  vectors: number;
  /** Approximate indexes and value partitions, beyond the vectors. */
  index: number;
  /**
   * Bytes of the vector field (fields), or of every field (collection), per stored row
   * (sealed and growing, deleted rows included until compaction; payloads not counted);
   * 0 when empty. For a field kept on disk it counts codes and graph only.
   */
  bytesPerVector?: number;
}

/** Bytes a collection holds in memory: its vector fields (linear memory), payloads (JS heap, estimated). */
export interface CollectionMemoryInfo extends FieldMemoryInfo {
  /** `vectors + index + payload`. */
  bytes: number;
  /** Payloads and ids in the JavaScript heap (an estimate: their JSON size). */
  payload: number;
  /** Arenas (linear memories) holding the collection's segments. */
  arenas: number;
}

export interface DiskInfo {
  /** Bytes of files (segments, tombstones, indexes); the WAL in the catalog is not counted. */
  bytes: number;
  /** Bytes of the field's (or every field's) files per sealed row (0 when none is sealed). */
  bytesPerVector?: number;
}

export interface CollectionInfo {
  name: string;
  /** The vector length (of the first named field, in a collection with named vectors). */
  dimension: number;
  metric: Metric;
  /** Named vector fields, in declaration order (absent for a collection with one vector). */
  vectors?: Record<string, VectorFieldInfo>;
  /** Indexed payload fields. */
  payloadIndexes: Record<string, PayloadIndexInfo>;
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
  /**
   * SQLite's `PRAGMA quick_check` of the database's catalog when it was opened: `'ok'`, or
   * the problems it found (row checksums are verified separately, per collection).
   */
  catalogIntegrity: string;
  /** Whether sealed segments keep the (single) vector on disk; see `vectors` for named fields. */
  onDisk?: boolean;
  /** Bytes the collection holds in memory (embedded engine). */
  memory?: CollectionMemoryInfo;
  /** Bytes of the collection's files on disk (embedded engine). */
  disk?: DiskInfo;
  /** Progress of loading the sealed segments in the background after open (embedded engine). */
  loading?: LoadingInfo;
}

/**
 * How far the background load of a collection's sealed segments has come. `state`:
 * `'loading'` (reads wait, or fail with `NotReadyError` when asked not to; with `load: 'on-demand'`
 * loading starts at the first read or write), `'ready'`
 * (everything loaded, value partitions included), `'failed'` (a file failed verification:
 * reads fail with its `CorruptDataError`).
 */
export interface LoadingInfo {
  state: 'loading' | 'ready' | 'failed';
  segmentsLoaded: number;
  segmentsTotal: number;
  /** Bytes of segment, tombstone, index and partition files read so far. */
  bytesLoaded: number;
  /** Bytes of those files in all (as far as the object store reports sizes). */
  bytesTotal: number;
  /** Whether `count` is exact already: always once ready; while loading, when no write is logged after the last seal. */
  countExact: boolean;
  /** Seconds from open until ready (or until now while loading). */
  seconds: number;
  /** Value partitions read from their files, and those rebuilt because a file was missing or stale. */
  partitionsLoaded: number;
  partitionsRebuilt: number;
  /** Why loading failed (state `'failed'`). */
  error?: string;
}

export interface CountOptions extends ReadOptions {
  filter?: Filter;
}

export interface DeleteByFilter {
  filter: Filter;
}

/** What a purge (`Collection.purge`, `delete` with `purge: true`) did. */
export interface PurgeResult {
  /** How many of the points existed (as `delete` resolves). */
  deleted: number;
  /** Segments rewritten without deleted rows (their old files are gone). */
  segmentsRewritten: number;
  /** The collection's snapshots deleted because they were taken before the purge. */
  snapshotsDeleted: string[];
}

/** Options of `Collection.delete`. */
export interface DeleteOptions {
  /**
   * Resolve only once no file of the database (segments, indexes, WAL, thumbnails, managed
   * snapshots) holds the deleted points' vectors or payloads (verified erasure, db/purge.ts).
   * Rewrites the segments that hold deleted rows and deletes the collection's snapshots.
   */
  purge?: boolean;
}

/** The points a payload update applies to: these ids (ids that do not exist are skipped), or those matching a filter. */
export type PointSelector = PointId[] | { filter: Filter };

export interface SetPayloadOptions {
  /** A dotted path (`meta.author`): merge into the object there, creating it, instead of into the payload's top level. */
  key?: string;
}

/**
 * Changes of payloads without touching vectors (Qdrant's set, overwrite, delete and clear
 * payload). Each call is durable when it resolves, atomic (after a crash all or none of its
 * changes are there), and resolves with how many existing points it applied to. Filters,
 * payload indexes, gets, scrolls and searches see the new payloads as soon as it resolves.
 */
export interface PayloadUpdating {
  /**
   * Merges `payload`'s keys into each selected point's payload (with `key`, into the object at
   * that dotted path, created as needed; a non-object value there is replaced).
   * @example
   * await images.setPayload(['img-1'], { label: 'dog' });
   * await images.setPayload({ filter: { must: [{ key: 'label', match: { value: 'cat' } }] } }, { reviewed: true });
   */
  setPayload(
    selector: PointSelector,
    payload: Record<string, unknown>,
    options?: SetPayloadOptions,
  ): Promise<number>;
  /**
   * Replaces each selected point's whole payload.
   * @example
   * await images.overwritePayload(['img-1'], { label: 'dog' });
   */
  overwritePayload(selector: PointSelector, payload: Record<string, unknown>): Promise<number>;
  /**
   * Removes keys (dotted paths; through arrays, from every element) from each selected point's payload.
   * @example
   * await images.deletePayloadKeys(['img-1'], ['label', 'meta.author']);
   */
  deletePayloadKeys(selector: PointSelector, keys: string[]): Promise<number>;
  /**
   * Removes each selected point's whole payload.
   * @example
   * await images.clearPayload({ filter: { must: [{ key: 'label', match: { value: 'spam' } }] } });
   */
  clearPayload(selector: PointSelector): Promise<number>;
}

/** A collection of points with one vector field (or named ones), and their payloads. */
export interface Collection extends PayloadUpdating {
  readonly name: string;
  readonly dimension: number;
  readonly metric: Metric;
  upsert(points: (PointInput | RawPointInput)[]): Promise<void>;
  get(ids: PointId[], options?: GetOptions): Promise<Point[]>;
  delete(selector: PointId[] | DeleteByFilter, options?: DeleteOptions): Promise<number>;
  /**
   * Deletes as `delete` does, and resolves once no file of the database holds the vectors
   * or payloads of any deleted point of the collection (verified erasure); says what it did.
   */
  purge(selector: PointId[] | DeleteByFilter): Promise<PurgeResult>;
  /** Live points; with `{ filter }` (or a bare filter), those matching it. */
  count(options?: CountOptions | Filter): Promise<number>;
  scroll(options?: ScrollOptions): Promise<ScrollPage>;
  /**
   * The best hits for a vector or a query object (text, vector or both). With `groupBy`,
   * the best `k` groups instead, best first, each with up to `groupSize` hits.
   */
  search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options: SearchOptions & { groupBy: string },
  ): Promise<HitGroup[]>;
  search(query: VectorInput | SearchQuery | RawSearchQuery, options?: SearchOptions): Promise<Hit[]>;
  /** Points like the positive examples and unlike the negative ones (examples given by id are left out). */
  recommend(query: RecommendQuery, options?: RecommendOptions): Promise<Hit[]>;
  /** Indexes a payload field in every segment (existing and future); replaces an index of another kind. */
  createPayloadIndex(key: string, type: PayloadIndexConfig): Promise<void>;
  dropPayloadIndex(key: string): Promise<void>;
  searchBatch(vectors: VectorInput[], options?: SearchOptions): Promise<Hit[][]>;
  rangeSearch(vector: VectorInput, options: RangeSearchOptions): Promise<Hit[]>;
  flush(): Promise<void>;
  compact(): Promise<void>;
  info(): Promise<CollectionInfo>;
  /**
   * The WebP thumbnail that field `field` (with `storeInput: 'thumbnail'`) keeps of point
   * `id`'s image; undefined when the point does not exist or was written without an image
   * in that field. Throws `InvalidArgumentError` for a field that keeps no thumbnails.
   * @example
   * const webp = await photos.thumbnail('img-1', 'image');
   * if (webp) await writeFile('img-1.webp', webp);
   */
  thumbnail(id: PointId, field: string): Promise<Buffer | undefined>;
}

export interface Database {
  createCollection(name: string, config: CollectionConfig): Promise<Collection>;
  collection(name: string): Collection;
  /** Names of all collections, sorted (including one whose files fail verification). */
  listCollections(): Promise<string[]>;
  dropCollection(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A collection snapshot as listed (Qdrant's `SnapshotDescription`). */
export interface SnapshotInfo {
  /** File name: `<collection>-<YYYY-MM-DD-HH-MM-SS>-<8 hex digits>.snapshot`. */
  name: string;
  /** When it was written, UTC, as `YYYY-MM-DDTHH:MM:SS` (Qdrant's form). */
  creationTime: string;
  /** Size of the file in bytes. */
  size: number;
  /** SHA-256 of the whole file, lowercase hex (what `sha256sum` prints). */
  checksum: string;
}

export interface RecoverOptions {
  /** The SHA-256 the snapshot file must have (hex); a mismatch refuses it. */
  checksum?: string;
  /** How errors name the snapshot (default: its path, or `uploaded snapshot` for a stream). */
  label?: string;
  /**
   * Called with the snapshot's collection configuration, in `createCollection`'s form, once
   * it is validated and before anything changes; throwing refuses the snapshot (a server
   * applies the provider policy of collections created over HTTP this way).
   */
  acceptConfig?: (config: CollectionConfig) => void;
}

/**
 * Collection snapshots, as Qdrant's: one checksummed file per snapshot, in the database
 * folder (`snapshots/<collection>/<name>.snapshot`), that restores the collection exactly
 * (ids, vectors, payloads, payload indexes, index configuration and built indexes, named
 * vector fields, provider configuration) in this database or another one.
 */
export interface SnapshotDatabase {
  /**
   * Writes a snapshot of the collection as it is at one moment (one manifest version and
   * WAL position); writes continue meanwhile and are not in it.
   * @example
   * const { name, checksum } = await db.createSnapshot('images');
   */
  createSnapshot(collection: string): Promise<SnapshotInfo>;
  /** The collection's snapshots, oldest first (also after the collection was dropped). */
  listSnapshots(collection: string): Promise<SnapshotInfo[]>;
  /** Deletes a snapshot file (`SnapshotNotFoundError` if there is none of that name). */
  deleteSnapshot(collection: string, name: string): Promise<void>;
  /** The path of a snapshot file, to copy or stream it (`SnapshotNotFoundError` if missing). */
  snapshotPath(collection: string, name: string): Promise<string>;
  /**
   * Creates the collection `collection` from a snapshot, replacing one of that name if it
   * exists. `file` is a path, or the snapshot's bytes as a stream (a Node `Readable`, a web
   * `ReadableStream`: spooled to a temporary file in the snapshot folder first). The file is
   * verified whole before anything changes: a foreign, truncated or damaged file, or one whose
   * SHA-256 is not `options.checksum`, is refused with `SnapshotError` and nothing changes.
   * @example
   * await db2.recoverSnapshot('images', '/backups/images-2026-12-06-07-00-00-1a2b3c4d.snapshot');
   */
  recoverSnapshot(
    collection: string,
    file: string | AsyncIterable<Uint8Array>,
    options?: RecoverOptions,
  ): Promise<Collection>;
}
