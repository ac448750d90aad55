/**
 * Applies a committed payload update to a collection's in-memory state: each selected live
 * point's row gets its new payload in place (a growing segment's payload array, a sealed
 * segment's overlay), and the payload indexes of the segments touched are brought up to date
 * before anything reads them again (this runs inside the commit queue, in one synchronous
 * step, so no search sees a payload and an index that disagree).
 *
 * No vector is read, copied or re-indexed. A payload index of a key is rebuilt over its
 * segment's current payloads only when the values of that key changed in some updated row
 * (payload indexes are append-only structures); keys whose values did not change keep their
 * index, so value partitions of a partitioned keyword key stay current unless that key's
 * values changed (then the indexer rebuilds them from the new keyword index).
 */
import { compilePayloadPath, payloadValues } from '../payload/payload-path.js';
import type { GrowingSegment } from '../segment/growing-segment.js';
import type { PointId, StoredPayload } from '../segment/segment-view.js';
import type { TombstonedSegment } from '../segment/tombstones.js';
import type { PayloadRecord } from '../storage/payload-record.js';
import { editPayload } from './payload-edit.js';
import type { SegmentSet } from './segment-set.js';

type WritableView = GrowingSegment | TombstonedSegment;

/** The rows of one segment an update changed, with their payloads before it. */
interface Changed {
  rows: number[];
  before: StoredPayload[];
}

/** Applies `record` to `set`; returns how many distinct existing points it applied to. */
export function applyPayloadRecord(set: SegmentSet, record: PayloadRecord): number {
  const seen = new Set<PointId>();
  const changed = new Map<WritableView, Changed>();
  let applied = 0;
  for (const id of record.ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    const at = set.locate(id);
    if (!at) continue;
    const view = at.view as WritableView;
    const before = view.payload(at.offset);
    view.replacePayload(at.offset, editPayload(before, record.operation));
    let rows = changed.get(view);
    if (!rows) changed.set(view, (rows = { rows: [], before: [] }));
    rows.rows.push(at.offset);
    rows.before.push(before);
    applied++;
  }
  for (const [view, rows] of changed) reindex(view, rows);
  if (applied > 0) set.version++;
  return applied;
}

/** Rebuilds the payload indexes of `view` whose key's values changed in `changed` rows. */
function reindex(view: WritableView, changed: Changed): void {
  const index = view.payloadIndex;
  let payloads: StoredPayload[] | undefined;
  for (const [key, info] of [...index.declarations]) {
    const path = compilePayloadPath(key);
    const differs = changed.rows.some(
      (row, i) =>
        JSON.stringify(payloadValues(changed.before[i], path)) !==
        JSON.stringify(payloadValues(view.payload(row), path)),
    );
    if (!differs) continue;
    payloads ??= Array.from({ length: index.rows }, (_, row) => view.payload(row));
    index.addField(key, info, payloads);
  }
}
