/**
 * Search fan-out over a collection's segments: each segment answers with its own top-k
 * over the rows that are live, have a vector in the searched field and pass the filter,
 * and the per-segment lists are merged by distance. Every segment returns
 * min(k, allowed) rows among its allowed rows (exactly the top-k for flat segments,
 * approximately for indexed ones), so the merge returns k results whenever k points are
 * allowed, and is exact when every segment's index is.
 *
 * Each segment's search is planned first (search-plan.ts: allowed rows, value partitions,
 * scan or walk), then the call's searches are placed together (search-placement.ts: on the
 * calling thread or on search workers) and run; the placement never changes the results.
 */
import { Bitset } from '../index/bitset.js';
import type { IndexSearchParams, IndexSearchResult } from '../index/vector-index.js';
import type { Filter } from '../payload/filter.js';
import type { SegmentView } from '../segment/segment-view.js';
import { SearchPlacement } from './search-placement.js';
import {
  allowedRows,
  planSegmentSearch,
  type RowScope,
  type SegmentSearch,
  searchPlanned,
  searchPlannedAsync,
} from './search-plan.js';

export { allowedRows, type RowScope } from './search-plan.js';

/**
 * A row a segment search found. `score` is 0 until `RankedSearch.scored` sets the field's
 * user-facing score in place (so that a candidate serves as its own `ScoredRow`, and a search
 * allocates one object per result, not two); it is declared from the start so that every
 * candidate has one shape.
 */
export interface Candidate {
  view: SegmentView;
  offset: number;
  distance: number;
  score: number;
}

/**
 * The k best allowed rows of `field` over `views`, best first. Where each segment's search
 * runs is decided by `SearchPlacement` (the growing segment, which may change while a worker
 * reads it, is always searched on this thread); a sealed segment searched on a worker is
 * retained until its search ends. When every search runs here the result is returned
 * directly, without a promise (callers `await` either).
 */
export function topK(
  views: readonly SegmentView[],
  field: number,
  query: Float32Array,
  k: number,
  scope: RowScope,
  params: IndexSearchParams = {},
): Candidate[] | Promise<Candidate[]> {
  const alone = SearchPlacement.begin();
  let ended = true;
  try {
    const plans: SegmentSearch[] = [];
    for (const view of views) {
      const plan = planSegmentSearch(view, field, k, scope, params);
      if (plan) plans.push(plan);
    }
    const here = SearchPlacement.place(plans, alone);
    if (here.every(Boolean)) {
      const lists = plans.map((p) => candidates(p, searchPlanned(p, query)));
      return merged(lists, k);
    }
    ended = false;
    return searchPlaced(plans, here, query, k);
  } finally {
    // A call answered here counts as in flight until its caller has taken the result (the
    // next microtask): calls issued together (Promise.all, concurrent callers) see each
    // other, a caller awaiting each result sees none.
    if (ended) queueMicrotask(SearchPlacement.end);
  }
}

/** Runs planned searches where `here` says, and merges their results; ends the call when settled. */
async function searchPlaced(
  plans: readonly SegmentSearch[],
  here: readonly boolean[],
  query: Float32Array,
  k: number,
): Promise<Candidate[]> {
  try {
    return merged(await Promise.all(plans.map((plan, i) => runSearch(plan, query, here[i]))), k);
  } finally {
    SearchPlacement.end();
  }
}

/** Runs one planned search, on this thread when `here`, else on a worker with its segment retained. */
async function runSearch(plan: SegmentSearch, query: Float32Array, here: boolean): Promise<Candidate[]> {
  if (here) return candidates(plan, searchPlanned(plan, query));
  const release = plan.view.retain?.();
  try {
    return candidates(plan, await searchPlannedAsync(plan, query));
  } finally {
    release?.();
  }
}

/** The k best of per-segment lists, each ascending by distance. */
export function merged(lists: Candidate[][], k: number): Candidate[] {
  if (lists.length === 0) return [];
  const all = lists.length === 1 ? lists[0] : lists.flat().sort((a, b) => a.distance - b.distance);
  return all.length > k ? all.slice(0, k) : all;
}

/** A segment search's results as candidates of its segment (partition offsets mapped to the segment's). */
export function candidates(plan: SegmentSearch, found: IndexSearchResult): Candidate[] {
  return candidatesAt(plan, found.offsets, found.distances, 0, found.offsets.length);
}

/** `candidates` of the `count` results at index `at` of `offsets`/`distances`. */
export function candidatesAt(
  plan: SegmentSearch,
  offsets: Uint32Array,
  distances: Float32Array,
  at: number,
  count: number,
): Candidate[] {
  const { view, rowsOf } = plan;
  const out = new Array<Candidate>(count);
  for (let i = 0; i < count; i++) {
    const offset = offsets[at + i];
    out[i] = {
      view,
      offset: rowsOf ? rowsOf[offset] : offset,
      distance: distances[at + i],
      score: Number.NaN,
    };
  }
  return out;
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
      all.push({ view, offset: found.offsets[i], distance: found.distances[i], score: 0 });
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
