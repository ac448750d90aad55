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

import { cosineImpl, dotImpl, l2Impl, normSqImpl } from './distance';

export * from './hnsw';

const L2: i32 = 0;
const IP: i32 = 1;
const COSINE: i32 = 2;

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
// Bounded max-heap of (distance, row) pairs kept in two parallel output arrays

/** Whether (da, ra) ranks after (db, rb): larger distance, then larger row. */
@inline
function after(da: f32, ra: u32, db: f32, rb: u32): bool {
  return da > db || (da == db && ra > rb);
}

@inline
function rowAt(rows: usize, i: i32): u32 {
  return load<u32>(rows + ((<usize>i) << 2));
}

@inline
function distAt(dists: usize, i: i32): f32 {
  return load<f32>(dists + ((<usize>i) << 2));
}

@inline
function put(rows: usize, dists: usize, i: i32, r: u32, d: f32): void {
  store<u32>(rows + ((<usize>i) << 2), r);
  store<f32>(dists + ((<usize>i) << 2), d);
}

/** Appends (d, r) at index `size` and restores the heap order above it. */
function siftUp(rows: usize, dists: usize, size: i32, r: u32, d: f32): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pd = distAt(dists, parent);
    const pr = rowAt(rows, parent);
    if (!after(d, r, pd, pr)) break;
    put(rows, dists, i, pr, pd);
    i = parent;
  }
  put(rows, dists, i, r, d);
}

/** Places (d, r) at the root of a heap of `size` entries and sinks it into place. */
function siftDown(rows: usize, dists: usize, size: i32, r: u32, d: f32): void {
  let i = 0;
  while (true) {
    let child = 2 * i + 1;
    if (child >= size) break;
    let cd = distAt(dists, child);
    let cr = rowAt(rows, child);
    const right = child + 1;
    if (right < size) {
      const rd = distAt(dists, right);
      const rr = rowAt(rows, right);
      if (after(rd, rr, cd, cr)) {
        child = right;
        cd = rd;
        cr = rr;
      }
    }
    if (!after(cd, cr, d, r)) break;
    put(rows, dists, i, cr, cd);
    i = child;
  }
  put(rows, dists, i, r, d);
}

/** Heap-sorts `size` entries in place into ascending (distance, row) order. */
function sortHeap(rows: usize, dists: usize, size: i32): void {
  for (let last = size - 1; last > 0; last--) {
    const r = rowAt(rows, last);
    const d = distAt(dists, last);
    put(rows, dists, last, rowAt(rows, 0), distAt(dists, 0));
    siftDown(rows, dists, last, r, d);
  }
}

/**
 * Offers row `r` at distance `d` to a heap holding `size` of at most `k` entries; returns
 * the new size. When full, `r` replaces the root (the worst entry) only if it ranks before
 * it by (distance, row), so the result does not depend on the order rows are offered in.
 */
@inline
function offer(rows: usize, dists: usize, size: i32, k: i32, r: u32, d: f32): i32 {
  if (size < k) {
    siftUp(rows, dists, size, r, d);
    return size + 1;
  }
  if (after(load<f32>(dists), load<u32>(rows), d, r)) siftDown(rows, dists, size, r, d);
  return size;
}

// ---------------------------------------------------------------------------------------
// Top-k

/** How many streams `searchTopK` interleaves for rows of `rowBytes` bytes. */
@inline
function streamsFor(rowBytes: usize): i32 {
  const streams = <i32>(ROUND_BYTES / max(rowBytes, 1));
  return min(max(streams, MIN_STREAMS), MAX_STREAMS);
}

/** Whether bit `i % 32` of word `i >> 5` of the bitset at `allow` is set. */
@inline
function isAllowed(allow: usize, i: i32): bool {
  return ((load<u32>(allow + ((<usize>(i >>> 5)) << 2)) >>> (<u32>i & 31)) & 1) != 0;
}

/** Number of rows below `n` that the bitset at `allow` lets through. */
function allowedCount(allow: usize, n: i32): i32 {
  let count = 0;
  const full = n >>> 5;
  for (let w = 0; w < full; w++) count += <i32>popcnt(load<u32>(allow + ((<usize>w) << 2)));
  if (n & 31) {
    const last = load<u32>(allow + ((<usize>full) << 2));
    count += <i32>popcnt(last & ((<u32>1 << (<u32>n & 31)) - 1));
  }
  return count;
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
