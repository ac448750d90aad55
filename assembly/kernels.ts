/**
 * Hot-loop kernels in WebAssembly simd128: distances, distance scans and top-k selection
 * over f32 vectors in the imported linear memory. The contract (argument meaning, result
 * order, tie-breaking) is `src/kernels/kernels.ts`; this file is its fast implementation.
 *
 * Invariants:
 * - Nothing here allocates: every pointer is a byte offset handed in by the JS allocator,
 *   and the only memory written is the output the caller passed.
 * - Rows need only be 4-byte aligned (v128 loads are unaligned-safe), so any `dim` works:
 *   the vector loops take 16 (cosine: 8) floats per step, then 4, and a scalar tail
 *   finishes the rest.
 * - Every distance of a kind goes through one inline function, so `scan`, `searchTopK`
 *   and the single-pair functions return bit-identical values for the same pair (the
 *   early-stopping L2 of `searchTopK` included, for every distance it keeps).
 * - Top-k heaps live in the caller's output arrays as a max-heap ordered by
 *   (distance, row). `searchTopK` visits rows out of order (see `searchTopK`), so a
 *   candidate enters only if it ranks before the heap's worst by (distance, row): ties keep
 *   the lower row whatever the visiting order.
 * - Distances that are NaN (from NaN inputs) are never ranked meaningfully; callers
 *   reject such vectors before they reach the kernels.
 */

import { cosineImpl, dotImpl, hammingImpl, jaccardImpl, l2Impl, normSqImpl } from './distance';
import { binaryCodeHeap } from './binary';
import { allowedCount, isAllowed, offer, sortHeap } from './topk';

export * from './annoy';
export * from './binary';
export * from './hnsw';
export * from './ivf';
export * from './kmeans';
export * from './pq';
export * from './sq8';

const L2: i32 = 0;
const IP: i32 = 1;
const COSINE: i32 = 2;
const HAMMING: i32 = 3;
const JACCARD: i32 = 4;

/** `searchTopK` reads about this many bytes per round of its streams (one row of each). */
const ROUND_BYTES: usize = 8192;
const MIN_STREAMS: i32 = 2;
const MAX_STREAMS: i32 = 4;

/**
 * A bitset with fewer than one allowed row in this many takes the sequential path of
 * `searchTopK`, which skips empty words, instead of testing every row's bit.
 */
const SPARSE_RATIO: i32 = 16;

const F32_INFINITY: f32 = Infinity;

/** First byte above the module's static data; the JS allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}

/** The "lower is better" distance of `kind`; `qq` is the query's squared norm (COSINE only). */
@inline
function distance(kind: i32, q: usize, row: usize, dim: i32, qq: f32): f32 {
  if (kind == L2) return l2Impl(q, row, dim, 0, false);
  if (kind == IP) return -dotImpl(q, row, dim);
  if (kind == HAMMING) return hammingImpl(q, row, dim);
  if (kind == JACCARD) return jaccardImpl(q, row, dim);
  return 1 - cosineImpl(q, row, dim, qq);
}

/**
 * `distance` for a top-k candidate that only matters if it is <= `bound` (the heap's worst,
 * or infinity while the heap fills): exact up to `bound`, some value > `bound` otherwise.
 * Only L2 can stop early; the other kinds have no monotone partial sums.
 */
@inline
function candidateDistance(kind: i32, q: usize, row: usize, dim: i32, qq: f32, bound: f32): f32 {
  if (kind == L2) return l2Impl(q, row, dim, bound, true);
  return distance(kind, q, row, dim, qq);
}

export function l2sq(a: usize, b: usize, dim: i32): f32 {
  return l2Impl(a, b, dim, 0, false);
}

export function dot(a: usize, b: usize, dim: i32): f32 {
  return dotImpl(a, b, dim);
}

export function cosine(a: usize, b: usize, dim: i32): f32 {
  return cosineImpl(a, b, dim, normSqImpl(a, dim));
}

// ---------------------------------------------------------------------------------------
// Scans

export function scan(kind: i32, query: usize, base: usize, n: i32, dim: i32, out: usize): void {
  const qq = kind == COSINE ? normSqImpl(query, dim) : 0;
  const stride = (<usize>dim) << 2;
  const end = out + ((<usize>n) << 2);
  while (out < end) {
    store<f32>(out, distance(kind, query, base, dim, qq));
    base += stride;
    out += 4;
  }
}

// ---------------------------------------------------------------------------------------
// Top-k

/** How many streams `searchTopK` interleaves for rows of `rowBytes` bytes. */
@inline
function streamsFor(rowBytes: usize): i32 {
  const streams = <i32>(ROUND_BYTES / max(rowBytes, 1));
  return min(max(streams, MIN_STREAMS), MAX_STREAMS);
}

/**
 * Exact top-k by a fused scan and bounded heap; the contract is `Kernels.searchTopK`.
 *
 * The scan is bound by memory bandwidth, and one core draws more of it from a few
 * sequential streams than from one: the rows are cut into `streamsFor(row bytes)`
 * contiguous runs, and each round takes the next row of every run. Measured, one thread,
 * top-10 L2 over data in DRAM: Fashion-MNIST 60k x 784, 1 stream 151 QPS, 2 streams 174,
 * 4 streams 174, 8 streams 104; Gaussian mixture 371k x 128, 1 stream 148, 4 streams 185,
 * 16 streams 79 (too many streams defeat the prefetchers). A bitset with fewer than 1 in
 * `SPARSE_RATIO` rows allowed is walked in row order instead, skipping empty words,
 * because testing every row's bit would cost more than the streams gain.
 */
export function searchTopK(
  kind: i32,
  query: usize,
  base: usize,
  n: i32,
  dim: i32,
  k: i32,
  allow: usize,
  outRows: usize,
  outDist: usize,
): i32 {
  if (k <= 0 || n <= 0) return 0;
  if ((kind == HAMMING || kind == JACCARD) && (dim & 1) == 0) {
    // Binary rows of whole u64 words: the popcount loop of `binary.ts` (with its 256-bit
    // fast path) is 2x faster than the streamed loop below, and computes the same values.
    const found = binaryCodeHeap(kind == HAMMING ? 0 : 1, query, base, n, dim >>> 1, k, allow, outRows, outDist);
    sortHeap(outRows, outDist, found);
    return found;
  }
  const qq = kind == COSINE ? normSqImpl(query, dim) : 0;
  const stride = (<usize>dim) << 2;
  let size = 0;
  if (allow == 0 || allowedCount(allow, n) * SPARSE_RATIO >= n) {
    const streams = streamsFor(stride);
    // n * stride fits in wasm32 memory, so n < 2^30 and `i += perStream` cannot overflow.
    const perStream = (n + streams - 1) / streams;
    const jump = (<usize>perStream) * stride;
    let first = base;
    for (let r = 0; r < perStream; r++) {
      let row = first;
      for (let i = r; i < n; i += perStream) {
        if (allow == 0 || isAllowed(allow, i)) {
          const bound = size < k ? F32_INFINITY : load<f32>(outDist);
          const d = candidateDistance(kind, query, row, dim, qq, bound);
          size = offer(outRows, outDist, size, k, <u32>i, d);
        }
        row += jump;
      }
      first += stride;
    }
  } else {
    const words = (n + 31) >>> 5;
    for (let w = 0; w < words; w++) {
      let bits = load<u32>(allow + ((<usize>w) << 2));
      while (bits != 0) {
        const r = (w << 5) + <i32>ctz(bits);
        if (r >= n) break;
        bits &= bits - 1;
        const bound = size < k ? F32_INFINITY : load<f32>(outDist);
        const d = candidateDistance(kind, query, base + (<usize>r) * stride, dim, qq, bound);
        size = offer(outRows, outDist, size, k, <u32>r, d);
      }
    }
  }
  sortHeap(outRows, outDist, size);
  return size;
}

export function selectTopK(dist: usize, n: i32, k: i32, outRows: usize, outDist: usize): i32 {
  if (k <= 0 || n <= 0) return 0;
  let size = 0;
  for (let i = 0; i < n; i++) {
    size = offer(outRows, outDist, size, k, <u32>i, load<f32>(dist + ((<usize>i) << 2)));
  }
  sortHeap(outRows, outDist, size);
  return size;
}
