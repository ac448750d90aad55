/**
 * File reads a kernel worker runs beside the kernels (kernel-worker.ts), for vectors kept on
 * disk that a search re-ranks: a whole on-disk `HNSW<M>,SQ8` search (`HNSW_SQ8_DISK`: the
 * walk on codes, positioned reads of its candidates' rows into the arena, their exact
 * ranking), so that a search takes one hop off the event loop, as in memory, instead of one
 * thread-pool task per row. The same function runs on the calling thread for synchronous
 * searches. File descriptors are the process's, shared by every thread; the caller keeps
 * the file open and the blocks allocated until the call settles.
 */
import { readSync } from 'node:fs';

/**
 * The worker function of an on-disk `HNSW<M>,SQ8` search, with args
 * `[g, s, prep, codes, query, keep, ef, allow, candNodes, candDist,`
 * ` fd, position, dim, kind, rows, limit, outRows, outDist, countPtr]`:
 * walks the graph on codes for the `keep` best candidates (`hnswSearchSq8` without
 * re-ranking, into `candNodes`/`candDist`), stores their count at `countPtr`, and when at
 * least `limit` were found sorts their offsets ascending in place, reads their rows
 * (`dim` f32 each, row 0 at `position` of `fd`) to `rows` and ranks them exactly
 * (`searchTopK` of distance `kind`, the distances `FlatIndex` computes; ties to the lower
 * offset) into `outRows` (positions in `candNodes`) and `outDist`. Returns how many it ranked
 * (0 when fewer than `limit` were found: the caller falls back to an exact scan).
 */
export const HNSW_SQ8_DISK = 'hnswSearchSq8Disk';

type Exports = Record<string, (...args: number[]) => number>;

/** Runs `HNSW_SQ8_DISK` with `exports` over `memory`. */
export function hnswSearchSq8Disk(exports: Exports, memory: WebAssembly.Memory, args: number[]): number {
  const [g, s, prep, codes, query, keep, ef, allow, candNodes, candDist] = args;
  const [fd, position, dim, kind, rows, limit, outRows, outDist, countPtr] = args.slice(10);
  const found = exports.hnswSearchSq8(
    g,
    s,
    prep,
    codes,
    query,
    keep,
    ef,
    0,
    allow,
    0,
    0,
    candNodes,
    candDist,
  );
  new Uint32Array(memory.buffer, countPtr, 1)[0] = found;
  if (found < limit) return 0;
  new Uint32Array(memory.buffer, candNodes, found).sort();
  preadRows(memory, [fd, position, dim * 4, candNodes, found, rows]);
  return exports.searchTopK(kind, query, rows, found, dim, limit, 0, outRows, outDist);
}

/**
 * Reads rows of a file into `memory`, args `[fd, position, rowBytes, offsetsPtr, count,
 * destPtr]`: for i < count, the `rowBytes` bytes at `position + rowBytes · offsets[i]` (u32
 * offsets at `offsetsPtr`, ascending) go to `destPtr + rowBytes · i`, one `pread` per run of
 * neighbouring rows. Returns `count`. @throws Error if the file ends early.
 */
function preadRows(memory: WebAssembly.Memory, args: number[]): number {
  const [fd, position, rowBytes, offsetsPtr, count, destPtr] = args;
  const buffer = memory.buffer;
  const offsets = new Uint32Array(buffer, offsetsPtr, count);
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < count; ) {
    let n = 1;
    while (i + n < count && offsets[i + n] === offsets[i] + n) n++;
    const length = n * rowBytes;
    const at = destPtr + i * rowBytes;
    const from = position + offsets[i] * rowBytes;
    for (let done = 0; done < length; ) {
      const got = readSync(fd, bytes, at + done, length - done, from + done);
      if (got === 0) throw new Error(`rows from ${offsets[i]} lie past the end of the file`);
      done += got;
    }
    i += n;
  }
  return count;
}
