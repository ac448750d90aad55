/**
 * The SQ8 codes of an `HNSW<M>,SQ8` index whose rows stay on disk (ondisk-hnsw-index.ts):
 * the codec of an index body and the block of `count · dimension` code bytes in linear
 * memory, encoded from the rows.
 *
 * Three ways to fill them:
 * - `copyFrom` takes the codes an index built from the same rows holds (a build);
 * - `encodeFromRows` reads the rows from their file, one chunk at a time, and encodes them on
 *   this thread (an index loaded apart from its segment file);
 * - `encodeRows` encodes rows lying in linear memory as the segment file passes through it
 *   while it is read and checked (segment-read.ts), on a kernel worker when the chunk is
 *   large: loading then reads each row once, and the encoding follows the disk.
 *
 * Invariants: the block starts on a cache line (as `Sq8Codes` lays codes out); row r's code
 * is at `codes + r · dimension`; whoever holds the codes frees them once (`dispose`), and
 * an index made from them takes them over.
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { DiskRows } from './disk-rows.js';
import { requireWasm } from './index-vectors.js';
import { chunkRows } from './ondisk-flat-index.js';
import { Sq8Codec } from './sq8-codec.js';
import { readHeader } from './sq8-index.js';
import type { VectorStore } from './vector-store.js';

/** Codes start on a cache line, as `Sq8Codes` lays them out. */
const CODE_ALIGN = 64;

/** Rows of code encoded on a kernel worker rather than here (below, a message costs more). */
const WORKER_ENCODE_ROWS = 1024;

export class OnDiskSq8Codes {
  private constructor(
    readonly codec: Sq8Codec,
    /** The block as allocated, and its aligned start (row 0's code). */
    readonly raw: number,
    readonly codes: number,
    readonly count: number,
  ) {}

  /**
   * The codec of the `HNSW<M>,SQ8` index `body` for `count` rows of `dimension` under
   * `distance`, and an unfilled block for their codes, in `kernels`' memory; `end` is where
   * the body's graph starts.
   * @throws Error naming what is wrong when the header does not fit.
   */
  static of(
    kernels: Kernels,
    body: Uint8Array,
    dimension: number,
    count: number,
    distance: DistanceKind,
  ): { codes: OnDiskSq8Codes; end: number } {
    const kern = requireWasm(kernels, 'HNSW,SQ8 on disk');
    const { params, end } = checkedHeader(body, dimension, count, distance);
    const codec = Sq8Codec.deserialize(kern, params, dimension, distance);
    let raw = 0;
    try {
      raw = kern.alloc(Math.max(count * dimension, 1) + CODE_ALIGN);
    } catch (error) {
      codec.dispose();
      throw error;
    }
    const codes = Math.ceil(raw / CODE_ALIGN) * CODE_ALIGN;
    return { codes: new OnDiskSq8Codes(codec, raw, codes, count), end };
  }

  /**
   * Where the graph of the `HNSW<M>,SQ8` index `body` starts, its header checked as `of`
   * checks it.
   * @throws Error naming what is wrong when the header does not fit.
   */
  static headerEnd(body: Uint8Array, dimension: number, count: number, distance: DistanceKind): number {
    return checkedHeader(body, dimension, count, distance).end;
  }

  get dimension(): number {
    return this.codec.dimension;
  }

  private get kernels(): WasmKernels {
    return this.codec.kernels;
  }

  /**
   * Encodes the `n` f32 rows at `rowsPtr` (linear memory) as the codes of rows
   * `first`..`first + n - 1`: on a kernel worker for many rows (the rows must stay in place
   * until the promise settles), else here.
   */
  async encodeRows(rowsPtr: number, first: number, n: number): Promise<void> {
    if (first < 0 || n < 0 || first + n > this.count)
      throw new RangeError(`rows ${first}..${first + n} of ${this.count} have no codes`);
    const at = this.codes + first * this.dimension;
    if (n < WORKER_ENCODE_ROWS || !(this.kernels.memory.buffer instanceof SharedArrayBuffer)) {
      this.codec.encode(rowsPtr, n, at);
      return;
    }
    await KernelWorkerPool.of('search').run(this.kernels, 'sq8Encode', [
      this.codec.paramsPtr,
      rowsPtr,
      n,
      this.dimension,
      at,
    ]);
  }

  /**
   * Takes the codes of rows 0..count-1 from `bytes` (an index built from the same rows with
   * the same codec: `Sq8FamilyIndex.codeBytes`, in another memory).
   * @throws RangeError when the lengths differ.
   */
  copyFrom(bytes: Uint8Array): void {
    const length = this.count * this.dimension;
    if (bytes.length !== length) throw new RangeError(`${bytes.length} code bytes for ${length}`);
    new Uint8Array(this.kernels.memory.buffer, this.codes, length).set(bytes);
  }

  /** Encodes every row of `rows` (read from their file one chunk at a time) on this thread. */
  encodeFromRows(rows: DiskRows): void {
    if (rows.count !== this.count || rows.dimension !== this.dimension)
      throw new RangeError(
        `${rows.count} rows of ${rows.dimension} for ${this.count} codes of ${this.dimension}`,
      );
    const d = rows.dimension;
    const step = chunkRows(d);
    const buffer = new Float32Array(step * d);
    const kern = this.kernels;
    const block = kern.alloc(step * d * 4);
    try {
      for (let first = 0; first < rows.count; first += step) {
        const n = Math.min(step, rows.count - first);
        rows.readRange(first, n, buffer);
        kern.f32(block, n * d).set(buffer.subarray(0, n * d));
        this.codec.encode(block, n, this.codes + first * d);
      }
    } finally {
      kern.free(block);
    }
  }

  /** Bytes of linear memory the codes take. */
  get bytes(): number {
    return this.count * this.dimension + CODE_ALIGN;
  }

  /** Frees the codes and the codec's params. */
  dispose(): void {
    this.kernels.free(this.raw);
    this.codec.dispose();
  }
}

/** The SQ8 header of an `HNSW<M>,SQ8` body, checked against `count` rows of `dimension` under `distance`. */
function checkedHeader(
  body: Uint8Array,
  dimension: number,
  count: number,
  distance: DistanceKind,
): { params: Uint8Array; end: number } {
  // The header check reads only these two fields of a store.
  const header = readHeader(body, { count, dimension } as unknown as VectorStore, distance);
  if (header.count !== count) throw new Error(`hnsw,sq8: ${header.count} codes for ${count} rows`);
  return header;
}
