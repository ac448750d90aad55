/**
 * Single-pair distance loops in simd128, shared by the scan/top-k kernels (`kernels.ts`)
 * and the HNSW graph walk (`hnsw.ts`). Everything here is `@inline`, so each caller gets
 * its own specialized copy and no call overhead.
 *
 * Invariant: one function per distance kind, so every caller computes bit-identical
 * values for the same pair.
 */
/** Bytes per step when reading the rest of a skipped row: one x86/ARM cache line. */
const CACHE_LINE: usize = 64;
/** Rests of skipped rows up to this many bytes are read one byte per line (`readRest`). */
const SHORT_REST: usize = 512;
/**
 * Bytes between two checks of an early-stopped distance in a graph walk (`l2Impl` with
 * `readSkipped` false): a walk's rejected rows mostly pass the bound late (Fashion-MNIST,
 * ef 16: 41 of 49 blocks of 16 floats read on average), where doubling lengths check
 * rarely. Measured with `TOUCH_BYTES` 512, Fashion-MNIST `collection.search` QPS over
 * doubling lengths at ef 10–128: every 64 floats 1.03–1.05×, every 32 floats 1.00–1.04×.
 * Scans (`readSkipped`) keep doubling lengths.
 */
const WALK_CHECK_BYTES: usize = 256;

// ---------------------------------------------------------------------------------------
// Single-pair distances

@inline
export function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

/**
 * Reads the skipped rest [p, end) of a row and drops the values. wasm has no prefetch
 * instruction: when `l2Impl` stops early in a row, reading the skipped bytes keeps the
 * access pattern sequential, so the hardware stream prefetchers keep running ahead. Without
 * it top-k over rows that do not fit in cache is latency-bound (measured: Fashion-MNIST,
 * 60k x 784, 2x slower). A rest longer than `SHORT_REST` bytes is read in whole lines,
 * which streams faster than one byte per line (1.1x on 256- and 784-d rows in DRAM); a
 * shorter rest gets one byte per line, as fast in DRAM and cheaper when the rows are in
 * cache (1.1x on 128-d rows in L3). Nothing at or past `end` is read. The dropped loads
 * survive optimization because a load may trap: neither Binaryen (without
 * ignore-implicit-traps) nor V8 removes it.
 */
@inline
export function readRest(p: usize, end: usize): void {
  if (end - p <= SHORT_REST) {
    for (; p < end; p += CACHE_LINE) load<u8>(p);
    return;
  }
  while (end - p >= CACHE_LINE) {
    v128.load(p);
    v128.load(p, 16);
    v128.load(p, 32);
    v128.load(p, 48);
    p += CACHE_LINE;
  }
  if (p < end) load<u8>(p);
}

/**
 * Squared L2 distance. With `mayStop` (a compile-time constant at every call site), the
 * partial sum is checked after 16, 32, 64, 128… floats (in a graph walk, without
 * `readSkipped`: after 16 floats, then every `WALK_CHECK_BYTES`; never after the last
 * 16-float block)
 * and returned as soon as it is > `bound`. Partial sums only grow (every added term is >= 0 and
 * rounding is monotonic), so a returned value <= `bound` is the full distance,
 * bit-identical to the `mayStop = false` result (same accumulators, same order), and a
 * value > `bound` proves the distance is too. Checking at doubling lengths rather than
 * after every 16 floats costs log2(dim / 16) horizontal sums per row instead of dim / 16
 * (measured, top-10 over Gaussian-mixture rows: 60k x 784 in DRAM 173 -> 190 QPS, 1k x
 * 128 in cache 29k -> 44k QPS). `readSkipped` (a compile-time constant too) reads the rest
 * of a row it stops in (`readRest`), for scans; a graph walk, which has already touched
 * every line of the rows it measures, passes false.
 */
@inline
export function l2Impl(a: usize, b: usize, dim: i32, bound: f32, mayStop: bool, readSkipped: bool = true): f32 {
  const rowEnd = b + ((<usize>dim) << 2);
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  const end16 = b + ((<usize>(dim & ~15)) << 2);
  const start = b;
  let check = b + 64;
  while (b < end16) {
    const d0 = f32x4.sub(v128.load(a), v128.load(b));
    const d1 = f32x4.sub(v128.load(a, 16), v128.load(b, 16));
    const d2 = f32x4.sub(v128.load(a, 32), v128.load(b, 32));
    const d3 = f32x4.sub(v128.load(a, 48), v128.load(b, 48));
    s0 = f32x4.add(s0, f32x4.mul(d0, d0));
    s1 = f32x4.add(s1, f32x4.mul(d1, d1));
    s2 = f32x4.add(s2, f32x4.mul(d2, d2));
    s3 = f32x4.add(s3, f32x4.mul(d3, d3));
    a += 64;
    b += 64;
    if (mayStop && b == check && b != end16) {
      check = readSkipped ? start + ((b - start) << 1) : b + WALK_CHECK_BYTES;
      const partial = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
      if (partial > bound) {
        if (readSkipped) readRest(b, rowEnd);
        return partial;
      }
    }
  }
  const end4 = end16 + ((<usize>(dim & 12)) << 2);
  while (b < end4) {
    const d = f32x4.sub(v128.load(a), v128.load(b));
    s0 = f32x4.add(s0, f32x4.mul(d, d));
    a += 16;
    b += 16;
  }
  let s = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  while (b < rowEnd) {
    const d = load<f32>(a) - load<f32>(b);
    s += d * d;
    a += 4;
    b += 4;
  }
  return s;
}

/**
 * L1 (Manhattan) distance, Σ |a[i] − b[i]|. `mayStop` and `bound` work as in `l2Impl`
 * (same block order, same checks at doubling lengths): terms are >= 0, so partial sums only
 * grow, a returned value <= `bound` is the full distance bit for bit, and a value > `bound`
 * proves the distance is too.
 */
@inline
export function l1Impl(a: usize, b: usize, dim: i32, bound: f32, mayStop: bool): f32 {
  const rowEnd = b + ((<usize>dim) << 2);
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  const end16 = b + ((<usize>(dim & ~15)) << 2);
  const start = b;
  let check = b + 64;
  while (b < end16) {
    s0 = f32x4.add(s0, f32x4.abs(f32x4.sub(v128.load(a), v128.load(b))));
    s1 = f32x4.add(s1, f32x4.abs(f32x4.sub(v128.load(a, 16), v128.load(b, 16))));
    s2 = f32x4.add(s2, f32x4.abs(f32x4.sub(v128.load(a, 32), v128.load(b, 32))));
    s3 = f32x4.add(s3, f32x4.abs(f32x4.sub(v128.load(a, 48), v128.load(b, 48))));
    a += 64;
    b += 64;
    if (mayStop && b == check && b != end16) {
      check = start + ((b - start) << 1);
      const partial = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
      if (partial > bound) {
        readRest(b, rowEnd);
        return partial;
      }
    }
  }
  const end4 = end16 + ((<usize>(dim & 12)) << 2);
  while (b < end4) {
    s0 = f32x4.add(s0, f32x4.abs(f32x4.sub(v128.load(a), v128.load(b))));
    a += 16;
    b += 16;
  }
  let s = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  while (b < rowEnd) {
    s += Mathf.abs(load<f32>(a) - load<f32>(b));
    a += 4;
    b += 4;
  }
  return s;
}

@inline
export function dotImpl(a: usize, b: usize, dim: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  const end16 = a + ((<usize>(dim & ~15)) << 2);
  while (a < end16) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a), v128.load(b)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a, 16), v128.load(b, 16)));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(a, 32), v128.load(b, 32)));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(a, 48), v128.load(b, 48)));
    a += 64;
    b += 64;
  }
  const end4 = end16 + ((<usize>(dim & 12)) << 2);
  while (a < end4) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a), v128.load(b)));
    a += 16;
    b += 16;
  }
  let s = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  const end = end4 + ((<usize>(dim & 3)) << 2);
  while (a < end) {
    s += load<f32>(a) * load<f32>(b);
    a += 4;
    b += 4;
  }
  return s;
}

/** Squared norm of the vector at `a`. */
@inline
export function normSqImpl(a: usize, dim: i32): f32 {
  return dotImpl(a, a, dim);
}

/**
 * Cosine similarity given the query's squared norm `qq`: dot and the row's norm in one
 * pass, combined in f64 so huge norms cannot overflow the product. 0 when a norm is 0.
 */
@inline
export function cosineImpl(q: usize, b: usize, dim: i32, qq: f32): f32 {
  let d0 = f32x4.splat(0);
  let d1 = f32x4.splat(0);
  let n0 = f32x4.splat(0);
  let n1 = f32x4.splat(0);
  const end8 = b + ((<usize>(dim & ~7)) << 2);
  while (b < end8) {
    const x0 = v128.load(b);
    const x1 = v128.load(b, 16);
    d0 = f32x4.add(d0, f32x4.mul(v128.load(q), x0));
    d1 = f32x4.add(d1, f32x4.mul(v128.load(q, 16), x1));
    n0 = f32x4.add(n0, f32x4.mul(x0, x0));
    n1 = f32x4.add(n1, f32x4.mul(x1, x1));
    q += 32;
    b += 32;
  }
  if (dim & 4) {
    const x = v128.load(b);
    d0 = f32x4.add(d0, f32x4.mul(v128.load(q), x));
    n0 = f32x4.add(n0, f32x4.mul(x, x));
    q += 16;
    b += 16;
  }
  let dp = hsum(f32x4.add(d0, d1));
  let bb = hsum(f32x4.add(n0, n1));
  const end = end8 + ((<usize>(dim & 7)) << 2);
  while (b < end) {
    const x = load<f32>(b);
    dp += load<f32>(q) * x;
    bb += x * x;
    q += 4;
    b += 4;
  }
  if (qq == 0 || bb == 0) return 0;
  return <f32>(<f64>dp / Math.sqrt(<f64>qq * <f64>bb));
}


// ---------------------------------------------------------------------------------------
// Binary vectors: `words` u32 words per row (rows 4-byte aligned)

/**
 * Number of differing bits between the `words`-word rows at `a` and `b`. Scalar u64
 * popcounts: measured 2x faster than v128 xor plus lane extraction on 256-bit rows.
 */
@inline
export function hammingImpl(a: usize, b: usize, words: i32): f32 {
  let count: u64 = 0;
  const pairs = (<usize>(words >>> 1)) << 3;
  let i: usize = 0;
  for (; i < pairs; i += 8) count += popcnt<u64>(load<u64>(a + i) ^ load<u64>(b + i));
  if (words & 1) count += <u64>popcnt<u32>(load<u32>(a + i) ^ load<u32>(b + i));
  return <f32>count;
}

/** `1 - |a ∧ b| / |a ∨ b|` of the `words`-word rows at `a` and `b`; 0 when both are empty. */
@inline
export function jaccardImpl(a: usize, b: usize, words: i32): f32 {
  let both: u64 = 0;
  let either: u64 = 0;
  const pairs = (<usize>(words >>> 1)) << 3;
  let i: usize = 0;
  for (; i < pairs; i += 8) {
    const x = load<u64>(a + i);
    const y = load<u64>(b + i);
    both += popcnt<u64>(x & y);
    either += popcnt<u64>(x | y);
  }
  if (words & 1) {
    const x = load<u32>(a + i);
    const y = load<u32>(b + i);
    both += <u64>popcnt<u32>(x & y);
    either += <u64>popcnt<u32>(x | y);
  }
  return either == 0 ? 0 : <f32>(1 - <f64>both / <f64>either);
}
