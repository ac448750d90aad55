/**
 * Growable sets of row offsets for payload indexes, in typed arrays (no object per row):
 * `RowList` holds ascending offsets (a posting list, 4 bytes per row it holds) and `RowBits`
 * a bitset that grows as rows are appended (1 bit per row of the segment). Both take rows in
 * ascending order of offset, as segments append them, and hand out fixed-size `Bitset`s of
 * the first `size` rows. Also the growth and re-sorting rules the other index structures share.
 */
import { Bitset } from '../index/bitset.js';

/**
 * `array` if it holds at least `needed` elements, else a copy of it with room for at least
 * `needed` (doubling, so that appending costs amortized O(1)).
 */
export function withRoom<T extends Uint32Array | Float64Array>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  const grown = new (array.constructor as new (length: number) => T)(Math.max(16, needed, array.length * 2));
  grown.set(array);
  return grown;
}

/** An unsorted tail may hold this many entries whatever the size of the settled part. */
const MIN_TAIL = 1024;

/**
 * True when a structure with `settled` sorted entries and `tail` unsorted ones, which queries
 * scan linearly, should re-sort before a query: when the tail is longer than a quarter of the
 * settled part and than {@link MIN_TAIL}. So a growing segment that interleaves appends and
 * queries re-sorts O(log n) times (amortized O(1) per append) and scans at most a fifth of its
 * entries unsorted.
 */
export function tailOutgrown(tail: number, settled: number): boolean {
  return tail > Math.max(MIN_TAIL, settled >>> 2);
}

/** Ascending row offsets, each at most once. */
export class RowList {
  private data = new Uint32Array(4);
  private size = 0;

  /** Number of rows held. */
  get length(): number {
    return this.size;
  }

  /** Adds `row`, which must be ≥ every row added before; adding the last row again is a no-op. */
  push(row: number): void {
    if (this.size > 0 && this.data[this.size - 1] === row) return;
    this.data = withRoom(this.data, this.size + 1);
    this.data[this.size++] = row;
  }

  /** The rows, ascending (a view; valid until the next `push`). */
  rows(): Uint32Array {
    return this.data.subarray(0, this.size);
  }

  /** Number of rows below `limit`. */
  countBelow(limit: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.data[middle] < limit) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Sets every row below `target.size` in `target`. */
  setIn(target: Bitset): void {
    const words = target.words;
    const end = this.countBelow(target.size);
    for (let i = 0; i < end; i++) {
      const row = this.data[i];
      words[row >>> 5] |= 1 << (row & 31);
    }
  }

  /** Releases spare capacity (after a bulk build). */
  trim(): void {
    if (this.data.length > this.size) this.data = this.data.slice(0, this.size);
  }
}

/** A bitset over rows 0..n-1 that grows as rows are set. */
export class RowBits {
  private words = new Uint32Array(2);
  private setCount = 0;

  /** Number of rows set. */
  get count(): number {
    return this.setCount;
  }

  /** Sets `row` (growing as needed). */
  set(row: number): void {
    const word = row >>> 5;
    this.words = withRoom(this.words, word + 1);
    const bit = 1 << (row & 31);
    if ((this.words[word] & bit) === 0) {
      this.words[word] |= bit;
      this.setCount++;
    }
  }

  /** Number of rows set below `limit`. */
  countBelow(limit: number): number {
    if (limit >= this.words.length * 32) return this.setCount;
    return this.toBitset(limit).count();
  }

  /** The set rows below `size`, as a new `Bitset` of `size` bits. */
  toBitset(size: number): Bitset {
    const out = new Bitset(size);
    out.words.set(this.words.subarray(0, Math.min(out.words.length, this.words.length)));
    const tail = size & 31;
    if (tail !== 0 && out.words.length > 0) out.words[out.words.length - 1] &= (1 << tail) - 1;
    return out;
  }

  /** Releases spare capacity beyond `size` rows (after a bulk build). */
  trim(size: number): void {
    const needed = (size + 31) >>> 5;
    if (this.words.length > needed) this.words = this.words.slice(0, needed);
  }
}
