/**
 * Many queries of one HNSW index at once, for the FAISS- and hnswlib-compatible batch
 * searches (`IndexHNSW.search`, `knnQuery`): the rows go to `HnswIndex.searchBatchEach` in
 * slices of at most `SLICE_BYTES` of linear memory, each walked by the search workers and the
 * calling thread (all claim queries one at a time from a shared counter), one slice after
 * another.
 * Results equal one `search` per row, in row order.
 */
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { HnswIndex } from './hnsw-index.js';
import type { IndexSearchParams, IndexSearchResult } from './vector-index.js';

/** Linear memory one slice may take for its queries and results (the arena keeps what it grows by). */
export const SLICE_BYTES = 16 << 20;

/** Queries of `dimension` floats, `k` results each, that one slice holds (at least 1). */
export function sliceRows(dimension: number, k: number): number {
  return Math.max(1, Math.floor(SLICE_BYTES / (dimension * 4 + Math.max(k, 1) * 8 + 4)));
}

/**
 * The search of each of the `n` rows of `rows` (n × dimension floats). With two or more
 * search workers the calling thread takes part (hnsw-shared-batch.ts), with all workers but
 * one: it copies each answer out between its own searches.
 */
export async function searchRows(
  index: HnswIndex,
  rows: Float32Array,
  n: number,
  k: number,
  params: IndexSearchParams,
): Promise<IndexSearchResult[]> {
  const d = index.dimension;
  const size = sliceRows(d, k);
  const workers = KernelWorkerPool.of('search').maxWorkers;
  const how = workers >= 2 ? { workers: workers - 1, here: true } : { workers, here: false };
  const out = new Array<IndexSearchResult>(n).fill(EMPTY);
  for (let from = 0; from < n; from += size) {
    const slice = Array.from({ length: Math.min(size, n - from) }, (_, i) =>
      rows.subarray((from + i) * d, (from + i + 1) * d),
    );
    await index.searchBatchEach(slice, k, undefined, params, how, (q, nodes, distances, at, count) => {
      out[from + q] = { offsets: nodes.slice(at, at + count), distances: distances.slice(at, at + count) };
    });
  }
  return out;
}

const EMPTY: IndexSearchResult = { offsets: new Uint32Array(0), distances: new Float32Array(0) };
