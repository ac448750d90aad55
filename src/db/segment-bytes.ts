/**
 * Estimates of the linear memory a sealed segment takes, by which segments are placed in
 * arenas (kernels/arenas.ts) and by which seal and compaction cut their output, so that
 * every segment fits in one arena with its index.
 *
 * The estimates are upper bounds in practice, not exact: vectors are exact (4 bytes per
 * stored float), indexes are bounded per family from their layouts (HNSW: a level-0 list of
 * 2·M + 1 words per node plus upper levels; quantizers: their codes), and families that
 * train also count a training sample of up to every row, then 25% is added. An estimate
 * that proves low only lets an arena grow past `arenaBytes` (up to the wasm32 limit, where
 * the segment is placed again in a fresh arena); one that is high only makes segments and
 * arenas smaller than they could be, since arenas commit memory as it is touched.
 */
import type { IndexRecipe } from '../index/factory-grammar.js';
import type { StoredVectorField } from './collection-config.js';
import { recipeOf } from './index-spec.js';
import { rowLength } from './metric.js';
import { onDiskRecipe } from './ondisk-config.js';

/** Bytes of a segment besides its rows: search scratch, codebooks, centroids, headers. */
export const SEGMENT_OVERHEAD_BYTES = 256 * 1024;

/** Safety margin on per-row estimates. */
const MARGIN = 1.25;

/** Bytes of linear memory one row of a sealed segment may take: vectors and index of every field. */
export function sealedRowBytes(fields: readonly StoredVectorField[]): number {
  let bytes = 0;
  for (const f of fields) {
    const floats = rowLength(f.dimension, f.metric);
    if (f.onDisk) bytes += onDiskRowBytes(onDiskRecipe(f.index), floats);
    else bytes += floats * 4 + indexRowBytes(recipeOf(f.index), floats);
  }
  return Math.ceil(bytes * MARGIN);
}

/** Bytes of linear memory a segment of `rows` rows may take. */
export function segmentBytes(rowBytes: number, rows: number): number {
  return SEGMENT_OVERHEAD_BYTES + rows * rowBytes;
}

/**
 * Bytes of a segment file at most, when a collection keeps vectors on disk (its segments are
 * small in memory, so the arena bound alone would let files grow past what one read of a
 * file returns: Node's `readFile` stops at 2 GiB).
 */
export const MAX_SEGMENT_FILE_BYTES = 15 * 2 ** 27;

/** Bytes of the segment file per row besides the vectors (ids and payload JSON), for `fileRowBytes`. */
const FILE_ROW_OVERHEAD = 64;

/**
 * Bytes of a segment file per row of `layout` when a field is kept on disk (the file bound
 * applies), else 0 (no file bound: the arena bound keeps files small enough).
 */
export function fileRowBytes(layout: readonly { dimension: number; onDisk?: boolean }[]): number {
  if (!layout.some((f) => f.onDisk)) return 0;
  return layout.reduce((sum, f) => sum + f.dimension * 4, FILE_ROW_OVERHEAD);
}

/**
 * The most rows a segment may hold so that its estimate fits in an arena of `arenaBytes`
 * (and, when `fileRowBytes` > 0, its file within `MAX_SEGMENT_FILE_BYTES`), and never more
 * than `segmentSize` (at least 1).
 */
export function segmentRowLimit(
  segmentSize: number,
  rowBytes: number,
  arenaBytes: number,
  fileRowBytes = 0,
): number {
  let fit = Math.floor((arenaBytes - SEGMENT_OVERHEAD_BYTES) / Math.max(1, rowBytes));
  if (fileRowBytes > 0) fit = Math.min(fit, Math.floor(MAX_SEGMENT_FILE_BYTES / fileRowBytes));
  return Math.max(1, Math.min(segmentSize, fit));
}

/**
 * Bytes per row of value partitions over a field of `floats` floats per row with HNSW
 * links of `M` (each partitioned row has a vector copy and a level-0 list).
 */
export function partitionRowBytes(floats: number, M = 16): number {
  return Math.ceil((floats * 4 + hnswRowBytes(M)) * MARGIN);
}

/**
 * Bytes per row of a field kept on disk: its SQ8 code and HNSW node (nothing for Flat). The
 * build's copy of the vectors and training sample live in a temporary arena of their own.
 */
function onDiskRowBytes(recipe: IndexRecipe | undefined, floats: number): number {
  return recipe?.family === 'hnsw' ? hnswRowBytes(recipe.M) + floats : 0;
}

/** Index bytes per row of a field of `floats` floats per row, beyond its vectors. */
function indexRowBytes(recipe: IndexRecipe | undefined, floats: number): number {
  if (recipe === undefined) return 0;
  const sample = floats * 4;
  switch (recipe.family) {
    case 'flat':
      return 0;
    case 'hnsw':
      return hnswRowBytes(recipe.M) + (recipe.storage === 'sq8' ? floats + sample : 0);
    case 'sq8':
      return floats + sample;
    case 'pq':
      return recipe.m + sample;
    case 'ivf': {
      const codes =
        recipe.coding.type === 'flat' ? floats * 4 : recipe.coding.type === 'sq8' ? floats : recipe.coding.m;
      return codes + 8 + sample;
    }
    case 'lsh':
      return Math.ceil(recipe.bits / 8) + 64;
    case 'annoy':
      return recipe.trees * (8 + Math.ceil(floats / 8));
  }
}

/** A node of an HNSW graph: level-0 list of 2·M + 1 words, upper lists (~1/M of nodes), level and pointer. */
function hnswRowBytes(M: number): number {
  return (2 * M + 1) * 4 + 4 * (M + 1) + 16;
}
