/**
 * The order a seal writes a segment's rows in: near vectors at near offsets, so that a graph
 * walk, which measures a node's neighbours one after the other, finds their rows in the same
 * pages and cache lines instead of scattered over the whole segment.
 *
 * The order is the leaf order of a random-projection tree: a range of rows is split at the
 * median of their projections on the difference of two of its rows drawn at random, and
 * each half again, down to ranges of `LEAF_ROWS`. It needs no index (the graph is built after
 * the seal, over the rows in this order; it links them in a shuffled order, see
 * `HnswBuildOptions.shuffle`) and costs one dot product per row and level (15 levels
 * for 1M rows), read straight from the vectors' memory.
 *
 * It runs on the thread that seals, so it pauses (gives the event loop a turn) after every
 * `pauseEvery` floats multiplied. Measured on 1M × 128 rows: 10 s in all, about 1,800 turns
 * of at most 20 ms after a first of 57 ms (before, the whole order was one turn of 12.1 s).
 * Most of the time is cache misses: below the first level a range's rows are scattered
 * over the segment (a projection pass over 1M rows takes 0.22 s in row order, 0.77 s in a
 * random one).
 *
 * Measured (raw `HnswIndex.search`, one thread, the same graph with its nodes renumbered,
 * interleaved passes, QPS ratio to row order at equal recall): 1M × 128 mixture 1.34× / 1.53× /
 * 1.60× / 1.52× at ef 16 / 64 / 128 / 256; 100k × 128 mixture 1.09–1.19×; Fashion-MNIST
 * 1.08–1.14×; wink word vectors 1.0–1.02× (a breadth-first order of the built graph did about
 * as well: 1.49–1.73× on 1M).
 *
 * Invariant: the result is a permutation of `rows`; rows without a vector keep their relative
 * order after all the others; the same rows, vectors and seed give the same order, however
 * often it pauses.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Rows a leaf of the tree holds (about a page of 128-d f32 rows per 8 leaves). */
const LEAF_ROWS = 32;

/** The vectors the order is computed from. */
export interface OrderedVectors {
  readonly dimension: number;
  /**
   * The vectors: row r's floats at r·dimension. Called again after every pause, since a
   * view of linear memory may not outlive its growth.
   */
  view(): Float32Array;
  /** Whether `row` has a vector (rows that do not go last). */
  has(row: number): boolean;
}

export interface LocalityOrderOptions {
  seed?: number;
  /** Floats multiplied between two pauses (default 2^20, a few milliseconds). */
  pauseEvery?: number;
  /** Gives the event loop a turn (default: `setImmediate`). */
  pause?: () => Promise<unknown>;
}

/** `rows` (row numbers) in locality order of their vectors. */
export async function localityOrder(
  rows: readonly number[],
  vectors: OrderedVectors,
  options: LocalityOrderOptions = {},
): Promise<number[]> {
  const { seed = 0x5eed, pauseEvery = 1 << 20, pause = nextTurn } = options;
  const dim = vectors.dimension;
  const withVector: number[] = [];
  const without: number[] = [];
  for (const row of rows) (vectors.has(row) ? withVector : without).push(row);
  const order = Uint32Array.from(withVector);
  const proj = new Float64Array(order.length);
  const direction = new Float64Array(dim);
  let state = seed >>> 0;
  const random = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.floor((state / 4294967296) * n);
  };
  let view = vectors.view();
  let work = 0;
  const ranges: number[] = [0, order.length];
  while (ranges.length > 0) {
    const hi = ranges.pop() as number;
    const lo = ranges.pop() as number;
    if (hi - lo <= LEAF_ROWS) continue;
    const a = order[lo + random(hi - lo)] * dim;
    const b = order[lo + random(hi - lo)] * dim;
    for (let j = 0; j < dim; j++) direction[j] = view[a + j] - view[b + j];
    for (let i = lo; i < hi; ) {
      const end = Math.min(hi, i + Math.max(1, Math.ceil((pauseEvery - work) / dim)));
      project(view, dim, direction, order, proj, i, end);
      work += (end - i) * dim;
      i = end;
      if (work >= pauseEvery) {
        await pause();
        view = vectors.view();
        work = 0;
      }
    }
    const mid = (lo + hi) >>> 1;
    selectNth(order, proj, lo, hi - 1, mid);
    ranges.push(lo, mid, mid, hi);
  }
  return [...order, ...without];
}

/** `proj[i]` = the dot product of row `order[i]` of `view` with `direction`, for i in [from, to). */
function project(
  view: Float32Array,
  dim: number,
  direction: Float64Array,
  order: Uint32Array,
  proj: Float64Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    const at = order[i] * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += view[at + j] * direction[j];
    proj[i] = s;
  }
}

/**
 * Rearranges `keys[lo..hi]` (and `items` with them) so that position `nth` holds the key it
 * would hold sorted, smaller-or-equal keys before it and greater-or-equal after (Hoare's
 * selection with the middle key as pivot).
 */
function selectNth(items: Uint32Array, keys: Float64Array, lo: number, hi: number, nth: number): void {
  while (lo < hi) {
    const pivot = keys[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (keys[i] < pivot) i++;
      while (keys[j] > pivot) j--;
      if (i <= j) {
        const k = keys[i];
        keys[i] = keys[j];
        keys[j] = k;
        const x = items[i];
        items[i] = items[j];
        items[j] = x;
        i++;
        j--;
      }
    }
    if (nth <= j) hi = j;
    else if (nth >= i) lo = i;
    else return;
  }
}
