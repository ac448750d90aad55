/**
 * The static layout of an Annoy-style forest: one contiguous block of u32/f32 words in
 * linear memory that the search kernel (`annoySearch` in `assembly/annoy.ts`) reads as is
 * and that is, byte for byte, the index body `serialize()` writes — so loading is one
 * `Uint8Array.set` plus range checks, with no per-node parsing.
 *
 * Layout (little-endian words):
 *   header: [0] format version (1), [1] dimension d, [2] distance kind, [3] trees,
 *     [4] leaf size K, [5] row count n, [6] splits S, [7] leaves L,
 *     [8] f32 largest squared row norm (inner product only, else 0), [9] 0;
 *   roots: `trees` refs;
 *   splits: S records of 4 + d words: [left ref, right ref, f32 offset, f32 extra weight,
 *     f32 normal[d]];
 *   leaves: L records [first item, item count];
 *   items: trees·n u32 row offsets (each tree's rows, grouped by leaf).
 * A ref with bit 31 set names leaf (ref & 0x7fffffff), otherwise split ref.
 *
 * Invariants (checked by `check`, hence by every load): the refs form a forest — each node
 * is reached exactly once, from a root or from one parent, and a split's children come
 * after it; leaves name ranges inside the items; every item is a row below n. These bound
 * the kernel's work and keep its reads and writes inside the blocks it was given.
 */
import type { DistanceKind } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';

export const FOREST_FORMAT_VERSION = 1;
export const FOREST_HEADER_WORDS = 10;
export const SPLIT_HEADER_WORDS = 4;
export const LEAF_BIT = 0x80000000;

/** Counts and shape that fix the layout of a forest. */
export interface ForestShape {
  dimension: number;
  distance: DistanceKind;
  trees: number;
  leafSize: number;
  count: number;
  splits: number;
  leaves: number;
  /** Largest squared row norm (the inner-product transform), else 0. */
  largestNormSq: number;
}

/** Word offsets of the sections of a forest of `shape`, and its total size in bytes. */
export function forestLayout(shape: ForestShape) {
  const roots = FOREST_HEADER_WORDS;
  const splits = roots + shape.trees;
  const leaves = splits + shape.splits * (SPLIT_HEADER_WORDS + shape.dimension);
  const items = leaves + 2 * shape.leaves;
  const words = items + shape.trees * shape.count;
  return { roots, splits, leaves, items, bytes: words * 4 };
}

export class AnnoyForest {
  private constructor(
    private readonly kern: WasmKernels,
    /** Address of the block in linear memory. */
    readonly ptr: number,
    readonly shape: ForestShape,
  ) {}

  /** A zeroed forest block of `shape` with its header written; the caller fills the rest. */
  static allocate(kern: WasmKernels, shape: ForestShape): AnnoyForest {
    const ptr = kern.alloc(forestLayout(shape).bytes);
    const head = kern.u32(ptr, FOREST_HEADER_WORDS);
    head.set([
      FOREST_FORMAT_VERSION,
      shape.dimension,
      shape.distance,
      shape.trees,
      shape.leafSize,
      shape.count,
      shape.splits,
      shape.leaves,
    ]);
    kern.f32(ptr + 32, 1)[0] = shape.largestNormSq;
    return new AnnoyForest(kern, ptr, shape);
  }

  /**
   * A forest from `body` (the bytes `bytes()` returned) for `count` rows of `dimension`
   * floats compared by `distance`: header checks, one copy, then `check`.
   * @throws Error naming the first thing that does not fit.
   */
  static load(
    kern: WasmKernels,
    body: Uint8Array,
    expected: { dimension: number; distance: DistanceKind; count: number },
  ): AnnoyForest {
    const headerBytes = FOREST_HEADER_WORDS * 4;
    if (body.length < headerBytes) throw new Error(`Annoy body of ${body.length} bytes is truncated`);
    const view = new DataView(body.buffer, body.byteOffset, headerBytes);
    const word = (i: number) => view.getUint32(4 * i, true);
    if (word(0) !== FOREST_FORMAT_VERSION)
      throw new Error(`Annoy format version ${word(0)} is not supported`);
    const shape: ForestShape = {
      dimension: word(1),
      distance: word(2) as DistanceKind,
      trees: word(3),
      leafSize: word(4),
      count: word(5),
      splits: word(6),
      leaves: word(7),
      largestNormSq: view.getFloat32(32, true),
    };
    if (shape.dimension !== expected.dimension) {
      throw new Error(`Annoy dimension ${shape.dimension} differs from the vectors' ${expected.dimension}`);
    }
    if (shape.distance !== expected.distance) {
      throw new Error(
        `Annoy distance kind ${shape.distance} differs from the collection's ${expected.distance}`,
      );
    }
    if (shape.count !== expected.count)
      throw new Error(`Annoy indexes ${shape.count} rows, the vectors are ${expected.count}`);
    if (shape.trees < 1 || shape.leafSize < 1 || word(9) !== 0)
      throw new Error('Annoy header has invalid fields');
    const bytes = forestLayout(shape).bytes;
    if (body.length !== bytes)
      throw new Error(`Annoy body has ${body.length} bytes, its header needs ${bytes}`);
    const ptr = kern.alloc(bytes);
    new Uint8Array(kern.memory.buffer, ptr, bytes).set(body);
    const forest = new AnnoyForest(kern, ptr, shape);
    try {
      forest.check();
    } catch (error) {
      forest.dispose();
      throw error;
    }
    return forest;
  }

  get byteLength(): number {
    return forestLayout(this.shape).bytes;
  }

  /** The block as stored: the index body. */
  bytes(): Uint8Array {
    return new Uint8Array(this.kern.memory.buffer, this.ptr, this.byteLength).slice();
  }

  /** @throws Error when the refs do not form a forest or a leaf or item is out of range. */
  check(): void {
    const { trees, splits, leaves, count } = this.shape;
    const at = forestLayout(this.shape);
    const words = this.kern.u32(this.ptr, this.byteLength / 4);
    const itemCount = trees * count;
    const seen = new Uint8Array(splits + leaves);
    const reach = (ref: number, parent: number) => {
      const node = ref & LEAF_BIT ? splits + (ref & ~LEAF_BIT) : ref;
      const bad =
        ref & LEAF_BIT ? (ref & ~LEAF_BIT) >= leaves : ref >= splits || (parent >= 0 && ref <= parent);
      if (bad) throw new Error(`Annoy node ref ${ref >>> 0} (from ${parent}) is out of range or order`);
      if (seen[node]++ !== 0) throw new Error(`Annoy node ref ${ref >>> 0} is reached twice`);
    };
    for (let t = 0; t < trees; t++) reach(words[at.roots + t], -1);
    const stride = SPLIT_HEADER_WORDS + this.shape.dimension;
    for (let s = 0; s < splits; s++) {
      reach(words[at.splits + s * stride], s);
      reach(words[at.splits + s * stride + 1], s);
    }
    for (let i = 0; i < seen.length; i++) {
      if (seen[i] === 0) throw new Error(`Annoy node ${i} is not reached from any root`);
    }
    for (let l = 0; l < leaves; l++) {
      const first = words[at.leaves + 2 * l];
      const n = words[at.leaves + 2 * l + 1];
      if (first + n > itemCount) throw new Error(`Annoy leaf ${l} items ${first}+${n} exceed ${itemCount}`);
    }
    for (let i = 0; i < itemCount; i++) {
      if (words[at.items + i] >= count)
        throw new Error(`Annoy item ${i} names row ${words[at.items + i]} of ${count}`);
    }
  }

  dispose(): void {
    this.kern.free(this.ptr);
  }
}
