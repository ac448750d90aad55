/**
 * The SQ8 codec: 8-bit per-dimension scalar quantization (FAISS's `QT_8bit` with min/max
 * ranges) over the kernels' linear memory, shared by the `SQ8`, `HNSW<M>,SQ8` and
 * `IVF<n>,SQ8` indexes. The math and the memory layouts are specified in `assembly/sq8.ts`:
 * a code is `dim` bytes, `c = round((x - min) / step)` clamped to [0, 255] with
 * `step = (max - min) / 255`, decoded as `min + c * step`.
 *
 * Invariants:
 * - The params block (`min[dim]`, `step[dim]` as f32) lives at `paramsPtr` for the codec's
 *   lifetime; it is all zero until `train` (every value then encodes to 0).
 * - Codes depend only on the params and the rows, so re-encoding the same rows gives the
 *   same bytes (indexes rebuild their codes from the vectors when they load).
 * - Rows and queries are encoded in the space they are searched in: for COSINE the caller
 *   passes unit vectors (the codec does not normalize).
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import { requireWasm } from './index-vectors.js';
import type { VectorStore } from './vector-store.js';

/** The wasm exports of `assembly/sq8.ts` (and the SQ8 walk of `assembly/hnsw.ts`). */
export interface Sq8Exports {
  sq8Train(rows: number, n: number, dim: number, outParams: number): void;
  sq8Encode(params: number, rows: number, n: number, dim: number, outCodes: number): void;
  sq8Decode(params: number, codes: number, n: number, dim: number, outRows: number): void;
  sq8Prepare(kind: number, params: number, query: number, dim: number, outPrepared: number): void;
  sq8SearchTopK(
    kind: number,
    prepared: number,
    codes: number,
    n: number,
    dim: number,
    query: number,
    vectors: number,
    k: number,
    rerank: number,
    allow: number,
    candRows: number,
    candDist: number,
    outRows: number,
    outDist: number,
  ): number;
  hnswSearchSq8(
    graph: number,
    scratch: number,
    prepared: number,
    codes: number,
    query: number,
    k: number,
    ef: number,
    rerank: number,
    allow: number,
    candNodes: number,
    candDist: number,
    outNodes: number,
    outDist: number,
  ): number;
}

/** Rows `train` reads at most (a larger sample is subsampled by the factory). */
export const SQ8_MAX_TRAINING_ROWS = 65_536;

/** Below this many rows, encoding runs on the calling thread: workers would cost more. */
const MIN_PARALLEL_ROWS = 65_536;

/** Rows re-encoded per step of `Sq8Codes.check`. */
const CHECK_ROWS = 4096;

/** Code blocks start on a cache line, so a code of 64·j bytes spans exactly j lines. */
const CODE_ALIGN = 64;

/** The raw exports of `kernels` typed with the SQ8 functions. */
export function sq8Exports(kernels: WasmKernels): Sq8Exports {
  return kernels.exports as unknown as Sq8Exports;
}

export class Sq8Codec {
  /** Bytes of one code: one per dimension. */
  readonly bytesPerCode: number;
  /** Bytes of a prepared query (`X[dim]`, `Y[dim]`, `C` as f32; see `assembly/sq8.ts`). */
  readonly preparedBytes: number;
  /** Bytes of the params block (and of `serialize()`). */
  readonly paramsBytes: number;
  readonly kernels: WasmKernels;
  private readonly params: number;
  private trained = false;

  /**
   * An untrained codec for rows of `dimension` floats searched with `distance`.
   * @throws Error when `kernels` are not the wasm kernels.
   */
  constructor(
    kernels: Kernels,
    readonly dimension: number,
    readonly distance: DistanceKind,
  ) {
    this.kernels = requireWasm(kernels, 'SQ8');
    if (!Number.isInteger(dimension) || dimension < 1) {
      throw new RangeError(`dimension must be a positive integer, got ${dimension}`);
    }
    this.bytesPerCode = dimension;
    this.preparedBytes = (2 * dimension + 1) * 4;
    this.paramsBytes = 8 * dimension;
    this.params = this.kernels.alloc(this.paramsBytes);
    this.kernels.f32(this.params, 2 * dimension).fill(0);
  }

  get isTrained(): boolean {
    return this.trained;
  }

  /** Address of the params block (`min[dim]`, `step[dim]`), for wasm calls. */
  get paramsPtr(): number {
    return this.params;
  }

  /** A copy of the trained per-dimension minimums. */
  get min(): Float32Array {
    return this.kernels.f32(this.params, this.dimension).slice();
  }

  /** A copy of the per-dimension quantization steps, `(max - min) / 255` (0 for a constant dimension). */
  get step(): Float32Array {
    return this.kernels.f32(this.params + this.dimension * 4, this.dimension).slice();
  }

  /**
   * Learns each dimension's [min, max] from `sample` (rows of `dimension` floats, at least
   * one, free of NaN). Values outside the range encode to 0 or 255.
   * @throws RangeError for an empty or ragged sample, or one with infinite values.
   */
  train(sample: Float32Array): void {
    const n = sample.length / this.dimension;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`SQ8 training needs whole rows of ${this.dimension} floats, got ${sample.length}`);
    }
    const k = this.kernels;
    const rows = k.alloc(sample.length * 4);
    try {
      k.f32(rows, sample.length).set(sample);
      sq8Exports(k).sq8Train(rows, n, this.dimension, this.params);
    } finally {
      k.free(rows);
    }
    if (!k.f32(this.params, 2 * this.dimension).every(Number.isFinite)) {
      k.f32(this.params, 2 * this.dimension).fill(0);
      throw new RangeError('SQ8 training rows must be finite, and their ranges within f32');
    }
    this.trained = true;
  }

  /** Encodes `n` f32 rows at `rowsPtr` into `n · dimension` code bytes at `codesPtr` (this thread). */
  encode(rowsPtr: number, n: number, codesPtr: number): void {
    this.checkTrained();
    if (n > 0) sq8Exports(this.kernels).sq8Encode(this.params, rowsPtr, n, this.dimension, codesPtr);
  }

  /**
   * `encode` split among up to `threads` build workers when `n` is large. Both blocks must
   * stay allocated and unchanged until the promise settles.
   */
  async encodeParallel(rowsPtr: number, n: number, codesPtr: number, threads: number): Promise<void> {
    this.checkTrained();
    if (threads <= 1 || n < MIN_PARALLEL_ROWS) {
      this.encode(rowsPtr, n, codesPtr);
      return;
    }
    const pool = KernelWorkerPool.for(this.kernels, 'build');
    const per = Math.ceil(n / threads);
    const calls: Promise<number>[] = [];
    for (let first = 0; first < n; first += per) {
      const count = Math.min(per, n - first);
      const rows = rowsPtr + first * this.dimension * 4;
      const codes = codesPtr + first * this.dimension;
      calls.push(pool.run('sq8Encode', [this.params, rows, count, this.dimension, codes]));
    }
    await Promise.all(calls);
  }

  /** The codes of `rows` (a multiple of `dimension` floats), as a copy. */
  encodeRows(rows: Float32Array): Uint8Array {
    const n = this.rowCount(rows);
    const k = this.kernels;
    const block = k.alloc(rows.length * 4 + n * this.dimension);
    try {
      k.f32(block, rows.length).set(rows);
      this.encode(block, n, block + rows.length * 4);
      return new Uint8Array(k.memory.buffer, block + rows.length * 4, n * this.dimension).slice();
    } finally {
      k.free(block);
    }
  }

  /** The decoded rows (`min + c · step`) of `codes` (a multiple of `dimension` bytes). */
  decode(codes: Uint8Array): Float32Array {
    const n = codes.length / this.dimension;
    if (!Number.isInteger(n))
      throw new RangeError(`${codes.length} bytes is not a multiple of ${this.dimension}`);
    const k = this.kernels;
    const block = k.alloc(codes.length + n * this.dimension * 4);
    try {
      const rows = block + Math.ceil(codes.length / 16) * 16;
      new Uint8Array(k.memory.buffer, block, codes.length).set(codes);
      sq8Exports(k).sq8Decode(this.params, block, n, this.dimension, rows);
      return k.f32(rows, n * this.dimension).slice();
    } finally {
      k.free(block);
    }
  }

  /**
   * Writes the prepared form of the f32 query at `queryPtr` (unit length for COSINE) to
   * `preparedPtr` (`preparedBytes` bytes), for `sq8Distance` and the SQ8 searches.
   */
  prepare(queryPtr: number, preparedPtr: number): void {
    this.checkTrained();
    sq8Exports(this.kernels).sq8Prepare(this.distance, this.params, queryPtr, this.dimension, preparedPtr);
  }

  /** The params (`min[dim]`, `step[dim]`, f32 little-endian): `paramsBytes` bytes. */
  serialize(): Uint8Array {
    return new Uint8Array(this.kernels.memory.buffer, this.params, this.paramsBytes).slice();
  }

  /**
   * A trained codec from `serialize()` bytes.
   * @throws Error when the length is wrong, or a value is not finite or a step is negative.
   */
  static deserialize(
    kernels: Kernels,
    bytes: Uint8Array,
    dimension: number,
    distance: DistanceKind,
  ): Sq8Codec {
    if (bytes.byteLength !== 8 * dimension) {
      throw new Error(
        `sq8: params of ${bytes.byteLength} bytes, ${8 * dimension} expected for dimension ${dimension}`,
      );
    }
    const values = new Float32Array(bytes.slice().buffer);
    for (let j = 0; j < 2 * dimension; j++) {
      if (!Number.isFinite(values[j])) throw new Error(`sq8: param ${j} is not finite`);
      if (j >= dimension && values[j] < 0)
        throw new Error(`sq8: step of dimension ${j - dimension} is negative`);
    }
    const codec = new Sq8Codec(kernels, dimension, distance);
    codec.kernels.f32(codec.params, 2 * dimension).set(values);
    codec.trained = true;
    return codec;
  }

  dispose(): void {
    this.kernels.free(this.params);
  }

  private checkTrained(): void {
    if (!this.trained) throw new Error('sq8: the codec must be trained before it encodes');
  }

  private rowCount(rows: Float32Array): number {
    const n = rows.length / this.dimension;
    if (!Number.isInteger(n))
      throw new RangeError(`${rows.length} floats is not a multiple of ${this.dimension}`);
    return n;
  }
}

/**
 * The codes of rows 0..count-1 of a `VectorStore`, contiguous in linear memory (row i at
 * `ptr + i · dimension`), starting on a cache line. Capacity only grows; `ptr` moves when
 * it does.
 */
export class Sq8Codes {
  private raw = 0;
  private base = 0;
  private capacity = 0;
  private rows = 0;

  constructor(readonly codec: Sq8Codec) {}

  get ptr(): number {
    return this.base;
  }

  get count(): number {
    return this.rows;
  }

  /** Bytes of linear memory held. */
  get byteLength(): number {
    return this.raw === 0 ? 0 : this.capacity * this.codec.bytesPerCode + CODE_ALIGN;
  }

  /** Encodes the store's rows count..end-1 (default: to the store's end) on this thread. */
  appendFrom(store: VectorStore, end = store.count): void {
    const first = this.grow(store, end);
    this.codec.encode(
      store.ptr + first * store.dimension * 4,
      end - first,
      this.base + first * store.dimension,
    );
    this.rows = end;
  }

  /** `appendFrom` with the encoding split among `threads` build workers. */
  async appendFromParallel(store: VectorStore, threads: number): Promise<void> {
    const first = this.grow(store);
    const d = store.dimension;
    await this.codec.encodeParallel(
      store.ptr + first * d * 4,
      store.count - first,
      this.base + first * d,
      threads,
    );
    this.rows = store.count;
  }

  /**
   * Throws unless the codes are the encoding of rows 0..count-1 of `store` (re-encoded in
   * steps of `CHECK_ROWS` rows, so the check needs little memory).
   */
  check(store: VectorStore): void {
    if (this.rows > store.count) throw new Error(`sq8: ${this.rows} codes but only ${store.count} vectors`);
    if (this.rows > 0 && !this.codec.isTrained)
      throw new Error(`sq8: ${this.rows} codes without trained ranges`);
    const d = this.codec.dimension;
    for (let first = 0; first < this.rows; first += CHECK_ROWS) {
      const end = Math.min(this.rows, first + CHECK_ROWS);
      const want = this.codec.encodeRows(store.view().slice(first * d, end * d));
      const have = this.view(first, end);
      for (let i = 0; i < want.length; i++) {
        if (want[i] !== have[i])
          throw new Error(`sq8: the code of row ${first + Math.floor(i / d)} is stale`);
      }
    }
  }

  /** A view of the code bytes of rows `first..end-1` (transient, as every kernels view). */
  view(first = 0, end = this.rows): Uint8Array {
    const d = this.codec.bytesPerCode;
    return new Uint8Array(this.codec.kernels.memory.buffer, this.base + first * d, (end - first) * d);
  }

  dispose(): void {
    if (this.raw !== 0) this.codec.kernels.free(this.raw);
    this.raw = 0;
    this.base = 0;
    this.capacity = 0;
    this.rows = 0;
  }

  /** Ensures room for rows up to `end` of `store`; returns the first row to encode. */
  private grow(store: VectorStore, end = store.count): number {
    if (store.dimension !== this.codec.dimension) {
      throw new RangeError(
        `store dimension ${store.dimension} differs from codec dimension ${this.codec.dimension}`,
      );
    }
    if (!Number.isInteger(end) || end < this.rows || end > store.count) {
      throw new RangeError(`cannot encode rows ${this.rows}..${end} of a store of ${store.count}`);
    }
    const need = end;
    if (need > this.capacity) {
      const k = this.codec.kernels;
      const d = this.codec.bytesPerCode;
      const capacity = Math.max(need, this.rows === 0 ? 0 : this.capacity * 2);
      const raw = k.alloc(capacity * d + CODE_ALIGN);
      const base = Math.ceil(raw / CODE_ALIGN) * CODE_ALIGN;
      if (this.rows > 0) {
        const bytes = new Uint8Array(k.memory.buffer);
        bytes.copyWithin(base, this.base, this.base + this.rows * d);
        k.free(this.raw);
      }
      this.raw = raw;
      this.base = base;
      this.capacity = capacity;
    }
    return this.rows;
  }
}
