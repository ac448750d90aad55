/**
 * A sealed segment: an immutable set of rows (ids, vectors, payloads) with its index,
 * loaded from or written to one segment file. Nothing here changes after construction;
 * deletions are kept beside it in `Tombstones`, and `TombstonedSegment` joins the two for
 * searching.
 */
import { FlatIndex } from '../index/flat-index.js';
import type { VectorIndexRead } from '../index/vector-index.js';
import { VectorStore } from '../index/vector-store.js';
import type { Kernels } from '../kernels/kernels.js';
import { decodeSegment, encodeSegment, type SegmentData } from '../storage/segment-file.js';
import type { PointId, StoredPayload } from './segment-view.js';

export class SealedSegment {
  readonly rows: number;
  readonly index: VectorIndexRead;
  private readonly store: VectorStore;

  private constructor(
    readonly id: number,
    readonly ids: readonly PointId[],
    readonly payloads: readonly StoredPayload[],
    store: VectorStore,
    index: VectorIndexRead,
  ) {
    this.rows = ids.length;
    this.store = store;
    this.index = index;
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

  encode(): Uint8Array {
    return encodeSegment({
      dimension: this.index.dimension,
      distance: this.index.distance,
      ids: this.ids as PointId[],
      vectors: this.store.view(),
      payloads: this.payloads as StoredPayload[],
      indexType: this.index.type,
      index: this.index.serialize(),
    });
  }

  vector(offset: number): Float32Array {
    return this.store.row(offset);
  }

  dispose(): void {
    this.index.dispose();
  }
}
