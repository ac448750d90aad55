/**
 * The plan of one segment's part of a vector search: which index answers (the segment's, or
 * a value partition's), over which allowed rows, with which strategy — everything decided
 * before any search runs, so that `SearchPlacement` can place the call's searches together
 * (search.ts runs them).
 *
 * The planner: a filter is first turned into each segment's allowed rows through the
 * segment's payload indexes (`SegmentPayloadIndex.filter`; unindexed keys are read from
 * payloads), after a cheap upper bound from index cardinalities (`estimate`) has ruled out
 * segments where nothing can match. When even that bound is small, the segment is scanned
 * exactly over the allowed rows (the HNSW cost rule, `scanBeatsWalk`), over a list of them
 * when a `must` keyword match lists its rows (`listedRows`: no bitset over the segment, whose
 * 125 KB per query at 1M rows cost more than the scan of a 0.1% filter); otherwise its index
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
import type { Bitset } from '../index/bitset.js';
import { maxScanRows, scanBeatsWalk } from '../index/hnsw-index.js';
import type { IndexSearchParams, IndexSearchResult, VectorIndexRead } from '../index/vector-index.js';
import { type Filter, isFieldCondition } from '../payload/filter.js';
import type { SegmentView } from '../segment/segment-view.js';
import { TombstonedSegment } from '../segment/tombstones.js';
import type { ValuePartition } from '../segment/value-partitions.js';
import { rowIdsOf } from './row-ids.js';
import type { PlannedSearch } from './search-placement.js';

/** What restricts the rows a search may return: the vector field searched and a filter. */
export interface RowScope {
  /** The vector field; rows lacking its vector are never returned. Undefined: any row. */
  field?: number;
  filter?: Filter;
}

/**
 * One segment's search, planned: `index.search(query, k, allow, params)` (or the exact scan of
 * `listed`), then offsets mapped. Run it with `searchPlanned` / `searchPlannedAsync`.
 */
export interface SegmentSearch extends PlannedSearch {
  view: SegmentView;
  allow: Bitset | undefined;
  /**
   * The allowed rows as an ascending list, when a selective filter's rows were listed
   * (`listedRows`): the search is `index.searchRows` over them, and `allow` is undefined.
   */
  listed?: Uint32Array;
  /** Segment offsets of the index's offsets (a partition's rows); undefined: the same offsets. */
  rowsOf?: Uint32Array;
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

/** The search of `view` for the k best allowed rows of `field`, or undefined when none can match. */
export function planSegmentSearch(
  view: SegmentView,
  field: number,
  k: number,
  scope: RowScope,
  params: IndexSearchParams,
): SegmentSearch | undefined {
  if (view.liveCount === 0) return undefined;
  // An upper bound of the allowed rows, from payload-index cardinalities (microseconds).
  const bound = scope.filter
    ? view.payloadIndex.estimate(scope.filter, view.rows, rowIdsOf(view))
    : view.rows;
  if (bound === 0) return undefined;
  const partition = partitionFor(view, field, scope.filter);
  if (partition) return planPartition(view, partition, k, scope, params);
  const index: VectorIndexRead = view.fieldIndex(field);
  const ef = Math.max(params.ef ?? 64, k);
  // Listed when the scan wins anyway, with as many candidates (foreign values' rows count) as it still wins with.
  const listed =
    scope.filter !== undefined &&
    index.searchRows !== undefined &&
    params.strategy !== 'walk' &&
    scanBeatsWalk(bound, ef, view.rows)
      ? listedRows(view, scope, maxScanRows(ef, view.rows))
      : undefined;
  if (listed) {
    if (listed.length === 0) return undefined;
    const own: IndexSearchParams = { ...params, strategy: 'scan' };
    const pinned = view.retain === undefined;
    return { view, index, k, params: own, allow: undefined, listed, rows: listed.length, pinned };
  }
  const allow = allowedRows(view, scope);
  const scan = allow !== undefined && params.strategy !== 'scan' && scanBeatsWalk(bound, ef, view.rows);
  const own: IndexSearchParams = scan ? { ...params, strategy: 'scan' } : params;
  return {
    view,
    index,
    k,
    params: own,
    allow,
    rows: own.strategy === 'scan' ? bound : view.rows,
    pinned: view.retain === undefined,
  };
}

/**
 * `allowedRows(view, scope)` as an ascending list, when the filter's rows can be listed with
 * at most `max` candidates (`SegmentPayloadIndex.listRows`); undefined otherwise.
 */
export function listedRows(view: SegmentView, scope: RowScope, max: number): Uint32Array | undefined {
  if (scope.filter === undefined) return undefined;
  const rows = view.payloadIndex.listRows(
    scope.filter,
    view.rows,
    (i) => view.payload(i),
    max,
    rowIdsOf(view),
  );
  if (rows === undefined) return undefined;
  const live = view.liveRows();
  const present = scope.field === undefined ? undefined : view.present(scope.field);
  if (live === undefined && present === undefined) return rows;
  let size = 0;
  for (const row of rows) if (live?.has(row) !== false && present?.has(row) !== false) rows[size++] = row;
  return rows.subarray(0, size);
}

/** The planned search of `query` on this thread. */
export function searchPlanned(plan: SegmentSearch, query: Float32Array): IndexSearchResult {
  const { index, k, allow, params, listed } = plan;
  if (listed !== undefined && index.searchRows !== undefined) return index.searchRows(query, k, listed);
  return index.search(query, k, allow, params);
}

/** The planned search of `query` on a search worker (the caller retains the segment until it settles). */
export function searchPlannedAsync(plan: SegmentSearch, query: Float32Array): Promise<IndexSearchResult> {
  const { index, k, allow, params, listed } = plan;
  if (listed !== undefined && index.searchRowsAsync !== undefined)
    return index.searchRowsAsync(query, k, listed);
  return index.searchAsync(query, k, allow, params);
}

/**
 * The value partition of `view` that holds every row `filter` may allow: that of the first
 * string `match: { value }` condition of the top-level `must` whose key is partitioned in
 * `field` and whose value has a partition ready.
 */
function partitionFor(
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
 * The search of `view` through `partition` (see the module comment). When the filter is the
 * partition's condition alone and every row is live and has the vector, every partition row
 * is allowed and no allow-list is made.
 */
function planPartition(
  view: SegmentView,
  partition: ValuePartition,
  k: number,
  scope: RowScope,
  params: IndexSearchParams,
): SegmentSearch | undefined {
  const everyRow =
    isSingleCondition(scope.filter) &&
    view.liveRows() === undefined &&
    (scope.field === undefined || view.present(scope.field) === undefined);
  const { allow, count } = partition.restrict(everyRow ? undefined : allowedRows(view, scope));
  if (count === 0) return undefined;
  const ef = Math.max(params.ef ?? partition.index.options.ef, k);
  const scan =
    params.strategy === 'scan' ||
    (params.strategy !== 'walk' && allow !== undefined && scanBeatsWalk(count, ef, partition.size));
  const own: IndexSearchParams = scan ? { ...params, strategy: 'scan' } : params;
  return {
    view,
    index: partition.index,
    k,
    params: own,
    allow,
    rows: scan ? count : partition.size,
    pinned: view.retain === undefined,
    rowsOf: partition.rows,
  };
}
