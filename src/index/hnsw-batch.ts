/**
 * Many queries of one HNSW index at once, for the FAISS- and hnswlib-compatible batch
 * searches (`IndexHNSW.search`, `knnQuery`): the rows go to `HnswIndex.searchBatchAsync` in
 * slices of at most `SLICE_BYTES` of linear memory, each walked by one call per search worker
 * (the workers claim queries one at a time from a shared counter), one slice after another.
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

/** The search of each of the `n` rows of `rows` (n × dimension floats). */
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
  const out: IndexSearchResult[] = [];
  for (let from = 0; from < n; from += size) {
    const slice = Array.from({ length: Math.min(size, n - from) }, (_, i) =>
      rows.subarray((from + i) * d, (from + i + 1) * d),
    );
    out.push(...(await index.searchBatchAsync(slice, k, undefined, params, workers)));
  }
  return out;
}
