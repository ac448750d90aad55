/**
 * `LSH<bits>`: random-hyperplane locality-sensitive hashing in the manner of FAISS's
 * IndexLSH (without its rotation). Each vector gets a signature of `bits` bits, bit b being
 * the sign of its projection on hyperplane b; vectors at a small angle differ in few bits,
 * so the Hamming distance between signatures ranks candidates, and the best candidates
 * are re-ranked on the full-precision vectors.
 *
 * Hyperplanes: `bits` vectors of i.i.d. standard normal components drawn from the seed,
 * through the origin. For L2 the data are first centred on their mean (learned by `train`
 * from at least `trainingRows` = 1 row, at most `maxTrainingRows` = 10,000, taken evenly
 * from a larger sample): bit b = dot(plane b, x) > dot(plane b, mean). For IP and COSINE
 * no training is needed: the sign of dot(plane b, x) estimates the angle, which is what
 * cosine measures and what inner product ranks within.
 *
 * Search (`search(q, k, allow, { rerank, searchK, strategy })`):
 * - By default, as FAISS does: an exhaustive Hamming scan of every allowed signature
 *   (popcount over u64 words in wasm) keeps the `rerank` candidates nearest in Hamming
 *   distance (default max(10·k, 100)); they are ranked by exact distance and the top k
 *   returned, with the flat index's distances.
 * - `rerank: 0` skips re-ranking: the top k by Hamming distance are returned and their
 *   distances are Hamming distances (differing bits, 0..bits), not the flat index's units.
 * - `searchK` switches candidate generation to multi-probe bucket tables: the first
 *   min(bits, 256) bits are cut into bands of 16 bits (`LshTables.BAND_BITS`; a last
 *   band may have 8), each band a hash table from its value to the rows with that value.
 *   A query probes its own bucket in every band, then the buckets one bit away, flipping
 *   first the bits whose projections were nearest to their hyperplane (the single-bit
 *   case of Lv et al.'s query-directed probing), until `searchK` distinct allowed rows
 *   are gathered; those are ranked by full Hamming distance and re-ranked as above. When
 *   the probes gather fewer than k allowed rows, the exhaustive scan answers instead. The
 *   tables are built on the first such query (and after rows are added) and kept:
 *   4·tables bytes per vector, included in `bytesPerVector` and `memoryBytes` once built.
 * - When a filter allows no more rows than would be re-ranked, they are scanned exactly
 *   (`strategy: 'auto'`); `strategy: 'scan'` always does, `'walk'` never. With
 *   `rerank: 0` no exact scan is made (the units would differ): the Hamming scan answers.
 * - `rangeSearch` is exact (a scan of the vectors).
 *
 * Invariants: row i's signature is code i of `codes`; `size` rows are indexed, the first
 * `size` of the store; bucket tables, when present, index exactly those rows.
 */
import { availableParallelism } from 'node:os';
import { SeededRandom } from '../eval/random.js';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import { DistanceKind as Kind } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import { BinaryCodes } from './binary-codes.js';
import type { Bitset } from './bitset.js';
import { formatIndexFactory, type IndexRecipe } from './factory-grammar.js';
import type { FamilyOptions } from './factory-types.js';
import {
  ActivityGuard,
  checkInteger,
  EMPTY_RESULT,
  IndexVectors,
  type KernelCall,
  requireWasm,
  resultReader,
  runCall,
  runCallAsync,
} from './index-vectors.js';
import { readLshBody, writeLshBody } from './lsh-format.js';
import { LshTables, probeOrder } from './lsh-tables.js';
import type { IndexSearchParams, IndexSearchResult, TrainableIndex } from './vector-index.js';
import type { VectorStore } from './vector-store.js';

type Recipe = Extract<IndexRecipe, { family: 'lsh' }>;

/** Rows the mean of the L2 centring is learned from, at most. */
export const LSH_MAX_TRAINING_ROWS = 10_000;

/** Candidates re-ranked when a query gives no `rerank`: max(10·k, 100). */
export function lshDefaultRerank(k: number): number {
  return Math.max(10 * k, 100);
}

/** Rows below which signatures are computed on this thread rather than on workers. */
const PARALLEL_MIN_ROWS = 4096;
/** Bytes of the header the search kernel reads (see `assembly/binary.ts`). */
const HEADER_BYTES = 40;

interface LshExports {
  lshSignatures(
    planes: number,
    bias: number,
    bits: number,
    dim: number,
    rows: number,
    n: number,
    words: number,
    out: number,
  ): void;
  lshMargins(planes: number, bias: number, bits: number, dim: number, query: number, out: number): void;
  lshScratchBytes(count: number, cap: number, probing: number): number;
}

/** A validated query: what to search and how. */
interface LshPlan {
  query: Float32Array;
  limit: number;
  allowed: number;
  rerank: number;
  searchK: number | undefined;
  exactScan: boolean;
}

export class LshIndex implements TrainableIndex {
  readonly type: string;
  readonly trainingRows: number;
  readonly maxTrainingRows: number;
  readonly bits: number;
  private readonly kern: WasmKernels;
  private readonly vectors: IndexVectors;
  private readonly codes: BinaryCodes;
  private readonly threads: number;
  /** bias[bits] then planes[bits·dimension], f32. */
  private readonly bias: number;
  private readonly header: number;
  private tables: LshTables | undefined;
  private trained: boolean;
  private readonly guard = new ActivityGuard('LSH index');

  /**
   * An empty index (`restored`: bias and hyperplanes from `deserialize`; otherwise
   * hyperplanes are drawn from `options.seed`).
   * @throws RangeError for bits that are not a multiple of 8 in [8, 8192] or a bad seed;
   *   Error without the wasm kernels.
   */
  constructor(
    kernels: Kernels,
    readonly recipe: Recipe,
    readonly dimension: number,
    readonly distance: DistanceKind,
    options: FamilyOptions = {},
    restored?: { floats: Float32Array; trained: boolean },
  ) {
    this.kern = requireWasm(kernels, 'LSH');
    this.bits = checkInteger('LSH bits', recipe.bits, 8, 8192);
    if (this.bits % 8 !== 0) throw new RangeError(`LSH bits must be a multiple of 8, got ${this.bits}`);
    const seed = checkInteger('seed', options.seed ?? 1, 0, 0xffffffff);
    this.threads = checkInteger('threads', options.threads ?? availableParallelism(), 1, 1024);
    this.vectors = new IndexVectors(this.kern, dimension, distance, options.store);
    this.type = formatIndexFactory(recipe);
    const centred = distance === Kind.L2;
    this.trainingRows = centred ? 1 : 0;
    this.maxTrainingRows = centred ? LSH_MAX_TRAINING_ROWS : 0;
    this.trained = restored?.trained ?? !centred;
    this.codes = new BinaryCodes(this.kern, this.bits);
    this.bias = this.kern.alloc(4 * this.bits * (dimension + 1));
    this.header = this.kern.alloc(HEADER_BYTES);
    const floats = this.kern.f32(this.bias, this.bits * (dimension + 1));
    if (restored) floats.set(restored.floats);
    else {
      const rng = new SeededRandom(seed);
      for (let i = this.bits; i < floats.length; i++) floats[i] = rng.gaussian();
    }
  }

  /** An index from `serialize()` bytes over `store` (borrowed), which must hold the same rows. */
  static deserialize(
    kernels: Kernels,
    body: Uint8Array,
    store: VectorStore,
    distance: DistanceKind,
  ): LshIndex {
    const parsed = readLshBody(body, store, distance);
    const recipe: Recipe = { family: 'lsh', bits: parsed.bits };
    const index = new LshIndex(kernels, recipe, store.dimension, distance, { store }, parsed);
    index.codes.appendStored(parsed.signatures);
    index.checkIntegrity();
    return index;
  }

  get size(): number {
    return this.codes.count;
  }

  get isTrained(): boolean {
    return this.trained;
  }

  /** Bands of the bucket tables: ceil(min(bits, 256) / 16). */
  get bands(): number {
    return LshTables.bandsFor(this.bits);
  }

  /** The signature (whole u64 words: bits / 8 rounded up to 8) plus 4 bytes per band once tables exist. */
  get bytesPerVector(): number {
    return this.codes.stride + (this.tables ? 4 * this.bands : 0);
  }

  get memoryBytes(): number {
    const planes = 4 * this.bits * (this.dimension + 1);
    const tables = this.tables?.byteLength ?? 0;
    return this.codes.byteLength + planes + HEADER_BYTES + tables + this.vectors.ownedBytes;
  }

  /** A copy of row `offset`'s signature, packed (bits / 8 bytes). */
  signature(offset: number): Uint8Array {
    checkInteger('offset', offset, 0, this.size - 1);
    return this.codes.row(offset);
  }

  /**
   * L2: learns the mean the hyperplanes are centred on (from every row of `sample` up to
   * `maxTrainingRows`, evenly spaced beyond). IP and COSINE: nothing to learn.
   * @throws RangeError for an empty sample or one that is not whole rows.
   */
  async train(sample: Float32Array): Promise<void> {
    if (this.trainingRows === 0) return;
    const d = this.dimension;
    const rows = sample.length / d;
    if (!Number.isInteger(rows) || rows < this.trainingRows) {
      throw new RangeError(`LSH training needs whole rows of ${d} floats, at least ${this.trainingRows}`);
    }
    const used = Math.min(rows, this.maxTrainingRows);
    const mean = new Float64Array(d);
    for (let i = 0; i < used; i++) {
      const at = Math.floor((i * rows) / used) * d;
      for (let j = 0; j < d; j++) mean[j] += sample[at + j];
    }
    const floats = this.kern.f32(this.bias, this.bits * (d + 1));
    for (let b = 0; b < this.bits; b++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += floats[this.bits + b * d + j] * mean[j];
      floats[b] = dot / used;
    }
    this.trained = true;
  }

  /**
   * Signs the store's rows not indexed yet, on `threads` workers when there are many
   * (searches meanwhile throw).
   */
  async addStored(): Promise<void> {
    this.guard.checkChange();
    const first = this.size;
    const count = this.vectors.store.count - first;
    if (count <= 0) return;
    this.checkTrained();
    const at = this.codes.appendZeroed(count);
    this.dropTables();
    const chunks = Math.min(this.threads, Math.ceil(count / PARALLEL_MIN_ROWS));
    if (chunks <= 1) return this.sign(first, count, at);
    const per = Math.ceil(count / chunks);
    const pool = KernelWorkerPool.for(this.kern, 'build');
    try {
      await this.guard.build(() => {
        const tasks: Promise<number>[] = [];
        for (let start = 0; start < count; start += per) {
          const rows = Math.min(per, count - start);
          tasks.push(
            pool.run('lshSignatures', this.signArgs(first + start, rows, at + start * this.codes.stride)),
          );
        }
        return Promise.all(tasks);
      });
    } catch (error) {
      this.codes.truncate(first);
      throw error;
    }
  }

  /** Appends `rows` (normalized for COSINE) to the store and signs them on this thread. */
  add(rows: Float32Array): void {
    this.guard.checkChange();
    this.checkTrained();
    const first = this.size;
    const n = this.vectors.append(rows);
    if (n === 0) return;
    const at = this.codes.appendZeroed(n);
    this.dropTables();
    this.sign(first, n, at);
  }

  search(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams): IndexSearchResult {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    if (plan.exactScan) return this.vectors.search(plan.query, plan.limit, this.size, allow);
    if (plan.searchK !== undefined) {
      const found = runCall(this.kern, this.prepareCall(plan, true, allow));
      if (found.offsets.length >= plan.limit) return found;
    }
    return runCall(this.kern, this.prepareCall(plan, false, allow));
  }

  /** `search` on a worker thread; rows cannot be added until it settles. */
  async searchAsync(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): Promise<IndexSearchResult> {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    return this.guard.search(async () => {
      if (plan.exactScan) return this.vectors.searchAsync(plan.query, plan.limit, this.size, allow);
      if (plan.searchK !== undefined) {
        const found = await runCallAsync(this.kern, this.prepareCall(plan, true, allow));
        if (found.offsets.length >= plan.limit) return found;
      }
      return runCallAsync(this.kern, this.prepareCall(plan, false, allow));
    });
  }

  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    return this.vectors.rangeSearch(query, maxDistance, this.size, allow);
  }

  /** The body described in `lsh-format.ts`: shape, bias and hyperplanes, signatures. */
  serialize(): Uint8Array {
    const floats = this.kern.f32(this.bias, this.bits * (this.dimension + 1));
    return writeLshBody(
      { bits: this.bits, dimension: this.dimension, distance: this.distance, trained: this.trained },
      floats,
      this.codes.view(),
      this.size,
    );
  }

  checkIntegrity(): void {
    if (this.size > this.vectors.store.count) {
      throw new Error(`LSH: ${this.size} signatures for ${this.vectors.store.count} stored rows`);
    }
    this.codes.checkPadding('LSH');
    const floats = this.kern.f32(this.bias, this.bits * (this.dimension + 1));
    for (let i = 0; i < floats.length; i++) {
      if (!Number.isFinite(floats[i])) throw new Error(`LSH: hyperplane value ${i} is not finite`);
    }
    this.tables?.check(this.size);
  }

  dispose(): void {
    this.dropTables();
    this.codes.dispose();
    this.kern.free(this.bias);
    this.kern.free(this.header);
    this.vectors.dispose();
  }

  /** Validates a query and decides between an exact scan and the signatures. */
  private plan(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): LshPlan | undefined {
    this.guard.checkSearch();
    const n = this.size;
    if (k <= 0 || n === 0) return undefined;
    this.vectors.checkQuery(query, n, allow);
    const rerank = checkInteger('rerank', params?.rerank ?? lshDefaultRerank(k), 0, 0x7fffffff);
    const searchK =
      params?.searchK === undefined ? undefined : checkInteger('searchK', params.searchK, 1, 0x7fffffff);
    const allowed = allow ? allow.count() : n;
    const limit = Math.min(k, allowed);
    if (limit === 0) return undefined;
    const strategy = params?.strategy ?? 'auto';
    const fewAllowed = allow !== undefined && allowed <= rerank;
    const exactScan = rerank > 0 && (strategy === 'scan' || (strategy === 'auto' && fewAllowed));
    return { query: this.vectors.prepare(query), limit, allowed, rerank, searchK, exactScan };
  }

  /**
   * Lays out one `lshSearch` call: the query, its signature, the probe list (when
   * `probing`), outputs, allow-list and scratch in one block.
   */
  private prepareCall(plan: LshPlan, probing: boolean, allow?: Bitset): KernelCall {
    const kern = this.kern;
    const exports = kern.exports as unknown as LshExports;
    const { limit, rerank } = plan;
    const d = this.dimension;
    const cap = rerank === 0 ? limit : Math.min(Math.max(rerank, limit), plan.allowed);
    if (probing && !this.tables) {
      this.syncHeader();
      this.tables = new LshTables(kern, this.header, this.bits, this.size);
    }
    const probes = probing ? this.bands + Math.min(this.bits, this.bands * LshTables.BAND_BITS) : 0;
    const sigBytes = this.codes.stride;
    const marginBytes = probing ? this.bits * 4 : 0;
    const allowBytes = allow ? allow.words.length * 4 : 0;
    const scratchBytes = exports.lshScratchBytes(this.size, cap, probing ? 1 : 0);
    const block = kern.alloc(
      d * 4 + sigBytes + marginBytes + probes * 8 + limit * 8 + allowBytes + scratchBytes,
    );
    const q = block;
    const sig = q + d * 4;
    const margins = sig + sigBytes;
    const probeList = margins + marginBytes;
    const outRows = probeList + probes * 8;
    const outDist = outRows + limit * 4;
    const allowPtr = outDist + limit * 4;
    const scratch = allowPtr + allowBytes;
    kern.f32(q, d).set(plan.query);
    if (allow) kern.u32(allowPtr, allow.words.length).set(allow.words);
    exports.lshSignatures(this.hyperplanes, this.bias, this.bits, d, q, 1, this.codes.words, sig);
    if (probing) {
      exports.lshMargins(this.hyperplanes, this.bias, this.bits, d, q, margins);
      const sigView = new Uint8Array(kern.memory.buffer, sig, sigBytes);
      kern.u32(probeList, probes * 2).set(probeOrder(sigView, kern.f32(margins, this.bits), this.bands));
    }
    this.syncHeader();
    return {
      fn: 'lshSearch',
      args: [
        this.header,
        q,
        sig,
        probeList,
        probes,
        plan.searchK ?? 0,
        limit,
        cap,
        rerank > 0 ? 1 : 0,
        allow ? allowPtr : 0,
        scratch,
        outRows,
        outDist,
      ],
      collect: resultReader(kern, outRows, outDist),
      release: () => kern.free(block),
    };
  }

  /** Writes the search header (pointers change when the store or codes grow); returns it. */
  private syncHeader(): number {
    const t = this.tables;
    this.kern
      .u32(this.header, HEADER_BYTES / 4)
      .set([
        this.codes.ptr,
        this.size,
        this.codes.words,
        this.bits,
        this.bands,
        t?.starts ?? 0,
        t?.entries ?? 0,
        this.vectors.store.ptr,
        this.dimension,
        this.distance,
      ]);
    return this.header;
  }

  /** Address of the hyperplanes (after the bias). */
  private get hyperplanes(): number {
    return this.bias + this.bits * 4;
  }

  /** Arguments of `lshSignatures` for `count` stored rows from `row` on, signed into `out`. */
  private signArgs(row: number, count: number, out: number): Parameters<LshExports['lshSignatures']> {
    const d = this.dimension;
    const rows = this.vectors.store.ptr + row * d * 4;
    return [this.hyperplanes, this.bias, this.bits, d, rows, count, this.codes.words, out];
  }

  private sign(row: number, count: number, out: number): void {
    (this.kern.exports as unknown as LshExports).lshSignatures(...this.signArgs(row, count, out));
  }

  private dropTables(): void {
    this.tables?.dispose();
    this.tables = undefined;
  }

  private checkTrained(): void {
    if (!this.trained) throw new Error('LSH index must be trained (the L2 centring) before rows are added');
  }
}
