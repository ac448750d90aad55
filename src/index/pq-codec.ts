/**
 * Product quantization (Jégou, Douze & Schmid 2011), 8 bits per sub-quantizer: a vector of
 * `dimension` floats is cut into `m` sub-vectors of `dimension / m` floats, and each is
 * replaced by the number (one byte) of its nearest centroid in that sub-space's codebook
 * of 256 centroids, trained by k-means. Distances to a query are computed asymmetrically
 * (ADC): the query stays in full precision, a per-query lookup table (LUT) holds its
 * distance to every centroid of every sub-space, and a code's distance is the sum of m
 * table entries (`assembly/pq.ts` has the kernels and the memory layouts).
 *
 * Used on its own by `PqIndex` (`PQ<m>`) and for residual codes by IVF-PQ (`IVF<n>,PQ<m>`).
 *
 * Invariants:
 * - `dimension` is a positive multiple of `m` (checked at construction).
 * - The codebooks live in linear memory at `tables` (transposed layout, see
 *   `assembly/pq.ts`), `dimension · 256` floats, once trained; before training `tables`
 *   is 0 and every use but `train` throws.
 * - Codebooks are trained with squared-L2 k-means whatever the metric (as FAISS does):
 *   for IP the LUT holds negated sub-dot products with the same centroids.
 * - Training is deterministic for a seed (k-means is, whatever the thread count).
 */
import { availableParallelism } from 'node:os';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import { DistanceKind as Kind } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import { requireWasm } from './index-vectors.js';
import { kmeans } from './kmeans.js';

/** Centroids per sub-quantizer: codes are one byte. */
export const PQ_CENTROIDS = 256;

/** k-means iterations per codebook (FAISS's ProductQuantizer uses 25). */
const TRAIN_ITERATIONS = 25;

/** Format version of `PqCodec.serialize()`. */
const CODEC_VERSION = 1;
const HEADER_BYTES = 12;

/** Scratch bytes of one `pqEncode` call: one sub-quantizer's table of 256 f32. */
const ENCODE_SCRATCH = PQ_CENTROIDS * 4;

/**
 * Rows per `pqEncode` call. V8 runs a wasm function in its baseline compiler until it is
 * hot and cannot switch a running call to optimized code, so one long call would run
 * about 3x slower from start to end (measured: 30 vs 8 µs per 128-d row for PQ16); calls
 * of a few milliseconds let it tier up early.
 */
const ENCODE_CHUNK = 1024;

/** Fewer rows than this are encoded on the calling thread. */
const PARALLEL_ROWS = 16_384;

/** The exports of `assembly/pq.ts` (pointers are byte offsets into linear memory). */
export interface PqExports {
  pqComputeLut(kind: number, tables: number, dim: number, m: number, query: number, lut: number): void;
  pqEncode(
    tables: number,
    dim: number,
    m: number,
    rows: number,
    n: number,
    codes: number,
    scratch: number,
  ): void;
  pqDecode(tables: number, dim: number, m: number, codes: number, n: number, out: number): void;
  pqSearch(
    kind: number,
    tables: number,
    dim: number,
    m: number,
    codes: number,
    n: number,
    query: number,
    allow: number,
    store: number,
    rerank: number,
    k: number,
    lut: number,
    candRows: number,
    candDists: number,
    outRows: number,
    outDists: number,
  ): number;
}

export interface PqCodecOptions {
  /** Seed of the k-means runs (sub-space j uses seed + j). Default 1. */
  seed?: number;
  /** Worker threads for k-means and large encodes. Default: the machine's cores. */
  threads?: number;
}

export class PqCodec {
  /** Floats per sub-vector (`dimension / m`). */
  readonly subDimension: number;
  private readonly kern: WasmKernels;
  private readonly seed: number;
  private readonly threads: number;
  private tablesPtr = 0;

  /**
   * An untrained codec of `m` one-byte sub-quantizers for vectors of `dimension` floats.
   * @throws RangeError when `m` or `dimension` is not a positive integer or `dimension`
   *   is not a multiple of `m` (the message names both).
   * @throws Error when `kernels` are not the wasm kernels.
   * @example
   * const codec = new PqCodec(kernels, 128, 16);
   * await codec.train(sample);            // ≥ 256 rows of 128 floats
   * codec.encode(rowsPtr, n, codesPtr);   // 16 bytes per row
   */
  constructor(
    kernels: Kernels,
    readonly dimension: number,
    readonly m: number,
    options: PqCodecOptions = {},
  ) {
    this.kern = requireWasm(kernels, 'product quantization');
    if (!Number.isInteger(m) || m < 1) throw new RangeError(`PQ m must be a positive integer, got ${m}`);
    if (!Number.isInteger(dimension) || dimension < 1 || dimension % m !== 0) {
      throw new RangeError(`PQ${m} needs a dimension divisible by m = ${m}, got dimension ${dimension}`);
    }
    this.subDimension = dimension / m;
    this.seed = options.seed ?? 1;
    this.threads = Math.max(1, options.threads ?? availableParallelism());
  }

  /** Fewest training rows: k-means needs at least one row per centroid. */
  static readonly minTrainingRows = PQ_CENTROIDS;

  get isTrained(): boolean {
    return this.tablesPtr !== 0;
  }

  /** Pointer to the transposed codebooks (layout in `assembly/pq.ts`). @throws Error before training. */
  get tables(): number {
    this.checkTrained();
    return this.tablesPtr;
  }

  /** Bytes of linear memory held (the codebooks; 0 before training). */
  get byteLength(): number {
    return this.tablesPtr === 0 ? 0 : this.dimension * PQ_CENTROIDS * 4;
  }

  /** Bytes of one query's LUT (m tables of 256 f32), to allocate for `computeLut`. */
  get lutBytes(): number {
    return this.m * PQ_CENTROIDS * 4;
  }

  /** The wasm exports of the PQ kernels. */
  get exports(): PqExports {
    return this.kern.exports as unknown as PqExports;
  }

  /**
   * Trains the m codebooks: k-means (256 centroids, squared L2) on each sub-space of the
   * rows of `sample`, which k-means subsamples to 256 · 256 rows when larger. Retraining
   * replaces the codebooks (codes made before no longer decode to the same vectors).
   * @throws RangeError when `sample` is not whole rows or has fewer than 256 rows.
   */
  async train(sample: Float32Array): Promise<void> {
    const n = sample.length / this.dimension;
    if (!Number.isInteger(n)) {
      throw new RangeError(
        `PQ training sample of ${sample.length} floats is not whole rows of ${this.dimension}`,
      );
    }
    if (n < PqCodec.minTrainingRows) {
      throw new RangeError(
        `PQ${this.m} training needs at least ${PqCodec.minTrainingRows} rows (one per centroid), got ${n}`,
      );
    }
    const d = this.dimension;
    const ds = this.subDimension;
    const transposed = new Float32Array(d * PQ_CENTROIDS);
    const sub = new Float32Array(n * ds);
    for (let j = 0; j < this.m; j++) {
      for (let i = 0; i < n; i++) sub.set(sample.subarray(i * d + j * ds, i * d + (j + 1) * ds), i * ds);
      const centroids = await kmeans(this.kern, sub, ds, PQ_CENTROIDS, {
        iterations: TRAIN_ITERATIONS,
        seed: (this.seed + j) >>> 0,
        threads: this.threads,
      });
      for (let c = 0; c < PQ_CENTROIDS; c++) {
        for (let t = 0; t < ds; t++) transposed[(j * ds + t) * PQ_CENTROIDS + c] = centroids[c * ds + t];
      }
    }
    this.setTables(transposed);
  }

  /**
   * Encodes `n` rows of `dimension` floats at `rows` into `n · m` bytes at `codes` (both in
   * linear memory, allocated by the caller), on this thread.
   */
  encode(rows: number, n: number, codes: number): void {
    if (n <= 0) return;
    const tables = this.tables;
    const scratch = this.kern.alloc(ENCODE_SCRATCH);
    try {
      for (let first = 0; first < n; first += ENCODE_CHUNK) {
        const count = Math.min(ENCODE_CHUNK, n - first);
        this.exports.pqEncode(
          tables,
          this.dimension,
          this.m,
          this.rowAt(rows, first),
          count,
          codes + first * this.m,
          scratch,
        );
      }
    } finally {
      this.kern.free(scratch);
    }
  }

  /**
   * `encode` on up to `threads` workers of the 'build' pool, each taking chunks in turn
   * (on this thread when small). The memory must stay allocated until the promise settles.
   */
  async encodeParallel(rows: number, n: number, codes: number): Promise<void> {
    const chunks = Math.ceil(n / ENCODE_CHUNK);
    const lanes = Math.min(this.threads, chunks);
    if (lanes <= 1 || n < PARALLEL_ROWS) {
      this.encode(rows, n, codes);
      return;
    }
    const tables = this.tables;
    const pool = KernelWorkerPool.for(this.kern, 'build');
    const scratch = this.kern.alloc(lanes * ENCODE_SCRATCH);
    let next = 0;
    const lane = async (own: number): Promise<void> => {
      for (let chunk = next++; chunk < chunks; chunk = next++) {
        const first = chunk * ENCODE_CHUNK;
        const count = Math.min(ENCODE_CHUNK, n - first);
        const at = this.rowAt(rows, first);
        await pool.run('pqEncode', [tables, this.dimension, this.m, at, count, codes + first * this.m, own]);
      }
    };
    try {
      await Promise.all(Array.from({ length: lanes }, (_, i) => lane(scratch + i * ENCODE_SCRATCH)));
    } finally {
      this.kern.free(scratch);
    }
  }

  /** Decodes `n` codes at `codes` into `n` rows of `dimension` floats at `out` (their centroids). */
  decode(codes: number, n: number, out: number): void {
    if (n > 0) this.exports.pqDecode(this.tables, this.dimension, this.m, codes, n, out);
  }

  /**
   * Writes the LUT of the query at `query` (`dimension` floats) to `lut` (`lutBytes`
   * bytes): for L2, entry (j, c) = squared distance from query sub-vector j to centroid c
   * of sub-space j (all ≥ 0); for IP and COSINE (on unit vectors), the negated sub-dot
   * product. The ADC distance of a code is the sum of its m entries (plus 1 for COSINE).
   */
  computeLut(query: number, kind: DistanceKind, lut: number): void {
    this.exports.pqComputeLut(
      kind === Kind.L2 ? Kind.L2 : Kind.IP,
      this.tables,
      this.dimension,
      this.m,
      query,
      lut,
    );
  }

  /** Bytes `serialize()` writes for a codec of this shape. */
  static serializedLength(dimension: number): number {
    return HEADER_BYTES + dimension * PQ_CENTROIDS * 4;
  }

  /**
   * The trained codebooks: u32 version, u32 dimension, u32 m, then the transposed
   * codebooks (`dimension · 256` f32), little-endian. @throws Error before training.
   */
  serialize(): Uint8Array {
    const bytes = new Uint8Array(PqCodec.serializedLength(this.dimension));
    const view = new DataView(bytes.buffer);
    view.setUint32(0, CODEC_VERSION, true);
    view.setUint32(4, this.dimension, true);
    view.setUint32(8, this.m, true);
    bytes.set(new Uint8Array(this.kern.memory.buffer, this.tables, this.byteLength), HEADER_BYTES);
    return bytes;
  }

  /**
   * A trained codec from the first `serializedLength` bytes of `bytes` (more may follow).
   * @throws Error naming what is wrong when the bytes are not a codec this version reads.
   */
  static deserialize(kernels: Kernels, bytes: Uint8Array, options: PqCodecOptions = {}): PqCodec {
    if (bytes.length < HEADER_BYTES)
      throw new Error(`PQ codebooks: ${bytes.length} bytes, header needs ${HEADER_BYTES}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = view.getUint32(0, true);
    if (version !== CODEC_VERSION) throw new Error(`PQ codebooks: unsupported version ${version}`);
    const dimension = view.getUint32(4, true);
    const m = view.getUint32(8, true);
    if (m < 1 || dimension < 1 || dimension % m !== 0 || dimension > 1 << 16) {
      throw new Error(`PQ codebooks: invalid shape dimension ${dimension}, m ${m}`);
    }
    const length = PqCodec.serializedLength(dimension);
    if (bytes.length < length) throw new Error(`PQ codebooks: ${bytes.length} bytes, need ${length}`);
    const tables = new Float32Array(dimension * PQ_CENTROIDS);
    new Uint8Array(tables.buffer).set(bytes.subarray(HEADER_BYTES, length));
    for (let i = 0; i < tables.length; i++) {
      if (!Number.isFinite(tables[i])) throw new Error(`PQ codebooks: value ${i} is not finite`);
    }
    const codec = new PqCodec(kernels, dimension, m, options);
    codec.setTables(tables);
    return codec;
  }

  /** @throws Error when the codebooks hold a non-finite value. */
  checkIntegrity(): void {
    if (!this.isTrained) return;
    const tables = this.kern.f32(this.tablesPtr, this.dimension * PQ_CENTROIDS);
    for (let i = 0; i < tables.length; i++) {
      if (!Number.isFinite(tables[i])) throw new Error(`PQ codebooks: value ${i} is not finite`);
    }
  }

  /** Releases the codebooks. The codec must not be used afterwards. */
  dispose(): void {
    this.kern.free(this.tablesPtr);
    this.tablesPtr = 0;
  }

  private setTables(transposed: Float32Array): void {
    const ptr = this.kern.alloc(transposed.length * 4);
    this.kern.f32(ptr, transposed.length).set(transposed);
    this.kern.free(this.tablesPtr);
    this.tablesPtr = ptr;
  }

  private rowAt(rows: number, i: number): number {
    return rows + i * this.dimension * 4;
  }

  private checkTrained(): void {
    if (this.tablesPtr === 0) throw new Error(`PQ${this.m} codec is not trained`);
  }
}
