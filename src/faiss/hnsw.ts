/**
 * `IndexHNSWFlat`: FAISS's HNSW over full vectors, backed by Quiver's `HnswIndex` (graph
 * walk in wasm, batches on the kernel worker pool), with FAISS's defaults (M = 32,
 * efConstruction = 40, efSearch = 16) and FAISS's graph conversion for its files.
 *
 * FAISS's graph (`faiss/impl/HNSW.h`) and Quiver's (`src/index/hnsw-graph.ts`) have the same
 * shape: node i is vector i, level 0 holds 2·M links, upper levels M; FAISS stores node i's
 * lists contiguously (`offsets[i]`, level l at `cum_nneighbor_per_level[l]`, padded with
 * -1) and `levels[i]` = top level + 1. `toFaissGraph` / `fromFaissGraph` convert between
 * the two exactly, so a graph read from a FAISS file is walked as it was built.
 *
 * Invariants: label i is node i; FAISS cannot remove from HNSW and neither can this class
 * (`removeIds` throws `UnsupportedOperationError`, where faiss-node kills the process).
 */
import { InvalidArgumentError } from '../errors.js';
import { FlatIndex } from '../index/flat-index.js';
import { searchRows } from '../index/hnsw-batch.js';
import { HnswIndex } from '../index/hnsw-index.js';
import { kernels } from '../kernels/load.js';
import { UnsupportedOperationError } from './errors.js';
import {
  type Hits,
  type IdsInput,
  Index,
  METRIC_L2,
  type MetricType,
  type SearchParameters,
} from './faiss-index.js';
import { hitsOf, kindOf, rangeHits } from './flat.js';

/** FAISS's HNSW fields as they are written to a file (`write_HNSW`). */
export interface FaissHnswGraph {
  assignProbas: Float64Array;
  cumNeighborsPerLevel: Int32Array;
  /** Per node: its top level + 1. */
  levels: Int32Array;
  /** n+1 offsets into `neighbors`. */
  offsets: number[];
  neighbors: Int32Array;
  entryPoint: number;
  maxLevel: number;
  efConstruction: number;
  efSearch: number;
  upperBeam: number;
}

/** Quiver's serialized-graph header (see `src/index/hnsw-graph.ts`, docs/format.md). */
const GRAPH_MAGIC = 0x57534e48;
const GRAPH_VERSION = 1;
const GRAPH_FIXED_WORDS = 13;

export class IndexHNSWFlat extends Index {
  readonly className: string = 'IndexHNSWFlat';
  /** FAISS's `hnsw.efSearch`: candidates kept at level 0 by default (per call: `params.efSearch`). */
  efSearch = 16;
  private efBuild = 40;
  private hnsw: HnswIndex | undefined;

  /** Python: `faiss.IndexHNSWFlat(d, M, metric)`. */
  constructor(
    d: number,
    /** Links per node on upper levels (2·M on level 0). */
    readonly M = 32,
    metricType: MetricType = METRIC_L2,
  ) {
    super(d, metricType);
    if (!Number.isInteger(M) || M < 2 || M > 256)
      throw new InvalidArgumentError(`M must be an integer in [2, 256], got ${M}`);
  }

  /**
   * FAISS's `hnsw.efConstruction` (default 40): candidates kept while linking. Python:
   * `index.hnsw.efConstruction = 64`; settable until the first `add`.
   */
  get efConstruction(): number {
    return this.efBuild;
  }

  set efConstruction(value: number) {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidArgumentError(`efConstruction must be a positive integer, got ${value}`);
    if (this.hnsw && this.hnsw.size > 0) {
      throw new InvalidArgumentError('efConstruction can only be set before the first add');
    }
    this.hnsw?.dispose();
    this.hnsw = undefined;
    this.efBuild = value;
  }

  get ntotal(): number {
    return this.hnsw?.size ?? 0;
  }

  /** The stored vectors (FAISS's `index.storage`), n·d floats row-major (a copy). */
  vectors(): Float32Array {
    return this.hnsw ? this.hnsw.store.view().slice() : new Float32Array(0);
  }

  protected addRows(rows: Float32Array): void {
    this.graphIndex().add(rows);
  }

  /** Every query in slices shared by the search workers (`searchRows`). */
  protected override async searchBatch(
    rows: Float32Array,
    n: number,
    k: number,
    params: SearchParameters,
  ): Promise<Hits[]> {
    const found = await searchRows(this.graphIndex(), rows, n, k, {
      ef: params.efSearch ?? this.efSearch,
      strategy: 'walk',
    });
    return found.map((r) => hitsOf(r.offsets, r.distances, this.metricType));
  }

  protected async searchOne(query: Float32Array, k: number, params: SearchParameters): Promise<Hits> {
    const r = await this.graphIndex().searchAsync(query, k, undefined, {
      ef: params.efSearch ?? this.efSearch,
      strategy: 'walk',
    });
    return hitsOf(r.offsets, r.distances, this.metricType);
  }

  /** Exact (a scan of the stored vectors); FAISS's HNSW range search is approximate. */
  protected rangeOne(query: Float32Array, radius: number): Hits {
    // A flat view over the graph's store: borrowed, so it is not disposed.
    const flat = new FlatIndex(kernels(), this.d, kindOf(this.metricType), this.graphIndex().store);
    return rangeHits(flat, this.metricType, query, radius);
  }

  override removeIds(_ids: IdsInput): number {
    throw new UnsupportedOperationError(
      this.className,
      'removeIds',
      'FAISS cannot remove from an HNSW graph either; rebuild, or use IndexFlat / IVF',
    );
  }

  reset(): void {
    this.hnsw?.dispose();
    this.hnsw = undefined;
  }

  override reconstruct(key: number | bigint): Float32Array {
    return this.graphIndex().store.row(this.checkKey(key));
  }

  override dispose(): void {
    this.reset();
  }

  /** FAISS's graph fields of this index (for `writeIndex`). */
  toFaissGraph(): FaissHnswGraph {
    const { assignProbas, cum } = defaultProbas(this.M);
    const n = this.ntotal;
    const graph = this.hnsw?.graph;
    const levels = new Int32Array(n);
    const offsets = [0];
    for (let i = 0; i < n; i++) {
      levels[i] = (graph?.levelOf(i) ?? 0) + 1;
      while (levels[i] >= cum.length) cum.push(cum[cum.length - 1] + this.M);
      offsets.push(offsets[i] + cum[levels[i]]);
    }
    const neighbors = new Int32Array(offsets[n]).fill(-1);
    for (let i = 0; i < n && graph; i++) {
      for (let l = 0; l < levels[i]; l++) neighbors.set(graph.links(i, l), offsets[i] + cum[l]);
    }
    return {
      assignProbas,
      cumNeighborsPerLevel: Int32Array.from(cum),
      levels,
      offsets,
      neighbors,
      entryPoint: n > 0 && graph ? graph.entry : -1,
      maxLevel: n > 0 && graph ? graph.maxLevel : -1,
      efConstruction: this.efBuild,
      efSearch: this.efSearch,
      upperBeam: 1,
    };
  }

  /**
   * An index over FAISS's graph fields and its storage's vectors (from `readIndex`).
   * @throws Error naming what does not fit (the reader turns it into CorruptDataError).
   */
  static fromFaissGraph(
    d: number,
    metricType: MetricType,
    g: FaissHnswGraph,
    vectors: Float32Array,
  ): IndexHNSWFlat {
    const cum = g.cumNeighborsPerLevel;
    if (cum.length < 2 || cum[0] !== 0 || cum[1] % 2 !== 0)
      throw new Error('HNSW: bad cum_nneighbor_per_level');
    const M = cum[1] / 2;
    for (let l = 2; l < cum.length; l++) {
      if (cum[l] - cum[l - 1] !== M)
        throw new Error(`HNSW: level ${l - 1} has ${cum[l] - cum[l - 1]} links, expected M = ${M}`);
    }
    if (M < 2 || M > 256) throw new Error(`HNSW: M = ${M} is outside [2, 256]`);
    const n = g.levels.length;
    if (vectors.length !== n * d)
      throw new Error(`HNSW: ${n} nodes but the storage holds ${vectors.length / d} vectors`);
    if (g.offsets.length !== n + 1 || g.offsets[n] !== g.neighbors.length)
      throw new Error('HNSW: offsets do not match the neighbor table');
    const index = new IndexHNSWFlat(d, M, metricType);
    index.efSearch = Math.max(1, g.efSearch);
    index.efBuild = Math.max(1, g.efConstruction);
    if (n === 0) return index;
    if (g.entryPoint < 0 || g.entryPoint >= n)
      throw new Error(`HNSW: entry point ${g.entryPoint} is not a node`);
    const M0 = 2 * M;
    let upperWords = 0;
    for (let i = 0; i < n; i++) {
      const lv = g.levels[i];
      if (lv < 1 || lv > 32 || lv >= cum.length) throw new Error(`HNSW: node ${i} has ${lv} levels`);
      if (g.offsets[i + 1] - g.offsets[i] !== cum[lv])
        throw new Error(`HNSW: node ${i}'s neighbor range does not match its levels`);
      upperWords += (lv - 1) * (M + 1);
    }
    if (g.maxLevel !== g.levels[g.entryPoint] - 1)
      throw new Error('HNSW: max_level is not the entry point level');
    const levelBytes = Math.ceil(n / 4) * 4;
    const deletedWords = Math.ceil(n / 32);
    const bytes = new Uint8Array(
      GRAPH_FIXED_WORDS * 4 + levelBytes + (n * (M0 + 1) + upperWords + deletedWords) * 4,
    );
    const words = new Uint32Array(bytes.buffer);
    words.set(
      [
        GRAPH_MAGIC,
        GRAPH_VERSION,
        d,
        kindOf(metricType),
        M,
        index.efBuild,
        1,
        1,
        n,
        g.entryPoint,
        g.maxLevel,
        0,
        upperWords,
      ],
      0,
    );
    for (let i = 0; i < n; i++) bytes[GRAPH_FIXED_WORDS * 4 + i] = g.levels[i] - 1;
    let at = (GRAPH_FIXED_WORDS * 4 + levelBytes) / 4;
    const list = (i: number, l: number, width: number) => {
      const start = g.offsets[i] + cum[l];
      let count = 0;
      for (let j = 0; j < width; j++) {
        const v = g.neighbors[start + j];
        if (v < 0) break;
        if (v >= n) throw new Error(`HNSW: node ${i} links to ${v}, beyond ${n} nodes`);
        words[at + 1 + count++] = v;
      }
      words[at] = count;
      at += width + 1;
    };
    for (let i = 0; i < n; i++) list(i, 0, M0);
    for (let i = 0; i < n; i++) for (let l = 1; l < g.levels[i]; l++) list(i, l, M);
    index.hnsw = HnswIndex.deserialize(kernels(), bytes, vectors, { ef: index.efSearch });
    index.hnsw.checkIntegrity();
    return index;
  }

  private graphIndex(): HnswIndex {
    this.hnsw ??= new HnswIndex(kernels(), this.d, kindOf(this.metricType), {
      M: this.M,
      efConstruction: this.efBuild,
      ef: this.efSearch,
    });
    return this.hnsw;
  }
}

/**
 * FAISS's `HNSW::set_default_probas(M, 1 / ln M)`: the level distribution and the cumulative
 * link counts per level (2·M on level 0, M above), levels kept while their odds ≥ 1e-9.
 */
export function defaultProbas(M: number): { assignProbas: Float64Array; cum: number[] } {
  const levelMult = Math.fround(1 / Math.log(M));
  const probas: number[] = [];
  const cum = [0];
  let nn = 0;
  for (let level = 0; ; level++) {
    const proba = Math.fround(Math.exp(-level / levelMult) * (1 - Math.exp(-1 / levelMult)));
    if (proba < 1e-9) break;
    probas.push(proba);
    nn += level === 0 ? M * 2 : M;
    cum.push(nn);
  }
  return { assignProbas: Float64Array.from(probas), cum };
}
