/**
 * The postings of one term in one segment: the rows containing it and how often, as
 * interleaved pairs `(offset, term frequency)` in one growable `Uint32Array`, so a growing
 * segment appends in amortized O(1), a sealed one holds one small typed array per term, and
 * scoring reads both numbers of a posting from adjacent memory.
 *
 * Invariants: `data[2i]` (the offset of posting i) strictly increases with i; `data[2i + 1]`
 * (its term frequency) is ≥ 1; only the first `2 * length` entries are meaningful.
 */
export class PostingList {
  /** Interleaved (offset, term frequency) pairs; capacity doubles when full. */
  data: Uint32Array = new Uint32Array(2);
  /** Number of postings (pairs) stored. */
  length = 0;

  /** Counts one occurrence of the term in row `offset`, which is ≥ the last offset added. */
  addOccurrence(offset: number): void {
    const last = 2 * (this.length - 1);
    if (this.length > 0 && this.data[last] === offset) {
      this.data[last + 1]++;
      return;
    }
    this.data = withCapacity(this.data, 2 * this.length + 2);
    this.data[2 * this.length] = offset;
    this.data[2 * this.length + 1] = 1;
    this.length++;
  }

  /** The offset of posting `i` (0 ≤ i < length). */
  offsetAt(i: number): number {
    return this.data[2 * i];
  }

  /**
   * The index of the first posting at or after `from` whose offset is ≥ `offset` (`length`
   * when none): exponential then binary search, so walking a long list for a few offsets
   * costs O(log gap) per step.
   */
  seek(offset: number, from: number): number {
    let step = 1;
    let low = from;
    let high = from;
    while (high < this.length && this.data[2 * high] < offset) {
      low = high + 1;
      high += step;
      step *= 2;
    }
    if (high > this.length) high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.data[2 * mid] < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/**
 * `array` itself when it holds at least `needed` entries, else a copy with its capacity
 * doubled until it does (amortized O(1) appends).
 */
export function withCapacity(array: Uint32Array, needed: number): Uint32Array {
  if (needed <= array.length) return array;
  let capacity = Math.max(array.length, 1);
  while (capacity < needed) capacity *= 2;
  const grown = new Uint32Array(capacity);
  grown.set(array);
  return grown;
}
