/**
 * A fixed-size set of dense offsets 0..size-1, stored as u32 words (bit `i % 32` of word
 * `i >> 5`). This is the layout the kernels read, so an allow-list can be copied into
 * linear memory as is. Bits at positions ≥ size are always zero.
 */
export class Bitset {
  readonly words: Uint32Array;

  constructor(
    readonly size: number,
    words?: Uint32Array,
  ) {
    const needed = (size + 31) >>> 5;
    if (words && words.length !== needed) {
      throw new RangeError(`bitset of ${size} bits needs ${needed} words, got ${words.length}`);
    }
    this.words = words ?? new Uint32Array(needed);
  }

  /** A bitset with every offset in 0..size-1 set. */
  static full(size: number): Bitset {
    const set = new Bitset(size);
    set.words.fill(0xffffffff);
    set.clearTail();
    return set;
  }

  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  set(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }

  clear(i: number): void {
    this.words[i >>> 5] &= ~(1 << (i & 31));
  }

  /** Number of set bits. */
  count(): number {
    let total = 0;
    for (let w = 0; w < this.words.length; w++) {
      let v = this.words[w];
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      total += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return total;
  }

  /** A copy with `size` bits (truncated or zero-extended). */
  resized(size: number): Bitset {
    const out = new Bitset(size);
    out.words.set(this.words.subarray(0, out.words.length));
    out.clearTail();
    return out;
  }

  clone(): Bitset {
    return new Bitset(this.size, this.words.slice());
  }

  /** In-place intersection with `other` (same size). */
  and(other: Bitset): this {
    for (let w = 0; w < this.words.length; w++) this.words[w] &= other.words[w];
    return this;
  }

  /** In-place union with `other` (same size). */
  or(other: Bitset): this {
    for (let w = 0; w < this.words.length; w++) this.words[w] |= other.words[w];
    return this;
  }

  /** A bitset of `size` bits with the given offsets (each < size) set. */
  static fromOffsets(size: number, offsets: ArrayLike<number>): Bitset {
    const set = new Bitset(size);
    for (let i = 0; i < offsets.length; i++) set.set(offsets[i]);
    return set;
  }

  /** In-place difference: clears every bit that is set in `other` (same size). */
  andNot(other: Bitset): this {
    for (let w = 0; w < this.words.length; w++) this.words[w] &= ~other.words[w];
    return this;
  }

  /** Calls `fn` for each set offset in ascending order. */
  forEach(fn: (offset: number) => void): void {
    for (let w = 0; w < this.words.length; w++) {
      let v = this.words[w];
      while (v !== 0) {
        const bit = 31 - Math.clz32(v & -v);
        fn((w << 5) | bit);
        v &= v - 1;
      }
    }
  }

  private clearTail(): void {
    const rem = this.size & 31;
    if (rem !== 0) this.words[this.words.length - 1] &= (1 << rem) - 1;
  }
}
