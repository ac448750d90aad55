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
