/**
 * Deferred rebuilds of a segment's payload indexes after payload updates. Payload indexes
 * are append-only structures, so when an update changes the values of an indexed key in some
 * rows, that key's index is rebuilt over the segment's current payloads. Updates only mark
 * the key stale; the rebuild runs when the segment's payload index is next read (through the
 * segment's `payloadIndex` getter), so a run of updates without reads in between costs one
 * rebuild per key, not one per update.
 *
 * Invariant: every read of a segment's payload index from outside the segment goes through
 * the getter, which refreshes first, so no reader sees an index older than the payloads.
 * Partitioned keyword keys are never left stale (the caller refreshes at once), because a
 * sealed segment checks its value partitions against the key's index internally.
 */
import type { SegmentPayloadIndex } from '../payload/payload-index.js';
import type { StoredPayload } from './segment-view.js';

export class StalePayloadKeys {
  private readonly keys = new Set<string>();

  /** Marks the index of `key` out of date. */
  mark(key: string): void {
    this.keys.add(key);
  }

  /** Rebuilds the stale keys still declared in `index` over the payloads `payloadAt` gives. */
  refresh(index: SegmentPayloadIndex, payloadAt: (row: number) => StoredPayload): void {
    if (this.keys.size === 0) return;
    const payloads = Array.from({ length: index.rows }, (_, row) => payloadAt(row));
    for (const key of this.keys) {
      const info = index.declarations.get(key);
      if (info) index.addField(key, info, payloads);
    }
    this.keys.clear();
  }
}
