/**
 * The contract of the hot loops: distances, scans and top-k selection over f32 vectors
 * that live in one linear memory. Two implementations exist, WebAssembly simd128
 * (`wasm-kernels.ts`, built from `assembly/kernels.ts`) and plain TypeScript
 * (`js-kernels.ts`); they must agree within 1e-5 relative error.
 *
 * Invariants:
 * - Every pointer is a byte offset into `memory`; f32/u32 data is 4-byte aligned, and
 *   `alloc` returns 16-byte aligned blocks.
 * - `alloc` may grow `memory`, which detaches every typed-array view taken before; take
 *   views with `f32()`/`u32()` after the last `alloc`, never keep them across one.
 * - Distances are "lower is better": `L2` is squared Euclidean, `IP` is the negated
 *   inner product, `COSINE` is `1 - cos(a, b)` computed with both norms. `HAMMING` and
 *   `JACCARD` are for binary vectors packed 32 bits per f32 slot (the slot holds raw bits,
 *   never read as a float; `dim` counts these words): the number of differing bits, and
 *   `1 - |a ∧ b| / |a ∨ b|` (0 when both are all zeros). `L1` is the Manhattan distance
 *   Σ |a[i] − b[i]| (FAISS's METRIC_L1).
 * - Top-k results are sorted by ascending distance; ties keep the lower row first.
 */

/** Distance kinds understood by the kernels (numeric codes passed into wasm). */
export const DistanceKind = { L2: 0, IP: 1, COSINE: 2, HAMMING: 3, JACCARD: 4, L1: 5 } as const;
export type DistanceKind = (typeof DistanceKind)[keyof typeof DistanceKind];

export interface Kernels {
  /** Which implementation this is. */
  readonly kind: 'wasm-simd' | 'js';
  /** The linear memory all pointers refer to. */
  readonly memory: WebAssembly.Memory;
  /** Identifies `memory` in the process (worker threads key their instances by it). */
  readonly arenaId: number;
  /** The allocator's figures: bytes in live blocks, and one past the highest block handed out. */
  readonly allocator: {
    readonly allocatedBytes: number;
    readonly heapTop: number;
    /** Whether the live block at `ptr` ends at `heapTop` (`extend` can grow it in place). */
    endsAtTop(ptr: number): boolean;
  };

  /** Allocates `bytes` (> 0) bytes, 16-byte aligned, zero-filled; may grow memory. */
  alloc(bytes: number): number;
  /** Releases a block returned by `alloc`. Freeing 0 is a no-op. */
  free(ptr: number): void;
  /**
   * Grows the block at `ptr` to `bytes` in place (zero-filled) when it is the highest block;
   * false, changing nothing, otherwise. Growing may detach views, as `alloc` does.
   */
  extend(ptr: number, bytes: number): boolean;
  /** A fresh Float32Array view of `length` floats at `ptr` (valid until the next `alloc`). */
  f32(ptr: number, length: number): Float32Array;
  /** A fresh Uint32Array view of `length` words at `ptr` (valid until the next `alloc`). */
  u32(ptr: number, length: number): Uint32Array;

  /** Squared Euclidean distance between the `dim`-float vectors at `a` and `b`. */
  l2sq(a: number, b: number, dim: number): number;
  /** Inner product of the vectors at `a` and `b`. */
  dot(a: number, b: number, dim: number): number;
  /** Cosine similarity of the vectors at `a` and `b` (0 when either has zero norm). */
  cosine(a: number, b: number, dim: number): number;

  /**
   * Distances (of `kind`) from the query at `query` to `n` contiguous rows of `dim` floats
   * starting at `base`, written as n floats at `out`.
   */
  scan(kind: DistanceKind, query: number, base: number, n: number, dim: number, out: number): void;

  /**
   * Exact k nearest rows: a fused scan and bounded-heap selection. `allow` is 0 (all rows)
   * or a pointer to a bitset of u32 words where bit `i % 32` of word `i >> 5` set means row
   * `i` may be returned. Writes up to k (row, distance) pairs, ascending by distance, to
   * `outRows` (u32) and `outDist` (f32); returns how many were written.
   */
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
  ): number;

  /** The k smallest of `n` floats at `dist`, ascending, as (index, value) pairs; returns the count. */
  selectTopK(dist: number, n: number, k: number, outRows: number, outDist: number): number;
}
