/**
 * BM25 over a collection's segments: each segment's full-text index of the field answers
 * with its own top-k among its allowed rows, scored with statistics gathered over every
 * segment's live documents at query time (so a score does not depend on how rows are cut
 * into segments), and the lists are merged by score.
 */

import type { SegmentView } from '../segment/segment-view.js';
import { bm25Stats, type InvertedIndex } from '../text/inverted-index.js';
import { allowedRows, type RowScope } from './search.js';

/** A row of a segment with a score, higher is better. */
export interface ScoredRow {
  view: SegmentView;
  offset: number;
  score: number;
}

/**
 * The k best live rows by BM25 for `terms` (analyzed) in the full-text field `key`, among
 * those `scope` allows. Rows matching no term are never returned.
 */
export function textTopK(
  views: readonly SegmentView[],
  key: string,
  terms: readonly string[],
  k: number,
  scope: RowScope,
): ScoredRow[] {
  if (terms.length === 0) return [];
  const parts: { view: SegmentView; index: InvertedIndex }[] = [];
  for (const view of views) {
    const index = view.payloadIndex.textIndex(key);
    if (index && view.liveCount > 0) parts.push({ view, index });
  }
  const stats = bm25Stats(
    parts.map((p) => ({ index: p.index, live: p.view.liveRows() })),
    terms,
  );
  const all: ScoredRow[] = [];
  for (const { view, index } of parts) {
    const allow = allowedRows(view, scope);
    if (allow && allow.count() === 0) continue;
    const found = index.search(terms, k, stats, allow);
    for (let i = 0; i < found.offsets.length; i++) {
      all.push({ view, offset: found.offsets[i], score: found.scores[i] });
    }
  }
  all.sort((a, b) => b.score - a.score);
  return all.length > k ? all.slice(0, k) : all;
}
