/**
 * The inverted lists of an IVF index in linear memory, laid out contiguously (CSR), so a
 * probe scans one run of ids and one run of codes:
 * - `starts`: nlist + 1 u32; list l holds positions [starts[l], starts[l + 1]);
 * - `ids`: the row (index offset) at each position;
 * - `data`: `codeBytes` bytes per position (a Flat row, an SQ8 or PQ code).
 *
 * Invariants: starts[0] = 0, starts is non-decreasing, starts[nlist] = count; the ids are
 * 0..count-1, each once (rows are appended in offset order and keep that order within a
 * list). `append` re-lays every list into fresh blocks (O(count) per call), so rows
 * should come in large batches — as the segment path (`addStored`) does, once.
 */
import type { WasmKernels } from '../kernels/wasm-kernels.js';

interface PlaceExports {
  ivfPlace(
    codes: number,
    n: number,
    codeBytes: number,
    assign: number,
    cursor: number,
    ids: number,
    data: number,
    firstRow: number,
  ): void;
}

export class IvfLists {
  private startsPtr: number;
  private idsPtr = 0;
  private dataPtr = 0;
  private rows = 0;

  constructor(
    private readonly kern: WasmKernels,
    readonly nlist: number,
    readonly codeBytes: number,
  ) {
    this.startsPtr = kern.alloc((nlist + 1) * 4);
  }

  get starts(): number {
    return this.startsPtr;
  }

  get ids(): number {
    return this.idsPtr;
  }

  get data(): number {
    return this.dataPtr;
  }

  get count(): number {
    return this.rows;
  }

  /** Bytes of linear memory held. */
  get byteLength(): number {
    return (this.nlist + 1) * 4 + this.rows * (4 + this.codeBytes);
  }

  /** A copy of the list sizes. */
  sizes(): Uint32Array {
    const starts = this.kern.u32(this.startsPtr, this.nlist + 1);
    const out = new Uint32Array(this.nlist);
    for (let l = 0; l < this.nlist; l++) out[l] = starts[l + 1] - starts[l];
    return out;
  }

  /** A copy of the ids in position order. */
  idsView(): Uint32Array {
    return this.kern.u32(this.idsPtr, this.rows).slice();
  }

  /**
   * Appends `n` rows with offsets `count..count+n-1`: row i goes to list `assign[i]` (u32
   * at `assignPtr + 4i`, each < nlist) with the code at `codesPtr + i·codeBytes`.
   */
  append(assignPtr: number, codesPtr: number, n: number): void {
    if (n === 0) return;
    const kern = this.kern;
    const total = this.rows + n;
    const oldSizes = this.sizes();
    const added = new Uint32Array(this.nlist);
    const assign = kern.u32(assignPtr, n);
    for (let i = 0; i < n; i++) added[assign[i]]++;
    const ids = kern.alloc(total * 4);
    const data = kern.alloc(Math.max(total * this.codeBytes, 16));
    const cursor = kern.alloc(this.nlist * 4);
    const oldStarts = kern.u32(this.startsPtr, this.nlist + 1).slice();
    const starts = new Uint32Array(this.nlist + 1);
    for (let l = 0; l < this.nlist; l++) starts[l + 1] = starts[l] + oldSizes[l] + added[l];
    const bytes = new Uint8Array(kern.memory.buffer);
    const cursors = kern.u32(cursor, this.nlist);
    for (let l = 0; l < this.nlist; l++) {
      const from = oldStarts[l];
      const size = oldSizes[l];
      const to = starts[l];
      bytes.copyWithin(ids + to * 4, this.idsPtr + from * 4, this.idsPtr + (from + size) * 4);
      bytes.copyWithin(
        data + to * this.codeBytes,
        this.dataPtr + from * this.codeBytes,
        this.dataPtr + (from + size) * this.codeBytes,
      );
      cursors[l] = to + size;
    }
    (kern.exports as unknown as PlaceExports).ivfPlace(
      codesPtr,
      n,
      this.codeBytes,
      assignPtr,
      cursor,
      ids,
      data,
      this.rows,
    );
    kern.u32(this.startsPtr, this.nlist + 1).set(starts);
    kern.free(cursor);
    kern.free(this.idsPtr);
    kern.free(this.dataPtr);
    this.idsPtr = ids;
    this.dataPtr = data;
    this.rows = total;
  }

  /**
   * Sets the lists from serialized `sizes` and `ids` (position order) with `data` codes
   * (count·codeBytes bytes), or zeroed data to fill later when `data` is undefined.
   * @throws Error when the ids are not each offset below their count exactly once.
   */
  load(sizes: Uint32Array, ids: Uint32Array, data?: Uint8Array): void {
    const n = ids.length;
    checkPermutation(ids);
    let sum = 0;
    for (const s of sizes) sum += s;
    if (sizes.length !== this.nlist || sum !== n) {
      throw new Error(
        `ivf: ${sizes.length} list sizes summing to ${sum} for ${this.nlist} lists of ${n} rows`,
      );
    }
    const kern = this.kern;
    kern.free(this.idsPtr);
    kern.free(this.dataPtr);
    this.idsPtr = kern.alloc(Math.max(n * 4, 16));
    this.dataPtr = kern.alloc(Math.max(n * this.codeBytes, 16));
    this.rows = n;
    const starts = kern.u32(this.startsPtr, this.nlist + 1);
    starts[0] = 0;
    for (let l = 0; l < this.nlist; l++) starts[l + 1] = starts[l] + sizes[l];
    kern.u32(this.idsPtr, n).set(ids);
    if (data) new Uint8Array(kern.memory.buffer, this.dataPtr, data.length).set(data);
  }

  /** @throws Error when the layout invariants (file comment) do not hold. */
  checkIntegrity(): void {
    const starts = this.kern.u32(this.startsPtr, this.nlist + 1);
    if (starts[0] !== 0 || starts[this.nlist] !== this.rows) {
      throw new Error(`ivf: lists span ${starts[0]}..${starts[this.nlist]}, expected 0..${this.rows}`);
    }
    for (let l = 0; l < this.nlist; l++) {
      if (starts[l + 1] < starts[l]) throw new Error(`ivf: list ${l} ends before it starts`);
    }
    checkPermutation(this.kern.u32(this.idsPtr, this.rows));
  }

  dispose(): void {
    this.kern.free(this.startsPtr);
    this.kern.free(this.idsPtr);
    this.kern.free(this.dataPtr);
    this.startsPtr = 0;
    this.idsPtr = 0;
    this.dataPtr = 0;
    this.rows = 0;
  }
}

/** @throws Error unless `ids` holds each of 0..ids.length-1 exactly once. */
function checkPermutation(ids: Uint32Array): void {
  const seen = new Uint8Array(ids.length);
  for (const id of ids) {
    if (id >= ids.length || seen[id] !== 0)
      throw new Error(`ivf: list entry ${id} is out of range or repeated`);
    seen[id] = 1;
  }
}
