/**
 * `HNSW<M>,SQ8` with its full-precision vectors on disk: the graph and the SQ8 codes live
 * in linear memory (`dimension` bytes of code plus the node's links per vector), the rows
 * stay in the segment file (`DiskRows`) and are read only to re-rank.
 *
 * It loads the very body `HnswSq8Index.serialize()` writes (SQ8 header and params, then the
 * graph) and searches exactly as `HnswSq8Index` does, so that results are equal for equal
 * bodies and rows:
 * - the walk is the same wasm call (`hnswSearchSq8`) with the same `ef`, asked for the
 *   max(rerank, k) best candidates by SQ8 distance without re-ranking (`rerank = 0`, which
 *   never touches the vectors); it runs on this thread or, for `searchAsync`, on a search
 *   worker;
 * - re-ranking then reads those candidates' rows (positioned reads, in offset order) and
 *   ranks them with the kernels' exact scan, the distances `FlatIndex` computes; ties go to
 *   the lower offset, as in `sq8RerankTopK`. For rows in a file, walk, reads (straight into
 *   linear memory) and ranking are one call (`HNSW_SQ8_DISK`, worker-file-reads.ts): on the
 *   calling thread for `search`, on a search worker for `searchAsync` (the segment's file
 *   descriptor is the process's, shared by every thread), so an asynchronous search takes
 *   one hop as in memory;
 * - `rerank` defaults to every candidate the walk kept (max(ef, k)), as in memory: Qdrant's
 *   rescoring with an oversampling of max(ef, k) / k; a smaller `rerank` reads fewer rows
 *   (Qdrant's `oversampling · k`), and `rerank: 0` returns SQ8 distances and reads nothing;
 * - exact scans (`strategy: 'scan'`, few allowed rows, a walk that found fewer than
 *   min(k, allowed)) and `rangeSearch` go to `OnDiskFlatIndex` over the same rows.
 *
 * Invariants: the codes are the encodings of rows 0..size-1 (`OnDiskSq8Codes`: copied from
 * the build, encoded as the segment file streams past at load, or encoded from the rows in
 * chunks, so the full vectors never stay in linear memory); the graph's vector
 * pointer is 0 and never read (walks use codes only); the index never changes after load.
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { HNSW_SQ8_DISK, hnswSearchSq8Disk } from '../kernels/worker-file-reads.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { Bitset } from './bitset.js';
import type { DiskRows } from './disk-rows.js';
import { HnswGraph } from './hnsw-graph.js';
import { HNSW_DEFAULTS, scanBeatsWalk } from './hnsw-index.js';
import { requireWasm } from './index-vectors.js';
import { OnDiskSq8Codes } from './ondisk-codes.js';
import { chunkRows, OnDiskFlatIndex, rankRows } from './ondisk-flat-index.js';
import { type Sq8Codec, sq8Exports } from './sq8-codec.js';
import { sq8Body } from './sq8-index.js';
import { checkQuery, EMPTY_RESULT, rerankParam, searchedRows, sq8QueryBlock } from './sq8-search.js';
import type { IndexSearchParams, IndexSearchResult, VectorIndexRead } from './vector-index.js';
import type { VectorStore } from './vector-store.js';

type WasmExports = Parameters<typeof hnswSearchSq8Disk>[0];

export class OnDiskHnswSq8Index implements VectorIndexRead {
  readonly type: string;
  readonly dimension: number;
  /** The exact scan over the rows on disk (fallbacks, forced scans, range search). */
  readonly exact: OnDiskFlatIndex;
  /** The SQ8 quantizer of the codes (explanations decode a row's code with it). */
  readonly codec: Sq8Codec;
  /** Row 0's code in linear memory. */
  private readonly codes: number;
  private readonly kern: WasmKernels;
  private readonly idleSlots: number[] = [];
  private nextSlot = 1;

  private constructor(
    kernels: WasmKernels,
    readonly distance: DistanceKind,
    private readonly encoded: OnDiskSq8Codes,
    private readonly graph: HnswGraph,
    readonly rows: DiskRows,
    private readonly ef: number,
  ) {
    this.kern = kernels;
    this.codec = encoded.codec;
    this.codes = encoded.codes;
    this.dimension = rows.dimension;
    this.type = `HNSW${graph.shape.M},SQ8`;
    this.exact = new OnDiskFlatIndex(kernels, distance, rows);
  }

  /**
   * The index of an `HNSW<M>,SQ8` body over `rows`: params and graph from the body; the
   * codes given (`options.codes`, filled from these rows while their file was read; the index
   * takes them over, and frees them when this throws) or else encoded from the rows here (read
   * in chunks); `ef` is the default search breadth.
   * @throws Error naming what is wrong when the body does not fit the rows or distance.
   */
  static load(
    kernels: Kernels,
    body: Uint8Array,
    rows: DiskRows,
    distance: DistanceKind,
    options: { ef?: number; codes?: OnDiskSq8Codes } = {},
  ): OnDiskHnswSq8Index {
    const kern = requireWasm(kernels, 'HNSW,SQ8 on disk');
    let codes = options.codes;
    let graph: HnswGraph | undefined;
    try {
      let end: number;
      if (codes === undefined) {
        const made = OnDiskSq8Codes.of(kern, body, rows.dimension, rows.count, distance);
        codes = made.codes;
        end = made.end;
        codes.encodeFromRows(rows);
      } else {
        if (codes.count !== rows.count || codes.dimension !== rows.dimension || codes.codec.kernels !== kern)
          throw new Error(`hnsw,sq8: the codes given are not those of these ${rows.count} rows`);
        end = OnDiskSq8Codes.headerEnd(body, rows.dimension, rows.count, distance);
      }
      // The graph reads only these three fields of a store; its vector pointer (0) is read by
      // exact walks and re-ranking in wasm, never done here.
      const shape = { ptr: 0, count: rows.count, dimension: rows.dimension } as unknown as VectorStore;
      graph = HnswGraph.deserialize(kern, body.subarray(end), shape);
      if (graph.count !== rows.count)
        throw new Error(`hnsw,sq8: ${rows.count} codes for a graph of ${graph.count} nodes`);
      if (graph.shape.distance !== distance) {
        throw new Error(`hnsw,sq8: graph distance ${graph.shape.distance}, expected ${distance}`);
      }
      return new OnDiskHnswSq8Index(kern, distance, codes, graph, rows, options.ef ?? HNSW_DEFAULTS.ef);
    } catch (error) {
      graph?.dispose();
      codes?.dispose();
      throw error;
    }
  }

  /** The graph's M and the default search ef. */
  get options(): { M: number; ef: number } {
    return { M: this.graph.shape.M, ef: this.ef };
  }

  get size(): number {
    return this.graph.count;
  }

  /** Bytes of linear memory: params, codes, graph and search scratch (not the rows, on disk). */
  get memoryBytes(): number {
    return this.codec.paramsBytes + this.encoded.bytes + this.graph.byteLength + this.graph.scratchBytes;
  }

  /** Per node: its code and its share of the graph (as `HnswSq8Index.bytesPerVector`). */
  get bytesPerVector(): number {
    const n = this.size;
    return n === 0 ? 0 : this.dimension + this.graph.nodeBytes / n;
  }

  /** Bytes of the graph's search scratch allocated so far. */
  get scratchBytes(): number {
    return this.graph.scratchBytes;
  }

  search(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams): IndexSearchResult {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    if (plan.scan) return this.exact.search(plan.query, plan.limit, allow);
    const file = this.rows.file;
    if (plan.rerank > 0 && file !== undefined) {
      const call = this.prepareDiskSearch(plan, file, allow);
      let found: IndexSearchResult | undefined;
      try {
        const { exports, memory } = this.kern;
        const args = call.args(this.graph.scratch(0, plan.ef).ptr);
        found = call.collect(hnswSearchSq8Disk(exports as unknown as WasmExports, memory, args));
      } finally {
        call.release();
      }
      return found ?? this.exact.search(plan.query, plan.limit, allow);
    }
    const walk = this.prepareWalk(plan.query, plan.keep, plan.ef, allow);
    let found: IndexSearchResult;
    try {
      const args = walk.args(this.graph.scratch(0, plan.ef).ptr);
      found = walk.collect(sq8Exports(this.kern).hnswSearchSq8(...args));
    } finally {
      walk.release();
    }
    if (found.offsets.length < plan.limit) return this.exact.search(plan.query, plan.limit, allow);
    if (plan.rerank === 0) return found;
    const offsets = found.offsets.slice().sort();
    const buffer = new Float32Array(offsets.length * this.dimension);
    this.rows.read(offsets, buffer);
    return this.rerank(plan.query, offsets, buffer, plan.limit);
  }

  /**
   * `search` off the event loop: for rows in a file, walk, reads and ranking in one call on
   * a search worker (`HNSW_SQ8_DISK`); else the walk on a worker and `readAsync`.
   */
  async searchAsync(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): Promise<IndexSearchResult> {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    if (plan.scan) return this.exact.searchAsync(plan.query, plan.limit, allow);
    const pool = KernelWorkerPool.for(this.kern, 'search');
    const file = this.rows.file;
    const slot = this.idleSlots.pop() ?? this.nextSlot++;
    let found: IndexSearchResult | undefined;
    try {
      if (plan.rerank > 0 && file !== undefined) {
        const call = this.prepareDiskSearch(plan, file, allow);
        try {
          found = call.collect(
            await pool.run(HNSW_SQ8_DISK, call.args(this.graph.scratch(slot, plan.ef).ptr)),
          );
        } finally {
          call.release();
        }
        return found ?? (await this.exact.searchAsync(plan.query, plan.limit, allow));
      }
      const walk = this.prepareWalk(plan.query, plan.keep, plan.ef, allow);
      try {
        found = walk.collect(
          await pool.run('hnswSearchSq8', walk.args(this.graph.scratch(slot, plan.ef).ptr)),
        );
      } finally {
        walk.release();
      }
    } finally {
      this.idleSlots.push(slot);
    }
    if (found.offsets.length < plan.limit) return this.exact.searchAsync(plan.query, plan.limit, allow);
    if (plan.rerank === 0) return found;
    const offsets = found.offsets.slice().sort();
    const buffer = new Float32Array(offsets.length * this.dimension);
    await this.rows.readAsync(offsets, buffer);
    return this.rerank(plan.query, offsets, buffer, plan.limit);
  }

  /** Exact: a scan of the rows on disk. */
  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    if (this.size === 0) return EMPTY_RESULT;
    checkQuery(query, allow, this.dimension, this.size);
    return this.exact.rangeSearch(searchedRows(query, this.dimension, this.distance), maxDistance, allow);
  }

  /** The body `HnswSq8Index.serialize()` writes: the SQ8 header and params, then the graph. */
  serialize(): Uint8Array {
    const head = sq8Body(this.codec, this.size);
    const graph = this.graph.serialize();
    const out = new Uint8Array(head.length + graph.length);
    out.set(head, 0);
    out.set(graph, head.length);
    return out;
  }

  /** The graph's invariants (the codes were encoded from the rows at load). */
  checkGraph(): void {
    this.graph.checkIntegrity();
  }

  /** The graph's invariants, and that the codes are the encodings of the rows (read in chunks). */
  checkIntegrity(): void {
    this.graph.checkIntegrity();
    const d = this.dimension;
    const step = chunkRows(d);
    const buffer = new Float32Array(step * d);
    for (let first = 0; first < this.size; first += step) {
      const n = Math.min(step, this.size - first);
      this.rows.readRange(first, n, buffer);
      const want = this.codec.encodeRows(buffer.subarray(0, n * d));
      const have = new Uint8Array(this.kern.memory.buffer, this.codes + first * d, n * d);
      for (let i = 0; i < want.length; i++) {
        if (want[i] !== have[i])
          throw new Error(`${this.type}: the code of row ${first + Math.floor(i / d)} is stale`);
      }
    }
  }

  dispose(): void {
    this.graph.dispose();
    this.encoded.dispose();
  }

  /** The best `k` of `rows` (the candidates `offsets`, ascending) by exact distance. */
  private rerank(
    query: Float32Array,
    offsets: Uint32Array,
    rows: Float32Array,
    k: number,
  ): IndexSearchResult {
    const ranked = rankRows(this.kern, this.distance, query, rows, offsets.length, k);
    return { offsets: ranked.offsets.map((i) => offsets[i]), distances: ranked.distances };
  }

  /** As `HnswSq8Index`'s plan: the walk's breadth, candidates kept, and whether to scan instead. */
  private plan(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams) {
    const ef = params?.ef ?? this.ef;
    if (!Number.isInteger(ef) || ef < 1) throw new RangeError(`ef must be a positive integer, got ${ef}`);
    const n = this.size;
    if (k <= 0 || n === 0) return undefined;
    checkQuery(query, allow, this.dimension, n);
    const allowed = allow ? allow.count() : n;
    const limit = Math.min(k, allowed);
    if (limit === 0) return undefined;
    const walkEf = Math.max(ef, limit);
    const rerank = rerankParam(params, walkEf);
    const strategy = params?.strategy ?? 'auto';
    const fewAllowed = allow !== undefined && scanBeatsWalk(allowed, walkEf, n);
    return {
      query: searchedRows(query, this.dimension, this.distance),
      limit,
      rerank,
      /** Candidates the walk returns: the re-ranked ones, or the k results without re-ranking. */
      keep: rerank > 0 ? Math.max(rerank, limit) : limit,
      ef: Math.max(walkEf, rerank),
      scan: strategy === 'scan' || (strategy === 'auto' && fewAllowed),
    };
  }

  /**
   * The blocks of one `HNSW_SQ8_DISK` call (see worker-file-reads.ts); `collect` gives the
   * re-ranked results, or undefined when the walk found fewer than `limit` (scan instead).
   */
  private prepareDiskSearch(
    plan: { query: Float32Array; limit: number; keep: number; ef: number },
    file: { fd: number; position: number },
    allow?: Bitset,
  ) {
    const { limit, keep } = plan;
    const d = this.dimension;
    const block = sq8QueryBlock(this.codec, plan.query, limit, keep, allow);
    const kern = this.kern;
    let rows = 0;
    try {
      rows = kern.alloc(keep * d * 4 + 16);
    } catch (error) {
      block.release();
      throw error;
    }
    const countPtr = rows + keep * d * 4;
    const graph = this.graph;
    graph.syncHeader();
    return {
      args: (scratch: number): number[] => [
        graph.header,
        scratch,
        block.prepared,
        this.codes,
        block.query,
        keep,
        plan.ef,
        block.allow,
        block.candRows,
        block.candDist,
        file.fd,
        file.position,
        d,
        this.distance,
        rows,
        limit,
        block.outRows,
        block.outDist,
        countPtr,
      ],
      collect: (ranked: number): IndexSearchResult | undefined => {
        if (kern.u32(countPtr, 1)[0] < limit) return undefined;
        const candidates = kern.u32(block.candRows, keep);
        return {
          offsets: kern.u32(block.outRows, ranked).map((i) => candidates[i]),
          distances: kern.f32(block.outDist, ranked).slice(),
        };
      },
      release: () => {
        kern.free(rows);
        block.release();
      },
    };
  }

  /** One `hnswSearchSq8` call without re-ranking, returning the `keep` best by SQ8 distance. */
  private prepareWalk(query: Float32Array, keep: number, ef: number, allow?: Bitset) {
    const block = sq8QueryBlock(this.codec, query, keep, 0, allow);
    const graph = this.graph;
    graph.syncHeader();
    return {
      args: (
        scratch: number,
      ): [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ] => [
        graph.header,
        scratch,
        block.prepared,
        this.codes,
        block.query,
        keep,
        ef,
        0,
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
