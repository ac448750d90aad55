/**
 * The plain TypeScript implementation of `Kernels`: the fallback when WebAssembly SIMD is
 * unavailable and the reference the wasm kernels are tested beside.
 *
 * Invariants:
 * - It uses the same memory model as the wasm kernels: a `WebAssembly.Memory` used purely
 *   as storage, managed by `LinearAllocator`, so callers cannot tell the two apart.
 * - Arithmetic runs in f64 on f32 inputs, and every distance is rounded to f32
 *   (`Math.fround`) before it is compared or stored, so the order the heap sees is the
 *   order of the values written out and ties keep the lower row, as in wasm.
 */
import type { GrowthGuard } from './allocator.js';
import { DistanceKind, type Kernels } from './kernels.js';
import { LinearMemory } from './linear-memory.js';

/** Where the JS kernels start allocating; below is never handed out, so 0 stays "none". */
const JS_HEAP_BASE = 1024;

export class JsKernels extends LinearMemory implements Kernels {
  readonly kind = 'js' as const;
  private heapF32: Float32Array;
  private heapU32: Uint32Array;

  /** `guard`: bounds the memory's growth (an arena of a database); none by default. */
  constructor(guard?: GrowthGuard) {
    super(LinearMemory.newMemory(), JS_HEAP_BASE, guard);
    this.heapF32 = new Float32Array(this.memory.buffer);
    this.heapU32 = new Uint32Array(this.memory.buffer);
  }

  l2sq(a: number, b: number, dim: number): number {
    return l2(this.floats(), a >>> 2, b >>> 2, dim);
  }

  dot(a: number, b: number, dim: number): number {
    return Math.fround(dotProduct(this.floats(), a >>> 2, b >>> 2, dim));
  }

  cosine(a: number, b: number, dim: number): number {
    const h = this.floats();
    return cosineSimilarity(h, a >>> 2, b >>> 2, dim, dotProduct(h, a >>> 2, a >>> 2, dim));
  }

  scan(kind: DistanceKind, query: number, base: number, n: number, dim: number, out: number): void {
    const h = this.floats();
    const q = query >>> 2;
    const qq = kind === DistanceKind.COSINE ? dotProduct(h, q, q, dim) : 0;
    const o = out >>> 2;
    const u = this.words();
    for (let r = 0, row = base >>> 2; r < n; r++, row += dim)
      h[o + r] = distance(h, kind, q, row, dim, qq, u);
  }

  searchTopK(
    kind: DistanceKind,
    query: number,
    base: number,
    n: number,
    dim: number,
    k: number,
    allow: number,
    outRows: number,
    outDist: number,
  ): number {
    if (k <= 0 || n <= 0) return 0;
    const h = this.floats();
    const words = this.words();
    const heap = new BoundedHeap(words, h, outRows >>> 2, outDist >>> 2, k);
    const q = query >>> 2;
    const qq = kind === DistanceKind.COSINE ? dotProduct(h, q, q, dim) : 0;
    const b = base >>> 2;
    if (allow === 0) {
      for (let r = 0; r < n; r++) {
        heap.offer(r, candidateDistance(h, words, kind, q, b + r * dim, dim, qq, heap.bound()));
      }
    } else {
      const a = allow >>> 2;
      const nWords = (n + 31) >>> 5;
      for (let w = 0; w < nWords; w++) {
        let bits = words[a + w];
        while (bits !== 0) {
          const low = bits & -bits;
          const r = (w << 5) + 31 - Math.clz32(low);
          if (r >= n) break;
          bits ^= low;
          heap.offer(r, candidateDistance(h, words, kind, q, b + r * dim, dim, qq, heap.bound()));
        }
      }
    }
    return heap.sortAscending();
  }

  selectTopK(dist: number, n: number, k: number, outRows: number, outDist: number): number {
    if (k <= 0 || n <= 0) return 0;
    const h = this.floats();
    const heap = new BoundedHeap(this.words(), h, outRows >>> 2, outDist >>> 2, k);
    const d = dist >>> 2;
    for (let i = 0; i < n; i++) heap.offer(i, h[d + i]);
    return heap.sortAscending();
  }

  /**
   * The whole memory as floats, re-taken when a grow has detached the cached view (a
   * detached view has length 0; checking that is cheaper than reading `memory.buffer`).
   */
  private floats(): Float32Array {
    if (this.heapF32.length === 0) this.refreshViews();
    return this.heapF32;
  }

  private words(): Uint32Array {
    if (this.heapU32.length === 0) this.refreshViews();
    return this.heapU32;
  }

  private refreshViews(): void {
    this.heapF32 = new Float32Array(this.memory.buffer);
    this.heapU32 = new Uint32Array(this.memory.buffer);
  }
}

/** Floats per 64-byte cache line. */
const LINE_FLOATS = 16;
/** Receives the touched floats, so that the touching loads have an observable effect. */
// biome-ignore lint/correctness/noUnusedVariables: write-only on purpose, it is the loads' sink
let touchSink = 0;

/**
 * Reads one float per cache line of h[from, end). When `l2` stops early in a row, touching
 * the skipped lines keeps the access pattern sequential for the hardware prefetcher
 * (measured: ~2x faster early-stopping scans of 100k x 128 rows, which do not fit in cache).
 */
function touchLines(h: Float32Array, from: number, end: number): void {
  let t = 0;
  for (let i = from; i < end; i += LINE_FLOATS) t += h[i];
  touchSink += t;
}

/**
 * Squared L2 distance, rounded to f32. It stops as soon as a partial sum (checked every 16
 * floats) is >= `bound` and returns that partial: sums of non-negative terms only grow and
 * rounding is monotonic, so a result < `bound` is the full distance and a result >= `bound`
 * proves the distance is too (what a top-k candidate needs; `bound` is an f32 value).
 */
function l2(h: Float32Array, a: number, b: number, dim: number, bound = Number.POSITIVE_INFINITY): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (const end8 = dim & ~7; i < end8; i += 8) {
    let d0 = h[a + i] - h[b + i];
    let d1 = h[a + i + 1] - h[b + i + 1];
    let d2 = h[a + i + 2] - h[b + i + 2];
    let d3 = h[a + i + 3] - h[b + i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
    d0 = h[a + i + 4] - h[b + i + 4];
    d1 = h[a + i + 5] - h[b + i + 5];
    d2 = h[a + i + 6] - h[b + i + 6];
    d3 = h[a + i + 7] - h[b + i + 7];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
    if ((i & 8) === 8 && s0 + s1 + (s2 + s3) >= bound) {
      touchLines(h, b + i + 8, b + dim);
      return Math.fround(s0 + s1 + (s2 + s3));
    }
  }
  for (; i < dim; i++) {
    const d = h[a + i] - h[b + i];
    s0 += d * d;
  }
  return Math.fround(s0 + s1 + (s2 + s3));
}

/**
 * L1 (Manhattan) distance, rounded to f32, stopping early like `l2`: a result < `bound` is
 * the full distance, a result >= `bound` proves the distance is too.
 */
function l1(h: Float32Array, a: number, b: number, dim: number, bound = Number.POSITIVE_INFINITY): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (const end8 = dim & ~7; i < end8; i += 8) {
    s0 += Math.abs(h[a + i] - h[b + i]) + Math.abs(h[a + i + 4] - h[b + i + 4]);
    s1 += Math.abs(h[a + i + 1] - h[b + i + 1]) + Math.abs(h[a + i + 5] - h[b + i + 5]);
    s2 += Math.abs(h[a + i + 2] - h[b + i + 2]) + Math.abs(h[a + i + 6] - h[b + i + 6]);
    s3 += Math.abs(h[a + i + 3] - h[b + i + 3]) + Math.abs(h[a + i + 7] - h[b + i + 7]);
    if ((i & 8) === 8 && s0 + s1 + (s2 + s3) >= bound) {
      touchLines(h, b + i + 8, b + dim);
      return Math.fround(s0 + s1 + (s2 + s3));
    }
  }
  for (; i < dim; i++) s0 += Math.abs(h[a + i] - h[b + i]);
  return Math.fround(s0 + s1 + (s2 + s3));
}

/** Unrounded f64 inner product (callers round once, after combining). */
function dotProduct(h: Float32Array, a: number, b: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (const end4 = dim & ~3; i < end4; i += 4) {
    s0 += h[a + i] * h[b + i];
    s1 += h[a + i + 1] * h[b + i + 1];
    s2 += h[a + i + 2] * h[b + i + 2];
    s3 += h[a + i + 3] * h[b + i + 3];
  }
  for (; i < dim; i++) s0 += h[a + i] * h[b + i];
  return s0 + s1 + (s2 + s3);
}

/** Cosine similarity given the query's squared norm `qq`; 0 when either norm is 0. */
function cosineSimilarity(h: Float32Array, q: number, b: number, dim: number, qq: number): number {
  let dp = 0;
  let bb = 0;
  for (let i = 0; i < dim; i++) {
    const x = h[b + i];
    dp += h[q + i] * x;
    bb += x * x;
  }
  if (qq === 0 || bb === 0) return 0;
  return Math.fround(dp / Math.sqrt(qq * bb));
}

/**
 * `distance` for a top-k candidate that only matters if it is < `bound` (the heap's worst,
 * or infinity while the heap fills): exact below `bound`, some value >= `bound` otherwise.
 */
function candidateDistance(
  h: Float32Array,
  u: Uint32Array,
  kind: DistanceKind,
  q: number,
  row: number,
  dim: number,
  qq: number,
  bound: number,
): number {
  if (kind === DistanceKind.L2) return l2(h, q, row, dim, bound);
  if (kind === DistanceKind.L1) return l1(h, q, row, dim, bound);
  return distance(h, kind, q, row, dim, qq, u);
}

/** The "lower is better" distance of `kind`, rounded to f32 (`u`: the same memory as words). */
function distance(
  h: Float32Array,
  kind: DistanceKind,
  q: number,
  row: number,
  dim: number,
  qq: number,
  u: Uint32Array,
): number {
  if (kind === DistanceKind.L2) return l2(h, q, row, dim);
  if (kind === DistanceKind.L1) return l1(h, q, row, dim);
  if (kind === DistanceKind.IP) return Math.fround(-dotProduct(h, q, row, dim));
  if (kind === DistanceKind.HAMMING || kind === DistanceKind.JACCARD) return binary(u, kind, q, row, dim);
  return Math.fround(1 - cosineSimilarity(h, q, row, dim, qq));
}

/**
 * A max-heap of at most `k` (distance, row) pairs kept in the caller's output arrays,
 * ordered by distance then row. Rows must be offered in ascending order: then a full heap
 * only needs to compare against its root, and equal distances keep the lower row.
 */
class BoundedHeap {
  private size = 0;

  constructor(
    private readonly rows: Uint32Array,
    private readonly dists: Float32Array,
    private readonly r0: number,
    private readonly d0: number,
    private readonly k: number,
  ) {}

  /** The distance a new row must beat to enter: the worst held, or infinity until full. */
  bound(): number {
    return this.size < this.k ? Number.POSITIVE_INFINITY : this.dists[this.d0];
  }

  offer(row: number, d: number): void {
    if (this.size < this.k) this.siftUp(this.size++, row, d);
    else if (d < this.dists[this.d0]) this.siftDown(this.size, row, d);
  }

  /** Heap-sorts the entries in place into ascending (distance, row) order; returns the count. */
  sortAscending(): number {
    const { rows, dists, r0, d0 } = this;
    for (let last = this.size - 1; last > 0; last--) {
      const row = rows[r0 + last];
      const d = dists[d0 + last];
      rows[r0 + last] = rows[r0];
      dists[d0 + last] = dists[d0];
      this.siftDown(last, row, d);
    }
    return this.size;
  }

  private siftUp(i: number, row: number, d: number): void {
    const { rows, dists, r0, d0 } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pd = dists[d0 + parent];
      const pr = rows[r0 + parent];
      if (!(d > pd || (d === pd && row > pr))) break;
      rows[r0 + i] = pr;
      dists[d0 + i] = pd;
      i = parent;
    }
    rows[r0 + i] = row;
    dists[d0 + i] = d;
  }

  /** Places (d, row) at the root of the first `size` entries and sinks it into place. */
  private siftDown(size: number, row: number, d: number): void {
    const { rows, dists, r0, d0 } = this;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      let cd = dists[d0 + child];
      let cr = rows[r0 + child];
      const right = child + 1;
      if (right < size) {
        const rd = dists[d0 + right];
        const rr = rows[r0 + right];
        if (rd > cd || (rd === cd && rr > cr)) {
          child = right;
          cd = rd;
          cr = rr;
        }
      }
      if (!(cd > d || (cd === d && cr > row))) break;
      rows[r0 + i] = cr;
      dists[d0 + i] = cd;
      i = child;
    }
    rows[r0 + i] = row;
    dists[d0 + i] = d;
  }
}

/** Bits set in a u32. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Hamming or Jaccard distance of the `words`-word binary rows at word offsets `q` and `row`. */
function binary(u: Uint32Array, kind: DistanceKind, q: number, row: number, words: number): number {
  let both = 0;
  let either = 0;
  let differ = 0;
  for (let i = 0; i < words; i++) {
    const x = u[q + i];
    const y = u[row + i];
    differ += popcount(x ^ y);
    both += popcount(x & y);
    either += popcount(x | y);
  }
  if (kind === DistanceKind.HAMMING) return differ;
  return either === 0 ? 0 : Math.fround(1 - both / either);
}
