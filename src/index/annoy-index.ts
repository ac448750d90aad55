/**
 * `Annoy<trees>`: a forest of random-projection trees in the manner of Spotify's Annoy.
 * Each tree splits the rows recursively by hyperplanes from two-means until at most
 * max(64, d) rows remain (`annoyLeafSize`, `annoy-build.ts`); the forest is one static block
 * (`annoy-forest.ts`) that the wasm search reads as is and that `serialize()` writes as
 * the index body, so loading it is a copy and range checks, not a parse.
 *
 * Search (Annoy's): a priority queue over every tree's root, keyed by the smallest margin
 * met on the way down, yields leaves until `searchK` distinct allowed rows are gathered
 * (`IndexSearchParams.searchK`, default trees · k as Annoy's n_trees · n; Annoy counts
 * repeats across trees, we count distinct rows); they are ranked by exact distance (the
 * flat index's) and the top k returned. Filtered searches skip disallowed rows while
 * gathering; when few rows are allowed (allowed² < searchK · n: gathering searchK of them
 * would visit more than scanning them costs) or the forest yields fewer than k allowed
 * rows, the allowed rows are scanned exactly. `strategy: 'scan'` always scans, `'walk'`
 * scans only as that fallback. `rangeSearch` is exact.
 *
 * Annoy's forests are static: `add` and `addStored` rebuild every tree over all rows (the
 * segment path builds once, at seal time), on the calling thread (`options.threads` is not
 * used; `addStored` yields to the event loop between trees). No training is needed. Each
 * search call in flight keeps a scratch block (a queue of trees + splits entries and a
 * visited bitset), reused by later calls and counted in `memoryBytes`.
 *
 * Memory per vector (`bytesPerVector`): 4 · trees bytes of leaf items plus the split
 * records ((4 + d) · 4 bytes each) and leaf records (8 bytes each) divided by the row
 * count: 4·trees + ((16 + 4d) · splits + 8 · leaves) / n.
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { annoyLeafSize, ForestBuilder } from './annoy-build.js';
import { AnnoyForest, FOREST_HEADER_WORDS } from './annoy-forest.js';
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
  ScratchSlots,
} from './index-vectors.js';
import type { IndexSearchParams, IndexSearchResult, TrainableIndex } from './vector-index.js';
import type { VectorStore } from './vector-store.js';

type Recipe = Extract<IndexRecipe, { family: 'annoy' }>;

export { annoyLeafSize };

interface SearchExports {
  annoyScratchBytes(trees: number, splits: number, count: number): number;
}

interface AnnoyPlan {
  query: Float32Array;
  limit: number;
  searchK: number;
  scan: boolean;
}

export class AnnoyIndex implements TrainableIndex {
  readonly type: string;
  readonly trainingRows = 0;
  readonly maxTrainingRows = 0;
  readonly isTrained = true;
  readonly trees: number;
  private readonly kern: WasmKernels;
  private readonly vectors: IndexVectors;
  private readonly seed: number;
  private forest: AnnoyForest;
  /** Search scratch for the current forest (queue and visited bitset), one block per call in flight. */
  private slots: ScratchSlots;
  private readonly guard = new ActivityGuard('Annoy index');

  /**
   * An empty forest of `recipe.trees` trees (`forest`: one loaded by `deserialize`).
   * @throws RangeError for a tree count outside [1, 4096] or a bad seed; Error without the
   *   wasm kernels.
   */
  constructor(
    kernels: Kernels,
    readonly recipe: Recipe,
    readonly dimension: number,
    readonly distance: DistanceKind,
    options: FamilyOptions = {},
    forest?: AnnoyForest,
  ) {
    this.kern = requireWasm(kernels, 'Annoy');
    this.trees = checkInteger('Annoy trees', recipe.trees, 1, 4096);
    this.seed = checkInteger('seed', options.seed ?? 1, 0, 0xffffffff);
    this.type = formatIndexFactory(recipe);
    this.vectors = new IndexVectors(this.kern, dimension, distance, options.store);
    this.forest = forest ?? this.buildNow(0);
    this.slots = this.slotsFor(this.forest);
  }

  /** An index from `serialize()` bytes over `store` (borrowed), which must hold the same rows. */
  static deserialize(
    kernels: Kernels,
    body: Uint8Array,
    store: VectorStore,
    distance: DistanceKind,
  ): AnnoyIndex {
    const kern = requireWasm(kernels, 'Annoy');
    const expected = { dimension: store.dimension, distance, count: store.count };
    const forest = AnnoyForest.load(kern, body, expected);
    const recipe: Recipe = { family: 'annoy', trees: forest.shape.trees };
    return new AnnoyIndex(kern, recipe, store.dimension, distance, { store }, forest);
  }

  get size(): number {
    return this.forest.shape.count;
  }

  /** Split nodes over all trees. */
  get splitCount(): number {
    return this.forest.shape.splits;
  }

  /** Leaves over all trees. */
  get leafCount(): number {
    return this.forest.shape.leaves;
  }

  /** 4·trees + ((16 + 4d)·splits + 8·leaves) / n: the forest without its header and roots, per row. */
  get bytesPerVector(): number {
    const n = this.size;
    if (n === 0) return 4 * this.trees;
    return (this.forest.byteLength - 4 * (FOREST_HEADER_WORDS + this.trees)) / n;
  }

  /** The forest, the search scratch blocks kept, and the store when owned. */
  get memoryBytes(): number {
    return this.forest.byteLength + this.slots.byteLength + this.vectors.ownedBytes;
  }

  /** Nothing to learn. */
  async train(_sample: Float32Array): Promise<void> {}

  /**
   * Rebuilds the forest over every stored row, yielding to the event loop between trees
   * (searches meanwhile throw).
   */
  async addStored(): Promise<void> {
    const n = this.vectors.store.count;
    this.guard.checkChange();
    if (n === this.size) return;
    const builder = this.builder(n);
    try {
      await this.guard.build(async () => {
        for (let t = 0; t < this.trees; t++) {
          builder.buildTree(t);
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
    } catch (error) {
      builder.dispose();
      throw error;
    }
    this.replaceForest(builder.finish());
  }

  /** Appends `rows` (normalized for COSINE) and rebuilds the forest over all rows, on this thread. */
  add(rows: Float32Array): void {
    this.guard.checkChange();
    if (this.vectors.append(rows) === 0) return;
    this.replaceForest(this.buildNow(this.vectors.store.count));
  }

  search(query: Float32Array, k: number, allow?: Bitset, params?: IndexSearchParams): IndexSearchResult {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    if (!plan.scan) {
      const found = runCall(this.kern, this.prepareCall(plan, allow));
      if (found.offsets.length >= plan.limit) return found;
    }
    return this.vectors.search(plan.query, plan.limit, this.size, allow);
  }

  /** `search` on a worker thread; the forest cannot be rebuilt until it settles. */
  async searchAsync(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): Promise<IndexSearchResult> {
    const plan = this.plan(query, k, allow, params);
    if (plan === undefined) return EMPTY_RESULT;
    return this.guard.search(async () => {
      if (!plan.scan) {
        const found = await runCallAsync(this.kern, this.prepareCall(plan, allow));
        if (found.offsets.length >= plan.limit) return found;
      }
      return this.vectors.searchAsync(plan.query, plan.limit, this.size, allow);
    });
  }

  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    return this.vectors.rangeSearch(query, maxDistance, this.size, allow);
  }

  /** The forest block as is (layout in `annoy-forest.ts`). */
  serialize(): Uint8Array {
    return this.forest.bytes();
  }

  checkIntegrity(): void {
    if (this.size > this.vectors.store.count) {
      throw new Error(`Annoy: ${this.size} rows indexed, ${this.vectors.store.count} stored`);
    }
    this.forest.check();
  }

  dispose(): void {
    this.slots.dispose();
    this.forest.dispose();
    this.vectors.dispose();
  }

  private builder(count: number): ForestBuilder {
    return new ForestBuilder(this.kern, this.vectors.store, count, this.distance, this.trees, this.seed);
  }

  /** A forest over the first `count` stored rows, built on this thread. */
  private buildNow(count: number): AnnoyForest {
    const builder = this.builder(count);
    try {
      for (let t = 0; t < this.trees; t++) builder.buildTree(t);
    } catch (error) {
      builder.dispose();
      throw error;
    }
    return builder.finish();
  }

  private replaceForest(next: AnnoyForest): void {
    this.slots.dispose();
    this.forest.dispose();
    this.forest = next;
    this.slots = this.slotsFor(next);
  }

  private slotsFor(forest: AnnoyForest): ScratchSlots {
    const { trees, splits, count } = forest.shape;
    return new ScratchSlots(
      this.kern,
      (this.kern.exports as unknown as SearchExports).annoyScratchBytes(trees, splits, count),
    );
  }

  /** Validates a query and decides between the forest and an exact scan. */
  private plan(
    query: Float32Array,
    k: number,
    allow?: Bitset,
    params?: IndexSearchParams,
  ): AnnoyPlan | undefined {
    this.guard.checkSearch();
    const n = this.size;
    if (k <= 0 || n === 0) return undefined;
    this.vectors.checkQuery(query, n, allow);
    const searchK = checkInteger('searchK', params?.searchK ?? this.trees * k, 1, 0x7fffffff);
    const allowed = allow ? allow.count() : n;
    const limit = Math.min(k, allowed);
    if (limit === 0) return undefined;
    const strategy = params?.strategy ?? 'auto';
    const fewAllowed = allow !== undefined && allowed * allowed < searchK * n;
    const scan = strategy === 'scan' || (strategy === 'auto' && fewAllowed);
    return { query: this.vectors.prepare(query), limit, searchK, scan };
  }

  /** Lays out one `annoySearch` call: query, outputs and allow-list in one block, and a scratch slot. */
  private prepareCall(plan: AnnoyPlan, allow?: Bitset): KernelCall {
    const kern = this.kern;
    const d = this.dimension;
    const allowBytes = allow ? allow.words.length * 4 : 0;
    const block = kern.alloc(d * 4 + plan.limit * 8 + allowBytes);
    const scratch = this.slots.take();
    const outRows = block + d * 4;
    const outDist = outRows + plan.limit * 4;
    const allowPtr = outDist + plan.limit * 4;
    kern.f32(block, d).set(plan.query);
    if (allow) kern.u32(allowPtr, allow.words.length).set(allow.words);
    const store = this.vectors.store.ptr;
    return {
      fn: 'annoySearch',
      args: [
        this.forest.ptr,
        store,
        block,
        plan.limit,
        plan.searchK,
        allow ? allowPtr : 0,
        scratch,
        outRows,
        outDist,
      ],
      collect: resultReader(kern, outRows, outDist),
      release: () => {
        kern.free(block);
        this.slots.give(scratch);
      },
    };
  }
}
