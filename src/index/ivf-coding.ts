/**
 * What the lists of an IVF index hold per row, one class per factory coding:
 * - `Flat`: the row itself (4·d bytes), searched exactly;
 * - `SQ8`: the SQ8 code (d bytes) of the residual x − c (FAISS's `by_residual`), with the
 *   quantizer ranges trained on training residuals;
 * - `PQ<m>`: the PQ code (m bytes) of the residual, codebooks trained on residuals; for L2
 *   it also keeps FAISS's precomputed table (`assembly/ivf.ts`), nlist·m·256 f32, when
 *   that fits in `PRECOMPUTED_MAX_BYTES` (else each probed list gets its own LUT).
 *
 * Invariants: the codec (params, codebooks) lives in linear memory at `codecPtr` once
 * trained; the precomputed table is derived from the centroids and codebooks, so it is
 * rebuilt on load, never stored.
 */
import type { DistanceKind } from '../kernels/kernels.js';
import { DistanceKind as Kind } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import type { IvfCoding } from './factory-grammar.js';
import { PQ_CENTROIDS, PqCodec } from './pq-codec.js';
import { Sq8Codec } from './sq8-codec.js';
import { sq8DefaultRerank } from './sq8-index.js';

/**
 * PQ candidates re-ranked per result wanted when a search gives no `rerank` (PqIndex's
 * per-k factor; without its share-of-size term, as the probes scan only part of the rows).
 */
const PQ_RERANK_PER_K = 10;

/** Largest precomputed IVF-PQ table kept (FAISS's default limit is 2 GiB; wasm32 has 4). */
export const PRECOMPUTED_MAX_BYTES = 256 * 1024 * 1024;

/** Codes in the lists of an IVF index. */
export interface IvfCodes {
  readonly type: IvfCoding['type'];
  /** Bytes per row in the lists. */
  readonly codeBytes: number;
  /** Wire number of the coding (0 Flat, 1 SQ8, 2 PQ), as in the wasm header. */
  readonly number: number;
  /** PQ sub-quantizers (0 for other codings). */
  readonly m: number;
  /** Fewest training rows the codec needs (besides k-means). */
  readonly minTrainingRows: number;
  readonly isTrained: boolean;
  /** SQ8 params or PQ codebooks in linear memory (0 for Flat). */
  readonly codecPtr: number;
  /** The PQ precomputed table (0 when there is none). */
  readonly precomputedPtr: number;
  /** Bytes of linear memory held (codec and precomputed table). */
  readonly byteLength: number;
  /**
   * Candidates re-ranked on full vectors when a top-`k` search gives no `rerank`: none for
   * Flat (already exact), else the default of the exhaustive index of the same codes.
   */
  defaultRerank(k: number): number;
  /** Learns the codec from residuals (rows of d floats); nothing for Flat. */
  train(residuals: Float32Array): Promise<void>;
  /** Derives search tables from the `nlist` centroids at `centroidsPtr` (after training or loading). */
  prepare(centroidsPtr: number, nlist: number): void;
  serialize(): Uint8Array;
  dispose(): void;
}

class FlatCodes implements IvfCodes {
  readonly type = 'flat';
  readonly number = 0;
  readonly m = 0;
  readonly minTrainingRows = 0;
  readonly isTrained = true;
  readonly codecPtr = 0;
  readonly precomputedPtr = 0;
  readonly byteLength = 0;
  readonly codeBytes: number;

  constructor(dimension: number) {
    this.codeBytes = dimension * 4;
  }

  defaultRerank(): number {
    return 0;
  }
  async train(): Promise<void> {}
  prepare(): void {}
  serialize(): Uint8Array {
    return new Uint8Array(0);
  }
  dispose(): void {}
}

class Sq8Codes implements IvfCodes {
  readonly type = 'sq8';
  readonly number = 1;
  readonly m = 0;
  readonly minTrainingRows = 1;
  readonly precomputedPtr = 0;
  readonly codeBytes: number;

  constructor(readonly codec: Sq8Codec) {
    this.codeBytes = codec.bytesPerCode;
  }

  get isTrained(): boolean {
    return this.codec.isTrained;
  }

  get codecPtr(): number {
    return this.codec.paramsPtr;
  }

  get byteLength(): number {
    return this.codec.paramsBytes;
  }

  defaultRerank(k: number): number {
    return sq8DefaultRerank(k);
  }

  async train(residuals: Float32Array): Promise<void> {
    this.codec.train(residuals);
  }

  prepare(): void {}

  serialize(): Uint8Array {
    return this.codec.serialize();
  }

  dispose(): void {
    this.codec.dispose();
  }
}

class PqCodes implements IvfCodes {
  readonly type = 'pq';
  readonly number = 2;
  readonly minTrainingRows = PqCodec.minTrainingRows;
  readonly codeBytes: number;
  readonly m: number;
  private precomputed = 0;
  private precomputedBytes = 0;

  constructor(
    private readonly kern: WasmKernels,
    readonly codec: PqCodec,
    private readonly distance: DistanceKind,
  ) {
    this.m = codec.m;
    this.codeBytes = codec.m;
  }

  get isTrained(): boolean {
    return this.codec.isTrained;
  }

  get codecPtr(): number {
    return this.codec.tables;
  }

  get precomputedPtr(): number {
    return this.precomputed;
  }

  get byteLength(): number {
    return this.codec.byteLength + this.precomputedBytes;
  }

  defaultRerank(k: number): number {
    return PQ_RERANK_PER_K * k;
  }

  async train(residuals: Float32Array): Promise<void> {
    await this.codec.train(residuals);
  }

  /**
   * For L2, table l = ||r||² + 2·c_l·r for every codebook centroid r: the L2 LUT of a zero
   * vector gives ||r||², the IP LUT of c_l gives −c_l·r.
   */
  prepare(centroidsPtr: number, nlist: number): void {
    const kern = this.kern;
    kern.free(this.precomputed);
    this.precomputed = 0;
    this.precomputedBytes = 0;
    const tableFloats = this.m * PQ_CENTROIDS;
    const bytes = nlist * tableFloats * 4;
    if (this.distance === Kind.IP || bytes > PRECOMPUTED_MAX_BYTES) return;
    const d = this.codec.dimension;
    const table = kern.alloc(bytes);
    const zero = kern.alloc(d * 4 + tableFloats * 4);
    const norms = zero + d * 4;
    this.codec.computeLut(zero, Kind.L2, norms);
    for (let l = 0; l < nlist; l++)
      this.codec.computeLut(centroidsPtr + l * d * 4, Kind.IP, table + l * tableFloats * 4);
    const all = kern.f32(table, nlist * tableFloats);
    const r2 = kern.f32(norms, tableFloats);
    for (let l = 0; l < nlist; l++) {
      const at = l * tableFloats;
      for (let i = 0; i < tableFloats; i++) all[at + i] = r2[i] - 2 * all[at + i];
    }
    kern.free(zero);
    this.precomputed = table;
    this.precomputedBytes = bytes;
  }

  serialize(): Uint8Array {
    return this.codec.serialize();
  }

  dispose(): void {
    this.kern.free(this.precomputed);
    this.precomputed = 0;
    this.precomputedBytes = 0;
    this.codec.dispose();
  }
}

/** Untrained codes of `coding` for rows of `dimension` floats. @throws RangeError for PQ when m does not divide it. */
export function createCodes(
  kern: WasmKernels,
  coding: IvfCoding,
  dimension: number,
  distance: DistanceKind,
  options: { seed: number; threads: number },
): IvfCodes {
  if (coding.type === 'flat') return new FlatCodes(dimension);
  if (coding.type === 'sq8') return new Sq8Codes(new Sq8Codec(kern, dimension, distance));
  return new PqCodes(kern, new PqCodec(kern, dimension, coding.m, options), distance);
}

/** Bytes the serialized codec of `coding` takes for `dimension`. */
export function codecLength(coding: IvfCoding, dimension: number): number {
  if (coding.type === 'flat') return 0;
  if (coding.type === 'sq8') return 8 * dimension;
  return PqCodec.serializedLength(dimension);
}

/**
 * Trained codes of `coding` from the `codecLength` bytes `serialize()` wrote.
 * @throws Error when the bytes are not a codec of this shape.
 */
export function deserializeCodes(
  kern: WasmKernels,
  coding: IvfCoding,
  bytes: Uint8Array,
  dimension: number,
  distance: DistanceKind,
): IvfCodes {
  if (coding.type === 'flat') return new FlatCodes(dimension);
  if (coding.type === 'sq8') return new Sq8Codes(Sq8Codec.deserialize(kern, bytes, dimension, distance));
  const codec = PqCodec.deserialize(kern, bytes);
  if (codec.dimension !== dimension || codec.m !== coding.m) {
    codec.dispose();
    throw new Error(
      `ivf: PQ codebooks of dimension ${codec.dimension}, m ${codec.m}; expected ${dimension}, ${coding.m}`,
    );
  }
  return new PqCodes(kern, codec, distance);
}
