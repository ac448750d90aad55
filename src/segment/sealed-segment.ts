/**
 * A sealed segment: an immutable set of rows (ids, payloads, one vector per field) with an
 * index per vector field, loaded from or written to one segment file. The rows never change
 * after construction; deletions are kept beside it in `Tombstones`, and `TombstonedSegment`
 * joins the two for searching.
 *
 * Invariants:
 * - Each field starts with an exact flat index over its vectors and may later get one
 *   approximate index (built after sealing, stored in its own index file): `attachIndex`
 *   swaps it in, and searches of that field use it from then on. The segment file itself
 *   always holds the flat index type, so it never changes when an index is attached.
 * - The payload index covers every row; only whole payload fields are added or dropped
 *   later (`createPayloadIndex`), never rows.
 * - Memory is freed when the segment is disposed and nothing retains it: an index build
 *   reading the vectors on worker threads holds a `retain()` until it finishes.
 */
import type { Bitset } from '../index/bitset.js';
import { FlatIndex } from '../index/flat-index.js';
import type { VectorIndexRead } from '../index/vector-index.js';
import { VectorStore } from '../index/vector-store.js';
import type { Kernels } from '../kernels/kernels.js';
import type { SegmentPayloadIndex } from '../payload/payload-index.js';
import {
  decodeSegment,
  encodeSegment,
  type SegmentData,
  type SegmentField,
} from '../storage/segment-file.js';
import type { FieldLayout, PointId, StoredPayload } from './segment-view.js';

/** One vector field of a sealed segment. */
interface SealedField {
  layout: FieldLayout;
  store: VectorStore;
  flat: FlatIndex;
  current: VectorIndexRead;
  present: Bitset | undefined;
}

export class SealedSegment {
  readonly rows: number;
  private readonly fields: SealedField[];
  private holds = 0;
  private disposed = false;

  private constructor(
    readonly id: number,
    readonly ids: readonly PointId[],
    readonly payloads: readonly StoredPayload[],
    fields: SealedField[],
    readonly payloadIndex: SegmentPayloadIndex,
  ) {
    this.rows = ids.length;
    this.fields = fields;
  }

  /**
   * Builds a segment from rows held in memory (at seal or compaction time, or decoded);
   * `payloadIndexOf` indexes the payloads.
   */
  static build(
    kernels: Kernels,
    id: number,
    data: Omit<SegmentData, 'indexType' | 'index'>,
    payloadIndexOf: (payloads: readonly StoredPayload[]) => SegmentPayloadIndex,
  ): SealedSegment {
    const fields = data.fields.map((f): SealedField => {
      const store = new VectorStore(kernels, f.dimension, data.ids.length);
      store.append(f.vectors);
      const flat = new FlatIndex(kernels, f.dimension, f.distance, store);
      const layout = { name: f.name, dimension: f.dimension, distance: f.distance };
      return { layout, store, flat, current: flat, present: f.present };
    });
    return new SealedSegment(id, data.ids, data.payloads, fields, payloadIndexOf(data.payloads));
  }

  /** Parses and verifies a segment file (throws `CorruptDataError` naming `file`). */
  static decode(
    kernels: Kernels,
    id: number,
    bytes: Uint8Array,
    file: string,
    payloadIndexOf: (payloads: readonly StoredPayload[]) => SegmentPayloadIndex,
  ): SealedSegment {
    return SealedSegment.build(kernels, id, decodeSegment(bytes, file), payloadIndexOf);
  }

  get fieldCount(): number {
    return this.fields.length;
  }

  layout(field: number): FieldLayout {
    return this.fields[field].layout;
  }

  /** The rows' vectors of `field` (the store its indexes read). */
  store(field: number): VectorStore {
    return this.fields[field].store;
  }

  /** The index searches of `field` use: the attached approximate index, else the exact one. */
  index(field: number): VectorIndexRead {
    return this.fields[field].current;
  }

  present(field: number): Bitset | undefined {
    return this.fields[field].present;
  }

  /** Whether `field` has an approximate index attached. */
  isIndexed(field: number): boolean {
    const f = this.fields[field];
    return f.current !== f.flat;
  }

  /** Whether every field has an approximate index attached. */
  get indexed(): boolean {
    return this.fields.every((_, f) => this.isIndexed(f));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Makes `index` (over `store(field)`) the one searches of `field` use; it is disposed with the segment. */
  attachIndex(field: number, index: VectorIndexRead): void {
    if (this.disposed) throw new Error(`segment ${this.id} is disposed`);
    if (index.size !== this.rows)
      throw new RangeError(`index has ${index.size} rows, segment has ${this.rows}`);
    const f = this.fields[field];
    if (f.current !== f.flat) f.current.dispose();
    f.current = index;
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
    const fields = this.fields.map((f): SegmentField => {
      const field: SegmentField = { ...f.layout, vectors: f.store.view() };
      if (f.present) field.present = f.present;
      return field;
    });
    const flat = this.fields[0].flat;
    return encodeSegment({
      ids: this.ids as PointId[],
      payloads: this.payloads as StoredPayload[],
      fields,
      indexType: flat.type,
      index: flat.serialize(),
    });
  }

  vector(offset: number, field = 0): Float32Array {
    return this.fields[field].store.row(offset);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.holds === 0) this.free();
  }

  private free(): void {
    for (const f of this.fields) {
      if (f.current !== f.flat) f.current.dispose();
      f.current = f.flat;
      f.flat.dispose();
    }
  }
}
