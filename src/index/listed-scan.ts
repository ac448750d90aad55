/**
 * The exact scan of a listed set of offsets (`VectorIndexRead.searchRows`): for allow-lists
 * so short that a bitset over every offset costs more than the scan. A filter that keeps 952
 * of 1,000,000 rows made a 125 KB bitset per query (and the garbage collections its buffers
 * drew), a copy of it into linear memory and a walk over its 31,250 words; the list is 3.8 KB.
 *
 * `listedScan` copies the query (unit length for COSINE) and the listed offsets that are not
 * deleted into one block of linear memory, with room for the results; `listedTopK`
 * (assembly/kernels.ts) then runs on this thread or on a search worker over the same block.
 * Invariant: the offsets are ascending and below the rows of `base`; the block is freed by
 * `release` only after the kernel has returned.
 */
import { DistanceKind } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { normalizeInPlace } from './unit-length.js';
import type { IndexSearchResult } from './vector-index.js';

/** The vectors a listed scan reads: rows of `dimension` floats at `base` in `kern`'s memory. */
export interface ListedSource {
  kern: WasmKernels;
  base: number;
  dimension: number;
  distance: DistanceKind;
  /** Whether an offset is never returned (an index's deleted nodes); none when undefined. */
  isDeleted?: (offset: number) => boolean;
}

/** A prepared listed scan: the kernel's arguments, then `collect(found)` and `release()`. */
export interface ListedCall {
  args: [number, number, number, number, number, number, number, number, number];
  collect(found: number): IndexSearchResult;
  release(): void;
}

/**
 * The scan of the k nearest of `rows` to `query`, prepared (see the module comment);
 * undefined when no listed offset is left to return.
 * @throws RangeError when an offset is not below `size` or the offsets are not ascending.
 */
export function listedScan(
  source: ListedSource,
  query: Float32Array,
  k: number,
  rows: Uint32Array,
  size: number,
): ListedCall | undefined {
  const { kern, dimension: d, isDeleted } = source;
  let count = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row >= size || (i > 0 && row <= rows[i - 1])) {
      throw new RangeError(`listed rows must be ascending offsets below ${size}, got ${row} at ${i}`);
    }
    if (isDeleted === undefined || !isDeleted(row)) count++;
  }
  const limit = Math.min(k, count);
  if (limit <= 0) return undefined;
  const block = kern.alloc(d * 4 + count * 4 + limit * 8);
  const listed = block + d * 4;
  const outRows = listed + count * 4;
  const outDist = outRows + limit * 4;
  const q = kern.f32(block, d);
  q.set(query);
  if (source.distance === DistanceKind.COSINE) normalizeInPlace(q, 0, d);
  const target = kern.u32(listed, count);
  if (count === rows.length) target.set(rows);
  else {
    let at = 0;
    for (const row of rows) if (!isDeleted?.(row)) target[at++] = row;
  }
  return {
    args: [source.distance, block, source.base, d, limit, listed, count, outRows, outDist],
    collect: (found) => ({
      offsets: kern.u32(outRows, found).slice(),
      distances: kern.f32(outDist, found).slice(),
    }),
    release: () => kern.free(block),
  };
}
