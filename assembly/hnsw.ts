/**
 * HNSW graph operations in wasm (Malkov & Yashunin 2018): insertion with the
 * neighbour-selection heuristic, the layered greedy search, filtered k-NN search and the
 * repair of a node whose vector was replaced. The JS side (`src/index/hnsw-graph.ts`)
 * owns allocation and lays out the structures below; this file only reads and writes them.
 *
 * Graph header (`g`), u32/i32 fields at these byte offsets:
 *   G_DIM, G_KIND (0 L2, 1 IP = -dot, 2 COSINE = 1 - dot of unit vectors, 5 L1), G_M (links per
 *   node on levels >= 1), G_M0 (on level 0), G_COUNT (nodes 0..count-1 exist), G_ENTRY,
 *   G_MAX_LEVEL (-1 while empty), G_VECTORS (count rows of dim f32), G_LEVEL0 (per node
 *   (M0 + 1) u32: link count, then links), G_LEVELS (u8 top level per node), G_UPPER (u32
 *   per node: address of its block of `level` lists of (M + 1) u32, or 0), G_LOCKS (u32
 *   spin lock per node, or 0 when single-threaded), G_GLOBAL (lock word for the entry
 *   point), G_EF_CONSTRUCTION, G_DELETED (bitset: deleted nodes), G_DELETED_COUNT,
 *   G_NEXT / G_END (the range a parallel build claims from, one node at a time), G_ORDER (0, or
 *   the address of a u32 array: claim i inserts node order[i] instead of node i).
 *
 * Scratch (`s`), one per thread: S_VISITED (u16 epoch per node, capacity S_VISITED_CAP),
 *   S_EPOCH, S_CANDIDATES (min-heap of (f32 distance, u32 node) pairs, room for every node),
 *   S_RESULTS (max-heap of pairs), S_TMP / S_TMP2 (pair arrays for neighbour selection).
 *
 * Invariants:
 * - A node's links name existing nodes other than itself, without repeats; a list on level
 *   l only names nodes whose top level is >= l; level-0 lists hold at most M0 links and
 *   upper lists at most M.
 * - Deleted nodes stay in the graph and are walked through (so recall of the others does
 *   not decay) but are never returned by `hnswSearch`.
 * - With locks (a parallel build), a node's list is read and written only while holding
 *   its lock, and the entry point only under the global lock; without locks (G_LOCKS = 0)
 *   the caller guarantees a single thread.
 * - Searches through an allow-bitset keep walking until `ef` allowed nodes are found or
 *   the graph reachable from the entry point is exhausted, so they return k results when at
 *   least k allowed nodes are reachable.
 * - The search functions are generic over the rows they measure: `T = f32` walks on the
 *   graph's vectors, `T = u8` on SQ8 codes (`sq8.ts`, one `dim`-byte code per node) with a
 *   prepared query. The choice is made at compile time, so each walk is its own function
 *   with no branch on the row type. Insertion always uses the f32 vectors.
 */
import { dotImpl, l1Impl, l2Impl } from './distance';
import { sq8Distance, sq8RerankTopK } from './sq8';

const G_DIM: usize = 0;
const G_KIND: usize = 4;
const G_M: usize = 8;
const G_M0: usize = 12;
const G_COUNT: usize = 16;
const G_ENTRY: usize = 24;
const G_MAX_LEVEL: usize = 28;
const G_VECTORS: usize = 32;
const G_LEVEL0: usize = 36;
const G_LEVELS: usize = 40;
const G_UPPER: usize = 44;
const G_LOCKS: usize = 48;
const G_GLOBAL: usize = 52;
const G_EF_CONSTRUCTION: usize = 56;
const G_DELETED: usize = 60;
const G_DELETED_COUNT: usize = 64;
const G_NEXT: usize = 68;
const G_END: usize = 72;
const G_ORDER: usize = 76;

const S_VISITED: usize = 0;
const S_EPOCH: usize = 4;
const S_CANDIDATES: usize = 8;
const S_RESULTS: usize = 12;
const S_TMP: usize = 16;
const S_TMP2: usize = 20;
const S_VISITED_CAP: usize = 24;

const L2: i32 = 0;
const IP: i32 = 1;
const L1: i32 = 5;
const F32_INFINITY: f32 = Infinity;
const CACHE_LINE: usize = 64;
/**
 * Bytes of a row `touchRow` reads ahead: whole rows up to 2,048 bytes (512 floats); of longer
 * rows the first 2,048, since an early-stopped distance (`distWithin`) may not need the rest,
 * which the hardware prefetchers stream in when it does. Measured, Fashion-MNIST (784-d,
 * 3,136-byte rows, in locality order), `collection.search` QPS over 512 bytes with early
 * stops checked at doubling lengths, at ef 10–128, with checks every 32 floats: 1,024 bytes
 * 1.09–1.12×, 1,536 1.08–1.11×, 2,048 1.12–1.15×, 2,560 1.08–1.13×, whole rows 0.98–1.05×;
 * 2,048 with checks every 64 floats (`WALK_CHECK_BYTES`) 1.10–1.16×. (Before the locality
 * order, 512 bytes had measured 1.07× / 1.05× / 0.99× whole rows at ef 10 / 32 / 96.)
 */
const TOUCH_BYTES: usize = 2048;
/** Rows of at least this many floats get early-stopped L2 distances in walks (`distWithin`). */
const EARLY_STOP_DIM: i32 = 256;

/** Distance found by the last `greedyClosest` (module globals are per thread: per instance). */
let greedyDistance: f32 = 0;

// ---------------------------------------------------------------------------------------
// Layout helpers

@inline
function field(g: usize, offset: usize): u32 {
  return load<u32>(g + offset);
}

@inline
function vectorOf(g: usize, node: u32): usize {
  return <usize>field(g, G_VECTORS) + (<usize>node) * ((<usize>field(g, G_DIM)) << 2);
}

/** Address of `node`'s link list on `level` (a count word followed by the links). */
@inline
function linksOf(g: usize, node: u32, level: i32): usize {
  if (level == 0) return <usize>field(g, G_LEVEL0) + (<usize>node) * ((<usize>field(g, G_M0) + 1) << 2);
  const block = <usize>load<u32>(<usize>field(g, G_UPPER) + ((<usize>node) << 2));
  return block + (<usize>(level - 1)) * ((<usize>field(g, G_M) + 1) << 2);
}

@inline
function levelOf(g: usize, node: u32): i32 {
  return <i32>load<u8>(<usize>field(g, G_LEVELS) + <usize>node);
}

@inline
function bitSet(bits: usize, i: u32): bool {
  return ((load<u32>(bits + ((<usize>(i >>> 5)) << 2)) >>> (i & 31)) & 1) != 0;
}

/** Whether `node` may be returned: set in `allow` (when given) and not deleted. */
@inline
function returnable(g: usize, allow: usize, node: u32): bool {
  if (allow != 0 && !bitSet(allow, node)) return false;
  return field(g, G_DELETED_COUNT) == 0 || !bitSet(<usize>field(g, G_DELETED), node);
}

// ---------------------------------------------------------------------------------------
// Locks (spin locks on u32 words: 0 free, 1 held)

@inline
function acquire(word: usize): void {
  while (atomic.cmpxchg<u32>(word, 0, 1) != 0) {}
}

@inline
function release(word: usize): void {
  atomic.store<u32>(word, 0);
}

@inline
function lockNode(g: usize, node: u32): void {
  const locks = <usize>field(g, G_LOCKS);
  if (locks != 0) acquire(locks + ((<usize>node) << 2));
}

@inline
function unlockNode(g: usize, node: u32): void {
  const locks = <usize>field(g, G_LOCKS);
  if (locks != 0) release(locks + ((<usize>node) << 2));
}

// ---------------------------------------------------------------------------------------
// Distances: lower is better; COSINE expects unit vectors

@inline
function dist(kind: i32, a: usize, b: usize, dim: i32): f32 {
  if (kind == L2) return l2Impl(a, b, dim, 0, false);
  if (kind == L1) return l1Impl(a, b, dim, 0, false);
  const d = dotImpl(a, b, dim);
  return kind == IP ? -d : 1 - d;
}

/**
 * `dist`, except that for L2 over at least `EARLY_STOP_DIM` floats it may stop early and
 * return any value > `bound` once the partial sum proves the distance exceeds it (`l2Impl`
 * with `mayStop`); a value <= `bound` is the exact distance, bit for bit. Callers only
 * compare the result with `bound`, so their decisions are those of the full distance. A
 * stopped row's rest is not read (the walk reads ahead what it needs, `touchRow`).
 * Measured (same graph, one thread, CPU time, interleaved): Fashion-MNIST 784-d ef 10 / 32
 * 1.11× / 1.05× the QPS of full distances (with `TOUCH_BYTES` 512); on 128-d rows the
 * partial sums cost more than they save (0.93× at ef 10 and 16), hence the threshold.
 */
@inline
function distWithin(kind: i32, a: usize, b: usize, dim: i32, bound: f32): f32 {
  if (kind == L2) {
    if (dim >= EARLY_STOP_DIM) return l2Impl(a, b, dim, bound, true, false);
    return l2Impl(a, b, dim, 0, false);
  }
  return dist(kind, a, b, dim);
}

@inline
function nodeDistance(g: usize, q: usize, node: u32): f32 {
  return dist(<i32>field(g, G_KIND), q, vectorOf(g, node), <i32>field(g, G_DIM));
}

/** Bytes per row of `rows` in a walk over T: f32 vectors or u8 SQ8 codes. */
@inline
function rowStride<T>(dim: i32): usize {
  return isInteger<T>() ? <usize>dim : (<usize>dim) << 2;
}

/**
 * Distance from the query at `q` to `node`: its f32 vector at `rows` (T = f32), or its SQ8
 * code at `rows` with `q` a prepared SQ8 query (T = u8).
 */
@inline
function rowDistance<T>(kind: i32, q: usize, rows: usize, node: u32, dim: i32): f32 {
  const row = rows + (<usize>node) * rowStride<T>(dim);
  if (isInteger<T>()) return sq8Distance(kind, q, row, dim);
  return dist(kind, q, row, dim);
}

/** `rowDistance`, stopping early past `bound` as `distWithin` does (f32 rows only). */
@inline
function rowDistanceWithin<T>(kind: i32, q: usize, rows: usize, node: u32, dim: i32, bound: f32): f32 {
  const row = rows + (<usize>node) * rowStride<T>(dim);
  if (isInteger<T>()) return sq8Distance(kind, q, row, dim);
  return distWithin(kind, q, row, dim, bound);
}

/**
 * Reads one byte of every cache line of `node`'s row (of an f32 row, up to `TOUCH_BYTES`)
 * and drops it: wasm has no prefetch instruction, and the walks touch all the rows they
 * are about to measure before measuring the first, so that the misses (mostly TLB misses:
 * rows are scattered over hundreds of MB) overlap instead of queueing one behind the
 * other. Every line, not only the first: the adjacent-line prefetchers do not cross into
 * the rest of a 512-byte row fast enough.
 * Measured on the 1M x 128 Gaussian mixture (M 16, one thread, CPU time per query):
 * unfiltered ef 64, first line only 305 µs, every line of the level-0 rows 235 µs, and of
 * the upper-level rows too 205 µs; Fashion-MNIST (60k x 784) ef 64 345 -> 295 µs.
 * Touching in a rolling window instead (each row 6 neighbours ahead of its distance) measured
 * 0.59–0.68× (wink word vectors, `collection.search`, ef 16–128), and touching as well the rows
 * of the next candidate's unvisited neighbours, speculatively, during an expansion 0.81–0.88×:
 * the walk gains from having all of an expansion's loads in flight at once, and loses from
 * loads it may not need. Touching every other line only: 0.62–0.70× (word vectors and the
 * 100k mixture, ef 16–128). Walking two queries at once on a thread (each step measures one
 * query's neighbours, touched while the other's were measured; same answers) measured
 * 0.92–1.03× on batches: a core keeps no more loads in flight than whole-row touching asks.
 * Fewer bytes per distance (SQ8 rows, `HnswSq8Index`) is what remains to gain.
 * The dropped loads survive optimization because a load may trap.
 */
@inline
function touchRow<T>(rows: usize, node: u32, dim: i32): void {
  const stride = rowStride<T>(dim);
  const row = rows + (<usize>node) * stride;
  const end = isInteger<T>() ? stride : min(stride, TOUCH_BYTES);
  for (let at: usize = 0; at < end; at += CACHE_LINE) load<u8>(row + at);
}

/**
 * Reads one byte of every cache line of `node`'s link list on `level` (see `touchRow`), so
 * that the whole list (132 bytes at M 16) is in cache when the node is expanded. Measured
 * against touching its first line only (`collection.search`, interleaved): wink word
 * vectors 1.05–1.09× at ef 16–256, the 100k × 128 mixture 0.99–1.09×. Touching the list of
 * every new best candidate as well, as soon as it is found, cost the mixture 4–9% at ef
 * 10–16.
 */
@inline
function touchList(g: usize, node: u32, level: i32): void {
  const list = linksOf(g, node, level);
  const end = list + ((<usize>(level == 0 ? field(g, G_M0) : field(g, G_M)) + 1) << 2);
  for (let at = list & ~(CACHE_LINE - 1); at < end; at += CACHE_LINE) load<u8>(at);
}

/**
 * Reads one byte of every cache line of the bitset of `count` bits at `bits`, in order. A
 * filter's bitset is written by the thread that plans the search just before a worker
 * walks with it: read in order, its lines stream into the worker's caches; tested one
 * bit at a time in the walk's order, each line would be a separate miss into the other
 * core's cache. Measured, `HnswIndex.searchAsync` over 1M x 128 (one query at a time,
 * k 10): 50% allowed, ef 16, 0.72 → 0.34 ms; 10% allowed, ef 10, 0.97 → 0.45 ms (on this
 * thread: 0.28 and 0.31 ms).
 */
function touchBits(bits: usize, count: u32): void {
  const end = bits + (((<usize>count + 31) >>> 5) << 2);
  for (let at = bits; at < end; at += CACHE_LINE) load<u8>(at);
}

// ---------------------------------------------------------------------------------------
// Heaps of (f32 distance, u32 node) pairs, 8 bytes each

@inline
function pairDist(p: usize, i: i32): f32 {
  return load<f32>(p + ((<usize>i) << 3));
}

@inline
function pairNode(p: usize, i: i32): u32 {
  return load<u32>(p + ((<usize>i) << 3), 4);
}

@inline
function setPair(p: usize, i: i32, d: f32, node: u32): void {
  const a = p + ((<usize>i) << 3);
  store<f32>(a, d);
  store<u32>(a, node, 4);
}

/** (da, na) ranks after (db, nb): larger distance, then larger node. */
@inline
function after(da: f32, na: u32, db: f32, nb: u32): bool {
  return da > db || (da == db && na > nb);
}

function minPush(p: usize, size: i32, d: f32, node: u32): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pd = pairDist(p, parent);
    if (pd <= d) break;
    setPair(p, i, pd, pairNode(p, parent));
    i = parent;
  }
  setPair(p, i, d, node);
}

/** Removes the root of a min-heap of `size` entries. */
function minPop(p: usize, size: i32): void {
  const n = size - 1;
  if (n <= 0) return;
  const d = pairDist(p, n);
  const node = pairNode(p, n);
  let i = 0;
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && pairDist(p, c + 1) < pairDist(p, c)) c++;
    const cd = pairDist(p, c);
    if (cd >= d) break;
    setPair(p, i, cd, pairNode(p, c));
    i = c;
  }
  setPair(p, i, d, node);
}

function maxPush(p: usize, size: i32, d: f32, node: u32): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pd = pairDist(p, parent);
    const pn = pairNode(p, parent);
    if (!after(d, node, pd, pn)) break;
    setPair(p, i, pd, pn);
    i = parent;
  }
  setPair(p, i, d, node);
}

/** Removes the root (the worst pair) of a max-heap of `size` entries: its last pair replaces it. */
function maxPop(p: usize, size: i32): void {
  const n = size - 1;
  if (n <= 0) return;
  maxReplaceTop(p, n, pairDist(p, n), pairNode(p, n));
}

/**
 * Replaces the root (the worst pair) of a max-heap of `size` entries with (d, node) and
 * restores the heap: one sift-down, where a push and a pop would cost a sift-up too.
 */
function maxReplaceTop(p: usize, size: i32, d: f32, node: u32): void {
  let i = 0;
  while (true) {
    let c = 2 * i + 1;
    if (c >= size) break;
    let cd = pairDist(p, c);
    let cn = pairNode(p, c);
    if (c + 1 < size) {
      const rd = pairDist(p, c + 1);
      const rn = pairNode(p, c + 1);
      if (after(rd, rn, cd, cn)) {
        c++;
        cd = rd;
        cn = rn;
      }
    }
    if (!after(cd, cn, d, node)) break;
    setPair(p, i, cd, cn);
    i = c;
  }
  setPair(p, i, d, node);
}

/** Empties the max-heap at `heap` (size `n`) into `out` in ascending (distance, node) order. */
function drainAscending(heap: usize, n: i32, out: usize): void {
  for (let i = n - 1; i >= 0; i--) {
    setPair(out, i, pairDist(heap, 0), pairNode(heap, 0));
    maxPop(heap, i + 1);
  }
}

/** Insertion sort of `n` pairs by ascending (distance, node); n is at most M0 + 1. */
function sortPairs(p: usize, n: i32): void {
  for (let i = 1; i < n; i++) {
    const d = pairDist(p, i);
    const node = pairNode(p, i);
    let j = i - 1;
    while (j >= 0 && after(pairDist(p, j), pairNode(p, j), d, node)) {
      setPair(p, j + 1, pairDist(p, j), pairNode(p, j));
      j--;
    }
    setPair(p, j + 1, d, node);
  }
}

// ---------------------------------------------------------------------------------------
// Visited set: a node is visited when its u16 mark equals the scratch's current epoch.
// u16 marks (as hnswlib's `vl_type`) take half the cache of u32 ones; every 65,535th
// search clears them.

function newEpoch(s: usize): u32 {
  let epoch = load<u32>(s + S_EPOCH) + 1;
  if (epoch > 0xffff) {
    memory.fill(<usize>load<u32>(s + S_VISITED), 0, (<usize>load<u32>(s + S_VISITED_CAP)) << 1);
    epoch = 1;
  }
  store<u32>(s + S_EPOCH, epoch);
  return epoch;
}

// ---------------------------------------------------------------------------------------
// Search

/**
 * Greedy walk on `level` from `start` (at distance `startDist`) to a local minimum, over
 * the rows at `rows` (see `rowDistance`); returns it and leaves its distance in
 * `greedyDistance`.
 */
function greedyClosest<T>(g: usize, q: usize, rows: usize, start: u32, startDist: f32, level: i32): u32 {
  const kind = <i32>field(g, G_KIND);
  const dim = <i32>field(g, G_DIM);
  let cur = start;
  let curDist = startDist;
  let changed = true;
  while (changed) {
    changed = false;
    const owner = cur;
    lockNode(g, owner);
    const list = linksOf(g, owner, level);
    const n = <i32>load<u32>(list);
    // Touch every neighbour's row first, so that their loads overlap (see `touchRow`).
    for (let i = 0; i < n; i++) touchRow<T>(rows, load<u32>(list + 4 + ((<usize>i) << 2)), dim);
    for (let i = 0; i < n; i++) {
      const next = load<u32>(list + 4 + ((<usize>i) << 2));
      const d = rowDistanceWithin<T>(kind, q, rows, next, dim, curDist);
      if (d < curDist) {
        curDist = d;
        cur = next;
        changed = true;
      }
    }
    unlockNode(g, owner);
  }
  greedyDistance = curDist;
  return cur;
}

/**
 * Marks the neighbours of `c` on `level` that this walk (`epoch`) has not visited yet,
 * touches their rows so that all their loads are in flight before the first distance needs
 * one, and lists them at `tmp`; returns how many. Holds `c`'s lock while it reads the list.
 */
@inline
function freshNeighbours<T>(
  g: usize,
  c: u32,
  level: i32,
  rows: usize,
  dim: i32,
  visited: usize,
  epoch: u32,
  tmp: usize,
): i32 {
  const locks = <usize>field(g, G_LOCKS);
  if (locks != 0) acquire(locks + ((<usize>c) << 2));
  const list = linksOf(g, c, level);
  const n = <i32>load<u32>(list);
  let fresh = 0;
  for (let i = 0; i < n; i++) {
    const next = load<u32>(list + 4 + ((<usize>i) << 2));
    const mark = visited + ((<usize>next) << 1);
    if (<u32>load<u16>(mark) == epoch) continue;
    store<u16>(mark, <u16>epoch);
    touchRow<T>(rows, next, dim);
    store<u32>(tmp + ((<usize>fresh) << 2), next);
    fresh++;
  }
  if (locks != 0) release(locks + ((<usize>c) << 2));
  return fresh;
}

/**
 * Best-first search on `level` from `ep` over the rows at `rows` (see `rowDistance`),
 * keeping the `ef` best returnable nodes in the results max-heap of `s`; returns how many
 * it holds. With `filtered`, the walk goes on while fewer than `ef` returnable nodes were
 * found, walking through the others.
 */
function searchLayer<T>(
  g: usize,
  s: usize,
  q: usize,
  rows: usize,
  ep: u32,
  epDist: f32,
  level: i32,
  ef: i32,
  allow: usize,
  filtered: bool,
): i32 {
  const epoch = newEpoch(s);
  const visited = <usize>load<u32>(s + S_VISITED);
  const candidates = <usize>load<u32>(s + S_CANDIDATES);
  const results = <usize>load<u32>(s + S_RESULTS);
  const tmp = <usize>load<u32>(s + S_TMP2);
  const kind = <i32>field(g, G_KIND);
  const dim = <i32>field(g, G_DIM);

  store<u16>(visited + ((<usize>ep) << 1), <u16>epoch);
  let nCand = 0;
  let nRes = 0;
  let bound = F32_INFINITY;
  if (!filtered || returnable(g, allow, ep)) {
    maxPush(results, 0, epDist, ep);
    nRes = 1;
    bound = epDist;
  }
  minPush(candidates, 0, epDist, ep);
  nCand = 1;

  while (nCand > 0) {
    const cd = pairDist(candidates, 0);
    const c = pairNode(candidates, 0);
    if (cd > bound && (nRes >= ef || !filtered)) break;
    minPop(candidates, nCand);
    nCand--;

    const fresh = freshNeighbours<T>(g, c, level, rows, dim, visited, epoch, tmp);
    // The next candidate to expand is most often the current best: its list is fetched
    // while the distances below are computed.
    if (nCand > 0) touchList(g, pairNode(candidates, 0), level);

    for (let i = 0; i < fresh; i++) {
      const next = load<u32>(tmp + ((<usize>i) << 2));
      const d = rowDistanceWithin<T>(kind, q, rows, next, dim, nRes < ef ? F32_INFINITY : bound);
      if (nRes < ef || d < bound) {
        minPush(candidates, nCand, d, next);
        nCand++;
        if (!filtered || returnable(g, allow, next)) {
          if (nRes < ef) {
            maxPush(results, nRes, d, next);
            nRes++;
          } else {
            maxReplaceTop(results, nRes, d, next);
          }
          bound = pairDist(results, 0);
        }
      }
    }
  }
  return nRes;
}

/**
 * Unfiltered level-0 walks keeping at least this many candidates use `searchPool`, narrower
 * ones the heaps of `searchLayer`. Measured (`collection.search`, interleaved A/B, same
 * recall): wink word vectors 1.04× / 1.05× / 1.08× / 1.07× at ef 32 / 48 / 64 / 96; the 100k
 * mixture 0.95× at ef 16 and 1.04× at 64.
 */
const POOL_MIN_EF: i32 = 32;

/** The flag a pool entry's node carries once it has been expanded (`searchPool`). */
const EXPANDED: u32 = 0x80000000;

/**
 * `searchLayer` without a filter, on one sorted array instead of two heaps: the pool (in
 * the candidates' room of `s`) holds the `ef` best nodes found, ascending by (distance,
 * node), each flagged once expanded, and the walk expands the first unexpanded one until
 * none is left. A node outside the pool is worse than all `ef` in it and would never be
 * expanded by `searchLayer` either, so both expand the same nodes in the same order and
 * return the same results, except among exactly equal distances. Leaves the results in
 * the results max-heap of `s` (sorted descending, which is a max-heap), as `searchLayer`
 * does; returns how many. An insertion is a binary search and one `memory.copy`, where the
 * heaps took a sift in each of two heaps and a pop per expansion.
 */
function searchPool<T>(
  g: usize,
  s: usize,
  q: usize,
  rows: usize,
  ep: u32,
  epDist: f32,
  level: i32,
  ef: i32,
): i32 {
  const epoch = newEpoch(s);
  const visited = <usize>load<u32>(s + S_VISITED);
  const pool = <usize>load<u32>(s + S_CANDIDATES);
  const tmp = <usize>load<u32>(s + S_TMP2);
  const kind = <i32>field(g, G_KIND);
  const dim = <i32>field(g, G_DIM);

  store<u16>(visited + ((<usize>ep) << 1), <u16>epoch);
  setPair(pool, 0, epDist, ep);
  let size = 1;
  let cursor = 0;
  while (cursor < size) {
    const c = pairNode(pool, cursor);
    store<u32>(pool + ((<usize>cursor) << 3), c | EXPANDED, 4);
    cursor++;
    while (cursor < size && (pairNode(pool, cursor) & EXPANDED) != 0) cursor++;

    const fresh = freshNeighbours<T>(g, c, level, rows, dim, visited, epoch, tmp);
    if (cursor < size) touchList(g, pairNode(pool, cursor), level);

    for (let i = 0; i < fresh; i++) {
      const next = load<u32>(tmp + ((<usize>i) << 2));
      const full = size >= ef;
      const bound = full ? pairDist(pool, size - 1) : F32_INFINITY;
      const d = rowDistanceWithin<T>(kind, q, rows, next, dim, bound);
      if (full && !(d < bound)) continue;
      // The first entry that ranks after (d, next).
      let lo = 0;
      let hi = size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (after(pairDist(pool, mid), pairNode(pool, mid) & ~EXPANDED, d, next)) hi = mid;
        else lo = mid + 1;
      }
      const kept = full ? size - 1 : size;
      const at = pool + ((<usize>lo) << 3);
      if (kept > lo) memory.copy(at + 8, at, (<usize>(kept - lo)) << 3);
      setPair(pool, lo, d, next);
      if (!full) size++;
      if (lo < cursor) cursor = lo;
    }
  }
  const results = <usize>load<u32>(s + S_RESULTS);
  for (let i = 0; i < size; i++) {
    const from = size - 1 - i;
    setPair(results, i, pairDist(pool, from), pairNode(pool, from) & ~EXPANDED);
  }
  return size;
}

/**
 * The `k` nearest returnable nodes to the query at `q` (allowed by the bitset at `allow`
 * when it is not 0, and not deleted), searching level 0 with `max(ef, k)` candidates.
 * Writes up to k nodes (u32) and distances (f32), ascending by (distance, node); returns
 * how many were written.
 */
export function hnswSearch(
  g: usize,
  s: usize,
  q: usize,
  k: i32,
  ef: i32,
  allow: usize,
  outNodes: usize,
  outDist: usize,
): i32 {
  return searchGraph<f32>(g, s, q, <usize>field(g, G_VECTORS), k, ef, allow, outNodes, outDist);
}

/**
 * `hnswSearch` for the queries of a batch that this thread claims, one at a time, from the
 * shared counter at `counter` (a u32, 0 when the batch starts): several threads run this on
 * the same batch, each with its own scratch `s`, and together answer every query once,
 * sharing the work whatever their speeds. Query i is the `G_DIM` floats at
 * `queries + i·dim·4`; its results go to `outNodes`/`outDist` + i·k·4 (room for `k` each) and
 * its count to the u32 at `outFound + i·4`, stored atomically after the results, so that
 * another thread that reads a count there (the batch fills the counts with 0xFFFFFFFF first)
 * also sees the results. A call claims at most `most` queries (0: until none is left), so
 * that the calling thread can take part in the batch a few queries at a time and hand out
 * the answered ones between calls. Returns how many queries this call answered.
 */
export function hnswSearchShared(
  g: usize,
  s: usize,
  queries: usize,
  nq: u32,
  k: i32,
  ef: i32,
  allow: usize,
  outNodes: usize,
  outDist: usize,
  outFound: usize,
  counter: usize,
  most: u32,
): i32 {
  const rows = <usize>field(g, G_VECTORS);
  const qBytes = (<usize>field(g, G_DIM)) << 2;
  const kBytes = (<usize>k) << 2;
  let answered = 0;
  while (most == 0 || <u32>answered < most) {
    const i = atomic.add<u32>(counter, 1);
    if (i >= nq) break;
    const at = <usize>i;
    const found = searchGraph<f32>(
      g,
      s,
      queries + at * qBytes,
      rows,
      k,
      ef,
      allow,
      outNodes + at * kBytes,
      outDist + at * kBytes,
    );
    atomic.store<u32>(outFound + (at << 2), found);
    answered++;
  }
  return answered;
}

/**
 * `hnswSearch` walking on the SQ8 codes at `codes` (node i's `dim` bytes at
 * `codes + i * dim`) with the query prepared at `prep` (`sq8Prepare`). With `rerank` = 0
 * it returns the `k` best by SQ8 distance. Otherwise it keeps max(ef, rerank, k)
 * candidates, writes the max(rerank, k) best to `candNodes`/`candDist` (room for that
 * many each) and returns the `k` best of those by exact distance from the f32 query at
 * `query` to the graph's vectors, in `outNodes`/`outDist`.
 */
export function hnswSearchSq8(
  g: usize,
  s: usize,
  prep: usize,
  codes: usize,
  query: usize,
  k: i32,
  ef: i32,
  rerank: i32,
  allow: usize,
  candNodes: usize,
  candDist: usize,
  outNodes: usize,
  outDist: usize,
): i32 {
  if (rerank <= 0) return searchGraph<u8>(g, s, prep, codes, k, ef, allow, outNodes, outDist);
  const keep = max(rerank, k);
  const found = searchGraph<u8>(g, s, prep, codes, keep, max(ef, keep), allow, candNodes, candDist);
  const kind = <i32>field(g, G_KIND);
  const vectors = <usize>field(g, G_VECTORS);
  return sq8RerankTopK(kind, query, vectors, <i32>field(g, G_DIM), candNodes, found, k, outNodes, outDist);
}

/** `hnswSearch` over the rows at `rows` (see `rowDistance`). */
@inline
function searchGraph<T>(
  g: usize,
  s: usize,
  q: usize,
  rows: usize,
  k: i32,
  ef: i32,
  allow: usize,
  outNodes: usize,
  outDist: usize,
): i32 {
  const maxLevel = <i32>field(g, G_MAX_LEVEL);
  if (maxLevel < 0 || k <= 0) return 0;
  const kind = <i32>field(g, G_KIND);
  const dim = <i32>field(g, G_DIM);
  let cur = field(g, G_ENTRY);
  let curDist = rowDistance<T>(kind, q, rows, cur, dim);
  for (let level = maxLevel; level > 0; level--) {
    cur = greedyClosest<T>(g, q, rows, cur, curDist, level);
    curDist = greedyDistance;
  }
  const filtered = allow != 0 || field(g, G_DELETED_COUNT) != 0;
  if (allow != 0) touchBits(allow, field(g, G_COUNT));
  const width = max(ef, k);
  let n =
    filtered || width < POOL_MIN_EF
      ? searchLayer<T>(g, s, q, rows, cur, curDist, 0, width, allow, filtered)
      : searchPool<T>(g, s, q, rows, cur, curDist, 0, width);
  const results = <usize>load<u32>(s + S_RESULTS);
  while (n > k) {
    maxPop(results, n);
    n--;
  }
  for (let i = n - 1; i >= 0; i--) {
    store<u32>(outNodes + ((<usize>i) << 2), pairNode(results, 0));
    store<f32>(outDist + ((<usize>i) << 2), pairDist(results, 0));
    maxPop(results, i + 1);
  }
  return n;
}

// ---------------------------------------------------------------------------------------
// Insertion

/**
 * The neighbour-selection heuristic (the paper's Algorithm 4 without extension): walks the
 * `n` pairs at `p`, sorted ascending by distance to the base node, and keeps a candidate
 * only if it is closer to the base than to every candidate already kept, up to `m`.
 * Kept pairs are compacted to the front of `p`; returns how many.
 */
function selectNeighbours(g: usize, p: usize, n: i32, m: i32): i32 {
  if (n <= m) return n;
  const kind = <i32>field(g, G_KIND);
  const dim = <i32>field(g, G_DIM);
  let kept = 0;
  for (let c = 0; c < n && kept < m; c++) {
    const node = pairNode(p, c);
    const d = pairDist(p, c);
    const v = vectorOf(g, node);
    let good = true;
    for (let r = 0; r < kept; r++) {
      if (distWithin(kind, v, vectorOf(g, pairNode(p, r)), dim, d) < d) {
        good = false;
        break;
      }
    }
    if (good) {
      setPair(p, kept, d, node);
      kept++;
    }
  }
  return kept;
}

/** Whether the list at `list` already names `node`. */
function listHas(list: usize, node: u32): bool {
  const n = <i32>load<u32>(list);
  for (let i = 0; i < n; i++) if (load<u32>(list + 4 + ((<usize>i) << 2)) == node) return true;
  return false;
}

/**
 * Adds `node` to `other`'s list on `level`, pruning the list with the heuristic when it is
 * full. Runs under `other`'s lock. Uses S_TMP2 of `s`.
 */
function addBackLink(g: usize, s: usize, other: u32, node: u32, level: i32): void {
  const cap = <i32>(level == 0 ? field(g, G_M0) : field(g, G_M));
  lockNode(g, other);
  const list = linksOf(g, other, level);
  const n = <i32>load<u32>(list);
  if (!listHas(list, node)) {
    if (n < cap) {
      store<u32>(list + 4 + ((<usize>n) << 2), node);
      store<u32>(list, n + 1);
    } else {
      const kind = <i32>field(g, G_KIND);
      const dim = <i32>field(g, G_DIM);
      const base = vectorOf(g, other);
      const tmp = <usize>load<u32>(s + S_TMP2);
      setPair(tmp, 0, dist(kind, base, vectorOf(g, node), dim), node);
      for (let i = 0; i < n; i++) {
        const x = load<u32>(list + 4 + ((<usize>i) << 2));
        setPair(tmp, i + 1, dist(kind, base, vectorOf(g, x), dim), x);
      }
      sortPairs(tmp, n + 1);
      const kept = selectNeighbours(g, tmp, n + 1, cap);
      for (let i = 0; i < kept; i++) store<u32>(list + 4 + ((<usize>i) << 2), pairNode(tmp, i));
      store<u32>(list, kept);
    }
  }
  unlockNode(g, other);
}

/**
 * Links `node` on `level` to the best of the `n` results in `s` (minus `node` itself):
 * its own list gets the heuristic's choice of at most M, and each chosen neighbour links
 * back. Returns the nearest result, the entry point for the next level down.
 */
function connect(g: usize, s: usize, node: u32, n: i32, level: i32): u32 {
  const tmp = <usize>load<u32>(s + S_TMP);
  drainAscending(<usize>load<u32>(s + S_RESULTS), n, tmp);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = pairNode(tmp, i);
    if (x == node) continue;
    setPair(tmp, m, pairDist(tmp, i), x);
    m++;
  }
  if (m == 0) return node;
  const nearest = pairNode(tmp, 0);
  const kept = selectNeighbours(g, tmp, m, <i32>field(g, G_M));
  lockNode(g, node);
  const own = linksOf(g, node, level);
  for (let i = 0; i < kept; i++) store<u32>(own + 4 + ((<usize>i) << 2), pairNode(tmp, i));
  store<u32>(own, kept);
  unlockNode(g, node);
  for (let i = 0; i < kept; i++) addBackLink(g, s, pairNode(tmp, i), node, level);
  return nearest;
}

/**
 * Descends from the entry point (at `top`) to `level + 1` greedily, then links `node` on
 * each level from min(level, top) down to 0 using `efConstruction` candidates.
 */
function linkFrom(g: usize, s: usize, node: u32, entry: u32, top: i32, level: i32): void {
  const q = vectorOf(g, node);
  const vectors = <usize>field(g, G_VECTORS);
  let cur = entry;
  let curDist = nodeDistance(g, q, cur);
  for (let l = top; l > level; l--) {
    cur = greedyClosest<f32>(g, q, vectors, cur, curDist, l);
    curDist = greedyDistance;
  }
  const ef = <i32>field(g, G_EF_CONSTRUCTION);
  for (let l = min(level, top); l >= 0; l--) {
    const n = searchPool<f32>(g, s, q, vectors, cur, curDist, l, ef);
    cur = connect(g, s, node, n, l);
    curDist = nodeDistance(g, q, cur);
  }
}

/**
 * Inserts `node` (its vector, level and zeroed link lists already in place). Safe to run
 * on several threads at once when the graph has locks.
 */
export function hnswInsert(g: usize, s: usize, node: u32): void {
  const level = levelOf(g, node);
  const global = g + G_GLOBAL;
  const locked = field(g, G_LOCKS) != 0;
  if (locked) acquire(global);
  const top = <i32>field(g, G_MAX_LEVEL);
  const entry = field(g, G_ENTRY);
  // Like hnswlib, a node that raises the top level keeps the global lock while it links.
  const holdGlobal = level > top;
  if (locked && !holdGlobal) release(global);
  if (top >= 0) linkFrom(g, s, node, entry, top, level);
  if (holdGlobal) {
    store<u32>(g + G_ENTRY, node);
    store<i32>(g + G_MAX_LEVEL, level);
    if (locked) release(global);
  }
}

/**
 * Inserts the nodes claimed G_NEXT..G_END-1, one at a time with an atomic counter, so that
 * several threads calling this share the work: claim i inserts node i, or node order[i]
 * when G_ORDER names an order (a permutation of the claimed range).
 */
export function hnswInsertClaimed(g: usize, s: usize): void {
  const end = field(g, G_END);
  const order = <usize>field(g, G_ORDER);
  while (true) {
    const claim = atomic.add<u32>(g + G_NEXT, 1);
    if (claim >= end) break;
    hnswInsert(g, s, order == 0 ? claim : load<u32>(order + ((<usize>claim) << 2)));
  }
}

// ---------------------------------------------------------------------------------------
// Replacing a node's vector

/**
 * Repairs the graph after the vector of `node` was overwritten (hnswlib's `updatePoint`):
 * on each of its levels, every former neighbour re-selects its links among the
 * neighbours and neighbours-of-neighbours, then `node` is linked afresh as if inserted.
 * Single-threaded.
 */
export function hnswRepair(g: usize, s: usize, node: u32): void {
  const top = <i32>field(g, G_MAX_LEVEL);
  const level = levelOf(g, node);
  const kind = <i32>field(g, G_KIND);
  const dim = <i32>field(g, G_DIM);
  const visited = <usize>load<u32>(s + S_VISITED);
  const tmp = <usize>load<u32>(s + S_TMP);
  for (let l = 0; l <= level; l++) {
    const cap = <i32>(l == 0 ? field(g, G_M0) : field(g, G_M));
    const own = linksOf(g, node, l);
    const nOwn = <i32>load<u32>(own);
    // Candidate set: the one- and two-hop neighbourhood of `node`, without repeats.
    const epoch = newEpoch(s);
    store<u16>(visited + ((<usize>node) << 1), <u16>epoch);
    let nCand = 0;
    const cand = <usize>load<u32>(s + S_CANDIDATES);
    for (let i = 0; i < nOwn; i++) {
      const a = load<u32>(own + 4 + ((<usize>i) << 2));
      if (<u32>load<u16>(visited + ((<usize>a) << 1)) != epoch) {
        store<u16>(visited + ((<usize>a) << 1), <u16>epoch);
        store<u32>(cand + ((<usize>nCand) << 2), a);
        nCand++;
      }
      const list = linksOf(g, a, l);
      const m = <i32>load<u32>(list);
      for (let j = 0; j < m; j++) {
        const b = load<u32>(list + 4 + ((<usize>j) << 2));
        if (<u32>load<u16>(visited + ((<usize>b) << 1)) == epoch) continue;
        store<u16>(visited + ((<usize>b) << 1), <u16>epoch);
        store<u32>(cand + ((<usize>nCand) << 2), b);
        nCand++;
      }
    }
    // Each former neighbour picks its links afresh from the candidates (plus `node`).
    for (let i = 0; i < nOwn; i++) {
      const a = load<u32>(own + 4 + ((<usize>i) << 2));
      const va = vectorOf(g, a);
      let n = 0;
      for (let j = 0; j < nCand; j++) {
        const b = load<u32>(cand + ((<usize>j) << 2));
        if (b == a || levelOf(g, b) < l) continue;
        setPair(tmp, n, dist(kind, va, vectorOf(g, b), dim), b);
        n++;
      }
      setPair(tmp, n, dist(kind, va, vectorOf(g, node), dim), node);
      n++;
      sortCandidates(tmp, n);
      const kept = selectNeighbours(g, tmp, n, cap);
      const list = linksOf(g, a, l);
      for (let j = 0; j < kept; j++) store<u32>(list + 4 + ((<usize>j) << 2), pairNode(tmp, j));
      store<u32>(list, kept);
    }
  }
  // Then `node` itself is linked as if it were new (its old lists are replaced).
  const entry = field(g, G_ENTRY);
  if (entry != node) {
    linkFrom(g, s, node, entry, top, level);
    return;
  }
  // The entry point cannot start the walk from itself: start from a neighbour on the
  // highest level where it has one.
  for (let l = top; l >= 0; l--) {
    const list = linksOf(g, node, l);
    if (load<u32>(list) != 0) {
      linkFrom(g, s, node, load<u32>(list + 4), l, level);
      return;
    }
  }
}

/** Heap sort of `n` pairs ascending by (distance, node); n can exceed what `sortPairs` suits. */
function sortCandidates(p: usize, n: i32): void {
  if (n <= 48) {
    sortPairs(p, n);
    return;
  }
  for (let i = 0; i < n; i++) maxPush(p, i, pairDist(p, i), pairNode(p, i));
  for (let last = n - 1; last > 0; last--) {
    const d = pairDist(p, 0);
    const node = pairNode(p, 0);
    maxPop(p, last + 1);
    setPair(p, last, d, node);
  }
}
