/**
 * Exact search over binary vectors (FAISS IndexBinaryFlat, Milvus BINARY_VECTOR): packed
 * bit vectors such as ORB descriptors (256 bits) or LSH signatures, compared by Hamming
 * distance (bits that differ) or Jaccard distance (1 − |a ∧ b| / |a ∨ b|, 0 for two empty
 * vectors), with the kernels' fused popcount scan and top-k heap (`searchTopK` with the
 * HAMMING/JACCARD kinds, over its rows as u32 words), the same code binary collections use.
 *
 * Unlike the float indexes it owns its rows: a row is `dimension / 8` bytes, bit i in bit
 * i & 7 of byte i >> 3, stored padded to whole u64 words. Its `serialize()` is therefore
 * self-contained, the rows included (layout on `serialize`).
 *
 * Invariants: offsets are row numbers 0..size-1 in insertion order; results are ascending
 * by (distance, offset) and only allowed offsets; Hamming distances are exact integers.
 */
import { DistanceKind, type Kernels } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { BinaryCodes } from './binary-codes.js';
import type { Bitset } from './bitset.js';
import {
  ActivityGuard,
  EMPTY_RESULT,
  type KernelCall,
  requireWasm,
  resultReader,
  runCall,
  runCallAsync,
} from './index-vectors.js';
import type { IndexSearchResult } from './vector-index.js';

/** How binary vectors are compared; both are "lower is better". */
export type BinaryMetric = 'hamming' | 'jaccard';

const METRIC_CODES: Record<BinaryMetric, number> = { hamming: 0, jaccard: 1 };
const FORMAT_VERSION = 1;
const HEADER_BYTES = 16;
const MAX_BITS = 1 << 16;

/** The read side of an index over binary vectors (queries are packed bytes, not floats). */
export interface BinaryIndexRead {
  /** Bits per vector (a multiple of 8). */
  readonly dimension: number;
  readonly metric: BinaryMetric;
  /** Number of rows; valid offsets are 0..size-1. */
  readonly size: number;
  /** Bytes of linear memory held. */
  readonly memoryBytes: number;
  /** Bytes per vector in memory: dimension / 8 rounded up to whole u64 words. */
  readonly bytesPerVector: number;

  /**
   * The `k` nearest rows to `query` (dimension / 8 bytes) among those set in `allow` (all
   * when absent; it must have `size` bits): min(k, allowed) results, ascending by
   * (distance, offset). Hamming distances are bit counts, Jaccard distances in [0, 1].
   */
  search(query: Uint8Array, k: number, allow?: Bitset): IndexSearchResult;

  /** `search` on a worker thread; the index must not change until it settles. */
  searchAsync(query: Uint8Array, k: number, allow?: Bitset): Promise<IndexSearchResult>;

  /** Every allowed row whose distance to `query` is ≤ `maxDistance`, ascending. */
  rangeSearch(query: Uint8Array, maxDistance: number, allow?: Bitset): IndexSearchResult;

  /** The rows and their shape, self-contained (see `deserialize`). */
  serialize(): Uint8Array;

  /** Throws if an internal invariant does not hold. */
  checkIntegrity(): void;

  /** Releases linear memory. The index must not be used afterwards. */
  dispose(): void;
}

/** A binary index that rows can be added to. */
export interface BinaryIndex extends BinaryIndexRead {
  /** Appends rows (a multiple of dimension / 8 bytes); new offsets follow the existing ones. */
  add(rows: Uint8Array): void;
}

export class BinaryFlatIndex implements BinaryIndex {
  private readonly kern: WasmKernels;
  /** The kernels' distance kind of `metric`. */
  private readonly kind: DistanceKind;
  private readonly codes: BinaryCodes;
  private readonly guard = new ActivityGuard('binary index');

  /**
   * An empty index of `dimension`-bit vectors.
   * @throws RangeError when `dimension` is not a positive multiple of 8 (at most 65,536) or
   *   `metric` is unknown; Error without the wasm kernels.
   */
  constructor(
    kernels: Kernels,
    readonly dimension: number,
    readonly metric: BinaryMetric,
  ) {
    this.kern = requireWasm(kernels, 'binary');
    if (!Number.isInteger(dimension) || dimension <= 0 || dimension % 8 !== 0 || dimension > MAX_BITS) {
      throw new RangeError(
        `binary dimension must be a multiple of 8 in [8, ${MAX_BITS}] bits, got ${dimension}`,
      );
    }
    if (!Object.hasOwn(METRIC_CODES, metric)) {
      throw new RangeError(`binary metric must be 'hamming' or 'jaccard', got ${JSON.stringify(metric)}`);
    }
    this.codes = new BinaryCodes(kernels, dimension);
    this.kind = metric === 'hamming' ? DistanceKind.HAMMING : DistanceKind.JACCARD;
  }

  get size(): number {
    return this.codes.count;
  }

  get memoryBytes(): number {
    return this.codes.byteLength;
  }

  get bytesPerVector(): number {
    return this.codes.stride;
  }

  add(rows: Uint8Array): void {
    this.guard.checkChange();
    this.codes.appendPacked(rows);
  }

  /** A copy of row `offset`, packed. */
  row(offset: number): Uint8Array {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.size) {
      throw new RangeError(`offset ${offset} is not a row of this index (size ${this.size})`);
    }
    return this.codes.row(offset);
  }

  search(query: Uint8Array, k: number, allow?: Bitset): IndexSearchResult {
    const call = this.prepareSearch(query, k, allow);
    return call ? runCall(this.kern, call) : EMPTY_RESULT;
  }

  async searchAsync(query: Uint8Array, k: number, allow?: Bitset): Promise<IndexSearchResult> {
    const call = this.prepareSearch(query, k, allow);
    if (!call) return EMPTY_RESULT;
    return this.guard.search(() => runCallAsync(this.kern, call));
  }

  rangeSearch(query: Uint8Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    const n = this.size;
    if (n === 0) return EMPTY_RESULT;
    this.checkQuery(query, allow);
    const kern = this.kern;
    const stride = this.codes.stride;
    const scratch = kern.alloc(stride + n * 4);
    let dist: Float32Array;
    try {
      new Uint8Array(kern.memory.buffer, scratch, stride).set(query);
      const out = scratch + stride;
      kern.scan(this.kind, scratch, this.codes.ptr, n, this.codes.words * 2, out);
      dist = kern.f32(out, n).slice();
    } finally {
      kern.free(scratch);
    }
    const hits: number[] = [];
    for (let i = 0; i < n; i++) if (dist[i] <= maxDistance && (!allow || allow.has(i))) hits.push(i);
    hits.sort((a, b) => dist[a] - dist[b] || a - b);
    return { offsets: Uint32Array.from(hits), distances: Float32Array.from(hits, (i) => dist[i]) };
  }

  /**
   * Body: u32 format version, u32 dimension (bits), u32 metric (0 Hamming, 1 Jaccard), u32
   * row count, then the rows packed, dimension / 8 bytes each; little-endian.
   */
  serialize(): Uint8Array {
    const n = this.size;
    const rowBytes = this.codes.rowBytes;
    const out = new Uint8Array(HEADER_BYTES + n * rowBytes);
    const head = new DataView(out.buffer);
    head.setUint32(0, FORMAT_VERSION, true);
    head.setUint32(4, this.dimension, true);
    head.setUint32(8, METRIC_CODES[this.metric], true);
    head.setUint32(12, n, true);
    const rows = this.codes.view();
    const stride = this.codes.stride;
    for (let r = 0; r < n; r++) {
      out.set(rows.subarray(r * stride, r * stride + rowBytes), HEADER_BYTES + r * rowBytes);
    }
    return out;
  }

  /**
   * An index from `serialize()` bytes.
   * @throws Error naming what is wrong when the bytes are not a body this version reads.
   */
  static deserialize(kernels: Kernels, body: Uint8Array): BinaryFlatIndex {
    if (body.length < HEADER_BYTES) throw new Error(`binary index body of ${body.length} bytes is truncated`);
    const head = new DataView(body.buffer, body.byteOffset, HEADER_BYTES);
    const version = head.getUint32(0, true);
    if (version !== FORMAT_VERSION)
      throw new Error(`binary index format version ${version} is not supported`);
    const dimension = head.getUint32(4, true);
    const code = head.getUint32(8, true);
    const n = head.getUint32(12, true);
    const metric = (Object.keys(METRIC_CODES) as BinaryMetric[]).find((m) => METRIC_CODES[m] === code);
    if (metric === undefined) throw new Error(`binary index metric code ${code} is unknown`);
    if (dimension === 0 || dimension % 8 !== 0 || dimension > MAX_BITS) {
      throw new Error(`binary index dimension ${dimension} is not a multiple of 8 in [8, ${MAX_BITS}]`);
    }
    const expected = HEADER_BYTES + n * (dimension / 8);
    if (body.length !== expected) {
      throw new Error(
        `binary index body has ${body.length} bytes, ${n} rows of ${dimension} bits need ${expected}`,
      );
    }
    const index = new BinaryFlatIndex(kernels, dimension, metric);
    index.add(body.subarray(HEADER_BYTES));
    return index;
  }

  checkIntegrity(): void {
    this.codes.checkPadding('binary index');
  }

  dispose(): void {
    this.codes.dispose();
  }

  /** Copies the query (padded), allow-list and output arrays into linear memory for `searchTopK`. */
  private prepareSearch(query: Uint8Array, k: number, allow?: Bitset): KernelCall | undefined {
    const n = this.size;
    const limit = Math.min(k, n);
    if (limit <= 0) return undefined;
    this.checkQuery(query, allow);
    const kern = this.kern;
    const stride = this.codes.stride;
    const allowBytes = allow ? allow.words.length * 4 : 0;
    const block = kern.alloc(stride + limit * 8 + allowBytes);
    const outRows = block + stride;
    const outDist = outRows + limit * 4;
    const allowPtr = allow ? outDist + limit * 4 : 0;
    new Uint8Array(kern.memory.buffer, block, stride).set(query);
    if (allow) kern.u32(allowPtr, allow.words.length).set(allow.words);
    return {
      fn: 'searchTopK',
      args: [this.kind, block, this.codes.ptr, n, this.codes.words * 2, limit, allowPtr, outRows, outDist],
      collect: resultReader(kern, outRows, outDist),
      release: () => kern.free(block),
    };
  }

  private checkQuery(query: Uint8Array, allow?: Bitset): void {
    if (!(query instanceof Uint8Array) || query.length !== this.codes.rowBytes) {
      throw new RangeError(
        `query must be ${this.codes.rowBytes} bytes (${this.dimension} bits), got ${query.length}`,
      );
    }
    if (allow && allow.size !== this.size) {
      throw new RangeError(`allow bitset has ${allow.size} bits, index has ${this.size} rows`);
    }
  }
}
