/**
 * Search fan-out over a collection's segments: each segment answers with its own top-k
 * over the rows that are live and pass the filter, and the per-segment lists are merged by
 * distance. Every segment returns min(k, allowed) rows among its allowed rows (exactly the
 * top-k for flat segments, approximately for HNSW ones), so the merge returns k results
 * whenever k points are allowed, and is exact when every segment's index is.
 */
import { Bitset } from '../index/bitset.js';
import type { IndexSearchParams } from '../index/vector-index.js';
import type { Payload } from '../payload/filter.js';
import type { SegmentView } from '../segment/segment-view.js';

export type RowPredicate = (payload: Payload | undefined) => boolean;

export interface Candidate {
  view: SegmentView;
  offset: number;
  distance: number;
}

/**
 * The rows of `view` that may be returned: live rows, intersected with `predicate` when
 * given. `undefined` means "all rows"; an empty bitset means none.
 */
export function allowedRows(view: SegmentView, predicate?: RowPredicate): Bitset | undefined {
  const live = view.liveRows();
  if (!predicate) return live;
  const allowed = new Bitset(view.rows);
  for (let i = 0; i < view.rows; i++) {
    if ((live === undefined || live.has(i)) && predicate(view.payload(i) ?? undefined)) allowed.set(i);
  }
  return allowed;
}

/**
 * The k best allowed rows over `views`. Sealed segments are searched on worker threads
 * (concurrently, and retained until their search ends), the growing segment on this one.
 */
export async function topK(
  views: readonly SegmentView[],
  query: Float32Array,
  k: number,
  predicate?: RowPredicate,
  params?: IndexSearchParams,
): Promise<Candidate[]> {
  const searches = views.map(async (view) => {
    if (view.liveCount === 0) return [];
    const allow = allowedRows(view, predicate);
    const release = view.retain?.();
    try {
      const { offsets, distances } = release
        ? await view.index.searchAsync(query, k, allow, params)
        : view.index.search(query, k, allow, params);
      return Array.from(offsets, (offset, i): Candidate => ({ view, offset, distance: distances[i] }));
    } finally {
      release?.();
    }
  });
  const all = (await Promise.all(searches)).flat();
  all.sort((a, b) => a.distance - b.distance);
  return all.length > k ? all.slice(0, k) : all;
}

export function withinRange(
  views: readonly SegmentView[],
  query: Float32Array,
  maxDistance: number,
  predicate?: RowPredicate,
): Candidate[] {
  const all: Candidate[] = [];
  for (const view of views) {
    if (view.liveCount === 0) continue;
    const { offsets, distances } = view.index.rangeSearch(query, maxDistance, allowedRows(view, predicate));
    for (let i = 0; i < offsets.length; i++) all.push({ view, offset: offsets[i], distance: distances[i] });
  }
  return all.sort((a, b) => a.distance - b.distance);
}

/** Number of live rows passing `predicate` across `views`. */
export function countRows(views: readonly SegmentView[], predicate: RowPredicate): number {
  let total = 0;
  for (const view of views) {
    for (let i = 0; i < view.rows; i++) {
      if (view.isLive(i) && predicate(view.payload(i) ?? undefined)) total++;
    }
  }
  return total;
}
