/**
 * The deleted rows of one sealed segment, and `TombstonedSegment`, the searchable pairing
 * of an immutable segment with its deletions and its changed payloads (`overlay`).
 *
 * Invariants: `deleted` has exactly `segment.rows` bits; `dirty` is true while deletions
 * exist that no committed tombstone file holds yet (they are safe in the WAL meanwhile);
 * `file` names the tombstone file of the current manifest, if any. `payload(row)` is the
 * row's current payload (the overlay's when it changed), and the segment's payload index
 * indexes current payloads.
 */
import { Bitset } from '../index/bitset.js';
import { PayloadOverlay } from './payload-overlay.js';
import type { SealedSegment } from './sealed-segment.js';
import type { PointId, SegmentView, StoredPayload } from './segment-view.js';
import { StalePayloadKeys } from './stale-payload-index.js';

export class TombstonedSegment implements SegmentView {
  readonly deleted: Bitset;
  deletedCount: number;
  dirty = false;
  /** Object keys of the index file of each vector field in the current manifest (undefined: none yet). */
  indexFiles: (string | undefined)[];
  private live: Bitset | undefined;
  private readonly stale = new StalePayloadKeys();

  constructor(
    readonly segment: SealedSegment,
    public file: string | undefined,
    deleted?: Bitset,
    /** Payloads changed since the segment was written. */
    readonly overlay = new PayloadOverlay(),
  ) {
    this.deleted = deleted ?? new Bitset(segment.rows);
    this.deletedCount = this.deleted.count();
    this.indexFiles = new Array(segment.fieldCount).fill(undefined);
  }

  get rows(): number {
    return this.segment.rows;
  }

  /** The segment's payload index, brought up to date with payload updates first. */
  get payloadIndex() {
    this.stale.refresh(this.segment.payloadIndex, (row) => this.payload(row));
    return this.segment.payloadIndex;
  }

  /** The declared payload index kinds (reading them does not refresh stale indexes). */
  get payloadIndexDeclarations() {
    return this.segment.payloadIndex.declarations;
  }

  /** Marks the payload index of `key` out of date after a payload update (rebuilt at the next read). */
  stalePayloadKey(key: string): void {
    this.stale.mark(key);
  }

  fieldIndex(field: number) {
    return this.segment.index(field);
  }

  present(field: number): Bitset | undefined {
    return this.segment.present(field);
  }

  get liveCount(): number {
    return this.segment.rows - this.deletedCount;
  }

  id(offset: number): PointId {
    return this.segment.ids[offset];
  }

  payload(offset: number): StoredPayload {
    return this.overlay.payload(offset, this.segment.payloads[offset]);
  }

  /** Replaces the payload of row `offset` (the caller re-indexes it and logs the change). */
  replacePayload(offset: number, payload: StoredPayload): void {
    this.overlay.set(offset, payload);
  }

  vector(offset: number, field = 0): Float32Array {
    return this.segment.vector(offset, field);
  }

  isLive(offset: number): boolean {
    return !this.deleted.has(offset);
  }

  /** Marks a live row deleted. */
  delete(offset: number): void {
    if (this.deleted.has(offset)) return;
    this.deleted.set(offset);
    this.deletedCount++;
    this.dirty = true;
    this.live = undefined;
  }

  retain(): () => void {
    return this.segment.retain();
  }

  liveRows(): Bitset | undefined {
    if (this.deletedCount === 0) return undefined;
    this.live ??= Bitset.full(this.rows).andNot(this.deleted);
    return this.live;
  }
}
