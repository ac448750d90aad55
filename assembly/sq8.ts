/**
 * SQ8: 8-bit per-dimension scalar quantization (FAISS's `QT_8bit`, min/max ranges), in
 * simd128. Used by the exhaustive `SQ8` index, by HNSW walking on codes (`hnsw.ts`) and by
 * IVF lists of SQ8 codes (`ivf.ts`).
 *
 * Memory layouts (all little-endian, f32 unless said otherwise):
 * - Params (`8 * dim` bytes): `min[dim]`, then `step[dim]` with
 *   `step[j] = (max[j] - min[j]) / 255` (0 for a constant dimension).
 * - Code (`dim` bytes): `c[j] = round((x[j] - min[j]) / step[j])` clamped to [0, 255]
 *   (ties to even; 0 when `step[j] = 0`). Decoding is `min[j] + c[j] * step[j]`, so codes
 *   0 and 255 decode to the trained min and max exactly, and a value inside the range is
 *   reproduced within half a step.
 * - Prepared query (`sq8PreparedFloats(dim) * 4` bytes): `X[dim]`, `Y[dim]`, `C`. The
 *   distance from the query to the decoded vector of a code `c` is
 *     L2:           sum_j (X[j] - Y[j] * c[j])^2   with X = q - min, Y = step
 *     IP / COSINE:  C + sum_j Y[j] * c[j]          with Y = -q * step,
 *                   C = -sum_j q[j] * min[j] (IP), 1 - sum_j q[j] * min[j] (COSINE)
 *   i.e. exactly the kernels' "lower is better" distance (squared L2, -dot, 1 - dot of a
 *   unit query) to the decoded vector, up to f32 rounding. COSINE expects unit queries and
 *   rows, as everywhere in the index layer.
 *
 * Invariants:
 * - Nothing here allocates; every pointer is a block the JS side handed in. Pointers need
 *   only 4-byte alignment (params, prepared queries) or none (codes).
 * - Every SQ8 distance of a kind goes through `sq8Distance`, so scans, graph walks and IVF
 *   lists rank codes identically.
 * - Re-ranked distances (`sq8RerankTopK`) are computed as `FlatIndex` computes them
 *   (`kernels.ts`), so a re-ranked result carries the exact distance of its row.
 */
import { cosineImpl, dotImpl, hsum, l2Impl, normSqImpl } from './distance';
import { allowedCount, isAllowed, offer, sortHeap } from './topk';

const L2: i32 = 0;
const COSINE: i32 = 2;

/** A bitset with fewer than one allowed row in this many is walked word by word. */
const SPARSE_RATIO: i32 = 16;
const F32_INFINITY: f32 = Infinity;

/** Floats in a prepared query of `dim` dimensions: X, Y and the constant C. */
@inline
export function sq8PreparedFloats(dim: i32): i32 {
  return 2 * dim + 1;
}

// ---------------------------------------------------------------------------------------
// Code widening

/** Codes widened to f32x4: `lo`/`hi` are 8 codes as i16x8 (`v128.load8x8_u`). */
@inline
function widenLow(c16: v128): v128 {
  return f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(c16));
}

@inline
function widenHigh(c16: v128): v128 {
  return f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(c16));
}

/** The 4 codes at `p` as one f32x4 (reads exactly 4 bytes). */
@inline
function widen4At(p: usize): v128 {
  const c = v128.load32_zero(p);
  return f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(c)));
}

// ---------------------------------------------------------------------------------------
// Asymmetric distances: prepared f32 query against a u8 code

/**
 * sum_j (X[j] - Y[j] * c[j])^2 over the code at `code`. With `mayStop` (a compile-time
 * constant at every call site), the partial sum is checked after 16, 32, 64, … codes and
 * returned as soon as it is > `bound`, as `l2Impl` does: partial sums only grow, so a
 * value <= `bound` is the full distance, bit-identical to the `mayStop = false` result.
 */
@inline
function sq8L2(prep: usize, code: usize, dim: i32, bound: f32, mayStop: bool): f32 {
  const ys = (<usize>dim) << 2;
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  const end16 = code + <usize>(dim & ~15);
  const start = code;
  let check = code + 16;
  let x = prep;
  while (code < end16) {
    const lo = v128.load8x8_u(code);
    const hi = v128.load8x8_u(code, 8);
    const d0 = f32x4.sub(v128.load(x), f32x4.mul(v128.load(x + ys), widenLow(lo)));
    const d1 = f32x4.sub(v128.load(x, 16), f32x4.mul(v128.load(x + ys, 16), widenHigh(lo)));
    const d2 = f32x4.sub(v128.load(x, 32), f32x4.mul(v128.load(x + ys, 32), widenLow(hi)));
    const d3 = f32x4.sub(v128.load(x, 48), f32x4.mul(v128.load(x + ys, 48), widenHigh(hi)));
    s0 = f32x4.add(s0, f32x4.mul(d0, d0));
    s1 = f32x4.add(s1, f32x4.mul(d1, d1));
    s2 = f32x4.add(s2, f32x4.mul(d2, d2));
    s3 = f32x4.add(s3, f32x4.mul(d3, d3));
    code += 16;
    x += 64;
    if (mayStop && code == check && code != end16) {
      check = start + ((code - start) << 1);
      const partial = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
      if (partial > bound) return partial;
    }
  }
  const end4 = end16 + <usize>(dim & 12);
  while (code < end4) {
    const d = f32x4.sub(v128.load(x), f32x4.mul(v128.load(x + ys), widen4At(code)));
    s0 = f32x4.add(s0, f32x4.mul(d, d));
    code += 4;
    x += 16;
  }
  let s = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  const end = end4 + <usize>(dim & 3);
  while (code < end) {
    const d = load<f32>(x) - load<f32>(x + ys) * <f32>load<u8>(code);
    s += d * d;
    code++;
    x += 4;
  }
  return s;
}

/** C + sum_j Y[j] * c[j] over the code at `code`. */
@inline
function sq8Dot(prep: usize, code: usize, dim: i32): f32 {
  let y = prep + ((<usize>dim) << 2);
  const constant = load<f32>(y + ((<usize>dim) << 2));
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  const end16 = code + <usize>(dim & ~15);
  while (code < end16) {
    const lo = v128.load8x8_u(code);
    const hi = v128.load8x8_u(code, 8);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(y), widenLow(lo)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(y, 16), widenHigh(lo)));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(y, 32), widenLow(hi)));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(y, 48), widenHigh(hi)));
    code += 16;
    y += 64;
  }
  const end4 = end16 + <usize>(dim & 12);
  while (code < end4) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(y), widen4At(code)));
    code += 4;
    y += 16;
  }
  let s = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  const end = end4 + <usize>(dim & 3);
  while (code < end) {
    s += load<f32>(y) * <f32>load<u8>(code);
    code++;
    y += 4;
  }
  return constant + s;
}

/**
 * The SQ8 distance of kind `kind` (0 L2, 1 IP, 2 COSINE) from the query prepared at `prep`
 * (see `sq8Prepare`) to the `dim`-byte code at `code`: the kernels' distance to the
 * decoded vector. Stable signature for other assembly files (HNSW walk, IVF lists).
 */
@inline
export function sq8Distance(kind: i32, prep: usize, code: usize, dim: i32): f32 {
  if (kind == L2) return sq8L2(prep, code, dim, 0, false);
  return sq8Dot(prep, code, dim);
}

/**
 * `sq8Distance` for a candidate that only matters if it is <= `bound` (a top-k heap's
 * worst, or infinity while it fills): the same value when that is <= `bound`, some value
 * > `bound` otherwise. Only L2 stops early (its partial sums only grow).
 */
@inline
export function sq8DistanceBounded(kind: i32, prep: usize, code: usize, dim: i32, bound: f32): f32 {
  if (kind == L2) return sq8L2(prep, code, dim, bound, true);
  return sq8Dot(prep, code, dim);
}

/**
 * Writes the prepared form of the f32 query at `query` for codes trained into `params`
 * (layouts in the file comment) to `out` (`sq8PreparedFloats(dim)` floats). For COSINE
 * the query must be unit length.
 */
export function sq8Prepare(kind: i32, params: usize, query: usize, dim: i32, out: usize): void {
  const d = <usize>dim;
  const steps = params + (d << 2);
  let qMin: f64 = 0;
  for (let j: usize = 0; j < d; j++) {
    const q = load<f32>(query + (j << 2));
    const lo = load<f32>(params + (j << 2));
    const step = load<f32>(steps + (j << 2));
    if (kind == L2) {
      store<f32>(out + (j << 2), q - lo);
      store<f32>(out + ((d + j) << 2), step);
    } else {
      store<f32>(out + (j << 2), 0);
      store<f32>(out + ((d + j) << 2), -q * step);
      qMin += <f64>q * <f64>lo;
    }
  }
  const constant: f64 = kind == L2 ? 0 : kind == COSINE ? 1 - qMin : -qMin;
  store<f32>(out + ((d << 1) << 2), <f32>constant);
}

// ---------------------------------------------------------------------------------------
// Training, encoding, decoding

/**
 * Per-dimension min and max over the `n` rows at `rows`, written as params (min, step) to
 * `out`. With n = 0 every range is [0, 0]. Rows must be free of NaN.
 */
export function sq8Train(rows: usize, n: i32, dim: i32, out: usize): void {
  const d = <usize>dim;
  const steps = out + (d << 2);
  if (n <= 0) {
    memory.fill(out, 0, d << 3);
    return;
  }
  // min[] goes to `out`, max[] temporarily to the step half; both seeded from row 0.
  memory.copy(out, rows, d << 2);
  memory.copy(steps, rows, d << 2);
  const stride = d << 2;
  const vecEnd = (d & ~3) << 2;
  for (let i = 1; i < n; i++) {
    const row = rows + (<usize>i) * stride;
    let j: usize = 0;
    for (; j < vecEnd; j += 16) {
      const v = v128.load(row + j);
      v128.store(out + j, f32x4.min(v128.load(out + j), v));
      v128.store(steps + j, f32x4.max(v128.load(steps + j), v));
    }
    for (; j < stride; j += 4) {
      const v = load<f32>(row + j);
      store<f32>(out + j, min(load<f32>(out + j), v));
      store<f32>(steps + j, max(load<f32>(steps + j), v));
    }
  }
  for (let j: usize = 0; j < stride; j += 4) {
    const lo = load<f32>(out + j);
    const hi = load<f32>(steps + j);
    // In f64, so that a range wider than f32's maximum still gives a finite step.
    store<f32>(steps + j, <f32>((<f64>hi - <f64>lo) / 255));
  }
}

/** One code byte for `x` (scalar path of `sq8Encode`). */
@inline
function codeOf(x: f32, lo: f32, step: f32): u8 {
  if (step == 0) return 0;
  const c = nearest<f32>((x - lo) / step);
  if (!(c > 0)) return 0; // NaN included
  return c >= 255 ? 255 : <u8>(<i32>c);
}

/** Encodes the `n` f32 rows at `rows` into `n * dim` code bytes at `out`. */
export function sq8Encode(params: usize, rows: usize, n: i32, dim: i32, out: usize): void {
  const d = <usize>dim;
  const steps = params + (d << 2);
  const zero = f32x4.splat(0);
  const top = f32x4.splat(255);
  const end16 = d & ~15;
  for (let i = 0; i < n; i++) {
    const row = rows + (<usize>i) * (d << 2);
    const code = out + (<usize>i) * d;
    let j: usize = 0;
    for (; j < end16; j += 16) {
      const a = quantize4(row, params, steps, j, zero, top);
      const b = quantize4(row, params, steps, j + 4, zero, top);
      const c = quantize4(row, params, steps, j + 8, zero, top);
      const e = quantize4(row, params, steps, j + 12, zero, top);
      v128.store(code + j, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, e)));
    }
    for (; j < d; j++) {
      store<u8>(code + j, codeOf(load<f32>(row + (j << 2)), load<f32>(params + (j << 2)), load<f32>(steps + (j << 2))));
    }
  }
}

/** Codes of dimensions j..j+3 of `row` as i32x4 in [0, 255] (0 where the step is 0). */
@inline
function quantize4(row: usize, params: usize, steps: usize, j: usize, zero: v128, top: v128): v128 {
  const step = v128.load(steps + (j << 2));
  const scaled = f32x4.div(f32x4.sub(v128.load(row + (j << 2)), v128.load(params + (j << 2))), step);
  const clamped = f32x4.max(zero, f32x4.min(top, f32x4.nearest(scaled)));
  // A zero step gives inf or NaN above; such dimensions always get code 0.
  return v128.andnot(i32x4.trunc_sat_f32x4_u(clamped), f32x4.eq(step, zero));
}

/** Decodes `n` codes at `codes` into `n * dim` floats at `out` (`min + c * step`). */
export function sq8Decode(params: usize, codes: usize, n: i32, dim: i32, out: usize): void {
  const d = <usize>dim;
  const steps = params + (d << 2);
  for (let i = 0; i < n; i++) {
    const code = codes + (<usize>i) * d;
    const row = out + (<usize>i) * (d << 2);
    for (let j: usize = 0; j < d; j++) {
      const c = <f32>load<u8>(code + j);
      store<f32>(row + (j << 2), load<f32>(params + (j << 2)) + c * load<f32>(steps + (j << 2)));
    }
  }
}

// ---------------------------------------------------------------------------------------
// Re-ranking on full-precision rows

/** The distance `FlatIndex` reports (`kernels.ts`); `qq` is the query's squared norm (COSINE). */
@inline
function exactDistance(kind: i32, q: usize, row: usize, dim: i32, qq: f32): f32 {
  if (kind == L2) return l2Impl(q, row, dim, 0, false);
  if (kind == COSINE) return 1 - cosineImpl(q, row, dim, qq);
  return -dotImpl(q, row, dim);
}

/**
 * The `k` best of the `n` candidate rows listed (u32) at `cand`, by exact distance from the
 * f32 query at `query` to the f32 rows at `vectors` (row r at `vectors + r * dim * 4`).
 * Writes up to k rows and distances ascending by (distance, row); returns how many.
 * Stable signature for other assembly files.
 */
@inline
export function sq8RerankTopK(
  kind: i32,
  query: usize,
  vectors: usize,
  dim: i32,
  cand: usize,
  n: i32,
  k: i32,
  outRows: usize,
  outDist: usize,
): i32 {
  const qq = kind == COSINE ? normSqImpl(query, dim) : 0;
  const stride = (<usize>dim) << 2;
  // Candidates are scattered rows: touch every cache line of each first, so that their
  // loads are all in flight before the first distance needs one.
  for (let i = 0; i < n; i++) {
    const row = vectors + (<usize>load<u32>(cand + ((<usize>i) << 2))) * stride;
    for (let at: usize = 0; at < stride; at += 64) load<u8>(row + at);
  }
  let size = 0;
  for (let i = 0; i < n; i++) {
    const r = load<u32>(cand + ((<usize>i) << 2));
    size = offer(outRows, outDist, size, k, r, exactDistance(kind, query, vectors + (<usize>r) * stride, dim, qq));
  }
  sortHeap(outRows, outDist, size);
  return size;
}

// ---------------------------------------------------------------------------------------
// Exhaustive search

/**
 * The `k` nearest of the `n` codes at `codes` by SQ8 distance to the query prepared at
 * `prep`, among the rows the bitset at `allow` lets through (all when 0). Writes up to k
 * rows and distances to `outRows`/`outDist` ascending by (distance, row); returns how many.
 */
@inline
function scanCodes(
  kind: i32,
  prep: usize,
  codes: usize,
  n: i32,
  dim: i32,
  k: i32,
  allow: usize,
  outRows: usize,
  outDist: usize,
): i32 {
  const stride = <usize>dim;
  let size = 0;
  if (allow == 0 || allowedCount(allow, n) * SPARSE_RATIO >= n) {
    let code = codes;
    for (let i = 0; i < n; i++) {
      if (allow == 0 || isAllowed(allow, i)) {
        const bound = size < k ? F32_INFINITY : load<f32>(outDist);
        size = offer(outRows, outDist, size, k, <u32>i, sq8DistanceBounded(kind, prep, code, dim, bound));
      }
      code += stride;
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
        const d = sq8DistanceBounded(kind, prep, codes + (<usize>r) * stride, dim, bound);
        size = offer(outRows, outDist, size, k, <u32>r, d);
      }
    }
  }
  sortHeap(outRows, outDist, size);
  return size;
}

/**
 * Exhaustive SQ8 search. With `rerank` = 0, the `k` best codes by SQ8 distance go to
 * `outRows`/`outDist`. Otherwise the max(rerank, k) best codes go to `candRows`/`candDist`
 * (room for that many each), and the `k` best of them by exact distance from the f32
 * `query` to the f32 rows at `vectors` go to the outputs. Returns the number written.
 */
export function sq8SearchTopK(
  kind: i32,
  prep: usize,
  codes: usize,
  n: i32,
  dim: i32,
  query: usize,
  vectors: usize,
  k: i32,
  rerank: i32,
  allow: usize,
  candRows: usize,
  candDist: usize,
  outRows: usize,
  outDist: usize,
): i32 {
  if (k <= 0 || n <= 0) return 0;
  if (rerank <= 0) return scanCodes(kind, prep, codes, n, dim, k, allow, outRows, outDist);
  const found = scanCodes(kind, prep, codes, n, dim, max(rerank, k), allow, candRows, candDist);
  return sq8RerankTopK(kind, query, vectors, dim, candRows, found, k, outRows, outDist);
}
