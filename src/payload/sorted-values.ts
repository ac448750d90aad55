/**
 * Number values of one payload key with the rows holding them, sorted by value, so that a
 * range or an equality costs O(log n + matches): two binary searches, then the rows in
 * between. One entry per (row, value): a row holding `[3, 5]` has two entries; 12 bytes each.
 *
 * Entries are added to an unsorted tail, which queries scan linearly; a query that finds the
 * tail outgrown (`tailOutgrown`, row-sets.ts) first re-sorts everything (a radix sort,
 * linear). `compact()` sorts everything, as sealed segments do once after a bulk build.
 */
import type { Bitset } from '../index/bitset.js';
import { type Interval, inInterval } from './filter.js';
import { tailOutgrown, withRoom } from './row-sets.js';
import { sortOrder } from './sort-order.js';

export class SortedValues {
  private values = new Float64Array(16);
  private rows = new Uint32Array(16);
  private size = 0;
  /** Entries 0..sorted-1 are sorted by value; sorted..size-1 are in insertion order. */
  private sorted = 0;

  /** Number of entries (a row with several values counts once per value). */
  get length(): number {
    return this.size;
  }

  /** Adds an entry; `value` must not be NaN. */
  add(value: number, row: number): void {
    this.values = withRoom(this.values, this.size + 1);
    this.rows = withRoom(this.rows, this.size + 1);
    this.values[this.size] = value;
    this.rows[this.size] = row;
    this.size++;
  }

  /** Sorts every entry and releases spare capacity. */
  compact(): void {
    const values = this.values.subarray(0, this.size);
    const order = sortOrder(values);
    const sortedValues = new Float64Array(this.size);
    const sortedRows = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) {
      sortedValues[i] = values[order[i]];
      sortedRows[i] = this.rows[order[i]];
    }
    this.values = sortedValues;
    this.rows = sortedRows;
    this.sorted = this.size;
  }

  /** Sets in `target` every row below `target.size` that has a value in `interval`. */
  setIn(interval: Interval, target: Bitset): void {
    this.settle();
    const words = target.words;
    const limit = target.size;
    const [from, to] = this.sortedSpan(interval);
    for (let i = from; i < to; i++) {
      const row = this.rows[i];
      if (row < limit) words[row >>> 5] |= 1 << (row & 31);
    }
    for (let i = this.sorted; i < this.size; i++) {
      const row = this.rows[i];
      if (row < limit && inInterval(this.values[i], interval)) words[row >>> 5] |= 1 << (row & 31);
    }
  }

  /** Number of entries with a value in `interval`: an upper bound of the rows that have one. */
  count(interval: Interval): number {
    this.settle();
    const [from, to] = this.sortedSpan(interval);
    let count = to - from;
    for (let i = this.sorted; i < this.size; i++) if (inInterval(this.values[i], interval)) count++;
    return count;
  }

  private settle(): void {
    if (tailOutgrown(this.size - this.sorted, this.sorted)) this.compact();
  }

  /** The entries of the sorted part within `interval`: indexes from..to-1. */
  private sortedSpan(interval: Interval): [number, number] {
    const { low, lowInclusive, high, highInclusive } = interval;
    const from = this.firstIndex((value) => (lowInclusive ? value >= low : value > low));
    const to = this.firstIndex((value) => (highInclusive ? value > high : value >= high));
    return [from, Math.max(from, to)];
  }

  /** The first index of the sorted part whose value passes `past` (monotone: false…true). */
  private firstIndex(past: (value: number) => boolean): number {
    let low = 0;
    let high = this.sorted;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (past(this.values[middle])) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}
