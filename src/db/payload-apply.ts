/**
 * Applies a committed payload update to a collection's in-memory state: each selected live
 * point's row gets its new payload in place (a growing segment's payload array, a sealed
 * segment's overlay), and the payload indexes of the keys whose values changed are marked
 * stale in the segments touched, so they are rebuilt over the current payloads before
 * anything reads them again (segment/stale-payload-index.ts). This runs inside the commit
 * queue in one synchronous step, so no reader sees a payload and an index that disagree.
 *
 * No vector is read, copied or re-indexed. Keys whose values did not change in any updated
 * row keep their index, so value partitions of a partitioned keyword key stay current unless
 * that key's values changed (then the indexer rebuilds them from the new keyword index).
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

/**
 * Marks stale the payload indexes of `view` whose key's values changed in `changed` rows
 * (rebuilt at the next read); a partitioned keyword key is rebuilt at once, so its value
 * partitions are known to be out of date before anything searches them.
 */
function reindex(view: WritableView, changed: Changed): void {
  let now = false;
  for (const [key, info] of view.payloadIndexDeclarations) {
    const path = compilePayloadPath(key);
    const differs = changed.rows.some(
      (row, i) =>
        JSON.stringify(payloadValues(changed.before[i], path)) !==
        JSON.stringify(payloadValues(view.payload(row), path)),
    );
    if (!differs) continue;
    view.stalePayloadKey(key);
    if (info.type === 'keyword' && info.partitioned === true) now = true;
  }
  // Reading the index through the getter refreshes it.
  if (now) view.payloadIndex.rows;
}
