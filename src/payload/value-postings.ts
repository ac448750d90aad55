/**
 * Posting lists by exact value (the strings of a keyword index, `true`/`false` of a bool
 * index): value → ascending rows holding it, each row once per value.
 *
 * Layout (no object per value or row): a Map from value to a dense slot number, a per-slot
 * count, and the postings of all values in one array, grouped by slot (compressed sparse
 * rows: slot s holds `rows[starts[s]..starts[s+1]-1]`). Entries added since the last
 * compaction sit in an unsorted tail of (slot, row) pairs that queries scan; a query that
 * finds the tail outgrown (`tailOutgrown`, row-sets.ts) first regroups everything, a
 * counting sort that keeps each slot's rows ascending. Sealed segments compact once.
 *
 * A dense value's bitset is cached: building one from half a million postings costs
 * milliseconds, copying a cached one tens of microseconds. A value is dense when it holds at
 * least 1/{@link DENSE_RATIO} of the rows, so the cached bitset (1 bit per row) never takes
 * more memory than its postings (32 bits each). The cache is keyed by the value's count and
 * the bitset size, so a growing segment rebuilds it after appends, and a sealed segment,
 * which never appends, builds it once.
 */
import { Bitset } from '../index/bitset.js';
import { tailOutgrown, withRoom } from './row-sets.js';

const DENSE_RATIO = 32;

interface CachedBits {
  readonly bits: Bitset;
  /** The value's count when `bits` was built. */
  readonly count: number;
}

export class ValuePostings<Value> {
  private readonly slots = new Map<Value, number>();
  private counts = new Uint32Array(16);
  /** Grouped postings: slot s holds rows[starts[s]..starts[s + 1] - 1], ascending. */
  private starts = new Uint32Array(1);
  private rows = new Uint32Array(0);
  /** Entries added since the last compaction, in order. */
  private tailSlots = new Uint32Array(16);
  private tailRows = new Uint32Array(16);
  private tail = 0;
  private readonly cache = new Map<number, CachedBits>();

  /** Records that `row` holds `value`; rows arrive in ascending order, a row's values together. */
  add(value: Value, row: number): void {
    let slot = this.slots.get(value);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(value, slot);
      this.counts = withRoom(this.counts, slot + 1);
    }
    // Only the current row's entries can repeat this one, and they end the tail.
    for (let i = this.tail - 1; i >= 0 && this.tailRows[i] === row; i--) {
      if (this.tailSlots[i] === slot) return;
    }
    this.tailSlots = withRoom(this.tailSlots, this.tail + 1);
    this.tailRows = withRoom(this.tailRows, this.tail + 1);
    this.tailSlots[this.tail] = slot;
    this.tailRows[this.tail] = row;
    this.tail++;
    this.counts[slot]++;
  }

  /** Number of rows holding `value`. */
  count(value: Value): number {
    const slot = this.slots.get(value);
    return slot === undefined ? 0 : this.counts[slot];
  }

  /** Each value with the number of rows holding it, in the order values were first added. */
  *valueCounts(): IterableIterator<[Value, number]> {
    for (const [value, slot] of this.slots) yield [value, this.counts[slot]];
  }

  /** The rows holding `value`, ascending, as a new array the caller owns. */
  rowsOf(value: Value): Uint32Array {
    const slot = this.slots.get(value);
    if (slot === undefined) return new Uint32Array(0);
    if (this.tail > 0) this.compact();
    return this.rows.slice(this.starts[slot], this.starts[slot + 1]);
  }

  /**
   * `rowsOf(value)` when no appended row awaits sorting, else undefined (a list made at every
   * query would re-sort a growing segment's postings each time).
   */
  rowsIfSettled(value: Value): Uint32Array | undefined {
    return this.tail > 0 ? undefined : this.rowsOf(value);
  }

  /** Sets in `target` every row below `target.size` that holds `value`. */
  setIn(value: Value, target: Bitset): void {
    const slot = this.slots.get(value);
    if (slot === undefined) return;
    if (tailOutgrown(this.tail, this.rows.length)) this.compact();
    const count = this.counts[slot];
    if (count * DENSE_RATIO < target.size) {
      this.setSlotIn(slot, target);
      return;
    }
    let cached = this.cache.get(slot);
    if (cached === undefined || cached.count !== count || cached.bits.size !== target.size) {
      const bits = new Bitset(target.size);
      this.setSlotIn(slot, bits);
      cached = { bits, count };
      this.cache.set(slot, cached);
    }
    target.or(cached.bits);
  }

  /** Groups every entry by slot and releases spare capacity. */
  compact(): void {
    const slotCount = this.slots.size;
    const starts = new Uint32Array(slotCount + 1);
    for (let slot = 0; slot < slotCount; slot++) starts[slot + 1] = starts[slot] + this.counts[slot];
    const rows = new Uint32Array(starts[slotCount]);
    const next = starts.slice(0, slotCount);
    // Settled rows of a slot precede its tail rows: both ascending, the tail's all later.
    for (let slot = 0; slot < this.starts.length - 1; slot++) {
      for (let i = this.starts[slot]; i < this.starts[slot + 1]; i++) rows[next[slot]++] = this.rows[i];
    }
    for (let i = 0; i < this.tail; i++) rows[next[this.tailSlots[i]]++] = this.tailRows[i];
    this.starts = starts;
    this.rows = rows;
    this.counts = this.counts.slice(0, slotCount);
    this.tailSlots = new Uint32Array(16);
    this.tailRows = new Uint32Array(16);
    this.tail = 0;
  }

  private setSlotIn(slot: number, target: Bitset): void {
    const words = target.words;
    const limit = target.size;
    if (slot + 1 < this.starts.length) {
      for (let i = this.starts[slot]; i < this.starts[slot + 1]; i++) {
        const row = this.rows[i];
        if (row >= limit) break;
        words[row >>> 5] |= 1 << (row & 31);
      }
    }
    for (let i = 0; i < this.tail; i++) {
      const row = this.tailRows[i];
      if (row >= limit) break;
      if (this.tailSlots[i] === slot) words[row >>> 5] |= 1 << (row & 31);
    }
  }
}
