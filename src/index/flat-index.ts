/**
 * Exact search: every allowed row is compared with the query by a fused SIMD scan and
 * top-k selection in the kernels. It is the reference every approximate index is tested
 * against, and the index of growing segments.
 *
 * The flat index stores nothing of its own beyond the `VectorStore` it scans, so its
 * `serialize()` (the index section of a segment file) is empty: the segment's vector
 * section is enough to rebuild it. `storage/flat-index-file.ts` writes a self-contained
 * file for using the index on its own.
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { Bitset } from './bitset.js';
import type { IndexSearchResult, TrainableIndex } from './vector-index.js';
import { VectorStore } from './vector-store.js';

const EMPTY: IndexSearchResult = { offsets: new Uint32Array(0), distances: new Float32Array(0) };

export class FlatIndex implements TrainableIndex {
  readonly type = 'flat';
  readonly trainingRows = 0;
  readonly maxTrainingRows = 0;
  readonly isTrained = true;
  readonly store: VectorStore;
  private inflight = 0;

  constructor(
    readonly kernels: Kernels,
    readonly dimension: number,
    readonly distance: DistanceKind,
    store?: VectorStore,
  ) {
    if (store && store.dimension !== dimension) {
      throw new RangeError(`store dimension ${store.dimension} differs from index dimension ${dimension}`);
    }
    this.store = store ?? new VectorStore(kernels, dimension);
  }

  get size(): number {
    return this.store.count;
  }

  /** The rows themselves: 4·dimension bytes per vector (the store; nothing else). */
  get bytesPerVector(): number {
    return this.dimension * 4;
  }

  get memoryBytes(): number {
    return this.store.byteLength;
  }

  /** Nothing to learn. */
  async train(_sample: Float32Array): Promise<void> {}

  /** Nothing to do: the flat index scans every row of its store. */
  async addStored(): Promise<void> {}

  add(rows: Float32Array): void {
    if (this.inflight > 0) throw new Error('flat index: cannot add rows while asynchronous searches run');
    this.store.append(rows);
  }

  search(query: Float32Array, k: number, allow?: Bitset): IndexSearchResult {
    const call = this.prepareSearch(query, k, allow);
    if (!call) return EMPTY;
    try {
      return call.collect(this.kernels.searchTopK(...call.args));
    } finally {
      call.release();
    }
  }

  /**
   * `search` on a worker thread (wasm kernels; the JS kernels answer on this thread). The
   * rows must not change until it settles: `add` throws meanwhile.
   */
  async searchAsync(query: Float32Array, k: number, allow?: Bitset): Promise<IndexSearchResult> {
    const kern = this.kernels;
    if (!(kern instanceof WasmKernels)) return this.search(query, k, allow);
    const call = this.prepareSearch(query, k, allow);
    if (!call) return EMPTY;
    this.inflight++;
    try {
      return call.collect(await KernelWorkerPool.for(kern, 'search').run('searchTopK', call.args));
    } finally {
      this.inflight--;
      call.release();
    }
  }

  /** Copies the query (and allow-list) into linear memory for one `searchTopK` call. */
  private prepareSearch(query: Float32Array, k: number, allow?: Bitset) {
    const n = this.store.count;
    const limit = Math.min(k, n);
    if (limit <= 0) return undefined;
    this.checkQuery(query, allow);
    const kern = this.kernels;
    const bytes = this.dimension * 4 + limit * 8 + (allow ? allow.words.length * 4 : 0);
    const scratch = kern.alloc(bytes);
    const q = scratch;
    const outRows = q + this.dimension * 4;
    const outDist = outRows + limit * 4;
    const allowPtr = allow ? outDist + limit * 4 : 0;
    kern.f32(q, this.dimension).set(query);
    if (allow) kern.u32(allowPtr, allow.words.length).set(allow.words);
    const args: [DistanceKind, number, number, number, number, number, number, number, number] = [
      this.distance,
      q,
      this.store.ptr,
      n,
      this.dimension,
      limit,
      allowPtr,
      outRows,
      outDist,
    ];
    return {
      args,
      collect: (found: number): IndexSearchResult => ({
        offsets: kern.u32(outRows, found).slice(),
        distances: kern.f32(outDist, found).slice(),
      }),
      release: () => kern.free(scratch),
    };
  }

  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    const n = this.store.count;
    if (n === 0) return EMPTY;
    this.checkQuery(query, allow);
    const kern = this.kernels;
    const scratch = kern.alloc(this.dimension * 4 + n * 4);
    let dist: Float32Array;
    try {
      const q = scratch;
      const out = q + this.dimension * 4;
      kern.f32(q, this.dimension).set(query);
      kern.scan(this.distance, q, this.store.ptr, n, this.dimension, out);
      dist = kern.f32(out, n).slice();
    } finally {
      kern.free(scratch);
    }
    const hits: number[] = [];
    for (let i = 0; i < n; i++) {
      if (dist[i] <= maxDistance && (!allow || allow.has(i))) hits.push(i);
    }
    hits.sort((a, b) => dist[a] - dist[b] || a - b);
    const offsets = Uint32Array.from(hits);
    const distances = new Float32Array(hits.length);
    for (let i = 0; i < hits.length; i++) distances[i] = dist[hits[i]];
    return { offsets, distances };
  }

  serialize(): Uint8Array {
    return new Uint8Array(0);
  }

  checkIntegrity(): void {
    const data = this.store.view();
    if (data.length !== this.store.count * this.dimension) {
      throw new Error(`flat index: ${data.length} floats for ${this.store.count} rows of ${this.dimension}`);
    }
  }

  dispose(): void {
    this.store.dispose();
  }

  private checkQuery(query: Float32Array, allow?: Bitset): void {
    if (query.length !== this.dimension) {
      throw new RangeError(`query has ${query.length} floats, index dimension is ${this.dimension}`);
    }
    if (allow && allow.size !== this.store.count) {
      throw new RangeError(`allow bitset has ${allow.size} bits, index has ${this.store.count} rows`);
    }
  }
}
