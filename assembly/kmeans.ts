/**
 * The assignment step of k-means (`src/index/kmeans.ts`), which is its whole cost: for
 * every point, the nearest of `k` centroids by squared L2. Also used to place rows in the
 * inverted lists of IVF indexes.
 *
 * Invariants:
 * - Nothing here allocates; the caller passes every buffer (see `kmeansAssign`).
 * - Nearest is decided by `||c||² − 2·x·c` (the `||x||²` term is the same for every
 *   centroid), with the centroid norms precomputed by `kmeansNorms`: one multiply-add per
 *   float instead of a subtract, multiply and add. Ties keep the lowest centroid number.
 * - Points are taken four at a time, so each centroid's floats are loaded once per four
 *   points (a register-blocked matrix product): the centroids, k·d floats, are the
 *   operand that does not fit in cache for large k.
 * - The result of a point does not depend on which call, thread or block of four handles
 *   it (`dotAsBlocked` sums in the order of the four-point loop), so a caller may split
 *   the points among workers anyhow and get the same assignment.
 */
import { dotImpl, hsum } from './distance';

const F32_INFINITY: f32 = Infinity;

/** Writes `||c||²` of each of the `k` centroids of `dim` floats at `centroids` to `out`. */
export function kmeansNorms(centroids: usize, k: i32, dim: i32, out: usize): void {
  const stride = (<usize>dim) << 2;
  for (let j = 0; j < k; j++) {
    store<f32>(out + ((<usize>j) << 2), dotImpl(centroids, centroids, dim));
    centroids += stride;
  }
}

/**
 * For each of the `n` points of `dim` floats at `data`, the number of its nearest
 * centroid among the `k` at `centroids` (whose squared norms `kmeansNorms` wrote at
 * `norms`), written as a u32 to `outAssign`. When `outDist` is not 0, the squared L2
 * distance to that centroid, computed as `||x||² + ||c||² − 2·x·c` and clamped at 0, is
 * written there as an f32.
 */
export function kmeansAssign(
  data: usize,
  n: i32,
  dim: i32,
  centroids: usize,
  k: i32,
  norms: usize,
  outAssign: usize,
  outDist: usize,
): void {
  const stride = (<usize>dim) << 2;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const dist: usize = outDist == 0 ? 0 : outDist + ((<usize>i) << 2);
    nearestOfFour(data + (<usize>i) * stride, dim, centroids, k, norms, outAssign + ((<usize>i) << 2), dist);
  }
  for (; i < n; i++) {
    const x = data + (<usize>i) * stride;
    let best = F32_INFINITY;
    let arg = 0;
    let c = centroids;
    for (let j = 0; j < k; j++) {
      const d = load<f32>(norms + ((<usize>j) << 2)) - 2 * dotAsBlocked(x, c, dim);
      if (d < best) {
        best = d;
        arg = j;
      }
      c += stride;
    }
    store<u32>(outAssign + ((<usize>i) << 2), arg);
    if (outDist != 0) store<f32>(outDist + ((<usize>i) << 2), max<f32>(0, best + dotImpl(x, x, dim)));
  }
}

/** `x·c` summed in the same order as one lane of `nearestOfFour`, so results match bit for bit. */
@inline
function dotAsBlocked(x: usize, c: usize, dim: i32): f32 {
  const bytes8 = (<usize>(dim & ~7)) << 2;
  const bytes4 = (<usize>(dim & ~3)) << 2;
  const stride = (<usize>dim) << 2;
  let s = f32x4.splat(0);
  let t = f32x4.splat(0);
  let p: usize = 0;
  for (; p < bytes8; p += 32) {
    s = f32x4.add(s, f32x4.mul(v128.load(x + p), v128.load(c + p)));
    t = f32x4.add(t, f32x4.mul(v128.load(x + p, 16), v128.load(c + p, 16)));
  }
  if (p < bytes4) {
    s = f32x4.add(s, f32x4.mul(v128.load(x + p), v128.load(c + p)));
    p += 16;
  }
  let d = hsum(f32x4.add(s, t));
  for (; p < stride; p += 4) d += load<f32>(x + p) * load<f32>(c + p);
  return d;
}

/** The nearest centroid of the four consecutive points at `x` (see `kmeansAssign`). */
@inline
function nearestOfFour(
  x: usize,
  dim: i32,
  centroids: usize,
  k: i32,
  norms: usize,
  outAssign: usize,
  outDist: usize,
): void {
  const stride = (<usize>dim) << 2;
  const x1 = x + stride;
  const x2 = x1 + stride;
  const x3 = x2 + stride;
  const bytes8 = (<usize>(dim & ~7)) << 2;
  const bytes4 = (<usize>(dim & ~3)) << 2;
  let b0 = F32_INFINITY;
  let b1 = F32_INFINITY;
  let b2 = F32_INFINITY;
  let b3 = F32_INFINITY;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let c = centroids;
  for (let j = 0; j < k; j++) {
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let t0 = f32x4.splat(0);
    let t1 = f32x4.splat(0);
    let t2 = f32x4.splat(0);
    let t3 = f32x4.splat(0);
    let p: usize = 0;
    for (; p < bytes8; p += 32) {
      const c0 = v128.load(c + p);
      const c1 = v128.load(c + p, 16);
      s0 = f32x4.add(s0, f32x4.mul(v128.load(x + p), c0));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(x1 + p), c0));
      s2 = f32x4.add(s2, f32x4.mul(v128.load(x2 + p), c0));
      s3 = f32x4.add(s3, f32x4.mul(v128.load(x3 + p), c0));
      t0 = f32x4.add(t0, f32x4.mul(v128.load(x + p, 16), c1));
      t1 = f32x4.add(t1, f32x4.mul(v128.load(x1 + p, 16), c1));
      t2 = f32x4.add(t2, f32x4.mul(v128.load(x2 + p, 16), c1));
      t3 = f32x4.add(t3, f32x4.mul(v128.load(x3 + p, 16), c1));
    }
    if (p < bytes4) {
      const c0 = v128.load(c + p);
      s0 = f32x4.add(s0, f32x4.mul(v128.load(x + p), c0));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(x1 + p), c0));
      s2 = f32x4.add(s2, f32x4.mul(v128.load(x2 + p), c0));
      s3 = f32x4.add(s3, f32x4.mul(v128.load(x3 + p), c0));
      p += 16;
    }
    let d0 = hsum(f32x4.add(s0, t0));
    let d1 = hsum(f32x4.add(s1, t1));
    let d2 = hsum(f32x4.add(s2, t2));
    let d3 = hsum(f32x4.add(s3, t3));
    for (; p < stride; p += 4) {
      const cv = load<f32>(c + p);
      d0 += load<f32>(x + p) * cv;
      d1 += load<f32>(x1 + p) * cv;
      d2 += load<f32>(x2 + p) * cv;
      d3 += load<f32>(x3 + p) * cv;
    }
    const cn = load<f32>(norms + ((<usize>j) << 2));
    d0 = cn - 2 * d0;
    d1 = cn - 2 * d1;
    d2 = cn - 2 * d2;
    d3 = cn - 2 * d3;
    if (d0 < b0) {
      b0 = d0;
      a0 = j;
    }
    if (d1 < b1) {
      b1 = d1;
      a1 = j;
    }
    if (d2 < b2) {
      b2 = d2;
      a2 = j;
    }
    if (d3 < b3) {
      b3 = d3;
      a3 = j;
    }
    c += stride;
  }
  store<u32>(outAssign, a0);
  store<u32>(outAssign, a1, 4);
  store<u32>(outAssign, a2, 8);
  store<u32>(outAssign, a3, 12);
  if (outDist != 0) {
    store<f32>(outDist, max<f32>(0, b0 + dotImpl(x, x, dim)));
    store<f32>(outDist, max<f32>(0, b1 + dotImpl(x1, x1, dim)), 4);
    store<f32>(outDist, max<f32>(0, b2 + dotImpl(x2, x2, dim)), 8);
    store<f32>(outDist, max<f32>(0, b3 + dotImpl(x3, x3, dim)), 12);
  }
}
