/**
 * IVF indexes (FAISS's IndexIVF): `IVF<nlist>,Flat`, `IVF<nlist>,SQ8`, `IVF<nlist>,PQ<m>`.
 * k-means (`kmeans.ts`) learns `nlist` centroids; each row goes to the inverted list of
 * its nearest centroid (`ivf-lists.ts`) as its full vector, or as the SQ8/PQ code of its
 * residual x − c (`ivf-coding.ts`). A query scans the `nprobe` lists nearest to it in one
 * wasm call (`assembly/ivf.ts`).
 *
 * Invariants:
 * - Offsets are rows of `store` (borrowed, or owned when rows come through `add`); the
 *   lists hold each indexed offset once.
 * - Rows are assigned to lists, and probes chosen, by squared L2 to the centroids for
 *   every metric (k-means is L2; for IP this probes better than the largest q·c, see
 *   `assembly/ivf.ts`).
 * - For COSINE, rows given to `add`, training samples and queries are normalized; a
 *   borrowed store's rows must already be unit length.
 * - A search returns min(k, allowed) results: when few rows are allowed (no more than the
 *   probed lists would hold on average, n·nprobe/nlist) the allowed rows are scanned
 *   exactly, and when the probed lists hold fewer than k allowed rows the search falls
 *   back to that exact scan.
 * - Distances: exact (as `FlatIndex`) for Flat lists and for results re-ranked on the
 *   store (`rerank` > 0); with `rerank: 0` SQ8/PQ report the distance to the decoded
 *   vector, as FAISS's IVF indexes do. Default `rerank` is that of the exhaustive index
 *   of the same codes (`SQ8`: max(4·k, 32), `PQ<m>`: 10·k), since the full vectors are
 *   always at hand in the store; pass `rerank: 0` to compare with FAISS's IndexIVFPQ.
 * - `rangeSearch` is exact (a scan of the store), as a radius has no natural nprobe.
 */
import { availableParallelism } from 'node:os';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import { DistanceKind as Kind } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import type { Bitset } from './bitset.js';
import { formatIndexFactory, type IndexRecipe } from './factory-grammar.js';
import type { FamilyOptions } from './factory-types.js';
import { FlatIndex } from './flat-index.js';
import { normalizedRows } from './hnsw-index.js';
import { EMPTY_RESULT as EMPTY, requireWasm, runCall, runCallAsync } from './index-vectors.js';
import { type EncodeTarget, encodeStored, encodeStoredSync } from './ivf-add.js';
import { createCodes, deserializeCodes, type IvfCodes } from './ivf-coding.js';
import { type IvfBody, readIvfBody, writeIvfBody } from './ivf-format.js';
import { IvfLists } from './ivf-lists.js';
import { type IvfPlan, ivfSearchCall, planIvfSearch } from './ivf-search.js';
import { assignNearest, type CentroidTable, kmeans, prepareNorms, sampleRows } from './kmeans.js';
import type { IndexSearchParams, IndexSearchResult, TrainableIndex } from './vector-index.js';
import { VectorStore } from './vector-store.js';

type Recipe = Extract<IndexRecipe, { family: 'ivf' }>;

/** Lists probed when a query gives no `nprobe` (at most nlist). FAISS's default is 1. */
export const IVF_DEFAULT_NPROBE = 16;
/** k-means iterations for the coarse quantizer (FAISS's IVF training uses 10). */
const KMEANS_ITERATIONS = 10;
/** Training rows per centroid: FAISS warns below 39 and samples at most 256. */
const MIN_POINTS_PER_CENTROID = 39;
const MAX_POINTS_PER_CENTROID = 256;
/** Residual rows the SQ8 / PQ codec trains on at most. */
const CODEC_TRAINING_ROWS = 65_536;

/** The export of `assembly/ivf.ts` used here (see also `ivf-add.ts`, `ivf-search.ts`). */
interface IvfExports {
  ivfHeaderBytes(): number;
}

export class IvfIndex implements TrainableIndex {
  readonly type: string;
  readonly nlist: number;
  readonly trainingRows: number;
  readonly maxTrainingRows: number;
  /** `nprobe` of searches that give none. */
  readonly defaultNprobe: number;
  readonly store: VectorStore;
  private readonly kern: WasmKernels;
  private readonly codes: IvfCodes;
  private readonly exact: FlatIndex;
  private readonly ownsStore: boolean;
  private readonly seed: number;
  private readonly threads: number;
  private readonly header: number;
  private centroids: CentroidTable | undefined;
  private lists: IvfLists | undefined;
  private inflight = 0;

  /**
   * An untrained index (see `FamilyOptions` for the borrowed store, seed and threads).
   * @throws Error when `kernels` are not the wasm kernels; RangeError when PQ's m does
   *   not divide the dimension.
   */
  constructor(
    kernels: Kernels,
    readonly recipe: Recipe,
    readonly dimension: number,
    readonly distance: DistanceKind,
    options: FamilyOptions = {},
    loaded?: { codes: IvfCodes; defaultNprobe: number },
  ) {
    this.kern = requireWasm(kernels, 'IVF');
    if (options.store && options.store.dimension !== dimension) {
      throw new RangeError(
        `store dimension ${options.store.dimension} differs from index dimension ${dimension}`,
      );
    }
    this.type = formatIndexFactory(recipe);
    this.nlist = recipe.nlist;
    this.defaultNprobe = loaded?.defaultNprobe ?? Math.min(IVF_DEFAULT_NPROBE, recipe.nlist);
    this.seed = options.seed ?? 1;
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.codes =
      loaded?.codes ??
      createCodes(this.kern, recipe.coding, dimension, distance, { seed: this.seed, threads: this.threads });
    this.trainingRows = Math.max(MIN_POINTS_PER_CENTROID * this.nlist, this.codes.minTrainingRows);
    this.maxTrainingRows = MAX_POINTS_PER_CENTROID * this.nlist;
    this.ownsStore = options.store === undefined;
    this.store = options.store ?? new VectorStore(kernels, dimension);
    this.exact = new FlatIndex(kernels, dimension, distance, this.store);
    this.header = this.kern.alloc(this.exports.ivfHeaderBytes());
  }

  get size(): number {
    return this.lists?.count ?? 0;
  }

  get isTrained(): boolean {
    return this.lists !== undefined;
  }

  /** Per row: its code (Flat: 4·d, SQ8: d, PQ: m bytes) and its u32 offset in a list. */
  get bytesPerVector(): number {
    return this.codes.codeBytes + 4;
  }

  /** Centroids and their norms, lists, codec and precomputed tables, header, and an owned store. */
  get memoryBytes(): number {
    const centroidBytes = this.centroids ? this.nlist * (this.dimension + 1) * 4 : 0;
    const storeBytes = this.ownsStore ? this.store.byteLength : 0;
    return (
      centroidBytes +
      (this.lists?.byteLength ?? 0) +
      this.codes.byteLength +
      this.exports.ivfHeaderBytes() +
      storeBytes
    );
  }

  private get exports(): IvfExports {
    return this.kern.exports as unknown as IvfExports;
  }

  /**
   * Learns the centroids (k-means, 10 iterations, at most 256 rows per centroid) and, for
   * SQ8/PQ, the codec on the residuals of up to 65,536 sample rows.
   * @throws RangeError when `sample` has fewer than max(nlist, codec minimum) rows;
   *   Error when the index already holds rows.
   */
  async train(sample: Float32Array): Promise<void> {
    if (this.size > 0) throw new Error(`${this.type}: cannot retrain an index that holds rows`);
    const d = this.dimension;
    const n = this.rowCount(sample);
    const need = Math.max(this.nlist, this.codes.minTrainingRows);
    if (n < need) throw new RangeError(`${this.type} training needs at least ${need} rows, got ${n}`);
    const rows = this.prepare(sample);
    const centroids = await kmeans(this.kern, rows, d, this.nlist, {
      iterations: KMEANS_ITERATIONS,
      seed: this.seed,
      threads: this.threads,
      maxPointsPerCentroid: MAX_POINTS_PER_CENTROID,
    });
    if (this.codes.type !== 'flat') {
      const picked = sampleRows(rows, d, CODEC_TRAINING_ROWS, this.seed);
      const assign = await assignNearest(this.kern, picked, d, centroids, this.threads);
      const residuals = new Float32Array(picked.length);
      for (let i = 0; i < assign.length; i++) {
        for (let j = 0; j < d; j++) residuals[i * d + j] = picked[i * d + j] - centroids[assign[i] * d + j];
      }
      await this.codes.train(residuals);
    }
    this.setCentroids(centroids);
    this.lists?.dispose();
    this.lists = new IvfLists(this.kern, this.nlist, this.codes.codeBytes);
  }

  /** Indexes the store's rows from `size` on, encoding on up to `threads` build workers. */
  async addStored(): Promise<void> {
    const target = this.encodeTarget();
    await encodeStored(target, this.size, this.store.count, this.threads);
    this.syncHeader();
  }

  /** Appends `rows` to the store (normalized for COSINE) and indexes them on this thread. */
  add(rows: Float32Array): void {
    const target = this.encodeTarget();
    const n = this.rowCount(rows);
    if (n === 0) return;
    if (this.store.count !== this.size) {
      throw new Error(`${this.type}: the store holds rows not indexed yet; call addStored first`);
    }
    const first = this.size;
    this.store.append(this.prepare(rows));
    encodeStoredSync({ ...target, store: this.store }, first, first + n);
    this.syncHeader();
  }

  /** The index as `ivf-add.ts` sees it. @throws Error before training or while async searches run. */
  private encodeTarget(): EncodeTarget {
    this.checkQuiet();
    const { lists, centroids } = this;
    if (!lists || !centroids) throw new Error(`${this.type}: train the index before adding rows`);
    this.syncHeader();
    return {
      kern: this.kern,
      header: this.header,
      norms: centroids.norms,
      codes: this.codes,
      lists,
      store: this.store,
    };
  }

  search(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams): IndexSearchResult {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY;
    const q = this.prepare(query);
    if (plan.scan) return this.exact.search(q, plan.limit, allow);
    this.syncHeader();
    const found = runCall(this.kern, ivfSearchCall(this.kern, this.header, q, plan, allow));
    return found.offsets.length < plan.limit ? this.exact.search(q, plan.limit, allow) : found;
  }

  /** `search` on a worker of the 'search' pool; `add` throws until it settles. */
  async searchAsync(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): Promise<IndexSearchResult> {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY;
    const q = this.prepare(query);
    if (plan.scan) return this.exact.searchAsync(q, plan.limit, allow);
    this.inflight++;
    try {
      this.syncHeader();
      const found = await runCallAsync(this.kern, ivfSearchCall(this.kern, this.header, q, plan, allow));
      if (found.offsets.length < plan.limit) return await this.exact.searchAsync(q, plan.limit, allow);
      return found;
    } finally {
      this.inflight--;
    }
  }

  /**
   * A copy of the centroids (nlist rows of `dimension` floats), undefined before training.
   * For explanations: rows go to the list of their nearest centroid by squared L2, and a
   * query probes the lists of its `nprobe` nearest centroids.
   */
  centroidRows(): Float32Array | undefined {
    return this.centroids
      ? this.kern.f32(this.centroids.ptr, this.nlist * this.dimension).slice()
      : undefined;
  }

  /** `planIvfSearch` after checking the query and the bitset. @throws RangeError (see there). */
  private plan(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): IvfPlan | undefined {
    if (k > 0 && this.size > 0) this.checkQuery(query, allow);
    return planIvfSearch(this, k, allow, params);
  }

  /** Candidates re-ranked when a query gives no `rerank` (see the file comment). */
  defaultRerank(k: number): number {
    return this.codes.defaultRerank(k);
  }

  /** Whether the lists hold full vectors (Flat), so results are exact without re-ranking. */
  get exactLists(): boolean {
    return this.codes.type === 'flat';
  }

  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    if (this.size === 0) return EMPTY;
    this.checkQuery(query, allow);
    return this.exact.rangeSearch(this.prepare(query), maxDistance, allow);
  }

  /** The body specified in `ivf-format.ts`. @throws Error before training. */
  serialize(): Uint8Array {
    const lists = this.lists;
    const centroids = this.centroids;
    if (!lists || !centroids) throw new Error(`${this.type}: an untrained index has nothing to serialize`);
    const kern = this.kern;
    const body: IvfBody = {
      coding: this.recipe.coding,
      dimension: this.dimension,
      distance: this.distance,
      nlist: this.nlist,
      count: lists.count,
      defaultNprobe: this.defaultNprobe,
      centroids: kern.f32(centroids.ptr, this.nlist * this.dimension).slice(),
      sizes: lists.sizes(),
      ids: lists.idsView(),
      codec: this.codes.serialize(),
      codes:
        this.codes.type === 'flat'
          ? undefined
          : new Uint8Array(kern.memory.buffer, lists.data, lists.count * this.codes.codeBytes).slice(),
    };
    return writeIvfBody(body);
  }

  /**
   * An index from `serialize()` bytes over `store` (borrowed), whose rows are the indexed
   * vectors; Flat lists are rebuilt by copying those rows.
   * @throws Error when the body is malformed or does not fit `store` and `distance`.
   */
  static deserialize(
    kernels: Kernels,
    body: Uint8Array,
    store: VectorStore,
    distance: DistanceKind,
  ): IvfIndex {
    const kern = requireWasm(kernels, 'IVF');
    const b = readIvfBody(body);
    if (b.dimension !== store.dimension)
      throw new Error(`ivf: body dimension ${b.dimension}, store ${store.dimension}`);
    if (b.distance !== distance)
      throw new Error(`ivf: body distance kind ${b.distance}, expected ${distance}`);
    if (b.count !== store.count)
      throw new Error(`ivf: body indexes ${b.count} rows, the store holds ${store.count}`);
    const recipe: Recipe = { family: 'ivf', nlist: b.nlist, coding: b.coding };
    const codes = deserializeCodes(kern, b.coding, b.codec, b.dimension, distance);
    const index = new IvfIndex(
      kern,
      recipe,
      b.dimension,
      distance,
      { store },
      { codes, defaultNprobe: b.defaultNprobe },
    );
    try {
      index.setCentroids(b.centroids);
      const lists = new IvfLists(kern, b.nlist, codes.codeBytes);
      index.lists = lists;
      lists.load(b.sizes, b.ids, b.codes);
      if (codes.type === 'flat') index.copyRowsToLists();
      index.syncHeader();
      return index;
    } catch (error) {
      index.dispose();
      throw error;
    }
  }

  checkIntegrity(): void {
    const lists = this.lists;
    const centroids = this.centroids;
    if (!lists || !centroids) return;
    lists.checkIntegrity();
    if (lists.count > this.store.count)
      throw new Error(`${this.type}: ${lists.count} rows indexed, store has ${this.store.count}`);
    const c = this.kern.f32(centroids.ptr, this.nlist * this.dimension);
    if (!c.every(Number.isFinite)) throw new Error(`${this.type}: a centroid value is not finite`);
    if (this.codes.type === 'flat') {
      const rowBytes = this.dimension * 4;
      const bytes = new Uint8Array(this.kern.memory.buffer);
      const ids = this.kern.u32(lists.ids, lists.count);
      for (let p = 0; p < lists.count; p++) {
        const a = lists.data + p * rowBytes;
        const b = this.store.ptr + ids[p] * rowBytes;
        for (let i = 0; i < rowBytes; i++) {
          if (bytes[a + i] !== bytes[b + i])
            throw new Error(`${this.type}: list copy of row ${ids[p]} differs from the store`);
        }
      }
    }
  }

  dispose(): void {
    this.lists?.dispose();
    this.lists = undefined;
    if (this.centroids) this.kern.free(this.centroids.ptr);
    this.centroids = undefined;
    this.codes.dispose();
    this.kern.free(this.header);
    if (this.ownsStore) this.store.dispose();
  }

  /** Stores the centroids (and their norms) in linear memory and derives the codec's tables. */
  private setCentroids(values: Float32Array): void {
    if (this.centroids) this.kern.free(this.centroids.ptr);
    const ptr = this.kern.alloc(this.nlist * (this.dimension + 1) * 4);
    this.kern.f32(ptr, values.length).set(values);
    this.centroids = { ptr, norms: ptr + values.length * 4, k: this.nlist, dimension: this.dimension };
    prepareNorms(this.kern, this.centroids);
    this.codes.prepare(ptr, this.nlist);
    this.syncHeader();
  }

  /** Fills Flat lists (after `load`) with the store rows their ids name. */
  private copyRowsToLists(): void {
    const lists = this.lists as IvfLists;
    const rowBytes = this.dimension * 4;
    const ids = this.kern.u32(lists.ids, lists.count);
    const bytes = new Uint8Array(this.kern.memory.buffer);
    for (let p = 0; p < lists.count; p++) {
      const from = this.store.ptr + ids[p] * rowBytes;
      bytes.copyWithin(lists.data + p * rowBytes, from, from + rowBytes);
    }
  }

  /** Writes the header `assembly/ivf.ts` reads (field order as its `H_*` offsets). */
  private syncHeader(): void {
    const lists = this.lists;
    this.kern
      .u32(this.header, 12)
      .set([
        this.codes.number,
        this.distance,
        this.dimension,
        this.nlist,
        this.centroids?.ptr ?? 0,
        lists?.starts ?? 0,
        lists?.ids ?? 0,
        lists?.data ?? 0,
        this.codes.isTrained ? this.codes.codecPtr : 0,
        this.codes.m,
        this.codes.precomputedPtr,
        this.store.ptr,
      ]);
  }

  /** The rows as indexed: unit length for COSINE (zero rows stay zero), else as given. */
  private prepare(rows: Float32Array): Float32Array {
    return this.distance === Kind.COSINE ? normalizedRows(rows, this.dimension) : rows;
  }

  private checkQuiet(): void {
    if (this.inflight > 0) throw new Error(`${this.type}: cannot add rows while asynchronous searches run`);
  }

  private rowCount(rows: Float32Array): number {
    const n = rows.length / this.dimension;
    if (!Number.isInteger(n))
      throw new RangeError(`${rows.length} floats is not a multiple of ${this.dimension}`);
    return n;
  }

  private checkQuery(query: Float32Array, allow?: Bitset): void {
    if (query.length !== this.dimension) {
      throw new RangeError(`query has ${query.length} floats, index dimension is ${this.dimension}`);
    }
    if (allow && allow.size !== this.size) {
      throw new RangeError(`allow bitset has ${allow.size} bits, index has ${this.size} rows`);
    }
  }
}
