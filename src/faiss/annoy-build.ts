/**
 * Builds Annoy trees over item vectors the way Annoy 1.17's `_make_tree` does, for writing
 * with `annoyBytes`: a node of more than K items (a root: while the index has more than K
 * item ids) is split by a hyperplane from `two_means` — two centroids started at two distinct
 * random items and moved by 200 online steps toward random items, each weighted by the items
 * it took — with normal p − q (unit). A split leaving 95% or more on one side is retried (3
 * attempts); after that, items are dealt to alternate sides under a zero normal (Annoy deals
 * them at random), as are items exactly on a plane.
 *
 * Float metrics run the hot loops in Quiver's Annoy kernels (`annoyTwoMeans`,
 * `annoyPartition` in assembly/annoy.ts, which src/index/annoy-build.ts also uses):
 * - euclidean, manhattan: centroids by squared L2 over the rows (Annoy's euclidean two-means;
 *   manhattan's uses L1), plane halfway between them: offset a = −normal·(p + q)/2;
 * - angular: centroids over the unit rows (Annoy's cosine two-means), plane through the origin;
 * - dot: centroids over the rows with Annoy's extra coordinate √(max‖x‖² − ‖x‖²) (Bachrach et
 *   al. 2014); the split's `dot_factor` is the normal's extra component, and items take the
 *   side of 1.17's margin normal·x + dot_factor², which its search uses for queries, so a query
 *   descends where the items were put.
 * Hamming splits, in JS, on a random bit that separates the items (20 tries, then every bit).
 *
 * The random choices come from `SeededRandom(seed)`, so a seed gives one forest; it is not
 * Annoy's Kiss64Random stream, so the trees differ from those Annoy builds from the same seed.
 */
import { SeededRandom } from '../eval/random.js';
import {
  type AnnoyBuildExports,
  MAX_IMBALANCE,
  SPLIT_ATTEMPTS,
  TWO_MEANS_STEPS,
} from '../index/annoy-build.js';
import { normalizedRows } from '../index/hnsw-index.js';
import { requireWasm } from '../index/index-vectors.js';
import { VectorStore } from '../index/vector-store.js';
import type { Kernels } from '../kernels/kernels.js';
import { wasmKernels } from '../kernels/load.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { type AnnoyLayout, hammingSide, packBits } from './annoy-layout.js';
import type { AnnoySplit, AnnoyTree } from './annoy-write.js';

const HAMMING_TRIES = 20;
/** Words of a split record the kernels read: [left, right, offset, extra weight, normal…]. */
const RECORD_HEADER = 4;

type Plane = Omit<AnnoySplit, 'left' | 'right'>;

/**
 * `trees` trees over `vectors` (by id; undefined for holes) for `layout`'s metric. Each tree
 * holds every present id once.
 */
export function buildAnnoyTrees(
  layout: AnnoyLayout,
  vectors: readonly (ArrayLike<number> | undefined)[],
  trees: number,
  seed: number,
  kernels: Kernels = wasmKernels(),
): AnnoyTree[] {
  const ids: number[] = [];
  vectors.forEach((v, id) => {
    if (v !== undefined) ids.push(id);
  });
  const rng = new SeededRandom(seed);
  const isLeaf = (count: number, root: boolean) =>
    count <= layout.maxLeaf && (!root || vectors.length <= layout.maxLeaf || count <= 1);
  if (layout.metric === 'hamming') return hammingTrees(layout, vectors, ids, trees, rng, isLeaf);
  const builder = new FloatTreeBuilder(requireWasm(kernels, 'Annoy'), layout, vectors, ids, rng, isLeaf);
  try {
    return Array.from({ length: trees }, () => builder.tree());
  } finally {
    builder.dispose();
  }
}

/** Float metrics: the rows, a row list, picks, centroids and a split record in linear memory. */
class FloatTreeBuilder {
  private readonly exports: AnnoyBuildExports;
  private readonly store: VectorStore;
  private readonly d: number;
  private readonly n: number;
  private readonly block: number;
  private readonly rowsPtr: number;
  private readonly picksPtr: number;
  private readonly pPtr: number;
  private readonly qPtr: number;
  private readonly splitPtr: number;
  /** dot: every row's extra coordinate; else 0 (none). */
  private readonly extraPtr: number;

  constructor(
    private readonly kern: WasmKernels,
    private readonly layout: AnnoyLayout,
    vectors: readonly (ArrayLike<number> | undefined)[],
    private readonly ids: number[],
    private readonly rng: SeededRandom,
    private readonly isLeaf: (count: number, root: boolean) => boolean,
  ) {
    this.exports = kern.exports as unknown as AnnoyBuildExports;
    const d = layout.dim;
    this.d = d;
    this.n = ids.length;
    const rows = new Float32Array(this.n * d);
    ids.forEach((id, r) => {
      rows.set(vectors[id]!, r * d);
    });
    this.store = new VectorStore(kern, d);
    this.store.append(layout.metric === 'angular' ? normalizedRows(rows, d) : rows);
    const bytes = 4 * (this.n + TWO_MEANS_STEPS + 2 + 2 * (d + 1) + RECORD_HEADER + d + this.n);
    this.block = kern.alloc(bytes);
    this.rowsPtr = this.block;
    this.picksPtr = this.rowsPtr + 4 * this.n;
    this.pPtr = this.picksPtr + 4 * (TWO_MEANS_STEPS + 2);
    this.qPtr = this.pPtr + 4 * (d + 1);
    this.splitPtr = this.qPtr + 4 * (d + 1);
    this.extraPtr = layout.metric === 'dot' ? this.splitPtr + 4 * (RECORD_HEADER + d) : 0;
    if (this.extraPtr !== 0) this.augment(rows);
  }

  tree(): AnnoyTree {
    const list = this.kern.u32(this.rowsPtr, this.n);
    for (let r = 0; r < this.n; r++) list[r] = r;
    return this.node(0, this.n, true);
  }

  dispose(): void {
    this.kern.free(this.block);
    this.store.dispose();
  }

  /** The subtree over list positions [start, start + count). */
  private node(start: number, count: number, root: boolean): AnnoyTree {
    if (this.isLeaf(count, root)) {
      const rows = this.kern.u32(this.rowsPtr + 4 * start, count);
      return { items: Array.from(rows, (r) => this.ids[r]).sort((a, b) => a - b) };
    }
    let plane: Plane | undefined;
    let left = 0;
    for (let attempt = 0; attempt < SPLIT_ATTEMPTS && plane === undefined; attempt++) {
      const candidate = this.twoMeansPlane(start, count);
      if (candidate === undefined) continue;
      left = this.partition(candidate, start, count);
      if (Math.max(left, count - left) < MAX_IMBALANCE * count) plane = candidate;
    }
    if (plane === undefined) {
      plane = { normal: new Float32Array(this.d), offset: 0 };
      left = this.partition(plane, start, count);
    }
    return {
      ...plane,
      left: this.node(start, left, false),
      right: this.node(start + left, count - left, false),
    };
  }

  /** A plane from two-means over positions [start, start + count), or undefined when p = q. */
  private twoMeansPlane(start: number, count: number): Plane | undefined {
    const { rng, d } = this;
    const picks = this.kern.u32(this.picksPtr, TWO_MEANS_STEPS + 2);
    const i = rng.int(count);
    const j = rng.int(count - 1);
    picks[0] = i;
    picks[1] = j >= i ? j + 1 : j;
    for (let s = 2; s < picks.length; s++) picks[s] = rng.int(count);
    this.exports.annoyTwoMeans(
      this.store.ptr,
      d,
      this.extraPtr,
      this.rowsPtr + 4 * start,
      this.picksPtr,
      TWO_MEANS_STEPS,
      this.pPtr,
      this.qPtr,
    );
    const p = this.kern.f32(this.pPtr, d + 1).slice();
    const q = this.kern.f32(this.qPtr, d + 1).slice();
    const w = p.map((pz, z) => pz - q[z]);
    const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    if (!(norm > 0 && Number.isFinite(norm))) return undefined;
    const normal = Float32Array.from(w.subarray(0, d), (x) => x / norm);
    switch (this.layout.metric) {
      case 'angular':
        return { normal, offset: 0 };
      case 'dot':
        return { normal, offset: Math.fround(w[d] / norm) };
      default: {
        let offset = 0;
        for (let z = 0; z < d; z++) offset -= (normal[z] * (p[z] + q[z])) / 2;
        return { normal, offset: Math.fround(offset) };
      }
    }
  }

  /** Reorders positions [start, start + count) by `plane` (margin ≤ 0 first); returns the left count. */
  private partition(plane: Plane, start: number, count: number): number {
    const record = this.kern.f32(this.splitPtr, RECORD_HEADER + this.d);
    record.fill(0);
    // The kernel's margin is normal·x + extra weight·e(x) + offset; dot's 1.17 margin is normal·x + dot_factor².
    record[2] = this.layout.metric === 'dot' ? Math.fround(plane.offset * plane.offset) : plane.offset;
    record.set(plane.normal, RECORD_HEADER);
    return this.exports.annoyPartition(
      this.store.ptr,
      this.d,
      this.extraPtr,
      this.splitPtr,
      this.rowsPtr + 4 * start,
      count,
    );
  }

  /** Writes every row's extra coordinate √(max‖x‖² − ‖x‖²) at `extraPtr`. */
  private augment(rows: Float32Array): void {
    const { d, n } = this;
    const norms = new Float64Array(n);
    let largest = 0;
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let z = 0; z < d; z++) s += rows[r * d + z] ** 2;
      norms[r] = s;
      largest = Math.max(largest, s);
    }
    const extra = this.kern.f32(this.extraPtr, n);
    for (let r = 0; r < n; r++) extra[r] = Math.sqrt(Math.max(0, largest - norms[r]));
  }
}

/** Hamming trees: splits on single bits (see the module comment). */
function hammingTrees(
  layout: AnnoyLayout,
  vectors: readonly (ArrayLike<number> | undefined)[],
  ids: number[],
  trees: number,
  rng: SeededRandom,
  isLeaf: (count: number, root: boolean) => boolean,
): AnnoyTree[] {
  const packed = vectors.map((v) => (v === undefined ? undefined : packBits(v, layout.dim)));
  const bits = 64 * layout.words;
  const ones = (items: number[], bit: number) =>
    items.reduce((c, id) => c + (hammingSide(packed[id]!, bit) ? 1 : 0), 0);
  const separates = (items: number[], bit: number) => {
    const k = ones(items, bit);
    return k > 0 && k < items.length;
  };
  const chooseBit = (items: number[]): number | undefined => {
    for (let t = 0; t < HAMMING_TRIES; t++) {
      const bit = rng.int(bits);
      if (separates(items, bit)) return bit;
    }
    for (let bit = 0; bit < bits; bit++) if (separates(items, bit)) return bit;
    return undefined;
  };
  const make = (items: number[], root: boolean): AnnoyTree => {
    if (isLeaf(items.length, root)) return { items };
    const bit = chooseBit(items);
    const sides: [number[], number[]] = [[], []];
    items.forEach((id, k) => {
      sides[bit === undefined ? k % 2 : hammingSide(packed[id]!, bit) ? 1 : 0].push(id);
    });
    return {
      normal: new Float32Array(layout.dim),
      offset: 0,
      bit: bit ?? 0,
      left: make(sides[0], false),
      right: make(sides[1], false),
    };
  };
  return Array.from({ length: trees }, () => make(ids, true));
}
