/**
 * Packed bit codes (binary vectors, LSH signatures) in the kernels' linear memory: `count`
 * rows of `words` u64 words each, contiguous at `ptr`, bit i of a row in bit i & 7 of its
 * byte i >> 3 (the layout `assembly/binary.ts` reads).
 *
 * Invariants: a row's bits past `bits` are zero (so they add nothing to Hamming or Jaccard
 * counts); capacity only grows, by reallocating and copying, so `ptr` changes on growth
 * and callers read it afresh for every kernel call.
 */
import type { Kernels } from '../kernels/kernels.js';

export class BinaryCodes {
  /** u64 words per row. */
  readonly words: number;
  /** Packed bytes per row as given and serialized: bits / 8. */
  readonly rowBytes: number;
  private basePtr = 0;
  private capacity = 0;
  private rows = 0;

  /** Codes of `bits` bits (a positive multiple of 8). */
  constructor(
    readonly kernels: Kernels,
    readonly bits: number,
  ) {
    if (!Number.isInteger(bits) || bits <= 0 || bits % 8 !== 0) {
      throw new RangeError(`binary codes need a positive multiple of 8 bits, got ${bits}`);
    }
    this.words = Math.ceil(bits / 64);
    this.rowBytes = bits / 8;
  }

  /** Bytes per row in linear memory (whole u64 words). */
  get stride(): number {
    return this.words * 8;
  }

  get ptr(): number {
    return this.basePtr;
  }

  get count(): number {
    return this.rows;
  }

  /** Bytes of linear memory held. */
  get byteLength(): number {
    return this.capacity * this.stride;
  }

  /**
   * Makes room for `n` more rows and returns the address of the first: the caller fills
   * them (zeroed, whole words) before the next allocation, then they count as rows.
   */
  appendZeroed(n: number): number {
    this.reserve(this.rows + n);
    const at = this.basePtr + this.rows * this.stride;
    this.bytesAt(at, n * this.stride).fill(0);
    this.rows += n;
    return at;
  }

  /** Drops the rows from `count` on (their memory stays reserved). */
  truncate(count: number): void {
    if (count < 0 || count > this.rows) throw new RangeError(`cannot truncate ${this.rows} rows to ${count}`);
    this.rows = count;
  }

  /** Appends rows given packed (`rowBytes` bytes each); their padding stays zero. */
  appendPacked(data: Uint8Array): void {
    const n = data.length / this.rowBytes;
    if (!Number.isInteger(n))
      throw new RangeError(`${data.length} bytes is not a multiple of ${this.rowBytes}`);
    const at = this.appendZeroed(n);
    const view = this.bytesAt(at, n * this.stride);
    if (this.stride === this.rowBytes) view.set(data);
    else
      for (let r = 0; r < n; r++)
        view.set(data.subarray(r * this.rowBytes, (r + 1) * this.rowBytes), r * this.stride);
  }

  /** Appends rows given as stored (`stride` bytes each, padding zero) in one copy. */
  appendStored(data: Uint8Array): void {
    const n = data.length / this.stride;
    if (!Number.isInteger(n))
      throw new RangeError(`${data.length} bytes is not a multiple of ${this.stride}`);
    this.bytesAt(this.appendZeroed(n), data.length).set(data);
  }

  /** A transient view of every row as stored (valid until the next allocation). */
  view(): Uint8Array {
    return this.bytesAt(this.basePtr, this.rows * this.stride);
  }

  /** A copy of row `offset`, packed (`rowBytes` bytes). */
  row(offset: number): Uint8Array {
    return this.bytesAt(this.basePtr + offset * this.stride, this.rowBytes).slice();
  }

  /** @throws Error when a row has a bit set past `bits`. */
  checkPadding(what: string): void {
    const rest = this.stride - this.rowBytes;
    if (rest === 0) return;
    const all = this.view();
    for (let r = 0; r < this.rows; r++) {
      const at = r * this.stride + this.rowBytes;
      for (let i = at; i < at + rest; i++) {
        if (all[i] !== 0) throw new Error(`${what}: row ${r} has bits set past bit ${this.bits}`);
      }
    }
  }

  dispose(): void {
    this.kernels.free(this.basePtr);
    this.basePtr = 0;
    this.capacity = 0;
    this.rows = 0;
  }

  private bytesAt(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.kernels.memory.buffer, ptr, length);
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.max(rows, this.capacity * 2, 64);
    const next = this.kernels.alloc(capacity * this.stride);
    if (this.rows > 0) this.bytesAt(next, this.rows * this.stride).set(this.view());
    this.kernels.free(this.basePtr);
    this.basePtr = next;
    this.capacity = capacity;
  }
}
