/**
 * The contract every vector index implements (flat now; HNSW, IVF, PQ, … later).
 *
 * An index knows nothing of point ids or payloads: it maps dense internal offsets
 * 0..size-1 to vectors and answers nearest-neighbour queries over them. Distances follow
 * the kernels' convention (lower is better; see `DistanceKind`). The segment layer turns
 * offsets into ids and distances into user-facing scores.
 *
 * Read and write sides are separate types, as a sealed segment must expose only reads.
 */
import type { DistanceKind } from '../kernels/kernels.js';
import type { Bitset } from './bitset.js';

/** Offsets and distances, ascending by distance (ties: lower offset first). */
export interface IndexSearchResult {
  offsets: Uint32Array;
  distances: Float32Array;
}

/** Where a batch is searched: by `workers` worker calls and, with `here`, the calling thread (told its busy stretches, ms). */
export interface BatchPlacement {
  workers: number;
  here: boolean;
  busy?: (ms: number) => void;
}

/** Query q's `count` results at index `at` of `nodes`/`distances` (views of linear memory: read them during the call only). */
export type BatchAnswer = (
  q: number,
  nodes: Uint32Array,
  distances: Float32Array,
  at: number,
  count: number,
) => void;

/** Query-time effort knobs; each index reads the ones it understands and ignores the rest. */
export interface IndexSearchParams {
  /** Candidates kept by graph indexes (HNSW); higher is slower and more accurate. */
  ef?: number;
  /**
   * How an approximate index answers: `auto` (default) lets it choose, `scan` forces an
   * exact scan of the allowed points, `walk` forces its own structure even when a filter
   * allows few points. Exact indexes ignore it.
   */
  strategy?: 'auto' | 'scan' | 'walk';
  /** Inverted lists probed by IVF indexes. */
  nprobe?: number;
  /** Nodes inspected by random-projection forests (Annoy's `search_k`); default trees · k. */
  searchK?: number;
  /**
   * Candidates re-ranked on full-precision vectors by quantized indexes (SQ8, PQ, LSH,
   * HNSW over SQ8); 0 turns re-ranking off where the codes alone give distances.
   */
  rerank?: number;
}

export interface VectorIndexRead {
  /** Index type, e.g. `flat`. Stored in segment files. */
  readonly type: string;
  readonly dimension: number;
  readonly distance: DistanceKind;
  /** Number of offsets; valid offsets are 0..size-1. */
  readonly size: number;

  /**
   * The `k` nearest offsets to `query` among those set in `allow` (all when absent).
   * Returns min(k, allowed) results; an `allow` bitset must have `size` bits.
   */
  search(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams): IndexSearchResult;

  /**
   * `search` computed on a worker thread, leaving the event loop free. The index must not
   * be changed or disposed until the promise settles.
   */
  searchAsync(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): Promise<IndexSearchResult>;

  /**
   * `searchAsync` of several queries with the same `k`, `allow` and `params`, shared by
   * `parallel` calls on the search workers (optional: indexes without it are searched query
   * by query). `result[i]` equals `search(queries[i], …)`.
   */
  searchBatchAsync?(
    queries: readonly Float32Array[],
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
    parallel?: number,
  ): Promise<IndexSearchResult[]>;

  /**
   * `searchBatchAsync` whose answers go to `each` as they come, in query order, as views (no
   * copy); `workers` worker calls share the queries, and with `here` the calling thread
   * takes part (optional; HNSW). A query without an answer gets no call.
   */
  searchBatchEach?(
    queries: readonly Float32Array[],
    k: number,
    allow: Bitset | undefined,
    params: IndexSearchParams | undefined,
    how: BatchPlacement,
    each: BatchAnswer,
  ): Promise<void>;

  /**
   * The exact k nearest of the offsets listed in `rows` (ascending, each below `size`),
   * deleted offsets skipped: for allow-lists too short to deserve a bitset over every offset
   * (a selective filter's rows). Indexes that scan bitsets cheaply need not have it.
   */
  searchRows?(query: Float32Array, k: number, rows: Uint32Array): IndexSearchResult;

  /** `searchRows` on a search worker; the index must not change until it settles. */
  searchRowsAsync?(query: Float32Array, k: number, rows: Uint32Array): Promise<IndexSearchResult>;

  /** Every allowed offset whose distance to `query` is ≤ `maxDistance`, ascending. */
  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult;

  /** Index-specific bytes to store beside the vectors (may be empty for exact indexes). */
  serialize(): Uint8Array;

  /** Throws if an internal invariant does not hold. Tests call it after mutations. */
  checkIntegrity(): void;

  /** Releases linear memory. The index must not be used afterwards. */
  dispose(): void;
}

export interface VectorIndex extends VectorIndexRead {
  /** Appends `rows` (a multiple of `dimension` floats); new offsets follow the existing ones. */
  add(rows: Float32Array): void;
}

/**
 * An index built from a factory string (`factory.ts`): it may need training on a sample
 * before rows are added (k-means, codebooks, quantizer ranges), and it reports its memory.
 *
 * Lifecycle: construct (optionally over a borrowed `VectorStore` whose rows are the
 * vectors to index) → `train(sample)` when `trainingRows > 0` → `add(rows)` (appends rows
 * to its store, then indexes them) or `addStored()` (indexes the rows of the borrowed
 * store not yet indexed) → search. `add` before training throws.
 */
export interface TrainableIndex extends VectorIndex {
  /** Rows `train` needs at least; 0 when the index needs no training. */
  readonly trainingRows: number;
  /** Rows `train` uses at most (a larger sample is subsampled with the index's seed). */
  readonly maxTrainingRows: number;
  readonly isTrained: boolean;
  /** Learns the index's parameters from `sample` (rows of `dimension` floats). */
  train(sample: Float32Array): Promise<void>;
  /** Indexes the store's rows from `size` to `store.count` (on worker threads when it helps). */
  addStored(): Promise<void>;
  /** Bytes of linear memory the index holds, excluding a borrowed store. */
  readonly memoryBytes: number;
  /**
   * Bytes per indexed vector of its encoding (codes plus per-vector ids/links), excluding
   * shared tables (centroids, codebooks) and a borrowed store.
   */
  readonly bytesPerVector: number;
}
