/**
 * A sealed segment: an immutable set of rows (ids, vectors, payloads) with its index,
 * loaded from or written to one segment file. The rows never change after construction;
 * deletions are kept beside it in `Tombstones`, and `TombstonedSegment` joins the two for
 * searching.
 *
 * Invariants:
 * - The segment starts with an exact flat index over its vectors and may later get one
 *   approximate index (built after sealing, stored in its own index file): `attachIndex`
 *   swaps it in once, and searches use it from then on. The segment file itself always
 *   holds the flat index type, so it never changes when an index is attached.
 * - Memory is freed when the segment is disposed and nothing retains it: an index build
 *   reading the vectors on worker threads holds a `retain()` until it finishes.
 */
import { FlatIndex } from '../index/flat-index.js';
import type { VectorIndexRead } from '../index/vector-index.js';
import { VectorStore } from '../index/vector-store.js';
import type { Kernels } from '../kernels/kernels.js';
import { decodeSegment, encodeSegment, type SegmentData } from '../storage/segment-file.js';
import type { PointId, StoredPayload } from './segment-view.js';

export class SealedSegment {
  readonly rows: number;
  private current: VectorIndexRead;
  private readonly flat: FlatIndex;
  private holds = 0;
  private disposed = false;

  private constructor(
    readonly id: number,
    readonly ids: readonly PointId[],
    readonly payloads: readonly StoredPayload[],
    readonly store: VectorStore,
    flat: FlatIndex,
  ) {
    this.rows = ids.length;
    this.flat = flat;
    this.current = flat;
  }

  /** Builds a segment from rows held in memory (at seal or compaction time). */
  static build(kernels: Kernels, id: number, data: Omit<SegmentData, 'indexType' | 'index'>): SealedSegment {
    const store = new VectorStore(kernels, data.dimension, data.ids.length);
    store.append(data.vectors);
    const index = new FlatIndex(kernels, data.dimension, data.distance, store);
    return new SealedSegment(id, data.ids, data.payloads, store, index);
  }

  /** Parses and verifies a segment file (throws `CorruptDataError` naming `file`). */
  static decode(kernels: Kernels, id: number, bytes: Uint8Array, file: string): SealedSegment {
    return SealedSegment.build(kernels, id, decodeSegment(bytes, file));
  }

  /** The index searches use: the attached approximate index, else the exact one. */
  get index(): VectorIndexRead {
    return this.current;
  }

  /** Whether an approximate index is attached. */
  get indexed(): boolean {
    return this.current !== this.flat;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Makes `index` (over this segment's `store`) the one searches use; it is disposed with the segment. */
  attachIndex(index: VectorIndexRead): void {
    if (this.disposed) throw new Error(`segment ${this.id} is disposed`);
    if (index.size !== this.rows)
      throw new RangeError(`index has ${index.size} rows, segment has ${this.rows}`);
    if (this.current !== this.flat) this.current.dispose();
    this.current = index;
  }

  /** Keeps the segment's memory alive until the returned function is called. */
  retain(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.disposed && this.holds === 0) this.free();
    };
  }

  encode(): Uint8Array {
    return encodeSegment({
      dimension: this.flat.dimension,
      distance: this.flat.distance,
      ids: this.ids as PointId[],
      vectors: this.store.view(),
      payloads: this.payloads as StoredPayload[],
      indexType: this.flat.type,
      index: this.flat.serialize(),
    });
  }

  vector(offset: number): Float32Array {
    return this.store.row(offset);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.holds === 0) this.free();
  }

  private free(): void {
    if (this.current !== this.flat) this.current.dispose();
    this.current = this.flat;
    this.flat.dispose();
  }
}
