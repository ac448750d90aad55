/**
 * HNSW (Malkov & Yashunin 2018) over vectors in wasm linear memory: the approximate index
 * of sealed segments and the default index type.
 *
 * The graph walk, heaps, visited set and distances run in wasm (`assembly/hnsw.ts`); this
 * class decides what to run. Invariants:
 * - Offsets are node numbers: node i's vector is row i of `store`.
 * - Deleted nodes are never returned; they stay in the graph as waypoints until
 *   `replace`/`addReplacingDeleted` gives their slot a new vector and repairs its links.
 * - A filtered search returns min(k, allowed) results: when few points are allowed it
 *   scans them exactly (cheaper than a walk that must pass many disallowed nodes), and a
 *   walk that finds fewer than k falls back to the exact scan. The allow-bitset is copied
 *   into linear memory once per query and counted there; the walk, the scan and the
 *   fallback all read that copy, on this thread (`search`) or a worker (`searchAsync`),
 *   through the same calls, so both give identical results.
 * - For COSINE, vectors and queries are stored and searched L2-normalized, and distances
 *   are 1 - cos, equal to the flat index's.
 * - `rangeSearch` is exact (a scan), as a radius has no natural `ef`.
 */
import { InvalidArgumentError } from '../errors.js';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import { DistanceKind as Kind } from '../kernels/kernels.js';
import { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import { Bitset } from './bitset.js';
import { FlatIndex } from './flat-index.js';
import { HnswGraph } from './hnsw-graph.js';
import { SearchBlock } from './hnsw-search-block.js';
import { walkShared } from './hnsw-shared-batch.js';
import { type ListedSource, listedScan } from './listed-scan.js';
import { normalizedRows, normalizeInPlace } from './unit-length.js';
import type {
  BatchAnswer,
  BatchPlacement,
  IndexSearchParams,
  IndexSearchResult,
  TrainableIndex,
} from './vector-index.js';
import { VectorStore } from './vector-store.js';

export { normalizedRows, normalizeInPlace } from './unit-length.js';

export interface HnswOptions {
  /** Links per node on upper levels (2·M on level 0). Default 16. */
  M?: number;
  /** Candidates kept while linking a new node. Default 200. */
  efConstruction?: number;
  /** Default search effort when a query gives none. Default 64. */
  ef?: number;
  /** Seed of the level draws, for reproducible graphs. Default 1. */
  seed?: number;
}

export const HNSW_DEFAULTS = { M: 16, efConstruction: 200, ef: 64, seed: 1 } as const;

const EMPTY: IndexSearchResult = { offsets: new Uint32Array(0), distances: new Float32Array(0) };

/**
 * Copies `rows` (of equal length) one after another into `to`, a run of rows that lie one
 * after another in one buffer (as queries validated into one slab do) with one `set`.
 */
function copyRows(rows: readonly Float32Array[], to: Float32Array): void {
  let at = 0;
  for (let i = 0; i < rows.length; ) {
    const first = rows[i];
    let end = first.byteOffset + first.byteLength;
    let j = i + 1;
    while (j < rows.length && rows[j].buffer === first.buffer && rows[j].byteOffset === end) {
      end += rows[j].byteLength;
      j++;
    }
    to.set(new Float32Array(first.buffer, first.byteOffset, (end - first.byteOffset) >>> 2), at);
    at += (end - first.byteOffset) >>> 2;
    i = j;
  }
}

/**
 * Scan the allowed points exactly rather than walk the graph when
 * allowed² < SCAN_FACTOR · ef · n: a walk must visit about ef / selectivity nodes (each
 * costing several distances) to find ef allowed ones, a scan costs one per allowed point.
 * Measured (Gaussian mixtures, 128-d, M 16, one thread, random filters), the two cost the
 * same at allowed² / (ef · n) ≈ 10 (ef 10), 12 (ef 32), 14 (ef 64) over 1M points, and
 * ≈ 15–25 over 100k points (whose rows sit closer in memory, so a scan of them costs less);
 * within a factor of 2 of the crossing the two differ by less than 2×, and the scan is exact.
 */
const SCAN_FACTOR = 16;

/** Exports of `assembly/kernels.ts` that filtered searches use beyond `Kernels`. */
interface FilterExports {
  bitsetCount(allow: number, n: number): number;
}

/**
 * Whether an exact scan of `allowed` of `n` points is cheaper than a graph walk keeping
 * `ef` candidates (the planner of `HnswIndex`, shared with `HnswSq8Index`).
 */
export function scanBeatsWalk(allowed: number, ef: number, n: number): boolean {
  return allowed * allowed < SCAN_FACTOR * ef * n;
}

/** The most allowed points for which `scanBeatsWalk(allowed, ef, n)` holds. */
export function maxScanRows(ef: number, n: number): number {
  return Math.max(0, Math.ceil(Math.sqrt(SCAN_FACTOR * ef * n)) - 1);
}

/** Validates and fills in HNSW options. @throws RangeError naming the bad option. */
export function hnswOptions(options: HnswOptions = {}): Required<HnswOptions> {
  const o = {
    M: options.M ?? HNSW_DEFAULTS.M,
    efConstruction: options.efConstruction ?? HNSW_DEFAULTS.efConstruction,
    ef: options.ef ?? HNSW_DEFAULTS.ef,
    seed: options.seed ?? HNSW_DEFAULTS.seed,
  };
  const check = (name: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new RangeError(`hnsw ${name} must be an integer in [${lo}, ${hi}], got ${v}`);
    }
  };
  check('M', o.M, 2, 256);
  check('efConstruction', o.efConstruction, 1, 100_000);
  check('ef', o.ef, 1, 100_000);
  check('seed', o.seed, 0, 0xffffffff);
  return o;
}

export class HnswIndex implements TrainableIndex {
  readonly type = 'hnsw';
  readonly trainingRows = 0;
  readonly maxTrainingRows = 0;
  readonly isTrained = true;
  readonly options: Required<HnswOptions>;
  readonly graph: HnswGraph;
  private readonly kern: WasmKernels;
  private readonly exact: FlatIndex;
  private readonly freeSlots: number[] = [];
  /** Whether `dispose` frees the store (true when the index created it). */
  private ownsStore: boolean;
  /** Asynchronous searches in flight, and the scratch slots (1, 2, …) they may use. */
  private inflight = 0;
  private readonly idleSlots: number[] = [];
  private nextSlot = 1;
  /** The block of `searchUnfiltered`. */
  private readonly hereBlock: SearchBlock;

  /**
   * An empty index. `store` may already hold rows (e.g. a sealed segment's vectors); they
   * become nodes only through `insertStored` (or `buildHnsw`). A store passed in is
   * borrowed: the caller frees it, after disposing the index; without one, the index
   * creates and owns its store.
   * @throws Error when `kernels` are not the wasm kernels (the graph walk needs them).
   */
  constructor(
    kernels: Kernels,
    readonly dimension: number,
    readonly distance: DistanceKind,
    options: HnswOptions = {},
    store?: VectorStore,
    graph?: HnswGraph,
  ) {
    if (!(kernels instanceof WasmKernels)) {
      throw new Error('the HNSW index needs the wasm kernels (QUIVER_KERNELS=js has only exact search)');
    }
    this.kern = kernels;
    this.hereBlock = new SearchBlock(kernels);
    this.options = hnswOptions(options);
    this.ownsStore = store === undefined;
    const vectors = store ?? new VectorStore(kernels, dimension);
    this.graph =
      graph ??
      new HnswGraph(
        kernels,
        {
          dimension,
          distance,
          M: this.options.M,
          efConstruction: this.options.efConstruction,
          seed: this.options.seed,
        },
        vectors,
      );
    this.exact = new FlatIndex(kernels, dimension, distance, vectors);
    // One copy of the deleted bits, not a view per node: this runs at every load.
    const count = this.graph.count;
    this.graph.deletedBitset().forEach((node) => {
      if (node < count) this.freeSlots.push(node);
    });
  }

  get store(): VectorStore {
    return this.graph.store;
  }

  get size(): number {
    return this.graph.count;
  }

  /** Deleted nodes (slots `addReplacingDeleted` can reuse). */
  get deletedCount(): number {
    return this.graph.deletedCount;
  }

  /** Bytes of linear memory held: vectors, graph and scratch. */
  get memoryBytes(): number {
    return this.store.byteLength + this.graph.byteLength + this.graph.scratchBytes;
  }

  /** Per node: its vector, its level-0 list (2·M + 1 words), level byte and upper-list pointer. */
  get bytesPerVector(): number {
    return this.graph.count === 0 ? 0 : this.memoryBytes / this.graph.count;
  }

  /** Nothing to learn. */
  async train(_sample: Float32Array): Promise<void> {}

  /** Links the store's rows that are not nodes yet, on this thread (`buildHnsw` is the parallel way). */
  async addStored(): Promise<void> {
    this.insertStored(this.graph.count, this.store.count);
  }

  /** Appends `rows` as new nodes and links them, one at a time, on this thread. */
  add(rows: Float32Array): void {
    this.checkQuiet();
    const n = this.rowCount(rows);
    if (n === 0) return;
    const first = this.graph.count;
    this.store.append(this.prepare(rows));
    this.insertStored(first, first + n);
  }

  /**
   * Links the rows first..end-1 already in the store (nodes must be created in order:
   * `first` must equal the current size). Single-threaded; `buildHnsw` is the parallel way.
   */
  insertStored(first: number, end: number): void {
    this.checkQuiet();
    if (first !== this.graph.count || end > this.store.count) {
      throw new RangeError(`cannot insert rows ${first}..${end} into a graph of ${this.graph.count}`);
    }
    if (end <= first) return;
    this.graph.createNodes(end - first);
    const s = this.graph.scratch(0, this.options.ef).ptr;
    this.graph.syncHeader();
    for (let node = first; node < end; node++) this.kern.exports.hnswInsert(this.graph.header, s, node);
  }

  /** Marks `offset` deleted: it is never returned again; its slot can be reused. */
  delete(offset: number): void {
    this.checkOffset(offset);
    if (this.graph.isDeleted(offset)) return;
    this.graph.setDeleted(offset, true);
    this.freeSlots.push(offset);
  }

  isDeleted(offset: number): boolean {
    this.checkOffset(offset);
    return this.graph.isDeleted(offset);
  }

  /**
   * Gives node `offset` the vector `row` and repairs the graph around it (its former
   * neighbours re-select their links, then it is linked as if new); it is live afterwards.
   */
  replace(offset: number, row: Float32Array): void {
    this.checkQuiet();
    this.checkOffset(offset);
    if (row.length !== this.dimension) {
      throw new RangeError(`row has ${row.length} floats, index dimension is ${this.dimension}`);
    }
    const prepared = this.prepare(row);
    this.kern.f32(this.store.ptr + offset * this.dimension * 4, this.dimension).set(prepared);
    if (this.graph.isDeleted(offset)) {
      this.graph.setDeleted(offset, false);
      const at = this.freeSlots.indexOf(offset);
      if (at >= 0) this.freeSlots.splice(at, 1);
    }
    const s = this.graph.scratch(0, this.options.ef).ptr;
    this.graph.syncHeader();
    this.kern.exports.hnswRepair(this.graph.header, s, offset);
  }

  /**
   * Stores `rows`, reusing deleted slots first (hnswlib's `replace_deleted`), appending
   * the rest; returns the offset each row got, in order.
   */
  addReplacingDeleted(rows: Float32Array): Uint32Array {
    const n = this.rowCount(rows);
    const offsets = new Uint32Array(n);
    let i = 0;
    for (; i < n && this.freeSlots.length > 0; i++) {
      const slot = this.freeSlots.pop() as number;
      this.replace(slot, rows.subarray(i * this.dimension, (i + 1) * this.dimension));
      offsets[i] = slot;
    }
    if (i < n) {
      const first = this.graph.count;
      this.add(rows.subarray(i * this.dimension));
      for (let j = i; j < n; j++) offsets[j] = first + (j - i);
    }
    return offsets;
  }

  search(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams): IndexSearchResult {
    if (allow === undefined && this.graph.deletedCount === 0 && params?.strategy !== 'scan') {
      return this.searchUnfiltered(query, k, params?.ef ?? this.options.ef);
    }
    const call = this.prepareSearch(query, k, allow, params);
    if (call === undefined) return EMPTY;
    try {
      if (call.limit === 0) return EMPTY;
      const kern = this.kern;
      let found = call.scan
        ? 0
        : kern.exports.hnswSearch(...call.walkArgs(this.graph.scratch(0, call.ef).ptr));
      if (found < call.limit) found = kern.searchTopK(...call.scanArgs);
      return call.collect(found);
    } finally {
      call.release();
    }
  }

  /**
   * `search` without a filter or deleted nodes, on this thread: the same walk (and the same
   * exact-scan fallback when it finds fewer than min(k, n)) as `prepareSearch` sets up, but
   * through the reused `SearchBlock`, so a query allocates only its two result arrays.
   */
  private searchUnfiltered(query: Float32Array, k: number, ef: number): IndexSearchResult {
    const n = this.graph.count;
    if (k <= 0 || n === 0) return EMPTY;
    this.checkQuery(query);
    if (!Number.isInteger(ef) || ef < 1) throw new RangeError(`ef must be a positive integer, got ${ef}`);
    const limit = Math.min(k, n);
    const d = this.dimension;
    const scratch = this.graph.scratch(0, Math.max(ef, limit)).ptr;
    const block = this.hereBlock.reserve(d * 4 + Math.max(limit, 16) * 8);
    const { f32 } = this.hereBlock.memory();
    f32.set(query, block >>> 2);
    if (this.distance === Kind.COSINE) normalizeInPlace(f32, block >>> 2, d);
    this.graph.syncVectors();
    const outNodes = block + d * 4;
    const outDist = outNodes + limit * 4;
    const kern = this.kern;
    const header = this.graph.header;
    let found = kern.exports.hnswSearch(
      header,
      scratch,
      block,
      limit,
      Math.max(ef, limit),
      0,
      outNodes,
      outDist,
    );
    if (found < limit)
      found = kern.searchTopK(this.distance, block, this.store.ptr, n, d, limit, 0, outNodes, outDist);
    return this.hereBlock.results(outNodes, outDist, found);
  }

  /**
   * `search` on a worker thread. Until it settles, the graph must not change: `add`,
   * `replace` and their kin throw meanwhile.
   */
  async searchAsync(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): Promise<IndexSearchResult> {
    const call = this.prepareSearch(query, k, allow, params);
    if (call === undefined) return EMPTY;
    if (call.limit === 0) {
      call.release();
      return EMPTY;
    }
    this.inflight++;
    const slot = this.idleSlots.pop() ?? this.nextSlot++;
    try {
      const pool = KernelWorkerPool.for(this.kern, 'search');
      let found = call.scan
        ? 0
        : await pool.run('hnswSearch', call.walkArgs(this.graph.scratch(slot, call.ef).ptr));
      if (found < call.limit) found = await pool.run('searchTopK', call.scanArgs);
      return call.collect(found);
    } finally {
      this.idleSlots.push(slot);
      this.inflight--;
      call.release();
    }
  }

  /**
   * The exact k nearest of the offsets listed in `rows` (ascending), deleted nodes skipped:
   * an allow-list too short to deserve a bitset over every node (listed-scan.ts).
   * @throws RangeError on a query of the wrong dimension, or rows not ascending below `size`.
   */
  searchRows(query: Float32Array, k: number, rows: Uint32Array): IndexSearchResult {
    this.checkQuery(query);
    const call = listedScan(this.listedSource(), query, k, rows, this.graph.count);
    if (call === undefined) return EMPTY;
    try {
      return call.collect(this.kern.exports.listedTopK(...call.args));
    } finally {
      call.release();
    }
  }

  /** `searchRows` on a search worker. Until it settles, the graph must not change. */
  async searchRowsAsync(query: Float32Array, k: number, rows: Uint32Array): Promise<IndexSearchResult> {
    this.checkQuery(query);
    const call = listedScan(this.listedSource(), query, k, rows, this.graph.count);
    if (call === undefined) return EMPTY;
    this.inflight++;
    try {
      return call.collect(await KernelWorkerPool.for(this.kern, 'search').run('listedTopK', call.args));
    } finally {
      this.inflight--;
      call.release();
    }
  }

  private listedSource(): ListedSource {
    const graph = this.graph;
    const isDeleted = graph.deletedCount > 0 ? (node: number) => graph.isDeleted(node) : undefined;
    return {
      kern: this.kern,
      base: this.store.ptr,
      dimension: this.dimension,
      distance: this.distance,
      isDeleted,
    };
  }

  /**
   * `search` of each of `queries` (same `k`, `allow` and `params`) on the search workers: the
   * queries and the allowed set are copied into linear memory once, and `parallel` worker
   * calls (`hnswSearchShared`, each with a scratch of its own) claim the queries one at a time
   * from a shared counter and walk the graph for each; a query whose walk found fewer than
   * min(k, allowed) falls back to the exact scan here, as `search` does. Answers equal those
   * of `search`, query by query. A batch the planner would scan (few allowed, or `strategy`
   * `scan`) runs as `searchAsync` calls. Until it settles the graph must not change.
   */
  async searchBatchAsync(
    queries: readonly Float32Array[],
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
    parallel = 1,
  ): Promise<IndexSearchResult[]> {
    const out = new Array<IndexSearchResult>(queries.length).fill(EMPTY);
    await this.searchBatchEach(
      queries,
      k,
      allow,
      params,
      { workers: parallel, here: false },
      (q, n, d, at, c) => {
        out[q] = { offsets: n.slice(at, at + c), distances: d.slice(at, at + c) };
      },
    );
    return out;
  }

  /**
   * `searchBatchAsync` whose answers go to `each` as they come, in query order, as views of
   * the batch's block (no copy; hnsw-shared-batch.ts): `workers` worker calls share the
   * queries, and with `here` this thread takes part, formatting answers between its own
   * searches. A query without an answer (k = 0, an empty index, nothing allowed) gets no
   * call. Until it settles the graph must not change.
   */
  async searchBatchEach(
    queries: readonly Float32Array[],
    k: number,
    allow: Bitset | undefined,
    params: IndexSearchParams | undefined,
    how: BatchPlacement,
    each: BatchAnswer,
  ): Promise<void> {
    const n = this.graph.count;
    const nq = queries.length;
    if (k <= 0 || n === 0 || nq === 0) return;
    for (const q of queries) this.checkQuery(q, allow);
    const ef = params?.ef ?? this.options.ef;
    if (!Number.isInteger(ef) || ef < 1) throw new RangeError(`ef must be a positive integer, got ${ef}`);
    const live = this.liveSet(allow);
    const allowed = live ? live.count() : n;
    const limit = Math.min(k, allowed);
    if (limit === 0) return;
    const walkEf = Math.max(ef, limit);
    const strategy = params?.strategy ?? 'auto';
    if (strategy === 'scan' || (strategy === 'auto' && live && scanBeatsWalk(allowed, walkEf, n))) {
      const found = await Promise.all(queries.map((q) => this.searchAsync(q, k, allow, params)));
      found.forEach((r, q) => {
        if (r.offsets.length > 0) each(q, r.offsets, r.distances, 0, r.offsets.length);
      });
      return;
    }
    const d = this.dimension;
    const kern = this.kern;
    const words = live ? live.words.length : 0;
    const block = kern.alloc(nq * (d * 4 + limit * 8 + 4) + words * 4 + 4);
    const outNodes = block + nq * d * 4;
    const outDist = outNodes + nq * limit * 4;
    const outFound = outDist + nq * limit * 4;
    const counter = outFound + nq * 4;
    const livePtr = live ? counter + 4 : 0;
    const calls = Math.max(how.here ? 0 : 1, Math.min(how.workers, nq));
    const slots: number[] = [];
    this.inflight++;
    try {
      const f32 = kern.f32(block, nq * d);
      copyRows(queries, f32);
      if (this.distance === Kind.COSINE) for (let i = 0; i < nq; i++) normalizeInPlace(f32, i * d, d);
      if (live) kern.u32(livePtr, words).set(live.words);
      for (let c = 0; c < calls; c++) slots.push(this.idleSlots.pop() ?? this.nextSlot++);
      const workerScratches = slots.map((slot) => this.graph.scratch(slot, walkEf).ptr);
      // This thread walks with slot 0, the scratch of its synchronous searches: they never overlap.
      const hereScratch = how.here ? () => this.graph.scratch(0, walkEf).ptr : undefined;
      this.graph.syncHeader();
      const args = [
        block,
        nq,
        limit,
        walkEf,
        allow ? livePtr : 0,
        outNodes,
        outDist,
        outFound,
        counter,
      ] as const;
      const complete = (q: number, _got: number) =>
        kern.searchTopK(
          this.distance,
          block + q * d * 4,
          this.store.ptr,
          n,
          d,
          limit,
          livePtr,
          outNodes + q * limit * 4,
          outDist + q * limit * 4,
        );
      await walkShared(
        {
          kern,
          header: this.graph.header,
          workerScratches,
          hereScratch,
          args,
          nq,
          limit,
          outNodes,
          outDist,
          outFound,
          counter,
          busy: how.busy,
          complete,
        },
        each,
      );
    } finally {
      this.idleSlots.push(...slots);
      this.inflight--;
      kern.free(block);
    }
  }

  /**
   * Validates a query, copies it and the allowed set (`allow` minus the deleted nodes) into
   * one block of linear memory, counts the allowed nodes there, and decides between the
   * graph walk and an exact scan; the block also holds the outputs of either. Both read the
   * live set, except an unfiltered walk, which gets none (wasm skips deleted nodes itself).
   */
  private prepareSearch(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams) {
    const n = this.graph.count;
    if (k <= 0 || n === 0) return undefined;
    this.checkQuery(query, allow);
    const ef = params?.ef ?? this.options.ef;
    if (!Number.isInteger(ef) || ef < 1) throw new RangeError(`ef must be a positive integer, got ${ef}`);
    const live = this.liveSet(allow);
    const kern = this.kern;
    const words = live ? live.words.length : 0;
    const block = kern.alloc(this.dimension * 4 + k * 8 + words * 4);
    const outNodes = block + this.dimension * 4;
    const outDist = outNodes + k * 4;
    const livePtr = live ? outDist + k * 4 : 0;
    kern.f32(block, this.dimension).set(this.prepare(query));
    if (live) kern.u32(livePtr, words).set(live.words);
    this.graph.syncHeader();
    const allowed = live ? (kern.exports as unknown as FilterExports).bitsetCount(livePtr, n) : n;
    const limit = Math.min(k, allowed);
    const walkEf = Math.max(ef, limit);
    const strategy = params?.strategy ?? 'auto';
    const fewAllowed = live !== undefined && scanBeatsWalk(allowed, walkEf, n);
    const scanArgs: [DistanceKind, number, number, number, number, number, number, number, number] = [
      this.distance,
      block,
      this.store.ptr,
      n,
      this.dimension,
      limit,
      livePtr,
      outNodes,
      outDist,
    ];
    return {
      limit,
      ef: walkEf,
      scan: strategy === 'scan' || (strategy === 'auto' && fewAllowed),
      walkArgs: (scratch: number): [number, number, number, number, number, number, number, number] => [
        this.graph.header,
        scratch,
        block,
        limit,
        walkEf,
        allow ? livePtr : 0,
        outNodes,
        outDist,
      ],
      scanArgs,
      collect: (found: number): IndexSearchResult => ({
        offsets: kern.u32(outNodes, found).slice(),
        distances: kern.f32(outDist, found).slice(),
      }),
      release: () => kern.free(block),
    };
  }

  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    if (this.graph.count === 0) return EMPTY;
    this.checkQuery(query, allow);
    return this.exact.rangeSearch(this.prepare(query), maxDistance, this.liveSet(allow));
  }

  serialize(): Uint8Array {
    return this.graph.serialize();
  }

  /**
   * An index from `serialize()` bytes. `serialize` writes the graph, not the vectors, so they
   * come separately, in node order: either a `VectorStore` holding them (borrowed, as a sealed
   * segment lends its rows; unit length for COSINE), or the rows themselves as a
   * `Float32Array` of n × dimension, e.g. the array given to `buildHnsw` (copied into a store
   * the index owns, normalized for COSINE).
   * @example
   * const copy = HnswIndex.deserialize(kernels(), index.serialize(), rows);
   * @throws InvalidArgumentError when `vectors` is missing, not one of those, or not whole rows.
   * @throws Error when the bytes are not a graph this version reads, or do not fit the vectors.
   */
  static deserialize(
    kernels: Kernels,
    bytes: Uint8Array,
    vectors: VectorStore | Float32Array,
    options: HnswOptions = {},
  ): HnswIndex {
    if (!(kernels instanceof WasmKernels)) {
      throw new Error('the HNSW index needs the wasm kernels (QUIVER_KERNELS=js has only exact search)');
    }
    if (vectors instanceof VectorStore) return HnswIndex.overGraph(kernels, bytes, vectors, options);
    if (!(vectors instanceof Float32Array)) {
      throw new InvalidArgumentError(
        'HnswIndex.deserialize: vectors must be the rows the graph was built on, as a Float32Array ' +
          `or a VectorStore (serialize() writes the graph only), got ${vectors === null ? 'null' : typeof vectors}`,
      );
    }
    // The graph's header (format in docs/format.md) starts magic, version, dimension, distance.
    const header = bytes.byteLength >= 16 ? new DataView(bytes.buffer, bytes.byteOffset, 16) : undefined;
    const dimension = header?.getUint32(8, true) ?? 0;
    const distance = header?.getUint32(12, true);
    if (dimension > 0 && vectors.length % dimension !== 0) {
      throw new InvalidArgumentError(
        `HnswIndex.deserialize: vectors hold ${vectors.length} floats, not whole rows of the graph's dimension ${dimension}`,
      );
    }
    const store = new VectorStore(kernels, Math.max(dimension, 1));
    try {
      if (dimension > 0)
        store.append(distance === Kind.COSINE ? normalizedRows(vectors, dimension) : vectors);
      const index = HnswIndex.overGraph(kernels, bytes, store, options);
      index.ownsStore = true;
      return index;
    } catch (error) {
      store.dispose();
      throw error;
    }
  }

  /** The index of the serialized graph `bytes` over `store` (borrowed). */
  private static overGraph(
    kernels: WasmKernels,
    bytes: Uint8Array,
    store: VectorStore,
    options: HnswOptions,
  ): HnswIndex {
    return HnswIndex.overGraphOf(HnswGraph.deserialize(kernels, bytes, store), options);
  }

  /**
   * The index of a deserialized graph (`HnswGraph.place`, for a graph read from its file into
   * place) over the graph's store, which it borrows.
   */
  static overGraphOf(graph: HnswGraph, options: HnswOptions = {}): HnswIndex {
    const { dimension, distance, M, efConstruction, seed } = graph.shape;
    return new HnswIndex(
      graph.kernels,
      dimension,
      distance,
      { ...options, M, efConstruction, seed },
      graph.store,
      graph,
    );
  }

  /** See `HnswGraph.checkIntegrity` (`level0From`: level-0 lists checked as the graph was read). */
  checkIntegrity(level0From = 0): void {
    this.graph.checkIntegrity(level0From);
    if (this.freeSlots.length !== this.graph.deletedCount) {
      throw new Error(`hnsw: ${this.freeSlots.length} free slots for ${this.graph.deletedCount} deleted`);
    }
  }

  dispose(): void {
    this.hereBlock.dispose();
    this.graph.dispose();
    if (this.ownsStore) this.store.dispose();
  }

  /** Throws when asynchronous searches are reading the graph. */
  private checkQuiet(): void {
    if (this.inflight > 0) throw new Error('hnsw: cannot change the graph while asynchronous searches run');
  }

  /** `allow` minus the deleted nodes, or undefined when every node may be returned. */
  private liveSet(allow?: Bitset): Bitset | undefined {
    if (this.graph.deletedCount === 0) return allow;
    const live = allow ? allow.clone() : Bitset.full(this.graph.count);
    return live.andNot(this.graph.deletedBitset());
  }

  /** The rows as stored: unit length for COSINE (zero rows stay zero), else as given. */
  private prepare(rows: Float32Array): Float32Array {
    return this.distance === Kind.COSINE ? normalizedRows(rows, this.dimension) : rows;
  }

  private rowCount(rows: Float32Array): number {
    const n = rows.length / this.dimension;
    if (!Number.isInteger(n))
      throw new RangeError(`${rows.length} floats is not a multiple of ${this.dimension}`);
    return n;
  }

  private checkOffset(offset: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.graph.count) {
      throw new RangeError(`offset ${offset} is not a node of this index (size ${this.graph.count})`);
    }
  }

  private checkQuery(query: Float32Array, allow?: Bitset): void {
    if (query.length !== this.dimension) {
      throw new RangeError(`query has ${query.length} floats, index dimension is ${this.dimension}`);
    }
    if (allow && allow.size !== this.graph.count) {
      throw new RangeError(`allow bitset has ${allow.size} bits, index has ${this.graph.count} nodes`);
    }
  }
}
