/**
 * The nodes of an Annoy `.ann` file (layout in `annoy-layout.ts`) as typed views, checked once
 * so that traversing them cannot loop or read out of bounds, and the roots and item count found
 * as Annoy's `load` finds them.
 *
 * `load` (annoylib.h) reads the last node's `n_descendants` as the item count m, walks back from
 * the end taking every node whose `n_descendants` equals m as a root, and — since the last
 * tree's own root sits just before the copies of all roots — drops the last one taken when its
 * `children[0]` equals the first one's. That is done here literally, quirks included (an index
 * of at most K items, whose roots are all leaves, reports 2·trees − 1 trees, as Annoy does).
 *
 * Checks (each failure is a `CorruptDataError` naming the file): the size is a positive
 * multiple of the node size (Annoy's own check, which also catches most wrong dimensions or
 * metrics); m ≥ 0 and the item nodes 0..m−1 have 0 (a hole) or 1 descendants; every other node
 * has 0..m descendants; a leaf's item ids are items (0 ≤ id < m); a split's children are nodes
 * of the file and, walking down from the roots, no split is reached twice (so descents are
 * finite: Annoy 1.17 writes children before their parent, files from older versions the other
 * way round, and both are trees); a Hamming split's bit lies inside the vector.
 *
 * Invariants after construction: `roots` are nodes of this file; following children from them
 * reaches each split at most once and ends at items or leaves whose ids are items.
 * Views assume a little-endian host (as Annoy's mmap of the same bytes does).
 */
import { CorruptDataError } from '../errors.js';
import type { AnnoyLayout } from './annoy-layout.js';

export class AnnoyNodes {
  readonly count: number;
  readonly items: number;
  /** Root nodes in the order `load` collects them (last node first). */
  readonly roots: readonly number[];
  /** The whole file as int32, float32 and uint32 words (one buffer, 4-byte aligned). */
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly u32: Uint32Array;
  /** Words per node. */
  readonly stride: number;

  /**
   * Checks and wraps `bytes` (copied when not 4-byte aligned).
   * @throws CorruptDataError when the bytes are not an Annoy index of `layout` (see the module comment).
   */
  constructor(
    bytes: Uint8Array,
    readonly layout: AnnoyLayout,
    readonly file: string,
  ) {
    const s = layout.nodeBytes;
    if (bytes.byteLength === 0) throw this.corrupt('the file is empty');
    if (bytes.byteLength % s !== 0) {
      throw this.corrupt(
        `size ${bytes.byteLength} is not a multiple of the node size ${s} of a ${layout.metric} index ` +
          `of dimension ${layout.dim}: the file was built with another dimension or metric, or is truncated`,
      );
    }
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    const words = aligned.byteLength / 4;
    this.i32 = new Int32Array(aligned.buffer, aligned.byteOffset, words);
    this.f32 = new Float32Array(aligned.buffer, aligned.byteOffset, words);
    this.u32 = new Uint32Array(aligned.buffer, aligned.byteOffset, words);
    this.stride = s / 4;
    this.count = bytes.byteLength / s;
    const { roots, items } = this.findRoots();
    this.roots = roots;
    this.items = items;
    this.check();
  }

  /** `n_descendants` of node i. */
  descendants(i: number): number {
    return this.i32[i * this.stride];
  }

  /** `children[j]` of node i (a node number for splits, an item id for leaves). */
  child(i: number, j: number): number {
    return this.i32[i * this.stride + this.layout.childrenAt / 4 + j];
  }

  /** The float32 beside the children: norm (angular), a (euclidean, manhattan), dot_factor (dot). */
  scalar(i: number): number {
    return this.f32[i * this.stride + this.layout.scalarAt / 4];
  }

  /** Word offset of node i's `v` in `f32` / `u32`. */
  vectorWord(i: number): number {
    return i * this.stride + this.layout.vectorAt / 4;
  }

  /** A Hamming split's bit number (v[0], a uint64 the checks keep below 2^32). */
  splitBit(i: number): number {
    return this.u32[this.vectorWord(i)];
  }

  private corrupt(reason: string): CorruptDataError {
    return new CorruptDataError(this.file, `not an Annoy index of this layout: ${reason}`);
  }

  /** Annoy's `load`: the item count and roots from the end of the file. */
  private findRoots(): { roots: number[]; items: number } {
    const roots: number[] = [];
    let m = -1;
    for (let x = this.count; x > 0; x--) {
      const i = x - 1;
      const k = this.descendants(i);
      if (m === -1 || k === m) {
        roots.push(i);
        m = k;
      } else break;
    }
    if (roots.length > 1 && this.child(roots[0], 0) === this.child(roots[roots.length - 1], 0)) roots.pop();
    if (m < 0 || m >= this.count) {
      throw this.corrupt(`the last node claims ${m} items, the file holds ${this.count} nodes`);
    }
    return { roots, items: m };
  }

  private check(): void {
    const { maxLeaf, metric, words } = this.layout;
    const m = this.items;
    for (let i = 0; i < this.count; i++) {
      const n = this.descendants(i);
      if (i < m) {
        if (n !== 0 && n !== 1) throw this.corrupt(`item node ${i} has ${n} descendants (0 or 1 expected)`);
        continue;
      }
      if (n < 0 || n > m) throw this.corrupt(`node ${i} has ${n} descendants, outside 0..${m}`);
      if (n <= maxLeaf) {
        for (let j = 0; j < n; j++) {
          const id = this.child(i, j);
          if (id < 0 || id >= m) throw this.corrupt(`leaf node ${i} lists item ${id}, outside 0..${m - 1}`);
        }
        continue;
      }
      for (let j = 0; j < 2; j++) {
        const c = this.child(i, j);
        if (c < 0 || c >= this.count) throw this.corrupt(`split node ${i} has child ${c}, outside the file`);
      }
      if (metric === 'hamming') {
        const at = this.vectorWord(i);
        if (this.u32[at + 1] !== 0 || this.u32[at] >= 64 * words) {
          throw this.corrupt(`split node ${i} tests a bit outside the ${64 * words} bits of a vector`);
        }
      }
    }
    this.checkTreeShape();
  }

  /** Every split is reached at most once from the roots, so descents are finite and never shared. */
  private checkTreeShape(): void {
    const reached = new Uint8Array(this.count);
    const stack = [...this.roots];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (this.descendants(i) <= this.layout.maxLeaf) continue;
      if (reached[i]++ !== 0) throw this.corrupt(`split node ${i} is reached twice from the roots`);
      stack.push(this.child(i, 0), this.child(i, 1));
    }
  }
}
