/**
 * `SQ8`: an exhaustive scan of 8-bit scalar-quantized codes (`dimension` bytes per vector,
 * see `sq8-codec.ts`), whose best candidates are re-ranked on the full-precision vectors:
 * FAISS's `IndexScalarQuantizer(QT_8bit)` plus the refinement step of `IndexRefine`.
 *
 * Invariants:
 * - Offsets are rows: the code of offset i is the encoding of row i of `store` (borrowed
 *   from a segment, or owned when rows come through `add`); `size` ≤ store.count.
 * - A search scans every allowed code in wasm (`sq8SearchTopK` in `assembly/sq8.ts`),
 *   keeps the best max(rerank, k) (default `sq8DefaultRerank`) by SQ8 distance and returns the best k of those by
 *   exact distance, equal to the flat index's for the same row. `rerank: 0` returns the
 *   SQ8 distances (to the decoded vectors) instead. The scan is exhaustive, so it always
 *   finds min(k, allowed) results.
 * - There is no planner for filters: a sparse allow-list is scanned word by word, reading
 *   only the allowed codes (a quarter of the bytes an exact scan of them reads), and when
 *   no more rows are allowed than are re-ranked the answer is exact anyway.
 *   `strategy: 'scan'` forces the exact scan.
 * - For COSINE, rows given to `add`, training samples and queries are normalized; codes
 *   are searched as 1 - dot of unit vectors. `rangeSearch` is exact (a scan).
 * - The serialized body holds the params, not the codes: they are re-encoded from the
 *   store on load (deterministic, so the loaded index answers identically).
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { Bitset } from './bitset.js';
import { formatIndexFactory, type IndexRecipe } from './factory-grammar.js';
import type { FamilyOptions } from './factory-types.js';
import { Sq8Codec, type Sq8Exports, sq8Exports } from './sq8-codec.js';
import { Sq8FamilyIndex } from './sq8-family.js';
import { EMPTY_RESULT, rerankParam, searchedRows, sq8QueryBlock } from './sq8-search.js';
import type { IndexSearchParams, IndexSearchResult, TrainableIndex } from './vector-index.js';
import type { VectorStore } from './vector-store.js';

type Recipe = Extract<IndexRecipe, { family: 'sq8' }>;

/**
 * Candidates re-ranked when a search gives no `rerank`: max(2·k, 20). Re-ranking reads that
 * many full vectors, cheap beside the scan, but a deeper candidate heap loosens the bound
 * that lets the L2 scan stop early (50k × 128 Gaussian mixture, one thread: rerank 0
 * recall@10 0.964 at 1,980 QPS; 20: 1.000 at 1,790; 40: 1.000 at 1,560). On the
 * conformance data recall@10 is 0.92–0.98 with rerank 0 and 1.000 with 20.
 */
export function sq8DefaultRerank(k: number): number {
  return Math.max(2 * k, 20);
}

/** Format version of `serialize()`. */
const FORMAT_VERSION = 1;
/** version, dimension, distance, count. */
const HEADER_BYTES = 16;

export class Sq8Index extends Sq8FamilyIndex implements TrainableIndex {
  /**
   * An untrained index (or one over `codec`, already trained, when loading).
   * @throws Error when `kernels` are not the wasm kernels; RangeError when a given store
   *   has another dimension.
   */
  constructor(
    kernels: Kernels,
    readonly recipe: Recipe,
    dimension: number,
    distance: DistanceKind,
    options: FamilyOptions = {},
    codec?: Sq8Codec,
  ) {
    super(kernels, formatIndexFactory(recipe), dimension, distance, options, codec);
  }

  get size(): number {
    return this.codes.count;
  }

  /** One code byte per dimension. */
  get bytesPerVector(): number {
    return this.dimension;
  }

  /** Params and codes, plus the store when the index owns it. */
  get memoryBytes(): number {
    return this.codingBytes;
  }

  /** Encodes the store's rows not indexed yet, split among the build workers when many. */
  async addStored(): Promise<void> {
    this.checkWritable();
    this.inflight++;
    try {
      await this.codes.appendFromParallel(this.store, this.threads);
    } finally {
      this.inflight--;
    }
  }

  /** Appends `rows` (normalized for COSINE) to the store and encodes them. */
  add(rows: Float32Array): void {
    this.checkWritable();
    if (rows.length % this.dimension !== 0) {
      throw new RangeError(`${rows.length} floats is not a multiple of ${this.dimension}`);
    }
    this.store.append(searchedRows(rows, this.dimension, this.distance));
    this.codes.appendFrom(this.store);
  }

  search(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams): IndexSearchResult {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    if (plan.scan) return this.exact.search(plan.query, plan.limit, allow);
    const call = this.prepareCall(plan.query, plan.limit, plan.rerank, allow);
    try {
      return call.collect(sq8Exports(this.codec.kernels).sq8SearchTopK(...call.args));
    } finally {
      call.release();
    }
  }

  /** `search` on a worker thread. Until it settles, `add` and `addStored` throw. */
  async searchAsync(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): Promise<IndexSearchResult> {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    if (plan.scan) return this.exact.searchAsync(plan.query, plan.limit, allow);
    const call = this.prepareCall(plan.query, plan.limit, plan.rerank, allow);
    this.inflight++;
    try {
      const pool = KernelWorkerPool.for(this.codec.kernels, 'search');
      return call.collect(await pool.run('sq8SearchTopK', call.args));
    } finally {
      this.inflight--;
      call.release();
    }
  }

  /** A header and the codec params (no codes); layout in `/tmp/q/format-sq8.md`. */
  serialize(): Uint8Array {
    return sq8Body(this.codec, this.size);
  }

  /**
   * An index from `serialize()` bytes over `store` (borrowed), which must hold its rows;
   * the codes are re-encoded from them.
   * @throws Error naming what is wrong when the bytes are not a body this version reads.
   */
  static deserialize(
    kernels: Kernels,
    body: Uint8Array,
    store: VectorStore,
    distance: DistanceKind,
  ): Sq8Index {
    const { dimension, count, params, end } = readHeader(body, store, distance);
    if (body.byteLength !== end) throw new Error(`sq8: ${body.byteLength} bytes, the header implies ${end}`);
    const codec = Sq8Codec.deserialize(kernels, params, dimension, distance);
    const index = new Sq8Index(kernels, { family: 'sq8' }, dimension, distance, { store }, codec);
    index.restoreCodes(count);
    return index;
  }

  /** Throws unless every code is the encoding of its row. */
  checkIntegrity(): void {
    this.codes.check(this.store);
  }

  dispose(): void {
    this.disposeCoding();
  }

  /** Validates a query and the params; `scan` when the caller forces an exact scan. */
  private plan(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams) {
    const base = this.limitOf(query, k, allow);
    if (base === undefined) return undefined;
    return {
      query: base.query,
      limit: base.limit,
      rerank: rerankParam(params, sq8DefaultRerank(base.limit)),
      scan: params?.strategy === 'scan',
    };
  }

  /** The block and arguments of one `sq8SearchTopK` call. */
  private prepareCall(query: Float32Array, k: number, rerank: number, allow?: Bitset) {
    const block = sq8QueryBlock(this.codec, query, k, rerank > 0 ? Math.max(rerank, k) : 0, allow);
    const args: Parameters<Sq8Exports['sq8SearchTopK']> = [
      this.distance,
      block.prepared,
      this.codes.ptr,
      this.size,
      this.dimension,
      block.query,
      this.store.ptr,
      k,
      rerank,
      block.allow,
      block.candRows,
      block.candDist,
      block.outRows,
      block.outDist,
    ];
    return { args, collect: block.collect, release: block.release };
  }
}

/**
 * The `SQ8` body of `count` codes of `codec`: version, dimension, distance kind and count
 * (u32 each), then the params. Shared with `HnswSq8Index`, whose body starts with it.
 */
export function sq8Body(codec: Sq8Codec, count: number): Uint8Array {
  const params = codec.serialize();
  const out = new Uint8Array(HEADER_BYTES + params.length);
  const view = new DataView(out.buffer);
  const fields = [FORMAT_VERSION, codec.dimension, codec.distance, count];
  for (let i = 0; i < fields.length; i++) view.setUint32(4 * i, fields[i], true);
  out.set(params, HEADER_BYTES);
  return out;
}

/**
 * The header fields and params bytes of a serialized `SQ8` body, checked against `store`
 * and `distance`; `end` is where the section ends (the end of an `SQ8` body).
 * @throws Error naming the first field that does not fit.
 */
export function readHeader(
  body: Uint8Array,
  store: VectorStore,
  distance: DistanceKind,
): { dimension: number; count: number; params: Uint8Array; end: number } {
  if (body.byteLength < HEADER_BYTES)
    throw new Error(`sq8: ${body.byteLength} bytes is too short for a header`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const [version, dimension, kind, count] = [0, 4, 8, 12].map((at) => view.getUint32(at, true));
  if (version !== FORMAT_VERSION) throw new Error(`sq8: format version ${version} is not supported`);
  if (dimension !== store.dimension)
    throw new Error(`sq8: dimension ${dimension}, vectors have ${store.dimension}`);
  if (kind !== distance) throw new Error(`sq8: distance kind ${kind}, expected ${distance}`);
  if (count > store.count) throw new Error(`sq8: ${count} codes but only ${store.count} vectors`);
  const end = HEADER_BYTES + 8 * dimension;
  if (body.byteLength < end) throw new Error(`sq8: ${body.byteLength} bytes, the header implies ${end}`);
  return { dimension, count, params: body.subarray(HEADER_BYTES, end), end };
}
