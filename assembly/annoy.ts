/**
 * Random-projection forest kernels in the manner of Spotify's Annoy: the two-means split
 * of a tree node, the partition of a node's rows by the split hyperplane, and the search
 * (a priority queue over all trees keyed by margin, then exact distances of the candidate
 * rows). The JS side (`src/index/annoy-*.ts`) decides the tree shape and lays out the
 * forest; this file only reads it. Also here: the exact re-ranking of a list of candidate
 * rows, which the LSH search (`binary.ts`) shares.
 *
 * Forest layout (`f`, the index body as stored; u32/f32 words, little-endian):
 *   header of F_HEADER_WORDS words [format version, dim, kind, trees, leaf size, count,
 *   splits, leaves, f32 largest squared norm, 0] (`annoy-forest.ts` writes it), then `trees` root refs, then `splits` split records of
 *   SPLIT_WORDS + dim words [left ref, right ref, f32 offset, f32 extra weight, f32
 *   normal[dim]], then `leaves` leaf records [items start, item count], then `trees·count`
 *   u32 items (row offsets). A ref with LEAF_BIT set names leaf `ref & ~LEAF_BIT`,
 *   otherwise split `ref`.
 *
 * Invariants:
 * - The margin of a point x at a split is dot(normal, x) + extra·e(x) + offset, where e(x)
 *   is the point's extra coordinate (the inner-product transform; 0 for queries and for L2
 *   and cosine data). Points with margin > 0 are in the right subtree, the others in the
 *   left one; `normal` is unit length (or zero for a split that halves a node's list).
 * - The JS loader has checked that the refs form a forest (every node is reached exactly
 *   once, children after their parent) and that every item is a row below F_COUNT, so a
 *   search pops each node at most once and its queue never holds more than
 *   trees + splits entries.
 * - Nothing here allocates: every buffer is handed in.
 */
import { cosineImpl, dotImpl, l2Impl, normSqImpl } from './distance';
import { isAllowed, offer, sortHeap } from './topk';

const F_DIM: usize = 4;
const F_KIND: usize = 8;
const F_TREES: usize = 12;
const F_COUNT: usize = 20;
const F_SPLITS: usize = 24;
const F_LEAVES: usize = 28;
/** Words of the forest header before the roots; the JS writer uses the same layout. */
const F_HEADER_WORDS: usize = 10;
/** Words of a split record before its normal. */
const SPLIT_WORDS: usize = 4;
const LEAF_BIT: u32 = 0x80000000;

const L2: i32 = 0;
const IP: i32 = 1;
const COSINE: i32 = 2;
const F32_INFINITY: f32 = Infinity;

// ---------------------------------------------------------------------------------------
// Exact distances of candidate rows (shared with the LSH search)

/**
 * The flat index's distance of `kind` between the query and a row (`qq`: the query's
 * squared norm, COSINE only), exact up to `bound` and possibly stopped early above it
 * (L2 only), so values of kept rows equal the flat index's bit for bit.
 */
@inline
export function exactDistanceOf(kind: i32, q: usize, row: usize, dim: i32, qq: f32, bound: f32): f32 {
  if (kind == L2) return l2Impl(q, row, dim, bound, true);
  if (kind == IP) return -dotImpl(q, row, dim);
  return 1 - cosineImpl(q, row, dim, qq);
}

/** The query's squared norm where `exactDistanceOf` needs it (COSINE), else 0. */
@inline
export function exactQueryNorm(kind: i32, q: usize, dim: i32): f32 {
  return kind == COSINE ? normSqImpl(q, dim) : 0;
}

/** Offers row `r` of `base` at its exact distance to a top-`k` heap of `size`; returns the new size. */
@inline
export function offerExactRow(
  kind: i32,
  q: usize,
  base: usize,
  dim: i32,
  qq: f32,
  r: u32,
  k: i32,
  outRows: usize,
  outDist: usize,
  size: i32,
): i32 {
  const bound = size < k ? F32_INFINITY : load<f32>(outDist);
  const d = exactDistanceOf(kind, q, base + (<usize>r) * ((<usize>dim) << 2), dim, qq, bound);
  return offer(outRows, outDist, size, k, r, d);
}

/**
 * The exact top-k of `count` candidate rows listed (u32 row offsets, no repeats) at
 * `rows`: ascending (distance, row) pairs written to `outRows`/`outDist`; returns how many.
 */
@inline
export function rankCandidateRows(
  kind: i32,
  q: usize,
  base: usize,
  dim: i32,
  rows: usize,
  count: i32,
  k: i32,
  outRows: usize,
  outDist: usize,
): i32 {
  const qq = exactQueryNorm(kind, q, dim);
  let size = 0;
  for (let i = 0; i < count; i++) {
    const r = load<u32>(rows + ((<usize>i) << 2));
    size = offerExactRow(kind, q, base, dim, qq, r, k, outRows, outDist, size);
  }
  sortHeap(outRows, outDist, size);
  return size;
}

/**
 * Whether row r is met for the first time (marking it in the `visited` bitset) and is let
 * through by `allow` (0: every row): the test candidate gatherers apply to each row.
 */
@inline
export function firstAllowedVisit(visited: usize, allow: usize, r: u32): bool {
  const word = visited + ((<usize>(r >>> 5)) << 2);
  const bit: u32 = 1 << (r & 31);
  const seen = load<u32>(word);
  if (seen & bit) return false;
  store<u32>(word, seen | bit);
  return allow == 0 || isAllowed(allow, <i32>r);
}

// ---------------------------------------------------------------------------------------
// Building

/** Squared distance between a (dim + 1)-float centroid and row r augmented by `extra`. */
@inline
function centroidDistance(c: usize, base: usize, dim: i32, extra: usize, r: u32): f32 {
  const stride = (<usize>dim) << 2;
  const d = l2Impl(c, base + (<usize>r) * stride, dim, 0, false);
  const e = load<f32>(c + stride) - extraOf(extra, r);
  return d + e * e;
}

/** The extra coordinate of row r (0 without an extra array). */
@inline
function extraOf(extra: usize, r: u32): f32 {
  return extra == 0 ? 0 : load<f32>(extra + ((<usize>r) << 2));
}

/** c = (c·weight + row r) / (weight + 1), over dim + 1 floats. */
@inline
function pullCentroid(c: usize, base: usize, dim: i32, extra: usize, r: u32, weight: f32): void {
  const row = base + (<usize>r) * ((<usize>dim) << 2);
  const total = weight + 1;
  for (let i = 0; i < dim; i++) {
    const at = (<usize>i) << 2;
    store<f32>(c + at, (load<f32>(c + at) * weight + load<f32>(row + at)) / total);
  }
  const at = (<usize>dim) << 2;
  store<f32>(c + at, (load<f32>(c + at) * weight + extraOf(extra, r)) / total);
}

/** Copies row r augmented by its extra coordinate into the (dim + 1)-float centroid c. */
@inline
function seedCentroid(c: usize, base: usize, dim: i32, extra: usize, r: u32): void {
  memory.copy(c, base + (<usize>r) * ((<usize>dim) << 2), (<usize>dim) << 2);
  store<f32>(c + ((<usize>dim) << 2), extraOf(extra, r));
}

/** The row at list position picks[i]. */
@inline
function pickedRow(rows: usize, picks: usize, i: i32): u32 {
  return load<u32>(rows + ((<usize>load<u32>(picks + ((<usize>i) << 2))) << 2));
}

/**
 * Annoy's `two_means`: centroids p and q (dim + 1 floats each, at `outP`, `outQ`) of the
 * rows listed at `rows`, seeded with the rows at list positions picks[0] and picks[1], then
 * moved by `steps` online 2-means updates with the rows at positions picks[2..steps+2)
 * (each pulls the centroid nearer to it, weighted by the points it has absorbed).
 * `extra` is 0 or the extra coordinate of every row (see the header).
 */
export function annoyTwoMeans(
  base: usize,
  dim: i32,
  extra: usize,
  rows: usize,
  picks: usize,
  steps: i32,
  outP: usize,
  outQ: usize,
): void {
  seedCentroid(outP, base, dim, extra, pickedRow(rows, picks, 0));
  seedCentroid(outQ, base, dim, extra, pickedRow(rows, picks, 1));
  let ic: f32 = 1;
  let jc: f32 = 1;
  for (let s = 0; s < steps; s++) {
    const r = pickedRow(rows, picks, s + 2);
    const di = ic * centroidDistance(outP, base, dim, extra, r);
    const dj = jc * centroidDistance(outQ, base, dim, extra, r);
    if (di < dj) {
      pullCentroid(outP, base, dim, extra, r, ic);
      ic += 1;
    } else if (dj < di) {
      pullCentroid(outQ, base, dim, extra, r, jc);
      jc += 1;
    }
  }
}

/** The margin of data row r at the split record `split`. */
@inline
function rowMargin(split: usize, base: usize, dim: i32, extra: usize, r: u32): f32 {
  const row = base + (<usize>r) * ((<usize>dim) << 2);
  const normal = split + (SPLIT_WORDS << 2);
  return dotImpl(normal, row, dim) + load<f32>(split, 12) * extraOf(extra, r) + load<f32>(split, 8);
}

/**
 * Reorders the `count` row offsets at `rows` so that those with margin <= 0 at `split` come
 * first, and returns how many they are. Rows exactly on the hyperplane (margin 0, as every
 * row is at a zero-normal split) alternate sides, starting left, so ties cannot pile up on
 * one side.
 */
export function annoyPartition(base: usize, dim: i32, extra: usize, split: usize, rows: usize, count: i32): i32 {
  let lo: usize = rows;
  let hi: usize = rows + ((<usize>count) << 2);
  let tie = false;
  while (lo < hi) {
    const r = load<u32>(lo);
    const m = rowMargin(split, base, dim, extra, r);
    let right = m > 0;
    if (m == 0) {
      right = tie;
      tie = !tie;
    }
    if (right) {
      hi -= 4;
      store<u32>(lo, load<u32>(hi));
      store<u32>(hi, r);
    } else {
      lo += 4;
    }
  }
  return <i32>((lo - rows) >> 2);
}

/**
 * The largest squared norm of `n` rows, and each row's squared norm written to `out`: the
 * JS side turns them into the extra coordinates sqrt(max − |x|²) of the inner-product
 * transform, under which the nearest rows by L2 are those of largest inner product.
 */
export function annoyNormsSq(base: usize, n: i32, dim: i32, out: usize): f32 {
  const stride = (<usize>dim) << 2;
  let largest: f32 = 0;
  for (let i = 0; i < n; i++) {
    const s = normSqImpl(base + (<usize>i) * stride, dim);
    store<f32>(out + ((<usize>i) << 2), s);
    largest = max(largest, s);
  }
  return largest;
}

// ---------------------------------------------------------------------------------------
// Searching

/** Pushes (priority, ref) onto the max-heap of `size` entries at (pri, refs); returns the new size. */
@inline
function queuePush(pri: usize, refs: usize, size: i32, p: f32, ref: u32): i32 {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pp = load<f32>(pri + ((<usize>parent) << 2));
    if (pp >= p) break;
    store<f32>(pri + ((<usize>i) << 2), pp);
    store<u32>(refs + ((<usize>i) << 2), load<u32>(refs + ((<usize>parent) << 2)));
    i = parent;
  }
  store<f32>(pri + ((<usize>i) << 2), p);
  store<u32>(refs + ((<usize>i) << 2), ref);
  return size + 1;
}

/** Removes the root of the max-heap of `size` entries (the caller read it first). */
@inline
function queuePop(pri: usize, refs: usize, size: i32): void {
  const last = size - 1;
  const p = load<f32>(pri + ((<usize>last) << 2));
  const ref = load<u32>(refs + ((<usize>last) << 2));
  let i = 0;
  while (true) {
    let child = 2 * i + 1;
    if (child >= last) break;
    let cp = load<f32>(pri + ((<usize>child) << 2));
    if (child + 1 < last) {
      const rp = load<f32>(pri + ((<usize>(child + 1)) << 2));
      if (rp > cp) {
        child++;
        cp = rp;
      }
    }
    if (cp <= p) break;
    store<f32>(pri + ((<usize>i) << 2), cp);
    store<u32>(refs + ((<usize>i) << 2), load<u32>(refs + ((<usize>child) << 2)));
    i = child;
  }
  store<f32>(pri + ((<usize>i) << 2), p);
  store<u32>(refs + ((<usize>i) << 2), ref);
}

/** Bytes of `annoySearch` scratch for a forest of `trees`, `splits` and `count` rows. */
export function annoyScratchBytes(trees: i32, splits: i32, count: i32): i32 {
  return (trees + splits) * 8 + ((count + 31) >>> 5) * 4;
}

/**
 * Annoy's search over the forest `f` (rows at `base`): every root enters a max-priority
 * queue at +infinity; the most promising node is popped — a split pushes its right child
 * at min(priority, margin) and its left child at min(priority, −margin), a leaf's rows
 * become candidates — until `searchK` distinct allowed candidates are gathered or the
 * queue is empty. Candidates are ranked by exact distance as they come; the top `k` go to
 * `outRows`/`outDist` ascending and their count is returned. `allow` is 0 or a bitset;
 * `scratch` holds `annoyScratchBytes` bytes of any content (a queue, then a visited bitset
 * this function clears), so one block serves every search of a thread.
 */
export function annoySearch(
  f: usize,
  base: usize,
  query: usize,
  k: i32,
  searchK: i32,
  allow: usize,
  scratch: usize,
  outRows: usize,
  outDist: usize,
): i32 {
  const dim = load<i32>(f + F_DIM);
  const kind = load<i32>(f + F_KIND);
  const trees = load<i32>(f + F_TREES);
  const splits = load<i32>(f + F_SPLITS);
  const leaves = load<i32>(f + F_LEAVES);
  const splitBytes = (SPLIT_WORDS + <usize>dim) << 2;
  const roots = f + (F_HEADER_WORDS << 2);
  const splitBase = roots + ((<usize>trees) << 2);
  const leafBase = splitBase + (<usize>splits) * splitBytes;
  const items = leafBase + ((<usize>leaves) << 3);
  const pri = scratch;
  const refs = pri + ((<usize>(trees + splits)) << 2);
  const visited = refs + ((<usize>(trees + splits)) << 2);
  const qq = exactQueryNorm(kind, query, dim);
  memory.fill(visited, 0, (<usize>((load<u32>(f + F_COUNT) + 31) >>> 5)) << 2);

  let queued = 0;
  for (let t = 0; t < trees; t++) {
    queued = queuePush(pri, refs, queued, F32_INFINITY, load<u32>(roots + ((<usize>t) << 2)));
  }
  let found = 0;
  let size = 0;
  while (queued > 0 && found < searchK) {
    const p = load<f32>(pri);
    const ref = load<u32>(refs);
    queuePop(pri, refs, queued);
    queued--;
    if (ref & LEAF_BIT) {
      const leaf = leafBase + ((<usize>(ref & ~LEAF_BIT)) << 3);
      let at = items + ((<usize>load<u32>(leaf)) << 2);
      const end = at + ((<usize>load<u32>(leaf, 4)) << 2);
      for (; at < end; at += 4) {
        const r = load<u32>(at);
        if (!firstAllowedVisit(visited, allow, r)) continue;
        found++;
        size = offerExactRow(kind, query, base, dim, qq, r, k, outRows, outDist, size);
      }
    } else {
      const split = splitBase + (<usize>ref) * splitBytes;
      const m = dotImpl(split + (SPLIT_WORDS << 2), query, dim) + load<f32>(split, 8);
      queued = queuePush(pri, refs, queued, min(p, m), load<u32>(split, 4));
      queued = queuePush(pri, refs, queued, min(p, -m), load<u32>(split));
    }
  }
  sortHeap(outRows, outDist, size);
  return size;
}
