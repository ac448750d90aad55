/**
 * `AnnoyIndex`: Spotify Annoy's Python API (`annoy.AnnoyIndex`, 1.17) in TypeScript, over
 * Annoy's own `.ann` files: `load` reads files Annoy saved and searches them with Annoy's
 * algorithm (`annoy-search.ts`), so `getNnsByVector` / `getNnsByItem` return what Annoy returns
 * for the same file, query, n and search_k; `addItem` + `build` + `save` write files Annoy
 * loads (`annoy-build.ts`, `annoy-write.ts`).
 *
 * An Annoy file records neither its dimension nor its metric: give both, as Python's
 * `AnnoyIndex(f, metric).load(path)`; a file whose size does not fit them is refused with
 * `CorruptDataError` (as Annoy refuses it), and so is one whose nodes do not form Annoy's
 * forest (`annoy-nodes.ts`). Metrics: angular, euclidean, manhattan, dot, hamming (vectors of
 * `f` components 0/1, packed as Annoy's Python wrapper packs them).
 *
 * Unlike Annoy, which maps the file, `load` reads the whole file into memory.
 *
 * @example
 * import { AnnoyIndex } from 'quiverdb/faiss';
 * const t = new AnnoyIndex(40, 'angular');     // t = AnnoyIndex(40, 'angular')
 * await t.load('test.ann');                     // t.load('test.ann')
 * const { items, distances } = t.getNnsByItem(0, 10);   // t.get_nns_by_item(0, 10, include_distances=True)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { DimensionMismatchError, InvalidArgumentError } from '../errors.js';
import { buildAnnoyTrees } from './annoy-build.js';
import { type AnnoyLayout, type AnnoyMetric, annoyLayout, packBits, unpackBits } from './annoy-layout.js';
import { AnnoyNodes } from './annoy-nodes.js';
import {
  type AnnoyNeighbors,
  annoyNeighbors,
  normalizedDistance,
  queryNorm,
  rawDistance,
} from './annoy-search.js';
import { type AnnoyTree, annoyBytes } from './annoy-write.js';

export type { AnnoyMetric } from './annoy-layout.js';
export type { AnnoyNeighbors } from './annoy-search.js';
export type { AnnoyLeaf, AnnoySplit, AnnoyTree } from './annoy-write.js';

/** Annoy's default seed is its RNG's; ours is fixed so that a build is reproducible. */
const DEFAULT_SEED = 1;

export class AnnoyIndex {
  readonly layout: AnnoyLayout;
  private pending: (Float32Array | undefined)[] = [];
  private nodes: AnnoyNodes | undefined;
  private seed = DEFAULT_SEED;

  /**
   * Python: `t = AnnoyIndex(f, metric)`.
   * @throws InvalidArgumentError for an unknown metric or a dimension outside [1, 65536].
   */
  constructor(
    readonly f: number,
    readonly metric: AnnoyMetric,
  ) {
    this.layout = annoyLayout(f, metric);
  }

  /** Whether the index is built or loaded (searchable, read-only). */
  get isBuilt(): boolean {
    return this.nodes !== undefined;
  }

  /**
   * Adds item `i` (replacing an earlier vector for it); ids need not be contiguous — the
   * missing ones become holes, as in Annoy. Python: `t.add_item(i, v)`.
   * @throws InvalidArgumentError on a built or loaded index or a negative id; DimensionMismatchError.
   */
  addItem(i: number, vector: ArrayLike<number>): void {
    if (this.nodes !== undefined)
      throw new InvalidArgumentError("You can't add an item to a built or loaded index");
    if (!Number.isInteger(i) || i < 0 || i > 0x7ffffffe)
      throw new InvalidArgumentError(`Annoy item ids are integers in [0, 2^31 − 2], got ${i}`);
    if (vector.length !== this.f) throw new DimensionMismatchError(this.f, vector.length, `Annoy item ${i}`);
    while (this.pending.length <= i) this.pending.push(undefined);
    this.pending[i] = Float32Array.from(vector);
  }

  /** Seed of the next `build`. Python: `t.set_seed(seed)`. */
  setSeed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0)
      throw new InvalidArgumentError(`seed must be a non-negative integer, got ${seed}`);
    this.seed = seed;
  }

  /**
   * Builds `nTrees` trees over the items added (Annoy's `build(n_trees)`; −1, Annoy's "until the
   * nodes outnumber twice the items", is not supported: give a count).
   * @throws InvalidArgumentError for a tree count below 1 or an index built already.
   */
  build(nTrees: number): void {
    if (this.nodes !== undefined) throw new InvalidArgumentError("You can't build a built or loaded index");
    if (!Number.isInteger(nTrees) || nTrees < 1 || nTrees > 4096)
      throw new InvalidArgumentError(`n_trees must be an integer in [1, 4096], got ${nTrees}`);
    this.adopt(buildAnnoyTrees(this.layout, this.pending, nTrees, this.seed));
  }

  /**
   * Lays out `trees` (built elsewhere, e.g. converted from Quiver's own Annoy forest) over the
   * items added, as `build` would have; see `annoyBytes` for how the trees are fitted to Annoy's rules.
   */
  adopt(trees: readonly AnnoyTree[]): void {
    if (this.nodes !== undefined) throw new InvalidArgumentError("You can't build a built or loaded index");
    const bytes = annoyBytes({ layout: this.layout, vectors: this.pending, trees });
    this.nodes = new AnnoyNodes(bytes, this.layout, '(built in memory)');
    this.pending = [];
  }

  /** A copy of the file's bytes (what `save` writes). */
  serialize(): Uint8Array {
    return this.bytes().slice();
  }

  /** Writes the index as an Annoy file. Python: `t.save(path)`. */
  async save(path: string): Promise<void> {
    await writeFile(path, this.bytes());
  }

  /**
   * Reads an Annoy file (replacing what the index held). Python: `t.load(path)`.
   * @throws CorruptDataError when the file does not fit this dimension and metric or is not an Annoy forest.
   */
  async load(path: string): Promise<void> {
    this.loadBytes(await readFile(path), path);
  }

  /** `load` from bytes; `name` names them in errors. */
  loadBytes(bytes: Uint8Array, name = '(bytes)'): void {
    this.nodes = new AnnoyNodes(bytes, this.layout, name);
    this.pending = [];
  }

  /** Forgets the index (items, trees). Python: `t.unload()`. */
  unload(): void {
    this.nodes = undefined;
    this.pending = [];
  }

  /** Item ids below this (holes included). Python: `t.get_n_items()`. */
  getNItems(): number {
    return this.nodes?.items ?? this.pending.length;
  }

  /** Roots found (Annoy's count, see `annoy-nodes.ts`). Python: `t.get_n_trees()`. */
  getNTrees(): number {
    return this.nodes?.roots.length ?? 0;
  }

  /** Whether item `i` is stored (not a hole). */
  hasItem(i: number): boolean {
    const nodes = this.ready();
    return Number.isInteger(i) && i >= 0 && i < nodes.items && nodes.descendants(i) === 1;
  }

  /** Item `i`'s vector (zeros for a hole; 0/1 components for hamming). Python: `t.get_item_vector(i)`. */
  getItemVector(i: number): Float32Array {
    const nodes = this.ready();
    this.checkItem(nodes, i);
    const at = nodes.vectorWord(i);
    if (this.metric === 'hamming')
      return unpackBits(nodes.u32.subarray(at, at + 2 * this.layout.words), this.f);
    return nodes.f32.slice(at, at + this.f);
  }

  /**
   * The `n` nearest items to `vector` and their distances, nearest first. `searchK` is the
   * number of candidates to gather (Annoy's search_k; −1: n · trees). Python:
   * `t.get_nns_by_vector(v, n, search_k, include_distances=True)`.
   * @throws DimensionMismatchError; InvalidArgumentError for bad n / searchK or an unbuilt index.
   */
  getNnsByVector(vector: ArrayLike<number>, n: number, searchK = -1): AnnoyNeighbors {
    const nodes = this.ready();
    if (vector.length !== this.f) throw new DimensionMismatchError(this.f, vector.length, 'Annoy query');
    this.checkCounts(n, searchK);
    const query = this.metric === 'hamming' ? packBits(vector, this.f) : Float32Array.from(vector);
    return annoyNeighbors(nodes, query, n, searchK);
  }

  /** As `getNnsByVector` with item `i`'s stored vector. Python: `t.get_nns_by_item(i, n, search_k, True)`. */
  getNnsByItem(i: number, n: number, searchK = -1): AnnoyNeighbors {
    const nodes = this.ready();
    this.checkItem(nodes, i);
    this.checkCounts(n, searchK);
    return annoyNeighbors(nodes, this.storedQuery(nodes, i), n, searchK);
  }

  /** Annoy's distance between items `i` and `j`. Python: `t.get_distance(i, j)`. */
  getDistance(i: number, j: number): number {
    const nodes = this.ready();
    this.checkItem(nodes, i);
    this.checkItem(nodes, j);
    const query = this.storedQuery(nodes, i);
    return normalizedDistance(this.layout, rawDistance(nodes, query, queryNorm(this.layout, query), j));
  }

  /** The checked nodes, for readers that walk the forest themselves (read them only: the checks hold for these bytes). */
  forest(): AnnoyNodes {
    return this.ready();
  }

  /** The checked bytes themselves (never handed out: a change could undo the checks). */
  private bytes(): Uint8Array {
    const nodes = this.ready();
    return new Uint8Array(nodes.i32.buffer, nodes.i32.byteOffset, nodes.i32.byteLength);
  }

  private storedQuery(nodes: AnnoyNodes, i: number): Float32Array | Uint32Array {
    const at = nodes.vectorWord(i);
    return this.metric === 'hamming'
      ? nodes.u32.slice(at, at + 2 * this.layout.words)
      : nodes.f32.slice(at, at + this.f);
  }

  private ready(): AnnoyNodes {
    if (this.nodes === undefined)
      throw new InvalidArgumentError('the Annoy index is neither built nor loaded');
    return this.nodes;
  }

  private checkItem(nodes: AnnoyNodes, i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= nodes.items)
      throw new InvalidArgumentError(`Annoy item ${i} is outside 0..${nodes.items - 1}`);
  }

  private checkCounts(n: number, searchK: number): void {
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`n must be a non-negative integer, got ${n}`);
    if (!Number.isInteger(searchK) || searchK < -1)
      throw new InvalidArgumentError(`search_k must be −1 or a non-negative integer, got ${searchK}`);
  }
}

/** Python: `t = AnnoyIndex(dim, metric); t.load(path)`. */
export async function readAnnoy(
  path: string,
  options: { dim: number; metric: AnnoyMetric },
): Promise<AnnoyIndex> {
  const index = new AnnoyIndex(options.dim, options.metric);
  await index.load(path);
  return index;
}

/** Python: `t.save(path)`. */
export async function writeAnnoy(index: AnnoyIndex, path: string): Promise<void> {
  await index.save(path);
}
