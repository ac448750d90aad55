/**
 * `HNSW<M>,SQ8`: an HNSW graph built on the full-precision vectors (exactly as `HNSW<M>`,
 * by `buildHnsw`), searched by walking on SQ8 codes (`dimension` bytes per node, a quarter
 * of the f32 row) and re-ranking the best candidates on the full-precision vectors.
 *
 * Invariants:
 * - Offsets are node numbers: node i's vector is row i of `store` (borrowed from a
 *   segment, or owned when rows come through `add`) and its code is the encoding of that
 *   row; the graph and the codes always cover the same nodes.
 * - A search walks level 0 keeping max(ef, rerank, k) candidates by SQ8 distance, then
 *   returns the best k of the max(rerank, k) best by exact distance (equal to the flat
 *   index's for the same row). `rerank` defaults to all the candidates the walk kept;
 *   `rerank: 0` returns SQ8 distances (to the decoded vectors) instead.
 * - Filters and fallbacks are `HnswIndex`'s: an exact scan of the allowed rows when few
 *   are allowed (`scanBeatsWalk`) or the caller forces `strategy: 'scan'`, and when a walk
 *   finds fewer than min(k, allowed) results.
 * - For COSINE, rows given to `add`, training samples and queries are normalized.
 *   `rangeSearch` is exact (a scan).
 * - The serialized body is the `SQ8` body (header and params) followed by the graph
 *   (`HnswGraph.serialize`); codes are re-encoded from the store on load.
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { Bitset } from './bitset.js';
import { formatIndexFactory, type IndexRecipe } from './factory-grammar.js';
import type { FamilyOptions } from './factory-types.js';
import { buildHnsw } from './hnsw-build.js';
import type { HnswGraph } from './hnsw-graph.js';
import { HnswIndex, type HnswOptions, scanBeatsWalk } from './hnsw-index.js';
import { SearchBlock } from './hnsw-search-block.js';
import { Sq8Codec, type Sq8Exports, sq8Exports } from './sq8-codec.js';
import { Sq8FamilyIndex } from './sq8-family.js';
import { readHeader, sq8Body } from './sq8-index.js';
import { EMPTY_RESULT, rerankParam, sq8QueryBlock } from './sq8-search.js';
import type { IndexSearchParams, IndexSearchResult, TrainableIndex } from './vector-index.js';
import type { VectorStore } from './vector-store.js';

type Recipe = Extract<IndexRecipe, { family: 'hnsw' }>;

export class HnswSq8Index extends Sq8FamilyIndex implements TrainableIndex {
  /** The graph over `store` (its own search is not used: walks go through `hnswSearchSq8`). */
  private hnsw: HnswIndex;
  private readonly hnswOptions: HnswOptions;
  /** Whether a bulk build links the rows in shuffled order (`FamilyOptions.shuffle`). */
  private readonly shuffle: boolean;
  /** Scratch slots (1, 2, …) of asynchronous walks. */
  private readonly idleSlots: number[] = [];
  private nextSlot = 1;
  /** The block of unfiltered searches on this thread (`walkHere`). */
  private readonly hereBlock: SearchBlock;

  /**
   * An untrained, empty index (or, when loading, one over a trained `codec` and a graph).
   * @throws Error when `kernels` are not the wasm kernels; RangeError for bad HNSW options.
   */
  constructor(
    kernels: Kernels,
    readonly recipe: Recipe,
    dimension: number,
    distance: DistanceKind,
    options: FamilyOptions = {},
    loaded?: { codec: Sq8Codec; hnsw: HnswIndex },
  ) {
    super(kernels, formatIndexFactory(recipe), dimension, distance, options, loaded?.codec);
    this.hereBlock = new SearchBlock(this.codec.kernels);
    this.hnswOptions = {
      M: recipe.M,
      efConstruction: options.efConstruction,
      ef: options.ef,
      seed: options.seed,
    };
    this.shuffle = options.shuffle ?? false;
    try {
      this.hnsw = loaded?.hnsw ?? new HnswIndex(kernels, dimension, distance, this.hnswOptions, this.store);
    } catch (error) {
      this.disposeCoding();
      throw error;
    }
  }

  /** The graph's options (M, efConstruction, the default ef, seed). */
  get options(): Required<HnswOptions> {
    return this.hnsw.options;
  }

  get size(): number {
    return this.hnsw.size;
  }

  /** The graph (read it only: the index keeps it consistent with the codes). */
  get graph(): HnswGraph {
    return this.hnsw.graph;
  }

  /**
   * Per node: its code (`dimension` bytes) and its share of the graph, exactly
   * `dimension + 4·(2M + 1) + 5 + 4·(M + 1)·L / n` for n nodes whose levels above 0 sum to
   * L (level-0 list, level byte, upper-table word, upper lists). 0 when empty.
   */
  get bytesPerVector(): number {
    const n = this.size;
    return n === 0 ? 0 : this.dimension + this.hnsw.graph.nodeBytes / n;
  }

  /** Params, codes, graph and search scratch, plus the store when the index owns it. */
  get memoryBytes(): number {
    return this.codingBytes + this.hnsw.graph.byteLength + this.hnsw.graph.scratchBytes;
  }

  /**
   * Links the store's rows that are not nodes yet (into an empty graph: on the build
   * workers, as `buildHnsw`; else on this thread) and encodes them.
   */
  async addStored(): Promise<void> {
    this.checkWritable();
    this.inflight++;
    try {
      if (this.hnsw.size === 0) {
        const built = await buildHnsw(this.codec.kernels, this.store, this.dimension, this.distance, {
          ...this.hnswOptions,
          threads: this.threads,
          shuffle: this.shuffle,
        });
        this.hnsw.dispose();
        this.hnsw = built;
      } else {
        this.hnsw.insertStored(this.hnsw.size, this.store.count);
      }
      await this.codes.appendFromParallel(this.store, this.threads);
    } finally {
      this.inflight--;
    }
  }

  /** Appends `rows` as new nodes (normalized for COSINE), links them on this thread and encodes them. */
  add(rows: Float32Array): void {
    this.checkWritable();
    this.hnsw.add(rows);
    this.codes.appendFrom(this.store);
  }

  search(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams): IndexSearchResult {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    if (plan.scan) return this.exact.search(plan.query, plan.limit, allow);
    if (allow === undefined) {
      const found = this.walkHere(plan.query, plan.limit, plan.ef, plan.rerank);
      return found.offsets.length < plan.limit ? this.exact.search(plan.query, plan.limit) : found;
    }
    const call = this.prepareWalk(plan.query, plan.limit, plan.ef, plan.rerank, allow);
    let found: IndexSearchResult;
    try {
      const args = call.args(this.hnsw.graph.scratch(0, plan.ef).ptr);
      found = call.collect(sq8Exports(this.codec.kernels).hnswSearchSq8(...args));
    } finally {
      call.release();
    }
    return found.offsets.length < plan.limit ? this.exact.search(plan.query, plan.limit, allow) : found;
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
    this.inflight++;
    try {
      if (plan.scan) return await this.exact.searchAsync(plan.query, plan.limit, allow);
      const call = this.prepareWalk(plan.query, plan.limit, plan.ef, plan.rerank, allow);
      const slot = this.idleSlots.pop() ?? this.nextSlot++;
      let found: IndexSearchResult;
      try {
        const args = call.args(this.hnsw.graph.scratch(slot, plan.ef).ptr);
        const pool = KernelWorkerPool.for(this.codec.kernels, 'search');
        found = call.collect(await pool.run('hnswSearchSq8', args));
      } finally {
        this.idleSlots.push(slot);
        call.release();
      }
      if (found.offsets.length < plan.limit)
        return await this.exact.searchAsync(plan.query, plan.limit, allow);
      return found;
    } finally {
      this.inflight--;
    }
  }

  /** The `SQ8` body (header, params) followed by the graph; layout in `/tmp/q/format-sq8.md`. */
  serialize(): Uint8Array {
    const head = sq8Body(this.codec, this.size);
    const graph = this.hnsw.serialize();
    const out = new Uint8Array(head.length + graph.length);
    out.set(head, 0);
    out.set(graph, head.length);
    return out;
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
  ): HnswSq8Index {
    const { dimension, count, params, end } = readHeader(body, store, distance);
    const codec = Sq8Codec.deserialize(kernels, params, dimension, distance);
    let hnsw: HnswIndex;
    try {
      hnsw = HnswIndex.deserialize(kernels, body.subarray(end), store);
    } catch (error) {
      codec.dispose();
      throw error;
    }
    const { M } = hnsw.options;
    const index = new HnswSq8Index(
      kernels,
      { family: 'hnsw', M, storage: 'sq8' },
      dimension,
      distance,
      { store },
      {
        codec,
        hnsw,
      },
    );
    index.restoreCodes(count, () => {
      if (hnsw.size !== count) throw new Error(`hnsw,sq8: ${count} codes for a graph of ${hnsw.size} nodes`);
      if (hnsw.distance !== distance) {
        throw new Error(`hnsw,sq8: graph distance ${hnsw.distance}, expected ${distance}`);
      }
    });
    return index;
  }

  /** The graph's invariants, and that the codes are the encodings of exactly the nodes' rows. */
  checkIntegrity(): void {
    this.hnsw.checkIntegrity();
    if (this.codes.count !== this.hnsw.size) {
      throw new Error(`${this.type}: ${this.codes.count} codes for ${this.hnsw.size} nodes`);
    }
    this.codes.check(this.store);
  }

  dispose(): void {
    this.hereBlock.dispose();
    this.hnsw.dispose();
    this.disposeCoding();
  }

  /** Validates a query and the params, and decides between the walk and an exact scan. */
  private plan(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams) {
    const ef = params?.ef ?? this.hnsw.options.ef;
    if (!Number.isInteger(ef) || ef < 1) throw new RangeError(`ef must be a positive integer, got ${ef}`);
    const base = this.limitOf(query, k, allow);
    if (base === undefined) return undefined;
    const walkEf = Math.max(ef, base.limit);
    const rerank = rerankParam(params, walkEf);
    const strategy = params?.strategy ?? 'auto';
    const fewAllowed = allow !== undefined && scanBeatsWalk(base.allowed, walkEf, this.size);
    return {
      query: base.query,
      limit: base.limit,
      ef: Math.max(walkEf, rerank),
      rerank,
      scan: strategy === 'scan' || (strategy === 'auto' && fewAllowed),
    };
  }

  /**
   * An unfiltered `hnswSearchSq8` on this thread through the reused `SearchBlock` (laid out
   * as `sq8QueryBlock` lays out a block of its own), the same call as `prepareWalk` makes.
   */
  private walkHere(query: Float32Array, k: number, ef: number, rerank: number): IndexSearchResult {
    const d = this.dimension;
    const keep = rerank > 0 ? Math.max(rerank, k) : 0;
    const graph = this.hnsw.graph;
    const scratch = graph.scratch(0, ef).ptr;
    const block = this.hereBlock.reserve(d * 4 + this.codec.preparedBytes + keep * 8 + k * 8);
    const prepared = block + d * 4;
    const candRows = prepared + this.codec.preparedBytes;
    const candDist = candRows + keep * 4;
    const outRows = candDist + keep * 4;
    const outDist = outRows + k * 4;
    this.hereBlock.memory().f32.set(query, block >>> 2);
    this.codec.prepare(block, prepared);
    graph.syncVectors();
    const found = sq8Exports(this.codec.kernels).hnswSearchSq8(
      graph.header,
      scratch,
      prepared,
      this.codes.ptr,
      block,
      k,
      ef,
      rerank,
      0,
      candRows,
      candDist,
      outRows,
      outDist,
    );
    return this.hereBlock.results(outRows, outDist, found);
  }

  /** The block of one `hnswSearchSq8` call; `args` takes the scratch of the thread that runs it. */
  private prepareWalk(query: Float32Array, k: number, ef: number, rerank: number, allow?: Bitset) {
    const block = sq8QueryBlock(this.codec, query, k, rerank > 0 ? Math.max(rerank, k) : 0, allow);
    const graph = this.hnsw.graph;
    graph.syncHeader();
    return {
      args: (scratch: number): Parameters<Sq8Exports['hnswSearchSq8']> => [
        graph.header,
        scratch,
        block.prepared,
        this.codes.ptr,
        block.query,
        k,
        ef,
        rerank,
        block.allow,
        block.candRows,
        block.candDist,
        block.outRows,
        block.outDist,
      ],
      collect: block.collect,
      release: block.release,
    };
  }
}
