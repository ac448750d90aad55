/**
 * `PQ<m>`: an exhaustive scan of product-quantization codes (m bytes per vector, see
 * `pq-codec.ts`) by asymmetric distance, whose best candidates are re-ranked on the
 * full-precision vectors: FAISS's `IndexPQ` plus the refinement step of `IndexRefine`.
 *
 * Invariants:
 * - Offsets are rows: the code of offset i is bytes i·m..(i+1)·m-1 of `codes`, and its
 *   full vector is row i of `store` (borrowed from a segment, or owned when rows come
 *   through `add`); `size` ≤ store.count.
 * - A search scans every allowed code in wasm (`pqSearch` in `assembly/pq.ts`), keeps
 *   the best max(rerank, k) by ADC distance, and returns the best k of those by exact
 *   distance, equal to the flat index's for the same row. `rerank: 0` returns the ADC
 *   estimates instead. The scan is exhaustive, so it always finds min(k, allowed) results.
 * - When a filter allows few rows, scanning those exactly is cheaper than scanning every
 *   code; the planner then answers with the flat index over the same store.
 * - For COSINE, rows given to `add`, training samples and queries are normalized; codes
 *   are searched as IP on unit vectors. `rangeSearch` is exact (a scan).
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import type { Bitset } from './bitset.js';
import { formatIndexFactory, type IndexRecipe } from './factory-grammar.js';
import type { FamilyOptions } from './factory-types.js';
import {
  ActivityGuard,
  EMPTY_RESULT,
  IndexVectors,
  type KernelCall,
  requireWasm,
  resultReader,
  runCall,
  runCallAsync,
} from './index-vectors.js';
import { PQ_CENTROIDS, PqCodec } from './pq-codec.js';
import type { IndexSearchParams, IndexSearchResult, TrainableIndex } from './vector-index.js';
import type { VectorStore } from './vector-store.js';

type Recipe = Extract<IndexRecipe, { family: 'pq' }>;

/**
 * Defaults of `PQ<m>`:
 * - re-ranking depth when a search gives no `rerank`: max(rerankPerK · k, size /
 *   rerankFraction), see `defaultRerank`.
 * - `trainingRows`: 16 rows per centroid; smaller segments stay on exact search, which
 *   costs well under a millisecond at that size. FAISS needs 256 and warns below 39·256.
 * - `maxTrainingRows`: 256 rows per centroid, FAISS's `max_points_per_centroid`.
 */
export const PQ_DEFAULTS = {
  rerankPerK: 10,
  rerankFraction: 1_000,
  trainingRows: 16 * PQ_CENTROIDS,
  maxTrainingRows: 256 * PQ_CENTROIDS,
} as const;

/** Format version of `serialize()`. */
const FORMAT_VERSION = 1;
const HEADER_BYTES = 12;

/**
 * Scan the allowed rows exactly rather than every code when
 * allowed · dimension < SCAN_RATIO · n · m: an exact distance costs about `dimension`
 * float operations per allowed row, an ADC distance about m table look-ups per row.
 */
const SCAN_RATIO = 2;

/**
 * The re-ranking depth of a search that gives none: max(10 · k, size / 1000), rounded up.
 * The codes of a Gaussian mixture tell its clusters apart but rank the points inside one
 * nearly at random, so the depth needed grows with the rows per cluster, i.e. with the
 * size. Measured recall@10 (PQ16, 128-d, 1000 clusters of spread 0.3, seed 42): 1M rows,
 * depth 500 → 0.77, 1000 → 0.999; 50k rows, depth 50 → 0.98, 100 → 1.0; with 50
 * clusters instead (1000 rows each), 50k rows, depth 500 → 0.89, 1000 → 0.999. Exact
 * distances for size / 1000 rows cost a few percent of the scan of all codes.
 */
export function defaultRerank(k: number, size: number): number {
  return Math.max(PQ_DEFAULTS.rerankPerK * k, Math.ceil(size / PQ_DEFAULTS.rerankFraction));
}

export class PqIndex implements TrainableIndex {
  /** The canonical factory string, e.g. `PQ16`. */
  readonly type: string;
  readonly trainingRows = PQ_DEFAULTS.trainingRows;
  readonly maxTrainingRows = PQ_DEFAULTS.maxTrainingRows;
  readonly codec: PqCodec;
  private readonly kern: WasmKernels;
  private readonly vectors: IndexVectors;
  private readonly guard: ActivityGuard;
  private codesPtr = 0;
  private capacity = 0;
  private count = 0;

  /**
   * An untrained index of `recipe.m` one-byte sub-quantizers (or one over the trained
   * `codec`, when loading).
   * @throws RangeError when `dimension` is not divisible by m.
   * @throws Error when `kernels` are not the wasm kernels.
   */
  constructor(
    kernels: Kernels,
    readonly recipe: Recipe,
    readonly dimension: number,
    readonly distance: DistanceKind,
    readonly options: FamilyOptions = {},
    codec?: PqCodec,
  ) {
    this.type = formatIndexFactory(recipe);
    this.kern = requireWasm(kernels, this.type);
    this.codec =
      codec ?? new PqCodec(kernels, dimension, recipe.m, { seed: options.seed, threads: options.threads });
    this.vectors = new IndexVectors(this.kern, dimension, distance, options.store);
    this.guard = new ActivityGuard(`${this.type} index`);
  }

  /** The full-precision rows (row i is offset i's vector). */
  get store(): VectorStore {
    return this.vectors.store;
  }

  get size(): number {
    return this.count;
  }

  get isTrained(): boolean {
    return this.codec.isTrained;
  }

  /** One byte per sub-quantizer. */
  get bytesPerVector(): number {
    return this.recipe.m;
  }

  /** Codes (allocated capacity), codebooks, and the store when the index owns it. */
  get memoryBytes(): number {
    return this.capacity * this.recipe.m + this.codec.byteLength + this.vectors.ownedBytes;
  }

  /**
   * Trains the codebooks on `sample` (normalized first for COSINE).
   * @throws RangeError when the sample has fewer than `trainingRows` rows.
   * @throws Error once rows were added (their codes would no longer match).
   */
  async train(sample: Float32Array): Promise<void> {
    this.guard.checkChange();
    const n = sample.length / this.dimension;
    if (Number.isInteger(n) && n < this.trainingRows) {
      throw new RangeError(`${this.type} training needs at least ${this.trainingRows} rows, got ${n}`);
    }
    if (this.count > 0) throw new Error(`${this.type} cannot be retrained after rows were added`);
    await this.codec.train(this.vectors.prepare(sample));
  }

  /** Encodes the store's rows from `size` to `store.count`, on up to `threads` workers. */
  async addStored(): Promise<void> {
    const first = this.count;
    const end = this.store.count;
    if (end === first) return;
    this.checkTrained();
    this.reserve(end);
    const m = this.recipe.m;
    await this.guard.build(() =>
      this.codec.encodeParallel(
        this.store.ptr + first * this.dimension * 4,
        end - first,
        this.codesPtr + first * m,
      ),
    );
    this.count = end;
  }

  /**
   * Appends `rows` to the store (normalized for COSINE) and encodes them (with any stored
   * rows not indexed yet), on this thread.
   * @throws Error before training.
   */
  add(rows: Float32Array): void {
    this.guard.checkChange();
    this.checkTrained();
    this.vectors.append(rows);
    const first = this.count;
    const end = this.store.count;
    if (end === first) return;
    this.reserve(end);
    const m = this.recipe.m;
    this.codec.encode(this.store.ptr + first * this.dimension * 4, end - first, this.codesPtr + first * m);
    this.count = end;
  }

  search(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams): IndexSearchResult {
    this.guard.checkSearch();
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    if (plan.scan) return this.vectors.search(plan.query, plan.limit, this.count, allow);
    return runCall(this.kern, this.prepareCall(plan.query, plan.limit, plan.rerank, allow));
  }

  /** `search` on a worker thread; `add` and `addStored` throw until it settles. */
  async searchAsync(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): Promise<IndexSearchResult> {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    return this.guard.search(() =>
      plan.scan
        ? this.vectors.searchAsync(plan.query, plan.limit, this.count, allow)
        : runCallAsync(this.kern, this.prepareCall(plan.query, plan.limit, plan.rerank, allow)),
    );
  }

  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    return this.vectors.rangeSearch(query, maxDistance, this.count, allow);
  }

  /**
   * u32 version, u32 distance kind, u32 rows n, the codec (`PqCodec.serialize`), then
   * n·m code bytes; little-endian. @throws Error before training.
   */
  serialize(): Uint8Array {
    const codec = this.codec.serialize();
    const m = this.recipe.m;
    const bytes = new Uint8Array(HEADER_BYTES + codec.length + this.count * m);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, FORMAT_VERSION, true);
    view.setUint32(4, this.distance, true);
    view.setUint32(8, this.count, true);
    bytes.set(codec, HEADER_BYTES);
    bytes.set(
      new Uint8Array(this.kern.memory.buffer, this.codesPtr, this.count * m),
      HEADER_BYTES + codec.length,
    );
    return bytes;
  }

  /**
   * An index from `serialize()` bytes over `store` (borrowed), which must hold the indexed
   * rows. @throws Error naming what is wrong when the bytes do not fit.
   */
  static deserialize(
    kernels: Kernels,
    body: Uint8Array,
    store: VectorStore,
    distance: DistanceKind,
  ): PqIndex {
    if (body.length < HEADER_BYTES)
      throw new Error(`PQ index: ${body.length} bytes, header needs ${HEADER_BYTES}`);
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const version = view.getUint32(0, true);
    if (version !== FORMAT_VERSION) throw new Error(`PQ index: unsupported format version ${version}`);
    const kind = view.getUint32(4, true);
    if (kind !== distance)
      throw new Error(`PQ index: built for distance kind ${kind}, opened as ${distance}`);
    const n = view.getUint32(8, true);
    if (n > store.count) throw new Error(`PQ index: ${n} codes but only ${store.count} vectors`);
    const codec = PqCodec.deserialize(kernels, body.subarray(HEADER_BYTES));
    const m = codec.m;
    const codesAt = HEADER_BYTES + PqCodec.serializedLength(codec.dimension);
    try {
      if (codec.dimension !== store.dimension) {
        throw new Error(`PQ index: codebooks of dimension ${codec.dimension}, vectors of ${store.dimension}`);
      }
      if (body.length !== codesAt + n * m) {
        throw new Error(
          `PQ index: ${body.length} bytes, expected ${codesAt + n * m} for ${n} codes of ${m} bytes`,
        );
      }
    } catch (error) {
      codec.dispose();
      throw error;
    }
    const index = new PqIndex(kernels, { family: 'pq', m }, store.dimension, distance, { store }, codec);
    index.reserve(n);
    new Uint8Array(index.kern.memory.buffer, index.codesPtr, n * m).set(body.subarray(codesAt));
    index.count = n;
    return index;
  }

  checkIntegrity(): void {
    if (this.count > 0 && !this.isTrained)
      throw new Error(`${this.type}: ${this.count} codes without codebooks`);
    if (this.count > this.store.count) {
      throw new Error(`${this.type}: ${this.count} codes but only ${this.store.count} vectors`);
    }
    if (this.count > this.capacity)
      throw new Error(`${this.type}: ${this.count} codes exceed capacity ${this.capacity}`);
    this.codec.checkIntegrity();
  }

  dispose(): void {
    this.kern.free(this.codesPtr);
    this.codesPtr = 0;
    this.capacity = 0;
    this.count = 0;
    this.codec.dispose();
    this.vectors.dispose();
  }

  /** Validates a query and decides between the ADC scan and an exact scan of the allowed rows. */
  private plan(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams) {
    const n = this.count;
    if (k <= 0 || n === 0) return undefined;
    this.vectors.checkQuery(query, n, allow);
    const rerank = params?.rerank ?? defaultRerank(k, n);
    if (!Number.isInteger(rerank) || rerank < 0) {
      throw new RangeError(`rerank must be a non-negative integer, got ${rerank}`);
    }
    const allowed = allow ? allow.count() : n;
    const limit = Math.min(k, allowed);
    if (limit === 0) return undefined;
    const strategy = params?.strategy ?? 'auto';
    const fewAllowed = allow !== undefined && allowed * this.dimension < SCAN_RATIO * n * this.recipe.m;
    return {
      query: this.vectors.prepare(query),
      limit,
      rerank,
      scan: strategy === 'scan' || (strategy === 'auto' && fewAllowed),
    };
  }

  /** Copies the query (and allow-list) into linear memory and lays out the scratch of one `pqSearch` call. */
  private prepareCall(query: Float32Array, k: number, rerank: number, allow?: Bitset): KernelCall {
    const kern = this.kern;
    const d = this.dimension;
    const depth = rerank > 0 ? Math.min(Math.max(rerank, k), this.count) : 0;
    const allowBytes = allow ? allow.words.length * 4 : 0;
    const block = kern.alloc(d * 4 + this.codec.lutBytes + depth * 8 + k * 8 + allowBytes);
    const lut = block + d * 4;
    const candRows = lut + this.codec.lutBytes;
    const candDists = candRows + depth * 4;
    const outRows = candDists + depth * 4;
    const outDists = outRows + k * 4;
    const allowPtr = allow ? outDists + k * 4 : 0;
    kern.f32(block, d).set(query);
    if (allow) kern.u32(allowPtr, allow.words.length).set(allow.words);
    return {
      fn: 'pqSearch',
      args: [
        this.distance,
        this.codec.tables,
        d,
        this.recipe.m,
        this.codesPtr,
        this.count,
        block,
        allowPtr,
        this.store.ptr,
        depth,
        k,
        lut,
        candRows,
        candDists,
        outRows,
        outDists,
      ],
      collect: resultReader(kern, outRows, outDists),
      release: () => kern.free(block),
    };
  }

  /** Grows the code array to hold at least `rows` codes (never while asynchronous work runs). */
  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const m = this.recipe.m;
    const capacity = Math.max(rows, this.capacity * 2, 64);
    const next = this.kern.alloc(capacity * m);
    if (this.count > 0) {
      const buffer = this.kern.memory.buffer;
      new Uint8Array(buffer, next, this.count * m).set(new Uint8Array(buffer, this.codesPtr, this.count * m));
    }
    this.kern.free(this.codesPtr);
    this.codesPtr = next;
    this.capacity = capacity;
  }

  private checkTrained(): void {
    if (!this.isTrained) throw new Error(`${this.type} must be trained before rows are added`);
  }
}
