/**
 * The order a seal writes a segment's rows in: near vectors at near offsets, so that a graph
 * walk, which measures a node's neighbours one after the other, finds their rows in the same
 * pages and cache lines instead of scattered over the whole segment.
 *
 * The order is the leaf order of a random-projection tree: a range of rows is split at the
 * median of their projections on the difference of two of its rows drawn at random, and
 * each half again, down to ranges of `LEAF_ROWS`. It needs no index (the graph is built after
 * the seal, over the rows in this order; it links them in a shuffled order, see
 * `HnswBuildOptions.shuffle`) and costs one dot product per row and level.
 *
 * Measured (raw `HnswIndex.search`, one thread, the same graph with its nodes renumbered,
 * interleaved passes, QPS ratio to row order at equal recall): 1M × 128 mixture 1.34× / 1.53× /
 * 1.60× / 1.52× at ef 16 / 64 / 128 / 256; 100k × 128 mixture 1.09–1.19×; Fashion-MNIST
 * 1.08–1.14×; wink word vectors 1.0–1.02× (a breadth-first order of the built graph did about
 * as well: 1.49–1.73× on 1M).
 *
 * Invariant: the result is a permutation of `rows`; rows without a vector keep their relative
 * order after all the others; the same rows, vectors and seed give the same order.
 */

/** Rows a leaf of the tree holds (about a page of 128-d f32 rows per 8 leaves). */
const LEAF_ROWS = 32;

/**
 * `rows` (row numbers) in locality order of their vectors: `vectorAt(row)` gives a row's
 * vector of `dimension` floats, or undefined when it has none.
 */
export function localityOrder(
  rows: readonly number[],
  dimension: number,
  vectorAt: (row: number) => Float32Array | undefined,
  seed = 0x5eed,
): number[] {
  const withVector: number[] = [];
  const without: number[] = [];
  for (const row of rows) (vectorAt(row) ? withVector : without).push(row);
  const order = Uint32Array.from(withVector);
  const proj = new Float64Array(order.length);
  const direction = new Float64Array(dimension);
  let state = seed >>> 0;
  const random = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.floor((state / 4294967296) * n);
  };
  const ranges: number[] = [0, order.length];
  while (ranges.length > 0) {
    const hi = ranges.pop() as number;
    const lo = ranges.pop() as number;
    if (hi - lo <= LEAF_ROWS) continue;
    const a = vectorAt(order[lo + random(hi - lo)]) as Float32Array;
    const b = vectorAt(order[lo + random(hi - lo)]) as Float32Array;
    for (let j = 0; j < dimension; j++) direction[j] = a[j] - b[j];
    for (let i = lo; i < hi; i++) {
      const v = vectorAt(order[i]) as Float32Array;
      let s = 0;
      for (let j = 0; j < dimension; j++) s += v[j] * direction[j];
      proj[i] = s;
    }
    const mid = (lo + hi) >>> 1;
    selectNth(order, proj, lo, hi - 1, mid);
    ranges.push(lo, mid, mid, hi);
  }
  return [...order, ...without];
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
