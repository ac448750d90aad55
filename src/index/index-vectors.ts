/**
 * The full-precision side of an approximate index (LSH, Annoy): the vector store it
 * re-ranks on (borrowed from a sealed segment, or owned when rows come through `add`), the
 * exact `FlatIndex` over that store for fallbacks and range search, input checks, and the
 * running of one wasm search call on this thread or on a search worker.
 *
 * Invariants:
 * - For COSINE, rows given to `add` and every query are scaled to unit length before they
 *   reach the kernels (a borrowed store's rows already are), so distances equal the flat
 *   index's.
 * - A `KernelCall`'s blocks stay allocated until `collect` has copied the results out and
 *   `release` has run; a worker never allocates.
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import { DistanceKind as Kind } from '../kernels/kernels.js';
import { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import { Bitset } from './bitset.js';
import { FlatIndex } from './flat-index.js';
import { normalizedRows } from './hnsw-index.js';
import type { IndexSearchResult } from './vector-index.js';
import { VectorStore } from './vector-store.js';

export const EMPTY_RESULT: IndexSearchResult = {
  offsets: new Uint32Array(0),
  distances: new Float32Array(0),
};

/** The wasm kernels, or an Error naming `family` (its structures are walked in wasm). */
export function requireWasm(kernels: Kernels, family: string): WasmKernels {
  if (!(kernels instanceof WasmKernels)) {
    throw new Error(`the ${family} index needs the wasm kernels (QUIVER_KERNELS=js has only exact search)`);
  }
  return kernels;
}

/** Checks that `value` is an integer in [lo, hi]. @throws RangeError naming it. */
export function checkInteger(what: string, value: number, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`${what} must be an integer in [${lo}, ${hi}], got ${value}`);
  }
  return value;
}

/** One call of a wasm search export, with the results it will copy out. */
export interface KernelCall {
  fn: string;
  args: number[];
  /** Copies the `found` results out of linear memory. */
  collect(found: number): IndexSearchResult;
  /** Frees the call's blocks. */
  release(): void;
}

/** A `KernelCall.collect` copying `found` (offset, distance) pairs from two u32/f32 arrays. */
export function resultReader(kern: Kernels, outRows: number, outDist: number): KernelCall['collect'] {
  return (found) => ({
    offsets: kern.u32(outRows, found).slice(),
    distances: kern.f32(outDist, found).slice(),
  });
}

type ExportTable = Record<string, (...args: number[]) => number>;

/** Runs `call` on this thread. */
export function runCall(kern: WasmKernels, call: KernelCall): IndexSearchResult {
  try {
    return call.collect((kern.exports as unknown as ExportTable)[call.fn](...call.args));
  } finally {
    call.release();
  }
}

/** Runs `call` on a search worker. */
export async function runCallAsync(kern: WasmKernels, call: KernelCall): Promise<IndexSearchResult> {
  try {
    return call.collect(await KernelWorkerPool.for(kern, 'search').run(call.fn, call.args));
  } finally {
    call.release();
  }
}

/**
 * Keeps an index's structure still while workers read it: no change (adding rows,
 * rebuilding) while asynchronous searches run, and no search while an asynchronous build
 * runs (its rows would be half indexed).
 */
export class ActivityGuard {
  private searches = 0;
  private building = false;

  constructor(private readonly what: string) {}

  /** @throws Error while a build runs. */
  checkSearch(): void {
    if (this.building) throw new Error(`${this.what}: cannot search while rows are being indexed`);
  }

  /** @throws Error while asynchronous searches or a build run. */
  checkChange(): void {
    if (this.searches > 0 || this.building) {
      throw new Error(`${this.what}: cannot change the index while asynchronous calls run`);
    }
  }

  /** Runs an asynchronous search, counted until it settles. */
  async search<T>(run: () => Promise<T>): Promise<T> {
    this.checkSearch();
    this.searches++;
    try {
      return await run();
    } finally {
      this.searches--;
    }
  }

  /** Runs an asynchronous build, alone. */
  async build<T>(run: () => Promise<T>): Promise<T> {
    this.checkChange();
    this.building = true;
    try {
      return await run();
    } finally {
      this.building = false;
    }
  }
}

/**
 * Scratch blocks of one size for a search kernel, one per call in flight (the synchronous
 * search and each asynchronous one), kept and reused rather than allocated per query.
 */
export class ScratchSlots {
  private readonly idle: number[] = [];
  private count = 0;

  constructor(
    private readonly kern: Kernels,
    /** Bytes of each block. */
    readonly bytes: number,
  ) {}

  /** Bytes held by every block made so far. */
  get byteLength(): number {
    return this.count * this.bytes;
  }

  /** An idle block, or a new one; hand it back with `give` when the call has settled. */
  take(): number {
    const idle = this.idle.pop();
    if (idle !== undefined) return idle;
    this.count++;
    return this.kern.alloc(Math.max(this.bytes, 16));
  }

  give(ptr: number): void {
    this.idle.push(ptr);
  }

  /** Frees every block; none may be taken at the time. */
  dispose(): void {
    if (this.idle.length !== this.count) throw new Error('scratch slots disposed while a call uses one');
    for (const ptr of this.idle.splice(0)) this.kern.free(ptr);
    this.count = 0;
  }
}

export class IndexVectors {
  readonly store: VectorStore;
  readonly exact: FlatIndex;
  /** Whether `dispose` frees the store (the index created it). */
  readonly owned: boolean;

  constructor(
    readonly kern: WasmKernels,
    readonly dimension: number,
    readonly distance: DistanceKind,
    store?: VectorStore,
  ) {
    checkInteger('dimension', dimension, 1, 1 << 16);
    if (store && store.dimension !== dimension) {
      throw new RangeError(`store dimension ${store.dimension} differs from index dimension ${dimension}`);
    }
    this.owned = store === undefined;
    this.store = store ?? new VectorStore(kern, dimension);
    this.exact = new FlatIndex(kern, dimension, distance, this.store);
  }

  /** Bytes of the store when the index owns it, else 0. */
  get ownedBytes(): number {
    return this.owned ? this.store.byteLength : 0;
  }

  /** The rows as stored and searched: unit length for COSINE (zero rows stay zero), else as given. */
  prepare(rows: Float32Array): Float32Array {
    return this.distance === Kind.COSINE ? normalizedRows(rows, this.dimension) : rows;
  }

  /** Appends `rows` (prepared) to the store; returns how many rows were appended. */
  append(rows: Float32Array): number {
    const n = rows.length / this.dimension;
    if (!Number.isInteger(n))
      throw new RangeError(`${rows.length} floats is not a multiple of ${this.dimension}`);
    if (n > 0) this.store.append(this.prepare(rows));
    return n;
  }

  /** @throws RangeError for a query of the wrong length or a bitset of other than `size` bits. */
  checkQuery(query: Float32Array, size: number, allow?: Bitset): void {
    if (query.length !== this.dimension) {
      throw new RangeError(`query has ${query.length} floats, index dimension is ${this.dimension}`);
    }
    if (allow && allow.size !== size) {
      throw new RangeError(`allow bitset has ${allow.size} bits, index has ${size} rows`);
    }
  }

  /** Exact k nearest among the first `size` rows (the indexed ones) that `allow` lets through. */
  search(query: Float32Array, k: number, size: number, allow?: Bitset): IndexSearchResult {
    return this.exact.search(query, k, this.restricted(size, allow));
  }

  async searchAsync(
    query: Float32Array,
    k: number,
    size: number,
    allow?: Bitset,
  ): Promise<IndexSearchResult> {
    return this.exact.searchAsync(query, k, this.restricted(size, allow));
  }

  /** Exact range search over the first `size` rows. */
  rangeSearch(query: Float32Array, maxDistance: number, size: number, allow?: Bitset): IndexSearchResult {
    if (size === 0) return EMPTY_RESULT;
    this.checkQuery(query, size, allow);
    return this.exact.rangeSearch(this.prepare(query), maxDistance, this.restricted(size, allow));
  }

  dispose(): void {
    if (this.owned) this.store.dispose();
  }

  /**
   * `allow` as a bitset over the whole store: the store may hold rows past the indexed
   * ones (a borrowed store being filled), which an exact scan must not return.
   */
  private restricted(size: number, allow?: Bitset): Bitset | undefined {
    const total = this.store.count;
    if (size === total) return allow;
    if (allow) return allow.resized(total);
    const first = new Bitset(total);
    for (let i = 0; i < size; i++) first.set(i);
    return first;
  }
}
