/**
 * Lays out a forest as the bytes Annoy 1.17's `save` writes (layout in `annoy-layout.ts`), so
 * that Annoy's `load` reads it and searches it as the forest given.
 *
 * Order, as `add_item`, `build` and `_make_tree` make it: item nodes 0..n−1 (an id without a
 * vector is an all-zero hole); then tree by tree, the nodes of each in the order `_make_tree`
 * finishes them — a split's smaller child first (the left one on a tie), then the split — where
 * a single item is not a node (its parent points at the item) and at most K items are one leaf
 * node; then a copy of every root, tree order. A root's `n_descendants` is the item count.
 *
 * Item nodes carry what `add_item`/`build` store: angular its float32 |v|² in `norm` (summed in
 * Annoy's scalar order; an Annoy built with AVX may store a last bit differently); dot the
 * `dot_factor` of the inner-product transform, √(max‖x‖² − ‖v‖²) in float32, holes included
 * (as `preprocess` runs over every node below the item count); Hamming the vector packed as
 * the Python wrapper packs it (components > 0.5 are ones). Bytes Annoy leaves unset in a split
 * (alloca'd memory: a Hamming split's padding and v[1..]) are written as zeros.
 *
 * The forest is first fitted to Annoy's rules, which is the identity on forests Annoy builds:
 * a subtree of at most K items becomes one leaf (its ids ascending, as Annoy's partitions keep
 * them), a leaf of more than K items is halved by zero-normal splits (as Annoy's fallback for
 * an unsplittable node), a split with an empty side is replaced by the other side; a root
 * stays a split when there are more than K items (Annoy's root rule).
 */
import { InvalidArgumentError } from '../errors.js';
import { type AnnoyLayout, packBits } from './annoy-layout.js';
import { dotF32 } from './annoy-search.js';

/** A leaf: item ids. */
export interface AnnoyLeaf {
  items: readonly number[];
}

/**
 * A split: points with margin > 0 go right (Annoy's `children[1]`), the others left. Margin:
 * angular normal·x; euclidean, manhattan offset + normal·x; dot normal·x + offset² (offset is
 * the split's `dot_factor`); Hamming: bit `bit` of x set (see `hammingSide`).
 */
export interface AnnoySplit {
  left: AnnoyTree;
  right: AnnoyTree;
  /** The plane's normal, `dim` components (ignored for Hamming). */
  normal: Float32Array;
  /** `a` (euclidean, manhattan) or `dot_factor` (dot); 0 otherwise. */
  offset: number;
  /** Hamming: the bit tested. */
  bit?: number;
}

export type AnnoyTree = AnnoyLeaf | AnnoySplit;

/** A forest to lay out: item vectors by id (undefined for holes) and the trees over them. */
export interface AnnoyForestInput {
  layout: AnnoyLayout;
  vectors: readonly (ArrayLike<number> | undefined)[];
  trees: readonly AnnoyTree[];
}

type Fitted =
  | { leaf: number[] }
  | { split: AnnoySplit; left: Fitted; right: Fitted; count: number; nodes: number };

const f32 = Math.fround;

function isSplit(tree: AnnoyTree): tree is AnnoySplit {
  return (tree as AnnoySplit).left !== undefined;
}

function collect(tree: AnnoyTree, out: number[]): number[] {
  if (isSplit(tree)) {
    collect(tree.left, out);
    collect(tree.right, out);
  } else out.push(...tree.items);
  return out;
}

function countOf(t: Fitted): number {
  return 'leaf' in t ? t.leaf.length : t.count;
}

/** Nodes a fitted subtree adds (a lone non-root item adds none). */
function nodesOf(t: Fitted): number {
  return 'leaf' in t ? 1 : t.nodes;
}

/** The file's bytes for `input` (see the module comment). @throws InvalidArgumentError for a malformed forest. */
export function annoyBytes(input: AnnoyForestInput): Uint8Array {
  const { layout, vectors, trees } = input;
  const n = vectors.length;
  const present = vectors.map((v) => v !== undefined);
  const K = layout.maxLeaf;
  const zeroNormal = new Float32Array(layout.words);

  const sizes = new Map<AnnoyTree, number>();
  const size = (tree: AnnoyTree): number => {
    let known = sizes.get(tree);
    if (known === undefined) {
      known = isSplit(tree) ? size(tree.left) + size(tree.right) : tree.items.length;
      sizes.set(tree, known);
    }
    return known;
  };

  const fit = (tree: AnnoyTree, root: boolean): Fitted => {
    const count = size(tree);
    if (count <= K && (!root || n <= K || count <= 1))
      return { leaf: collect(tree, []).sort((a, b) => a - b) };
    let split: AnnoySplit;
    if (isSplit(tree)) {
      if (size(tree.left) === 0) return fit(tree.right, root);
      if (size(tree.right) === 0) return fit(tree.left, root);
      split = tree;
    } else {
      const half = count >> 1;
      split = {
        left: { items: tree.items.slice(0, half) },
        right: { items: tree.items.slice(half) },
        normal: zeroNormal,
        offset: 0,
        bit: 0,
      };
    }
    const left = fit(split.left, false);
    const right = fit(split.right, false);
    const lone = (t: Fitted) => (countOf(t) === 1 ? 0 : nodesOf(t));
    return { split, left, right, count, nodes: 1 + lone(left) + lone(right) };
  };

  const fitted = trees.map((tree, t) => {
    const seen = new Uint8Array(n);
    for (const id of collect(tree, [])) {
      if (!Number.isInteger(id) || id < 0 || id >= n || !present[id])
        throw new InvalidArgumentError(`Annoy tree ${t} names item ${id}, which has no vector`);
      if (seen[id]++ !== 0) throw new InvalidArgumentError(`Annoy tree ${t} holds item ${id} twice`);
    }
    for (let id = 0; id < n; id++) {
      if (present[id] && seen[id] === 0) throw new InvalidArgumentError(`Annoy tree ${t} misses item ${id}`);
    }
    return fit(tree, true);
  });

  const s = layout.nodeBytes;
  const total = n + fitted.reduce((sum, t) => sum + nodesOf(t), 0) + trees.length;
  const bytes = new Uint8Array(total * s);
  const view = new DataView(bytes.buffer);
  writeItems(view, layout, vectors);

  let next = n;
  const emit = (t: Fitted, root: boolean): number => {
    if ('leaf' in t) {
      if (t.leaf.length === 1 && !root) return t.leaf[0];
      const at = next++ * s;
      view.setInt32(at, root ? n : t.leaf.length, true);
      for (let j = 0; j < t.leaf.length; j++) view.setInt32(at + layout.childrenAt + 4 * j, t.leaf[j], true);
      return at / s;
    }
    const smallerFirst = countOf(t.left) > countOf(t.right) ? [t.right, t.left] : [t.left, t.right];
    const refs = new Map(smallerFirst.map((child) => [child, emit(child, false)]));
    const at = next++ * s;
    view.setInt32(at, root ? n : t.count, true);
    view.setInt32(at + layout.childrenAt, refs.get(t.left)!, true);
    view.setInt32(at + layout.childrenAt + 4, refs.get(t.right)!, true);
    writePlane(view, at, layout, t.split);
    return at / s;
  };
  const roots = fitted.map((t) => emit(t, true));
  for (let r = 0; r < roots.length; r++) bytes.copyWithin((next + r) * s, roots[r] * s, (roots[r] + 1) * s);
  return bytes;
}

function writePlane(view: DataView, at: number, layout: AnnoyLayout, split: AnnoySplit): void {
  if (layout.metric === 'hamming') {
    const bit = split.bit ?? -1;
    if (!Number.isInteger(bit) || bit < 0 || bit >= 64 * layout.words)
      throw new InvalidArgumentError(`Annoy Hamming split bit ${bit} is outside 0..${64 * layout.words - 1}`);
    view.setUint32(at + layout.vectorAt, bit, true);
    return;
  }
  if (split.normal.length !== layout.dim)
    throw new InvalidArgumentError(
      `Annoy split normal has ${split.normal.length} components, not ${layout.dim}`,
    );
  if (layout.metric !== 'angular') view.setFloat32(at + layout.scalarAt, split.offset, true);
  for (let z = 0; z < layout.dim; z++) view.setFloat32(at + layout.vectorAt + 4 * z, split.normal[z], true);
}

function writeItems(view: DataView, layout: AnnoyLayout, vectors: AnnoyForestInput['vectors']): void {
  const s = layout.nodeBytes;
  const f = layout.dim;
  const rows = vectors.map((v) => {
    if (v === undefined) return undefined;
    if (v.length !== f) throw new InvalidArgumentError(`Annoy item has ${v.length} components, not ${f}`);
    return Float32Array.from(v);
  });
  const norms = rows.map((v) => (v === undefined ? 0 : dotF32(v, 0, v, 0, f)));
  // dot's preprocess: every node below the item count gets √(max‖x‖² − ‖x‖²), in float32.
  const lengths = norms.map((d) => (d < 0 ? 0 : f32(Math.sqrt(d))));
  const largest = lengths.reduce((a, b) => Math.max(a, b), 0);
  rows.forEach((v, i) => {
    const at = i * s;
    if (layout.metric === 'dot') {
      const diff = f32(f32(largest * largest) - f32(lengths[i] * lengths[i]));
      view.setFloat32(at + layout.scalarAt, diff < 0 ? 0 : f32(Math.sqrt(diff)), true);
    }
    if (v === undefined) return;
    view.setInt32(at, 1, true);
    if (layout.metric === 'hamming') {
      const words = packBits(v, f);
      for (let j = 0; j < words.length; j++) view.setUint32(at + layout.vectorAt + 4 * j, words[j], true);
      return;
    }
    if (layout.metric === 'angular') view.setFloat32(at + layout.scalarAt, norms[i], true);
    for (let z = 0; z < f; z++) view.setFloat32(at + layout.vectorAt + 4 * z, v[z], true);
  });
}
