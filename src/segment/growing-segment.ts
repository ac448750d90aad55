/**
 * The growing segment: the rows written since the last seal, searched exhaustively by a
 * flat index. Rows are only appended; an upsert of an existing id appends a new row and
 * the caller deletes the old one, so offsets never move until the segment is sealed.
 *
 * Invariants: `ids`, `payloads` and the index hold the same number of rows; `deleted` has
 * capacity for at least that many bits and no bit set at or past `rows`.
 */
import { Bitset } from '../index/bitset.js';
import { FlatIndex } from '../index/flat-index.js';
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { PointId, SegmentView, StoredPayload } from './segment-view.js';

export class GrowingSegment implements SegmentView {
  readonly index: FlatIndex;
  private readonly ids: PointId[] = [];
  private readonly payloads: StoredPayload[] = [];
  private deleted = new Bitset(1024);
  private deletedCount = 0;

  constructor(kernels: Kernels, dimension: number, distance: DistanceKind) {
    this.index = new FlatIndex(kernels, dimension, distance);
  }

  get rows(): number {
    return this.ids.length;
  }

  get liveCount(): number {
    return this.ids.length - this.deletedCount;
  }

  /** Appends rows; returns the offset of the first. */
  append(ids: readonly PointId[], vectors: Float32Array, payloads: readonly StoredPayload[]): number {
    const first = this.ids.length;
    this.index.add(vectors);
    for (let i = 0; i < ids.length; i++) {
      this.ids.push(ids[i]);
      this.payloads.push(payloads[i]);
    }
    if (this.ids.length > this.deleted.size)
      this.deleted = this.deleted.resized(Math.max(this.ids.length, this.deleted.size * 2));
    return first;
  }

  delete(offset: number): void {
    if (this.deleted.has(offset)) return;
    this.deleted.set(offset);
    this.deletedCount++;
  }

  id(offset: number): PointId {
    return this.ids[offset];
  }

  payload(offset: number): StoredPayload {
    return this.payloads[offset];
  }

  vector(offset: number): Float32Array {
    return this.index.store.row(offset);
  }

  isLive(offset: number): boolean {
    return !this.deleted.has(offset);
  }

  liveRows(): Bitset | undefined {
    if (this.deletedCount === 0) return undefined;
    return Bitset.full(this.rows).andNot(this.deleted.resized(this.rows));
  }

  /** The live rows, in offset order, as the parts of a segment to seal. */
  liveData(): { ids: PointId[]; payloads: StoredPayload[]; vectors: Float32Array } {
    const dim = this.index.dimension;
    const all = this.index.store.view();
    const ids: PointId[] = [];
    const payloads: StoredPayload[] = [];
    const vectors = new Float32Array(this.liveCount * dim);
    for (let i = 0; i < this.ids.length; i++) {
      if (this.deleted.has(i)) continue;
      vectors.set(all.subarray(i * dim, (i + 1) * dim), ids.length * dim);
      ids.push(this.ids[i]);
      payloads.push(this.payloads[i]);
    }
    return { ids, payloads, vectors };
  }

  dispose(): void {
    this.index.dispose();
  }
}
