/**
 * The bucket tables of the LSH index's multi-probe search, and the order a query probes
 * them in.
 *
 * The first min(bits, MAX_TABLES · BAND_BITS) bits of a signature are cut into bands of
 * BAND_BITS bits (a last band may have 8); each band is a hash table from its value to the
 * rows having that value, stored as a counting sort (`lshBuildTables` in
 * `assembly/binary.ts`): per band, 2^width + 1 bucket starts and the `count` rows ordered
 * by bucket.
 *
 * Invariants: the tables index exactly the first `count` signatures they were built from;
 * per band the starts rise from 0 to `count`.
 */
import type { WasmKernels } from '../kernels/wasm-kernels.js';

interface TableExports {
  lshStartsWords(bits: number, bands: number): number;
  lshBuildTables(header: number): void;
}

/** Byte offset in the LSH search header of the table pointers, starts then entries (`assembly/binary.ts`). */
const H_STARTS = 20;
/** Words between the bucket starts of consecutive bands (2^16 + 1). */
const BAND_STRIDE = 65537;

export class LshTables {
  static readonly BAND_BITS = 16;
  static readonly MAX_TABLES = 16;

  /** Bands of a `bits`-bit signature's tables: ceil(min(bits, 256) / 16). */
  static bandsFor(bits: number): number {
    return Math.ceil(Math.min(bits, LshTables.MAX_TABLES * LshTables.BAND_BITS) / LshTables.BAND_BITS);
  }

  readonly starts: number;
  readonly entries: number;
  readonly byteLength: number;
  private readonly bands: number;
  private readonly startsWords: number;

  /**
   * Builds the tables of the `count` (≥ 1) signatures the search header at `header`
   * describes (already written, table pointers aside), and records them in it.
   */
  constructor(
    private readonly kern: WasmKernels,
    header: number,
    bits: number,
    private readonly count: number,
  ) {
    const exports = kern.exports as unknown as TableExports;
    this.bands = LshTables.bandsFor(bits);
    this.startsWords = exports.lshStartsWords(bits, this.bands);
    this.starts = kern.alloc(this.startsWords * 4);
    this.entries = kern.alloc(this.bands * count * 4);
    this.byteLength = (this.startsWords + this.bands * count) * 4;
    kern.u32(header + H_STARTS, 2).set([this.starts, this.entries]);
    exports.lshBuildTables(header);
  }

  /** @throws Error unless every band's starts rise from 0 to the row count. */
  check(count: number): void {
    if (count !== this.count) throw new Error(`LSH: tables of ${this.count} rows for ${count} signatures`);
    const starts = this.kern.u32(this.starts, this.startsWords);
    for (let b = 0; b < this.bands; b++) {
      const first = b * BAND_STRIDE;
      const last = b === this.bands - 1 ? this.startsWords - 1 : first + BAND_STRIDE - 1;
      if (starts[first] !== 0 || starts[last] !== count)
        throw new Error(`LSH: band ${b} does not cover the rows`);
      for (let v = first + 1; v <= last; v++) {
        if (starts[v] < starts[v - 1]) throw new Error(`LSH: band ${b} bucket starts decrease`);
      }
    }
  }

  dispose(): void {
    this.kern.free(this.starts);
    this.kern.free(this.entries);
  }
}

/**
 * The probes of a query, as [band, bucket value] u32 pairs: first its own bucket in each
 * of the `bands` bands, then for each tabled bit, nearest-to-its-hyperplane first (smallest
 * |margin|; ties: lower bit), its band's bucket with that bit flipped.
 */
export function probeOrder(sig: Uint8Array, margins: Float32Array, bands: number): Uint32Array {
  const tabled = Math.min(margins.length, bands * LshTables.BAND_BITS);
  const values = new Uint32Array(bands);
  for (let b = 0; b < bands; b++) {
    const wide = (b + 1) * LshTables.BAND_BITS <= margins.length;
    values[b] = wide ? sig[2 * b] | (sig[2 * b + 1] << 8) : sig[2 * b];
  }
  const order = Array.from({ length: tabled }, (_, i) => i);
  order.sort((a, b) => Math.abs(margins[a]) - Math.abs(margins[b]) || a - b);
  const probes = new Uint32Array(2 * (bands + tabled));
  for (let b = 0; b < bands; b++) {
    probes[2 * b] = b;
    probes[2 * b + 1] = values[b];
  }
  for (let j = 0; j < tabled; j++) {
    const bit = order[j];
    const band = Math.floor(bit / LshTables.BAND_BITS);
    probes[2 * (bands + j)] = band;
    probes[2 * (bands + j) + 1] = values[band] ^ (1 << (bit % LshTables.BAND_BITS));
  }
  return probes;
}
