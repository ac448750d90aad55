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

import { cosineImpl, dotImpl, hammingImpl, jaccardImpl, l1Impl, l2Impl, normSqImpl } from './distance';
import { binaryCodeHeap } from './binary';
import { allowedCount, isAllowed, nextAllowedWord, offer, sortHeap } from './topk';

export * from './annoy';
export * from './binary';
export * from './hnsw';
export * from './hnsw-check';
export * from './ivf';
export * from './kmeans';
export * from './pq';
export * from './sq8';

const L2: i32 = 0;
const IP: i32 = 1;
const COSINE: i32 = 2;
const HAMMING: i32 = 3;
const JACCARD: i32 = 4;
const L1: i32 = 5;

/** `searchTopK` reads about this many bytes per round of its streams (one row of each). */
const ROUND_BYTES: usize = 8192;
const MIN_STREAMS: i32 = 2;
const MAX_STREAMS: i32 = 4;

/**
 * A bitset with fewer than one allowed row in this many takes the sequential path of
 * `searchTopK` (`sparseTopK`), which walks the set bits, instead of the streams, which test
 * every row's bit. Measured, top-10 L2, one thread, CPU time per query (streams → set
 * bits): Gaussian mixture 100k x 128 with 12.5% of the rows allowed 810 → 530 µs, 25%
 * 2.4 → 1.9 ms, 50% 3.7 → 3.8 ms, 90% 2.4 → 5.0 ms; 1M x 128, 12.5% 23 → 14 ms, 25% 33 →
 * 24 ms; Fashion-MNIST 60k x 784, 12.5% 3.8 → 3.2 ms, 25% 7.2 → 6.8 ms.
 */
const SPARSE_RATIO: i32 = 4;

/**
 * Set bits by which `sparseTopK`'s touching cursor runs ahead of its computing one.
 * Measured, 1M x 128 Gaussian mixture with 1% of the rows allowed, top-10, CPU time per
 * query over 4 runs: 8 ahead 0.74–0.93 ms; 0 (no touching) 0.82–1.9 ms; 32 ahead
 * 0.80–2.8 ms (too far ahead, touched rows are evicted again before use).
 */
const SPARSE_AHEAD: i32 = 8;

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
  if (kind == L1) return l1Impl(q, row, dim, 0, false);
  return 1 - cosineImpl(q, row, dim, qq);
}

/**
 * `distance` for a top-k candidate that only matters if it is <= `bound` (the heap's worst,
 * or infinity while the heap fills): exact up to `bound`, some value > `bound` otherwise.
 * Only L2 and L1 can stop early; the other kinds have no monotone partial sums.
 */
@inline
function candidateDistance(kind: i32, q: usize, row: usize, dim: i32, qq: f32, bound: f32): f32 {
  if (kind == L2) return l2Impl(q, row, dim, bound, true);
  if (kind == L1) return l1Impl(q, row, dim, bound, true);
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
 * `SPARSE_RATIO` rows allowed is walked in row order instead (`sparseTopK`), because
 * testing every row's bit would cost more than the streams gain.
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
    size = sparseTopK(kind, query, qq, base, n, dim, k, allow, outRows, outDist);
  }
  sortHeap(outRows, outDist, size);
  return size;
}

/**
 * The top-k heap of `searchTopK` over the rows of a sparse bitset (returns its size),
 * visited in row order by walking the set bits and skipping empty words four at a time.
 * Rows so far apart cost a cache and a TLB miss each, which one row's arithmetic cannot
 * hide: a second cursor runs `SPARSE_AHEAD` set bits ahead and touches the first line of
 * its row, so that several misses are in flight at once. Bits at or past `n` are ignored.
 */
function sparseTopK(
  kind: i32,
  query: usize,
  qq: f32,
  base: usize,
  n: i32,
  dim: i32,
  k: i32,
  allow: usize,
  outRows: usize,
  outDist: usize,
): i32 {
  const stride = (<usize>dim) << 2;
  const words = (n + 31) >>> 5;
  let w = nextAllowedWord(allow, 0, words);
  let bits: u32 = w < words ? load<u32>(allow + ((<usize>w) << 2)) : 0;
  let aheadWord = w;
  let ahead = bits;
  let lead = 0;
  let size = 0;
  while (true) {
    while (ahead != 0 && lead < SPARSE_AHEAD) {
      const r = (aheadWord << 5) + <i32>ctz(ahead);
      if (r < n) load<u8>(base + (<usize>r) * stride);
      lead++;
      ahead &= ahead - 1;
      if (ahead == 0) {
        aheadWord = nextAllowedWord(allow, aheadWord + 1, words);
        if (aheadWord < words) ahead = load<u32>(allow + ((<usize>aheadWord) << 2));
      }
    }
    if (bits == 0) break;
    const r = (w << 5) + <i32>ctz(bits);
    if (r >= n) break;
    lead--;
    bits &= bits - 1;
    if (bits == 0) {
      w = nextAllowedWord(allow, w + 1, words);
      if (w < words) bits = load<u32>(allow + ((<usize>w) << 2));
    }
    const bound = size < k ? F32_INFINITY : load<f32>(outDist);
    const d = candidateDistance(kind, query, base + (<usize>r) * stride, dim, qq, bound);
    size = offer(outRows, outDist, size, k, <u32>r, d);
  }
  return size;
}

/**
 * Bytes of a listed row that `listedTopK` touches ahead (every cache line up to this many):
 * the rows of a short list lie far apart, and a row's first line alone left the others to
 * miss one after another as its distance ran.
 */
const LISTED_TOUCH_BYTES: usize = 2048;

/** Reads one byte of every cache line of the `bytes` bytes at `row` (whose values are not needed yet). */
@inline
function touchRow(row: usize, bytes: usize): void {
  for (let at: usize = 0; at < bytes; at += 64) load<u8>(row + at);
}

/**
 * Exact top-k among the `count` rows whose offsets are listed at `rows` (u32, ascending, each
 * a row of `base`): the scan of a short allow-list (a selective filter's posting list), which
 * costs what the list holds instead of a bitset over every row. Ties and order as
 * `searchTopK`. The rows lie far apart, so each costs cache and TLB misses that one row's
 * arithmetic cannot hide: the rows `SPARSE_AHEAD` places ahead are touched (every line, up to
 * `LISTED_TOUCH_BYTES`) so that their misses overlap. Returns the number found, min(k, count).
 */
export function listedTopK(
  kind: i32,
  query: usize,
  base: usize,
  dim: i32,
  k: i32,
  rows: usize,
  count: i32,
  outRows: usize,
  outDist: usize,
): i32 {
  if (k <= 0 || count <= 0) return 0;
  const qq = kind == COSINE ? normSqImpl(query, dim) : 0;
  const stride = (<usize>dim) << 2;
  const touch = min(stride, LISTED_TOUCH_BYTES);
  for (let j = 0; j < min(count, SPARSE_AHEAD); j++) touchRow(base + (<usize>load<u32>(rows + ((<usize>j) << 2))) * stride, touch);
  let size = 0;
  for (let i = 0; i < count; i++) {
    const ahead = i + SPARSE_AHEAD;
    if (ahead < count) touchRow(base + (<usize>load<u32>(rows + ((<usize>ahead) << 2))) * stride, touch);
    const r = load<u32>(rows + ((<usize>i) << 2));
    const bound = size < k ? F32_INFINITY : load<f32>(outDist);
    const d = candidateDistance(kind, query, base + (<usize>r) * stride, dim, qq, bound);
    size = offer(outRows, outDist, size, k, r, d);
  }
  sortHeap(outRows, outDist, size);
  return size;
}

/** Number of rows below `n` that the bitset at `allow` lets through (`Bitset.count` in wasm). */
export function bitsetCount(allow: usize, n: i32): i32 {
  return allowedCount(allow, n);
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
