/**
 * Row-major f32 vectors in the kernels' linear memory, addressed by dense offsets.
 *
 * Invariants: rows 0..count-1 live contiguously at `ptr` (so one kernel call can scan them
 * all); capacity only grows: in place when the block is the highest of its memory (so a
 * store can fill most of a wasm32 memory), else by reallocating and copying; `ptr` changes
 * on a copy, so callers read it afresh for every kernel call and never keep views across an
 * append.
 */
import { WASM32_BYTES } from '../kernels/allocator.js';
import type { Kernels } from '../kernels/kernels.js';

/** The boundary a store's `phase` is taken modulo (a page). */
export const PHASE_ALIGN = 4096;

/**
 * The first address at or after `block` that is ≡ `phase` (mod {@link PHASE_ALIGN}): where
 * data placed for direct reads starts in a block allocated {@link PHASE_ALIGN} bytes larger.
 */
export function phasedAddress(block: number, phase: number): number {
  return block + ((((phase - block) % PHASE_ALIGN) + PHASE_ALIGN) % PHASE_ALIGN);
}

export class VectorStore {
  /** Row 0's address, and the block as allocated (they differ by less than PHASE_ALIGN when phased). */
  private basePtr = 0;
  private blockPtr = 0;
  private capacity = 0;
  private rows = 0;
  /** Bytes allocated before row 0 at most (PHASE_ALIGN when phased, else 0). */
  private readonly slack: number;

  /**
   * `phase`, when given, puts row 0 at an address ≡ phase (mod {@link PHASE_ALIGN}): a
   * file whose rows start at that offset modulo a page can then be read straight into the
   * store with direct reads (storage/whole-file-read.ts); it costs up to a page per block.
   */
  constructor(
    readonly kernels: Kernels,
    readonly dimension: number,
    initialCapacity = 0,
    private readonly phase?: number,
  ) {
    this.slack = phase === undefined ? 0 : PHASE_ALIGN;
    if (initialCapacity > 0) this.reserve(initialCapacity);
  }

  /** Byte offset of row 0 in linear memory (0 when empty and unallocated). */
  get ptr(): number {
    return this.basePtr;
  }

  get count(): number {
    return this.rows;
  }

  /** Bytes of linear memory held. */
  get byteLength(): number {
    return this.capacity * this.dimension * 4;
  }

  /** Appends `data.length / dimension` rows. */
  append(data: Float32Array): void {
    const n = data.length / this.dimension;
    if (!Number.isInteger(n))
      throw new RangeError(`${data.length} floats is not a multiple of ${this.dimension}`);
    if (this.rows + n > this.capacity) this.reserve(this.grownCapacity(n));
    this.kernels.f32(this.basePtr + this.rows * this.dimension * 4, data.length).set(data);
    this.rows += n;
  }

  /**
   * Appends `n` rows that `fill` writes straight into linear memory (a file read into place,
   * so loading copies no vector twice): `fill` gets the bytes of the new rows, a view of the
   * memory taken before it starts, and the rows count once it resolves (not if it rejects).
   * The memory must be shared (a view of a shared memory stays valid when it grows meanwhile);
   * nothing else may append to this store until it settles.
   */
  async appendFilled(n: number, fill: (bytes: Uint8Array) => Promise<void>): Promise<void> {
    if (!(this.kernels.memory.buffer instanceof SharedArrayBuffer)) {
      throw new Error('appendFilled needs a shared memory');
    }
    if (this.rows + n > this.capacity) this.reserve(Math.max(this.rows + n, 64));
    const bytes = n * this.dimension * 4;
    await fill(
      new Uint8Array(this.kernels.memory.buffer, this.basePtr + this.rows * this.dimension * 4, bytes),
    );
    this.rows += n;
  }

  /**
   * Bytes of new linear memory that appending `n` rows takes at most: none within capacity;
   * the growth when the block grows in place; else the whole new block (the old one is
   * freed only after the copy).
   */
  growthBytes(n: number): number {
    if (this.rows + n <= this.capacity) return 0;
    const bytes = this.grownCapacity(n) * this.dimension * 4;
    return this.growsInPlace() ? bytes - this.byteLength : bytes;
  }

  /** A copy of row `offset`. */
  row(offset: number): Float32Array {
    return this.kernels.f32(this.basePtr + offset * this.dimension * 4, this.dimension).slice();
  }

  /** A transient view of all rows (valid until the next allocation anywhere in `kernels`). */
  view(): Float32Array {
    return this.kernels.f32(this.basePtr, this.rows * this.dimension);
  }

  dispose(): void {
    this.kernels.free(this.blockPtr);
    this.basePtr = 0;
    this.blockPtr = 0;
    this.capacity = 0;
    this.rows = 0;
  }

  /** Whether growing extends the block where it is (it is the highest block of its memory). */
  private growsInPlace(): boolean {
    return this.blockPtr !== 0 && this.kernels.allocator.endsAtTop(this.blockPtr);
  }

  /**
   * The capacity appending `n` rows grows to: twice the current (amortized appends), but no
   * more than the memory can address from where the rows will be, and at least what is needed.
   */
  private grownCapacity(n: number): number {
    const needed = this.rows + n;
    const rowBytes = this.dimension * 4;
    const start = this.growsInPlace() ? this.basePtr : this.kernels.allocator.heapTop + this.slack;
    const fits = Math.floor((WASM32_BYTES - start) / rowBytes);
    return Math.max(needed, Math.min(Math.max(this.capacity * 2, 64), fits));
  }

  private reserve(capacity: number): void {
    const bytes = Math.max(capacity * this.dimension * 4, 16);
    if (this.growsInPlace() && this.kernels.extend(this.blockPtr, bytes + (this.basePtr - this.blockPtr))) {
      this.capacity = capacity;
      return;
    }
    const block = this.kernels.alloc(bytes + this.slack);
    const next = this.phase === undefined ? block : phasedAddress(block, this.phase);
    if (this.rows > 0) {
      const floats = this.rows * this.dimension;
      this.kernels.f32(next, floats).set(this.kernels.f32(this.basePtr, floats));
    }
    this.kernels.free(this.blockPtr);
    this.basePtr = next;
    this.blockPtr = block;
    this.capacity = capacity;
  }
}
