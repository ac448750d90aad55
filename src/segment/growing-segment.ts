/**
 * The growing segment: the rows written since the last seal, appended in WAL order and
 * searched exactly (one flat index per vector field). Deletions mark rows; rows are never
 * moved. Sealing copies the live rows out (`liveChunks`) into immutable segments, each in
 * the locality order of its first field searched by a graph walk (`FieldLayout.walked`;
 * locality-order.ts), else in append order.
 *
 * Invariants: every field's flat index holds exactly `rows` rows; `presence[f]` is
 * undefined for a field every row has (the single unnamed vector), else it has a bit per
 * row; the payload index has indexed every row.
 */
import { Bitset } from '../index/bitset.js';
import { FlatIndex } from '../index/flat-index.js';
import type { Kernels } from '../kernels/kernels.js';
import type { SegmentPayloadIndex } from '../payload/payload-index.js';
import type { SegmentField } from '../storage/segment-file.js';
import { localityOrder, type OrderedVectors } from './locality-order.js';
import type { FieldLayout, PointId, SegmentView, StoredPayload } from './segment-view.js';
import { StalePayloadKeys } from './stale-payload-index.js';

/** The vectors of appended rows for one field: rows × dimension, and which rows have one (all when undefined). */
export interface FieldRows {
  vectors: Float32Array;
  present?: readonly boolean[];
}

export class GrowingSegment implements SegmentView {
  private readonly indexes: FlatIndex[];
  private readonly presence: (Bitset | undefined)[];
  private readonly ids: PointId[] = [];
  private readonly payloads: StoredPayload[] = [];
  private deleted = new Bitset(1024);
  private deletedCount = 0;
  private readonly stale = new StalePayloadKeys();

  /** `release` is called once `dispose` has freed the segment's memory (its arena's placement). */
  constructor(
    readonly kernels: Kernels,
    readonly layout: readonly FieldLayout[],
    private readonly index: SegmentPayloadIndex,
    private readonly release?: () => void,
  ) {
    this.indexes = layout.map((f) => new FlatIndex(kernels, f.dimension, f.distance));
    this.presence = layout.map((f) => (f.name === '' ? undefined : new Bitset(1024)));
  }

  get rows(): number {
    return this.ids.length;
  }

  /** The payload index, brought up to date with payload updates first. */
  get payloadIndex(): SegmentPayloadIndex {
    this.stale.refresh(this.index, (row) => this.payloads[row]);
    return this.index;
  }

  /** The declared payload index kinds (reading them does not refresh stale indexes). */
  get payloadIndexDeclarations() {
    return this.index.declarations;
  }

  /** Marks the payload index of `key` out of date after a payload update (rebuilt at the next read). */
  stalePayloadKey(key: string): void {
    this.stale.mark(key);
  }

  get liveCount(): number {
    return this.ids.length - this.deletedCount;
  }

  /** Appends rows (one `FieldRows` per field); returns the offset of the first. */
  append(ids: readonly PointId[], fields: readonly FieldRows[], payloads: readonly StoredPayload[]): number {
    const first = this.ids.length;
    const end = first + ids.length;
    if (end > this.deleted.size) this.deleted = this.deleted.resized(Math.max(end, this.deleted.size * 2));
    fields.forEach((rows, f) => {
      this.indexes[f].add(rows.vectors);
      let present = this.presence[f];
      if (present === undefined) return;
      if (end > present.size) present = this.presence[f] = present.resized(Math.max(end, present.size * 2));
      for (let i = 0; i < ids.length; i++) if (rows.present?.[i] !== false) present.set(first + i);
    });
    for (let i = 0; i < ids.length; i++) {
      this.ids.push(ids[i]);
      this.payloads.push(payloads[i]);
      this.index.append(first + i, payloads[i]);
    }
    return first;
  }

  delete(offset: number): void {
    if (this.deleted.has(offset)) return;
    this.deleted.set(offset);
    this.deletedCount++;
  }

  fieldIndex(field: number): FlatIndex {
    return this.indexes[field];
  }

  present(field: number): Bitset | undefined {
    return this.presence[field]?.resized(this.rows);
  }

  /** Whether row `offset` has a vector in `field`. */
  has(offset: number, field: number): boolean {
    return this.presence[field]?.has(offset) ?? true;
  }

  id(offset: number): PointId {
    return this.ids[offset];
  }

  payload(offset: number): StoredPayload {
    return this.payloads[offset];
  }

  /** Replaces the payload of row `offset` (the caller re-indexes it and logs the change). */
  replacePayload(offset: number, payload: StoredPayload): void {
    this.payloads[offset] = payload;
  }

  vector(offset: number, field = 0): Float32Array {
    return this.indexes[field].store.row(offset);
  }

  isLive(offset: number): boolean {
    return !this.deleted.has(offset);
  }

  liveRows(): Bitset | undefined {
    if (this.deletedCount === 0) return undefined;
    return Bitset.full(this.rows).andNot(this.deleted.resized(this.rows));
  }

  /**
   * The live rows, in append order, cut into chunks of at most `chunkRows` rows (one
   * sealed segment each, so `segmentSize` bounds segments even when one upsert is larger),
   * each chunk's rows in locality order when a field is walked (see the class comment).
   */
  async liveChunks(
    chunkRows: number,
  ): Promise<{ ids: PointId[]; payloads: StoredPayload[]; fields: SegmentField[] }[]> {
    const keep: number[] = [];
    for (let i = 0; i < this.ids.length; i++) if (!this.deleted.has(i)) keep.push(i);
    const chunks = [];
    const walked = this.layout.findIndex((f) => f.walked);
    for (let start = 0; start < keep.length; start += chunkRows) {
      const inAppendOrder = keep.slice(start, start + chunkRows);
      // Near vectors at near offsets, for the graph walks of the sealed segment.
      const rows =
        walked < 0 ? inAppendOrder : await localityOrder(inAppendOrder, this.orderedVectors(walked));
      chunks.push({
        ids: rows.map((i) => this.ids[i]),
        payloads: rows.map((i) => this.payloads[i]),
        fields: this.layout.map((f, field) =>
          copyField(f, rows, (i) => this.vector(i, field), this.presence[field]),
        ),
      });
    }
    return chunks;
  }

  /** `field`'s vectors as the locality order reads them: in place, in linear memory. */
  private orderedVectors(field: number): OrderedVectors {
    const { store } = this.indexes[field];
    const presence = this.presence[field];
    return {
      dimension: store.dimension,
      view: () => this.kernels.f32(store.ptr, store.count * store.dimension),
      has: (row) => presence?.has(row) !== false,
    };
  }

  /**
   * Bytes of linear memory that appending `count` rows allocates at most: each field's
   * store grows in place or reallocates (`VectorStore.growthBytes`).
   */
  appendBytes(count: number): number {
    let bytes = 0;
    for (const index of this.indexes) bytes += index.store.growthBytes(count);
    return bytes;
  }

  /** Bytes of linear memory held (the fields' stores). */
  get memoryBytes(): number {
    let bytes = 0;
    for (const index of this.indexes) bytes += index.memoryBytes;
    return bytes;
  }

  dispose(): void {
    for (const index of this.indexes) index.dispose();
    this.release?.();
  }
}

/**
 * The rows `keep` of one field, in order, as a segment field: their vectors and, for named
 * fields, which of them have one.
 */
export function copyField(
  layout: FieldLayout,
  keep: readonly number[],
  vectorAt: (row: number) => Float32Array,
  presence: Bitset | undefined,
): SegmentField {
  const dim = layout.dimension;
  const vectors = new Float32Array(keep.length * dim);
  keep.forEach((row, i) => {
    vectors.set(vectorAt(row), i * dim);
  });
  const field: SegmentField = { name: layout.name, dimension: dim, distance: layout.distance, vectors };
  if (layout.name !== '') {
    const present = new Bitset(keep.length);
    keep.forEach((row, i) => {
      if (presence === undefined || presence.has(row)) present.set(i);
    });
    field.present = present;
  }
  return field;
}
