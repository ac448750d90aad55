/**
 * The id tracker's table: where each live id of a collection is, as a segment slot and a row
 * offset. Loading puts every id of every sealed segment in it, so its cost per id bounds how
 * fast a collection loads: a `Map` from id to a packed double costs about 0.4 µs per id and
 * ~50 bytes (the entry and a boxed double); this table a few tens of ns and 16 bytes per cell.
 *
 * Numeric ids the API accepts (non-negative safe integers) live in an open-addressing table
 * over typed arrays: linear probing, Fibonacci hashing of the id's two 32-bit halves, load
 * factor at most 5/8, deletion by backward shift (so no tombstones accumulate and a probe
 * ends at the first empty cell). Every other id (strings; and, to keep `Map` semantics for
 * any key, numbers outside that range) lives in a `Map`.
 *
 * Invariants: an id has at most one entry; `size` is the number of entries; every cell
 * between an entry's home cell and the entry itself is occupied (what lookup relies on).
 */
import type { PointId } from '../segment/segment-view.js';

/**
 * Key of an empty cell. Keys are stored as id + 1: table ids are non-negative safe integers,
 * so id + 1 is exact (≤ 2^53) and never 0, and a new table (all zeros) needs no filling: its
 * pages cost nothing until touched (filling 512 MiB of cells took most of a second of a
 * 10M-id load).
 */
const EMPTY = 0;
const MIN_CAPACITY = 1024;
const SLOT_FACTOR = 2 ** 32;
/** 2^32 / φ: Fibonacci hashing's multiplier. */
const GOLDEN = 0x9e3779b9;

export class IdLocations {
  /**
   * Cell i is `cells[2i]`, the id + 1 (or EMPTY), and `cells[2i + 1]`, `slot * 2^32 + offset`:
   * key and value side by side, so an insert or lookup touches one cache line.
   */
  private cells: Float64Array;
  /** log2 of the capacity (cells). */
  private bits: number;
  /** Entries the table takes before it grows: 5/8 of its cells. */
  private limit: number;
  private used = 0;
  /** The row offset of the id `slotOf` last found. */
  foundOffset = 0;
  /** Ids the table does not take, with `slot * 2^32 + offset`. */
  private readonly others = new Map<PointId, number>();

  constructor() {
    this.bits = Math.log2(MIN_CAPACITY);
    this.limit = limitOf(this.bits);
    this.cells = emptyCells(MIN_CAPACITY);
  }

  get size(): number {
    return this.used + this.others.size;
  }

  /** Makes room for `count` more ids without growing on the way (before a bulk `set`). */
  reserve(count: number): void {
    let bits = this.bits;
    while (this.used + count > limitOf(bits)) bits++;
    if (bits !== this.bits) this.rehash(bits);
  }

  /**
   * The slot of `id`'s row, or -1 when `id` has no entry; then `foundOffset` is its row
   * offset (until the next call).
   */
  slotOf(id: PointId): number {
    let packed: number | undefined;
    if (typeof id === 'number' && isTableKey(id)) {
      const cell = this.find(id);
      if (cell < 0) return -1;
      packed = this.cells[2 * cell + 1];
    } else {
      packed = this.others.get(id);
      if (packed === undefined) return -1;
    }
    this.foundOffset = packed % SLOT_FACTOR;
    return Math.floor(packed / SLOT_FACTOR);
  }

  /** Sets where `id` is (replacing its entry, if any); `slot` < 2^21, `offset` < 2^32. */
  set(id: PointId, slot: number, offset: number): void {
    const packed = slot * SLOT_FACTOR + offset;
    if (typeof id !== 'number' || !isTableKey(id)) {
      this.others.set(id, packed);
      return;
    }
    if (this.used >= this.limit) this.rehash(this.bits + 1);
    const cells = this.cells;
    const mask = (cells.length >>> 1) - 1;
    const stored = id + 1; // -0 is stored as 0 + 1, as a Map keys it
    let cell = this.home(id);
    for (;;) {
      const key = cells[2 * cell];
      if (key === EMPTY) {
        cells[2 * cell] = stored;
        this.used++;
        break;
      }
      if (key === stored) break;
      cell = (cell + 1) & mask;
    }
    cells[2 * cell + 1] = packed;
  }

  /** Removes `id`'s entry; returns whether it had one. */
  delete(id: PointId): boolean {
    if (typeof id !== 'number' || !isTableKey(id)) return this.others.delete(id);
    let hole = this.find(id);
    if (hole < 0) return false;
    // Backward shift: move later entries of the probe run into the hole when their home
    // cell does not lie (cyclically) after it, so every run stays unbroken.
    const cells = this.cells;
    const mask = (cells.length >>> 1) - 1;
    let cell = (hole + 1) & mask;
    while (cells[2 * cell] !== EMPTY) {
      const home = this.home(cells[2 * cell] - 1);
      if (((cell - home) & mask) >= ((cell - hole) & mask)) {
        cells[2 * hole] = cells[2 * cell];
        cells[2 * hole + 1] = cells[2 * cell + 1];
        hole = cell;
      }
      cell = (cell + 1) & mask;
    }
    cells[2 * hole] = EMPTY;
    this.used--;
    return true;
  }

  /** Every id with an entry, in no particular order. */
  *ids(): IterableIterator<PointId> {
    const cells = this.cells;
    for (let at = 0; at < cells.length; at += 2) if (cells[at] !== EMPTY) yield cells[at] - 1;
    yield* this.others.keys();
  }

  clear(): void {
    this.bits = Math.log2(MIN_CAPACITY);
    this.limit = limitOf(this.bits);
    this.cells = emptyCells(MIN_CAPACITY);
    this.used = 0;
    this.others.clear();
  }

  /** The cell of `id` (a table key), or -1. */
  private find(id: number): number {
    const cells = this.cells;
    const mask = (cells.length >>> 1) - 1;
    const stored = id + 1;
    let cell = this.home(id);
    for (;;) {
      const key = cells[2 * cell];
      if (key === stored) return cell;
      if (key === EMPTY) return -1;
      cell = (cell + 1) & mask;
    }
  }

  /** The cell where the probe for `id` starts: the top `bits` bits of a Fibonacci hash of both halves. */
  private home(id: number): number {
    const lo = id >>> 0;
    const hi = (id - lo) / SLOT_FACTOR;
    const mixed = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), GOLDEN);
    return (mixed ^ (mixed >>> 16)) >>> (32 - this.bits);
  }

  private rehash(bits: number): void {
    const old = this.cells;
    this.bits = bits;
    this.limit = limitOf(bits);
    const cells = emptyCells(2 ** bits);
    this.cells = cells;
    const mask = 2 ** bits - 1;
    for (let at = 0; at < old.length; at += 2) {
      const key = old[at];
      if (key === EMPTY) continue;
      let cell = this.home(key - 1);
      while (cells[2 * cell] !== EMPTY) cell = (cell + 1) & mask;
      cells[2 * cell] = key;
      cells[2 * cell + 1] = old[at + 1];
    }
  }
}

/** Entries a table of 2^bits cells takes: 5/8 of them. */
function limitOf(bits: number): number {
  return Math.floor((5 * 2 ** bits) / 8);
}

/** A table of `capacity` empty cells (all zeros: see `EMPTY`). */
function emptyCells(capacity: number): Float64Array {
  return new Float64Array(2 * capacity);
}

/** Whether the table (not the map) holds `id`: a non-negative safe integer (-0 is 0). */
function isTableKey(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 0;
}
