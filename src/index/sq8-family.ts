/**
 * What the SQ8 indexes (`SQ8` in `sq8-index.ts`, `HNSW<M>,SQ8` in `hnsw-sq8-index.ts`)
 * share: the codec and the codes of the store's rows, the store itself (borrowed from a
 * segment, or owned when rows come through `add`), the exact index over that store for
 * forced scans, fallbacks and range searches, training, and the guards around writes.
 *
 * Invariants:
 * - `codes` holds the encoding of rows 0..codes.count-1 of `store` (checked by
 *   `checkIntegrity`), and the trained codec never changes once rows are encoded.
 * - For COSINE, training samples, rows given to `add` and queries are normalized
 *   (`searchedRows`); a borrowed store's rows are unit length already.
 * - While asynchronous calls run (`inflight` > 0) the codes must not move: writes throw.
 */
import { availableParallelism } from 'node:os';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { Bitset } from './bitset.js';
import type { FamilyOptions } from './factory-types.js';
import { FlatIndex } from './flat-index.js';
import { SQ8_MAX_TRAINING_ROWS, Sq8Codec, Sq8Codes } from './sq8-codec.js';
import { checkQuery, EMPTY_RESULT, searchedRows } from './sq8-search.js';
import type { IndexSearchResult } from './vector-index.js';
import { VectorStore } from './vector-store.js';

export abstract class Sq8FamilyIndex {
  /** At least one row: the ranges need a sample. */
  readonly trainingRows = 1;
  readonly maxTrainingRows = SQ8_MAX_TRAINING_ROWS;
  readonly codec: Sq8Codec;
  readonly store: VectorStore;
  protected readonly codes: Sq8Codes;
  protected readonly exact: FlatIndex;
  protected readonly ownsStore: boolean;
  /** Build workers `addStored` may use. */
  protected readonly threads: number;
  /** Asynchronous calls in flight: the codes must not move meanwhile. */
  protected inflight = 0;

  /**
   * @param codec a trained codec when loading; a new, untrained one otherwise.
   * @throws Error when `kernels` are not the wasm kernels; RangeError when a given store
   *   has another dimension.
   */
  protected constructor(
    kernels: Kernels,
    /** The canonical factory string, e.g. `SQ8` or `HNSW32,SQ8`. */
    readonly type: string,
    readonly dimension: number,
    readonly distance: DistanceKind,
    options: FamilyOptions,
    codec?: Sq8Codec,
  ) {
    this.ownsStore = options.store === undefined;
    this.store = options.store ?? new VectorStore(kernels, dimension);
    this.exact = new FlatIndex(kernels, dimension, distance, this.store);
    this.codec = codec ?? new Sq8Codec(kernels, dimension, distance);
    this.codes = new Sq8Codes(this.codec);
    this.threads = options.threads ?? availableParallelism();
  }

  abstract get size(): number;

  /**
   * A transient view of the codes of rows 0..count-1 (`count · dimension` bytes; valid until
   * the next allocation in the index's memory), to copy them elsewhere.
   */
  codeBytes(): Uint8Array {
    const bytes = this.codes.count * this.codec.bytesPerCode;
    return new Uint8Array(this.codec.kernels.memory.buffer, this.codes.ptr, bytes);
  }

  abstract dispose(): void;

  get isTrained(): boolean {
    return this.codec.isTrained;
  }

  /**
   * Learns the per-dimension ranges from `sample` (normalized first for COSINE).
   * @throws Error once rows are indexed (their codes would no longer match).
   */
  async train(sample: Float32Array): Promise<void> {
    if (this.size > 0) throw new Error(`${this.type}: cannot retrain an index that holds ${this.size} rows`);
    this.codec.train(searchedRows(sample, this.dimension, this.distance));
  }

  /** Exact: a scan of the full-precision rows. */
  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    if (this.size === 0) return EMPTY_RESULT;
    checkQuery(query, allow, this.dimension, this.size);
    return this.exact.rangeSearch(searchedRows(query, this.dimension, this.distance), maxDistance, allow);
  }

  /** Bytes of the params and codes, plus the store when the index owns it. */
  protected get codingBytes(): number {
    return this.codec.paramsBytes + this.codes.byteLength + (this.ownsStore ? this.store.byteLength : 0);
  }

  /**
   * The query as searched and min(k, allowed), or undefined when nothing can be returned.
   * @throws RangeError for a query or bitset of the wrong size.
   */
  protected limitOf(
    query: Float32Array,
    k: number,
    allow?: Bitset,
  ): { query: Float32Array; limit: number; allowed: number } | undefined {
    const n = this.size;
    if (k <= 0 || n === 0) return undefined;
    checkQuery(query, allow, this.dimension, n);
    const allowed = allow ? allow.count() : n;
    const limit = Math.min(k, allowed);
    if (limit === 0) return undefined;
    return { query: searchedRows(query, this.dimension, this.distance), limit, allowed };
  }

  /** @throws Error before training, or while asynchronous calls run. */
  protected checkWritable(): void {
    if (!this.isTrained) throw new Error(`${this.type}: train the index before adding rows`);
    if (this.inflight > 0) throw new Error(`${this.type}: cannot add rows while asynchronous calls run`);
  }

  /**
   * After loading: runs `validate`, then re-encodes rows 0..count-1 of the store; disposes
   * the index and rethrows if either fails.
   */
  protected restoreCodes(count: number, validate: () => void = () => {}): void {
    try {
      validate();
      this.codes.appendFrom(this.store, count);
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Frees the codes, the codec and an owned store. */
  protected disposeCoding(): void {
    this.codes.dispose();
    this.codec.dispose();
    if (this.ownsStore) this.store.dispose();
  }
}
