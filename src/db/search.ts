/**
 * Search fan-out over a collection's segments: each segment answers with its own top-k
 * over the rows that are live, have a vector in the searched field and pass the filter,
 * and the per-segment lists are merged by distance. Every segment returns
 * min(k, allowed) rows among its allowed rows (exactly the top-k for flat segments,
 * approximately for indexed ones), so the merge returns k results whenever k points are
 * allowed, and is exact when every segment's index is.
 *
 * The planner: a filter is first turned into each segment's allowed rows through the
 * segment's payload indexes (`SegmentPayloadIndex.filter`; unindexed keys are read from
 * payloads), after a cheap upper bound from index cardinalities (`estimate`) has ruled out
 * segments where nothing can match. When even that bound is small, the segment is scanned
 * exactly over the allowed rows (the HNSW cost rule, `scanBeatsWalk`); otherwise its index
 * decides with the exact count, which it takes in wasm (HNSW scans when allowed rows are few
 * and walks with the allow-list applied inside the walk otherwise).
 *
 * Value partitions (segment/value-partitions.ts): when the filter's top-level `must` holds a
 * match of one string value on a partitioned keyword key, and the segment has that value's
 * partition, the partition is searched instead of the segment. Its rows are exactly the rows
 * holding the value, a superset of the allowed rows, so the allowed rows (computed as always)
 * restricted to it are all the allowed rows; the same rule picks an exact scan of its packed
 * copy or a walk of its graph, and its local offsets map back to segment offsets.
 */
import { Bitset } from '../index/bitset.js';
import { scanBeatsWalk } from '../index/hnsw-index.js';
import type { IndexSearchParams } from '../index/vector-index.js';
import { type Filter, isFieldCondition } from '../payload/filter.js';
import type { SegmentView } from '../segment/segment-view.js';
import { TombstonedSegment } from '../segment/tombstones.js';
import type { ValuePartition } from '../segment/value-partitions.js';
import { rowIdsOf } from './row-ids.js';

export interface Candidate {
  view: SegmentView;
  offset: number;
  distance: number;
}

/** What restricts the rows a search may return: the vector field searched and a filter. */
export interface RowScope {
  /** The vector field; rows lacking its vector are never returned. Undefined: any row. */
  field?: number;
  filter?: Filter;
}

/**
 * The rows of `view` that may be returned: live rows having the field's vector, that match
 * the filter. `undefined` means "all rows"; an empty bitset means none.
 */
export function allowedRows(view: SegmentView, scope: RowScope = {}): Bitset | undefined {
  let allowed = view.liveRows()?.clone();
  const present = scope.field === undefined ? undefined : view.present(scope.field);
  if (present) allowed = allowed ? allowed.and(present) : present.clone();
  if (scope.filter) {
    const matching = view.payloadIndex.filter(
      scope.filter,
      view.rows,
      (i) => view.payload(i),
      rowIdsOf(view),
    );
    allowed = allowed ? allowed.and(matching) : matching;
  }
  return allowed;
}

/**
 * Filtered scans over at most this many allowed rows run on the calling thread (well under
 * a millisecond, like a search of the growing segment) instead of on a worker, whose
 * hand-off costs about 0.1–0.3 ms per call.
 */
const INLINE_SCAN_ROWS = 16_384;

/**
 * The k best allowed rows of `field` over `views`. Sealed segments are searched on worker
 * threads (concurrently, and retained until their search ends), the growing segment on
 * this one.
 */
export async function topK(
  views: readonly SegmentView[],
  field: number,
  query: Float32Array,
  k: number,
  scope: RowScope,
  params: IndexSearchParams = {},
): Promise<Candidate[]> {
  const searches = views.map(async (view) => {
    if (view.liveCount === 0) return [];
    // An upper bound of the allowed rows, from payload-index cardinalities (microseconds).
    const bound = scope.filter
      ? view.payloadIndex.estimate(scope.filter, view.rows, rowIdsOf(view))
      : view.rows;
    if (bound === 0) return [];
    const partition = partitionFor(view, field, scope.filter);
    if (partition) return searchPartition(view, partition, query, k, scope, params);
    const allow = allowedRows(view, scope);
    const own: IndexSearchParams =
      allow && params.strategy !== 'scan' && scanBeatsWalk(bound, Math.max(params.ef ?? 64, k), view.rows)
        ? { ...params, strategy: 'scan' }
        : params;
    const index = view.fieldIndex(field);
    // A scan of a few allowed rows costs less than the hop to a worker thread: run it here.
    const inline = own.strategy === 'scan' && bound <= INLINE_SCAN_ROWS;
    const release = inline ? undefined : view.retain?.();
    try {
      const { offsets, distances } = release
        ? await index.searchAsync(query, k, allow, own)
        : index.search(query, k, allow, own);
      return Array.from(offsets, (offset, i): Candidate => ({ view, offset, distance: distances[i] }));
    } finally {
      release?.();
    }
  });
  const all = (await Promise.all(searches)).flat();
  all.sort((a, b) => a.distance - b.distance);
  return all.length > k ? all.slice(0, k) : all;
}

/**
 * The value partition of `view` that holds every row `filter` may allow: that of the first
 * string `match: { value }` condition of the top-level `must` whose key is partitioned in
 * `field` and whose value has a partition ready.
 */
export function partitionFor(
  view: SegmentView,
  field: number,
  filter: Filter | undefined,
): ValuePartition | undefined {
  if (filter?.must === undefined || !(view instanceof TombstonedSegment)) return undefined;
  for (const condition of filter.must) {
    if (!isFieldCondition(condition) || !('match' in condition) || !('value' in condition.match)) continue;
    const value = condition.match.value;
    if (typeof value !== 'string') continue;
    const partition = view.segment.partition(field, condition.key, value);
    if (partition) return partition;
  }
  return undefined;
}

/** Whether `filter` is one `must` condition and nothing else (so it allows exactly what that condition does). */
function isSingleCondition(filter: Filter | undefined): boolean {
  return filter?.must?.length === 1 && !filter.should?.length && !filter.must_not?.length;
}

/**
 * The k best allowed rows of `view` through `partition` (see the module comment). When the
 * filter is the partition's condition alone and every row is live and has the vector, every
 * partition row is allowed and no allow-list is made. A walk of a graph of at most
 * INLINE_SCAN_ROWS nodes, which computes each node's distance at most once, costs about what
 * a scan of as many rows does, so it runs on this thread too.
 */
async function searchPartition(
  view: SegmentView,
  partition: ValuePartition,
  query: Float32Array,
  k: number,
  scope: RowScope,
  params: IndexSearchParams,
): Promise<Candidate[]> {
  const everyRow =
    isSingleCondition(scope.filter) &&
    view.liveRows() === undefined &&
    (scope.field === undefined || view.present(scope.field) === undefined);
  const { allow, count } = partition.restrict(everyRow ? undefined : allowedRows(view, scope));
  if (count === 0) return [];
  const ef = Math.max(params.ef ?? partition.index.options.ef, k);
  const scan =
    params.strategy === 'scan' ||
    (params.strategy !== 'walk' && allow !== undefined && scanBeatsWalk(count, ef, partition.size));
  const own: IndexSearchParams = scan ? { ...params, strategy: 'scan' } : params;
  const inline = partition.size <= INLINE_SCAN_ROWS || (scan && count <= INLINE_SCAN_ROWS);
  const release = inline ? undefined : view.retain?.();
  try {
    const { offsets, distances } = release
      ? await partition.index.searchAsync(query, k, allow, own)
      : partition.index.search(query, k, allow, own);
    return Array.from(
      offsets,
      (local, i): Candidate => ({ view, offset: partition.rows[local], distance: distances[i] }),
    );
  } finally {
    release?.();
  }
}

export function withinRange(
  views: readonly SegmentView[],
  field: number,
  query: Float32Array,
  maxDistance: number,
  scope: RowScope,
): Candidate[] {
  const all: Candidate[] = [];
  for (const view of views) {
    if (view.liveCount === 0) continue;
    const found = view.fieldIndex(field).rangeSearch(query, maxDistance, allowedRows(view, scope));
    for (let i = 0; i < found.offsets.length; i++) {
      all.push({ view, offset: found.offsets[i], distance: found.distances[i] });
    }
  }
  return all.sort((a, b) => a.distance - b.distance);
}

/** Number of live rows matching `filter` across `views`. */
export function countRows(views: readonly SegmentView[], filter: Filter): number {
  let total = 0;
  for (const view of views) {
    const allowed = allowedRows(view, { filter });
    total += allowed ? allowed.count() : view.rows;
  }
  return total;
}

/** The live rows matching `filter`, segment by segment. */
export function matchingRows(
  views: readonly SegmentView[],
  filter: Filter,
): { view: SegmentView; offset: number }[] {
  const out: { view: SegmentView; offset: number }[] = [];
  for (const view of views) {
    const allowed = allowedRows(view, { filter }) ?? Bitset.full(view.rows);
    allowed.forEach((offset) => {
      out.push({ view, offset });
    });
  }
  return out;
}
