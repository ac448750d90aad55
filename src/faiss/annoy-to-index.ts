/**
 * An Annoy file's forest as Quiver's own `Annoy<trees>` index (src/index/annoy-index.ts): the
 * same trees, laid out as Quiver's forest block (`annoy-forest.ts`) over a vector store of the
 * file's items, so the file is searched by the wasm kernel, with allow-lists, through Quiver's
 * `VectorIndex` interface (offsets 0..n−1; `ids` maps them back to Annoy item ids, holes left
 * out).
 *
 * Metrics: angular → COSINE (rows stored unit length; the query is normalised too, which scales
 * every margin by the same positive factor, so the traversal order is Annoy's), euclidean → L2
 * (offset = a), dot → IP (offset = dot_factor², the 1.17 margin; no extra weight, since queries
 * have no extra coordinate). Manhattan and Hamming have no Quiver Annoy family and are refused.
 *
 * Splits are renumbered in preorder (Quiver's forest wants children after their parent), a
 * single item below a split becomes a one-row leaf, and a leaf keeps its items that are not
 * holes. The search is Annoy's with one difference Quiver's `AnnoyIndex` states: `searchK`
 * counts distinct rows, where Annoy counts repeats across trees — so a given `searchK` gathers
 * at least as many candidates as Annoy's `search_k`.
 */
import { InvalidArgumentError } from '../errors.js';
import {
  FOREST_FORMAT_VERSION,
  FOREST_HEADER_WORDS,
  forestLayout,
  LEAF_BIT,
  SPLIT_HEADER_WORDS,
} from '../index/annoy-forest.js';
import { AnnoyIndex as ForestIndex } from '../index/annoy-index.js';
import { normalizedRows } from '../index/hnsw-index.js';
import { VectorStore } from '../index/vector-store.js';
import { DistanceKind, type Kernels } from '../kernels/kernels.js';
import { wasmKernels } from '../kernels/load.js';
import type { AnnoyIndex } from './annoy.js';

/** Quiver's index over an Annoy file, the Annoy id of each row, and a dispose for both index and store. */
export interface AnnoyVectorIndex {
  index: ForestIndex;
  /** Annoy item id of row r. */
  ids: Int32Array;
  dispose(): void;
}

const KINDS: Record<string, DistanceKind> = {
  angular: DistanceKind.COSINE,
  euclidean: DistanceKind.L2,
  dot: DistanceKind.IP,
};

/**
 * Quiver's `Annoy<trees>` index over `annoy`'s forest and items (see the module comment).
 * @throws InvalidArgumentError for manhattan or hamming, or an index neither built nor loaded.
 */
export function annoyToVectorIndex(annoy: AnnoyIndex, kernels: Kernels = wasmKernels()): AnnoyVectorIndex {
  const distance = KINDS[annoy.metric];
  if (distance === undefined) {
    throw new InvalidArgumentError(
      `Quiver's Annoy index has no ${annoy.metric} metric (angular, euclidean, dot)`,
    );
  }
  const nodes = annoy.forest();
  const d = annoy.f;
  const rowOf = new Int32Array(nodes.items).fill(-1);
  const idList: number[] = [];
  for (let i = 0; i < nodes.items; i++) {
    if (nodes.descendants(i) === 1) {
      rowOf[i] = idList.length;
      idList.push(i);
    }
  }
  const count = idList.length;
  const trees = nodes.roots.length;
  const stride = SPLIT_HEADER_WORDS + d;
  const splitWords: number[] = [];
  const leafWords: number[] = [];
  const items = new Uint32Array(trees * count);
  let used = 0;

  const leaf = (rows: number[]): number => {
    if (used + rows.length > items.length)
      throw new InvalidArgumentError('the Annoy forest lists more items than its trees partition');
    items.set(rows, used);
    leafWords.push(used, rows.length);
    used += rows.length;
    return (LEAF_BIT | (leafWords.length / 2 - 1)) >>> 0;
  };
  /** Splits get their number when first met (preorder); `patch` fills a parent's child ref. */
  const stack: { node: number; patch: (ref: number) => void }[] = [];
  const roots: number[] = new Array(trees);
  nodes.roots.forEach((root, t) => {
    stack.push({ node: root, patch: (ref) => (roots[t] = ref) });
    while (stack.length > 0) {
      const { node, patch } = stack.pop()!;
      const n = nodes.descendants(node);
      if (n === 1 && node < nodes.items) {
        patch(leaf([rowOf[node]]));
      } else if (n <= nodes.layout.maxLeaf) {
        const rows: number[] = [];
        for (let j = 0; j < n; j++)
          if (rowOf[nodes.child(node, j)] >= 0) rows.push(rowOf[nodes.child(node, j)]);
        patch(leaf(rows));
      } else {
        const s = splitWords.length / stride;
        const record = splitWords.length;
        const normal = nodes.f32.subarray(nodes.vectorWord(node), nodes.vectorWord(node) + d);
        const scalar = annoy.metric === 'angular' ? 0 : nodes.scalar(node);
        splitWords.push(0, 0, annoy.metric === 'dot' ? Math.fround(scalar * scalar) : scalar, 0);
        for (let z = 0; z < d; z++) splitWords.push(normal[z]);
        patch(s);
        // Right pushed first so the left subtree is numbered first (any preorder will do).
        stack.push({ node: nodes.child(node, 1), patch: (ref) => (splitWords[record + 1] = ref) });
        stack.push({ node: nodes.child(node, 0), patch: (ref) => (splitWords[record] = ref) });
      }
    }
  });

  const rows = new Float32Array(count * d);
  let largestNormSq = 0;
  idList.forEach((id, r) => {
    const v = nodes.f32.subarray(nodes.vectorWord(id), nodes.vectorWord(id) + d);
    rows.set(v, r * d);
    let sq = 0;
    for (let z = 0; z < d; z++) sq += v[z] * v[z];
    largestNormSq = Math.max(largestNormSq, sq);
  });
  const shape = {
    dimension: d,
    distance,
    trees,
    leafSize: nodes.layout.maxLeaf,
    count,
    splits: splitWords.length / stride,
    leaves: leafWords.length / 2,
    largestNormSq: distance === DistanceKind.IP ? largestNormSq : 0,
  };
  const at = forestLayout(shape);
  const block = new ArrayBuffer(at.bytes);
  const u32 = new Uint32Array(block);
  const f32 = new Float32Array(block);
  u32.set([FOREST_FORMAT_VERSION, d, distance, trees, shape.leafSize, count, shape.splits, shape.leaves]);
  f32[8] = shape.largestNormSq;
  u32.set(roots, FOREST_HEADER_WORDS);
  for (let w = 0; w < splitWords.length; w++) {
    if (w % stride < 2) u32[at.splits + w] = splitWords[w];
    else f32[at.splits + w] = splitWords[w];
  }
  u32.set(leafWords, at.leaves);
  u32.set(items, at.items);

  const store = new VectorStore(kernels, d);
  store.append(distance === DistanceKind.COSINE ? normalizedRows(rows, d) : rows);
  try {
    const index = ForestIndex.deserialize(kernels, new Uint8Array(block), store, distance);
    return {
      index,
      ids: Int32Array.from(idList),
      dispose: () => {
        index.dispose();
        store.dispose();
      },
    };
  } catch (error) {
    store.dispose();
    throw error;
  }
}
