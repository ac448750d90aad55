/**
 * Builds an Annoy-style forest over the first `count` rows of a vector store, one tree at a
 * time, as Spotify's Annoy does: a node of more than `annoyLeafSize(d)` rows is split by the
 * hyperplane equidistant from two centroids found by Annoy's `two_means` (200 online
 * 2-means steps on rows drawn from the node); a split leaving more than 95% of the rows on
 * one side is retried (3 attempts), then replaced by a zero-normal split that halves the
 * node (rows alternate sides), so duplicates cannot stall it.
 *
 * The hot loops — two-means and the partition of a node's rows by margin — run in wasm
 * (`assembly/annoy.ts`); this file draws the random choices and records the tree.
 *
 * Distances: L2 and COSINE (unit rows) split in the rows' own space, which for unit
 * vectors orders like Annoy's angular distance. IP uses the transform of Bachrach et al.
 * (2014): each row gets an extra coordinate sqrt(M² − |x|²) (M the largest norm), which
 * makes all norms M, so the nearest rows by L2 in the augmented space (queries get 0) are
 * those of largest inner product; split normals have d + 1 components.
 *
 * Invariants: tree t's rows are a permutation of 0..count-1 held in items [t·count,
 * (t+1)·count), each leaf a contiguous range of them; splits are numbered in preorder, so
 * children come after their parent; the same seed gives the same forest.
 */
import { SeededRandom } from '../eval/random.js';
import type { DistanceKind } from '../kernels/kernels.js';
import { DistanceKind as Kind } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { AnnoyForest, forestLayout, LEAF_BIT, SPLIT_HEADER_WORDS } from './annoy-forest.js';
import type { VectorStore } from './vector-store.js';

/** The fewest rows a leaf may hold before it is split. */
export const ANNOY_MIN_LEAF_SIZE = 64;

/**
 * Most rows a leaf holds: max(64, d). Annoy fits as many row ids in a leaf as a node's
 * normal has floats (about d); keeping leaves at least d rows means the split records
 * (about 4d bytes each, one per leaf) never cost more than the leaf items (4 bytes per row).
 */
export function annoyLeafSize(dimension: number): number {
  return Math.max(ANNOY_MIN_LEAF_SIZE, dimension);
}
/** Online 2-means steps per split attempt (Annoy's `iteration_steps`). */
export const TWO_MEANS_STEPS = 200;
export const SPLIT_ATTEMPTS = 3;
/** A split is kept when its larger side holds less than this share of the rows. */
export const MAX_IMBALANCE = 0.95;

/** The Annoy build kernels' exports (shared with quiverdb/faiss's Annoy writer). */
export interface AnnoyBuildExports {
  annoyTwoMeans(
    base: number,
    dim: number,
    extra: number,
    rows: number,
    picks: number,
    steps: number,
    outP: number,
    outQ: number,
  ): void;
  annoyPartition(
    base: number,
    dim: number,
    extra: number,
    split: number,
    rows: number,
    count: number,
  ): number;
  annoyNormsSq(base: number, n: number, dim: number, out: number): number;
}

/** The seed of tree `t`'s random choices. */
function treeSeed(seed: number, t: number): number {
  return (seed + Math.imul(t + 1, 0x9e3779b9)) >>> 0;
}

export class ForestBuilder {
  private readonly exports: AnnoyBuildExports;
  private readonly d: number;
  private readonly recordWords: number;
  private readonly leafSize: number;
  /** One block: rows list (count u32), picks, centroids p and q, a split record, extra coordinates. */
  private readonly block: number;
  private readonly rowsPtr: number;
  private readonly picksPtr: number;
  private readonly pPtr: number;
  private readonly qPtr: number;
  private readonly splitPtr: number;
  private readonly extraPtr: number;
  private readonly largestNormSq: number;
  private readonly roots: Uint32Array;
  private readonly items: Uint32Array;
  private leaves: number[] = [];
  private records = new Float32Array(0);
  private splits = 0;
  private rng = new SeededRandom(1);
  private released = false;

  constructor(
    private readonly kern: WasmKernels,
    private readonly store: VectorStore,
    private readonly count: number,
    private readonly distance: DistanceKind,
    private readonly trees: number,
    private readonly seed: number,
  ) {
    this.exports = kern.exports as unknown as AnnoyBuildExports;
    const d = store.dimension;
    this.d = d;
    this.recordWords = SPLIT_HEADER_WORDS + d;
    this.leafSize = annoyLeafSize(d);
    const transform = distance === Kind.IP;
    const extraBytes = transform ? count * 4 : 0;
    const bytes = count * 4 + (TWO_MEANS_STEPS + 2) * 4 + 2 * (d + 1) * 4 + this.recordWords * 4 + extraBytes;
    this.block = kern.alloc(Math.max(bytes, 16));
    this.rowsPtr = this.block;
    this.picksPtr = this.rowsPtr + count * 4;
    this.pPtr = this.picksPtr + (TWO_MEANS_STEPS + 2) * 4;
    this.qPtr = this.pPtr + (d + 1) * 4;
    this.splitPtr = this.qPtr + (d + 1) * 4;
    this.extraPtr = transform ? this.splitPtr + this.recordWords * 4 : 0;
    this.largestNormSq = transform ? this.augment() : 0;
    this.roots = new Uint32Array(trees);
    this.items = new Uint32Array(trees * count);
  }

  /** Builds tree `t` (trees may be built in any order; each has its own random stream). */
  buildTree(t: number): void {
    this.rng = new SeededRandom(treeSeed(this.seed, t));
    const list = this.kern.u32(this.rowsPtr, this.count);
    for (let i = 0; i < this.count; i++) list[i] = i;
    this.roots[t] = this.node(t, 0, this.count);
    this.items.set(this.kern.u32(this.rowsPtr, this.count), t * this.count);
  }

  /** The forest of the trees built, laid out in one block; frees the build scratch. */
  finish(): AnnoyForest {
    this.dispose();
    const forest = AnnoyForest.allocate(this.kern, {
      dimension: this.d,
      distance: this.distance,
      trees: this.trees,
      leafSize: this.leafSize,
      count: this.count,
      splits: this.splits,
      leaves: this.leaves.length / 2,
      largestNormSq: this.largestNormSq,
    });
    const at = forestLayout(forest.shape);
    const kern = this.kern;
    kern.u32(forest.ptr + at.roots * 4, this.trees).set(this.roots);
    kern
      .f32(forest.ptr + at.splits * 4, this.splits * this.recordWords)
      .set(this.records.subarray(0, this.splits * this.recordWords));
    kern.u32(forest.ptr + at.leaves * 4, this.leaves.length).set(this.leaves);
    kern.u32(forest.ptr + at.items * 4, this.items.length).set(this.items);
    return forest;
  }

  /** Frees the build scratch (`finish` does; call it when abandoning a build). */
  dispose(): void {
    if (!this.released) this.kern.free(this.block);
    this.released = true;
  }

  /** Builds the subtree over list positions [start, start + n) of tree t; returns its ref. */
  private node(t: number, start: number, n: number): number {
    if (n <= this.leafSize) {
      this.leaves.push(t * this.count + start, n);
      return (LEAF_BIT | (this.leaves.length / 2 - 1)) >>> 0;
    }
    const s = this.splits++;
    this.reserveRecord(this.splits);
    const record = this.records.subarray(s * this.recordWords, (s + 1) * this.recordWords);
    let left = -1;
    for (let attempt = 0; attempt < SPLIT_ATTEMPTS && left < 0; attempt++)
      left = this.trySplit(start, n, record);
    if (left < 0) {
      record.fill(0);
      left = this.partition(start, n, record);
    }
    const leftRef = this.node(t, start, left);
    const rightRef = this.node(t, start + left, n - left);
    const refs = new Uint32Array(this.records.buffer, s * this.recordWords * 4, 2);
    refs[0] = leftRef;
    refs[1] = rightRef;
    return s;
  }

  /**
   * One two-means split of positions [start, start + n): fills `record` and partitions the
   * rows when the split is balanced enough, returning the left side's size; else -1.
   */
  private trySplit(start: number, n: number, record: Float32Array): number {
    const rng = this.rng;
    const picks = this.kern.u32(this.picksPtr, TWO_MEANS_STEPS + 2);
    const i = rng.int(n);
    const j = rng.int(n - 1);
    picks[0] = i;
    picks[1] = j >= i ? j + 1 : j;
    for (let s = 2; s < picks.length; s++) picks[s] = rng.int(n);
    const rows = this.rowsPtr + start * 4;
    this.exports.annoyTwoMeans(
      this.store.ptr,
      this.d,
      this.extraPtr,
      rows,
      this.picksPtr,
      TWO_MEANS_STEPS,
      this.pPtr,
      this.qPtr,
    );
    const d = this.d;
    const p = this.kern.f32(this.pPtr, d + 1);
    const q = this.kern.f32(this.qPtr, d + 1);
    let norm = 0;
    for (let c = 0; c <= d; c++) norm += (p[c] - q[c]) ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 0 && Number.isFinite(norm))) return -1;
    // record: [left, right, offset, extra weight, normal[d]]; the extra weight is component d.
    let offset = 0;
    for (let c = 0; c <= d; c++) {
      const w = Math.fround((p[c] - q[c]) / norm);
      record[c < d ? SPLIT_HEADER_WORDS + c : 3] = w;
      offset -= (w * (p[c] + q[c])) / 2;
    }
    record[2] = offset;
    const left = this.partition(start, n, record);
    return Math.max(left, n - left) < MAX_IMBALANCE * n ? left : -1;
  }

  /** Partitions positions [start, start + n) by `record`'s margin; returns the left side's size. */
  private partition(start: number, n: number, record: Float32Array): number {
    this.kern.f32(this.splitPtr, this.recordWords).set(record);
    const rows = this.rowsPtr + start * 4;
    return this.exports.annoyPartition(this.store.ptr, this.d, this.extraPtr, this.splitPtr, rows, n);
  }

  private reserveRecord(records: number): void {
    const needed = records * this.recordWords;
    if (needed <= this.records.length) return;
    const next = new Float32Array(Math.max(needed, this.records.length * 2, 64 * this.recordWords));
    next.set(this.records);
    this.records = next;
  }

  /** Writes every row's extra coordinate sqrt(M² − |x|²) at `extraPtr`; returns M². */
  private augment(): number {
    const largest = this.exports.annoyNormsSq(this.store.ptr, this.count, this.d, this.extraPtr);
    const extra = this.kern.f32(this.extraPtr, this.count);
    for (let i = 0; i < this.count; i++) extra[i] = Math.sqrt(Math.max(0, largest - extra[i]));
    return largest;
  }
}
