/**
 * Shared pieces of every top-k scan in wasm: a bounded max-heap of (distance, row) pairs
 * kept in two parallel arrays (the caller's outputs), and allow-bitset tests. Index kernels
 * (flat, SQ8, PQ, IVF, LSH, …) import these so that all of them rank and break ties alike.
 *
 * Invariants:
 * - A heap of `size` ≤ k entries at (rows, dists) is a max-heap by (distance, row): its
 *   root is the worst entry. `offer` admits a candidate only if it ranks before the root,
 *   so results do not depend on the order rows are offered in.
 * - `sortHeap` turns a heap into ascending (distance, row) order in place; after it the
 *   arrays are no longer a heap.
 * - Bitsets are u32 words; bit `i % 32` of word `i >> 5` set means row `i` is allowed.
 */

/** Whether (da, ra) ranks after (db, rb): larger distance, then larger row. */
@inline
export function after(da: f32, ra: u32, db: f32, rb: u32): bool {
  return da > db || (da == db && ra > rb);
}

@inline
export function rowAt(rows: usize, i: i32): u32 {
  return load<u32>(rows + ((<usize>i) << 2));
}

@inline
export function distAt(dists: usize, i: i32): f32 {
  return load<f32>(dists + ((<usize>i) << 2));
}

@inline
export function put(rows: usize, dists: usize, i: i32, r: u32, d: f32): void {
  store<u32>(rows + ((<usize>i) << 2), r);
  store<f32>(dists + ((<usize>i) << 2), d);
}

/** Appends (d, r) at index `size` and restores the heap order above it. */
export function siftUp(rows: usize, dists: usize, size: i32, r: u32, d: f32): void {
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
export function siftDown(rows: usize, dists: usize, size: i32, r: u32, d: f32): void {
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
export function sortHeap(rows: usize, dists: usize, size: i32): void {
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
export function offer(rows: usize, dists: usize, size: i32, k: i32, r: u32, d: f32): i32 {
  if (size < k) {
    siftUp(rows, dists, size, r, d);
    return size + 1;
  }
  if (after(load<f32>(dists), load<u32>(rows), d, r)) siftDown(rows, dists, size, r, d);
  return size;
}

// ---------------------------------------------------------------------------------------
// Allow bitsets

/** Whether bit `i % 32` of word `i >> 5` of the bitset at `allow` is set. */
@inline
export function isAllowed(allow: usize, i: i32): bool {
  return ((load<u32>(allow + ((<usize>(i >>> 5)) << 2)) >>> (<u32>i & 31)) & 1) != 0;
}

/** Number of rows below `n` that the bitset at `allow` lets through. */
export function allowedCount(allow: usize, n: i32): i32 {
  let count = 0;
  const full = n >>> 5;
  let w = 0;
  for (; w + 1 < full; w += 2) count += <i32>popcnt(load<u64>(allow + ((<usize>w) << 2)));
  if (w < full) count += <i32>popcnt(load<u32>(allow + ((<usize>w) << 2)));
  if (n & 31) {
    const last = load<u32>(allow + ((<usize>full) << 2));
    count += <i32>popcnt(last & ((<u32>1 << (<u32>n & 31)) - 1));
  }
  return count;
}

/**
 * The first word at or after `w` (of `words`) of the bitset at `allow` with a bit set, or
 * `words` when there is none. Runs of zero words are skipped four at a time.
 */
@inline
export function nextAllowedWord(allow: usize, w: i32, words: i32): i32 {
  while (w < words) {
    if ((w & 3) == 0 && w + 4 <= words && !v128.any_true(v128.load(allow + ((<usize>w) << 2)))) {
      w += 4;
      continue;
    }
    if (load<u32>(allow + ((<usize>w) << 2)) != 0) return w;
    w++;
  }
  return words;
}
