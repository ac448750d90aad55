/**
 * The ids of a segment's rows as filters see them (`RowIds`, payload/filter-bitset.ts), for
 * has_id: the payload layer knows no ids, so every evaluation of a filter over a segment is
 * handed this view of the segment's id column.
 *
 * A sealed segment's ids never change, so it also answers `rowsOf(id)` from its rows sorted
 * by id (`compareIds`): a permutation of 4 bytes per row, built on the first has_id lookup
 * and kept while the segment lives (a WeakMap keyed by the immutable segment), after which
 * has_id costs a binary search per listed id instead of an id read per row. The growing
 * segment, which changes with every write, is read row by row.
 */
import type { RowIds } from '../payload/payload-index.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import type { PointId, SegmentView } from '../segment/segment-view.js';
import { TombstonedSegment } from '../segment/tombstones.js';
import { compareIds } from './id-order.js';

const sortedRows = new WeakMap<SealedSegment, Uint32Array>();

/** The ids of `view`'s rows, with a lookup by id when `view` is a sealed segment. */
export function rowIdsOf(view: SegmentView): RowIds {
  if (!(view instanceof TombstonedSegment)) return { idAt: (row) => view.id(row) };
  const segment = view.segment;
  const ids = segment.ids;
  return {
    idAt: (row) => ids[row],
    rowsOf: (id) => {
      const order = rowsById(segment);
      let low = 0;
      let high = order.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (compareIds(ids[order[middle]], id as PointId) < 0) low = middle + 1;
        else high = middle;
      }
      const rows: number[] = [];
      for (let i = low; i < order.length && compareIds(ids[order[i]], id as PointId) === 0; i++)
        rows.push(order[i]);
      return rows;
    },
  };
}

/** The rows of `segment` in id order (built once per segment). */
function rowsById(segment: SealedSegment): Uint32Array {
  let order = sortedRows.get(segment);
  if (order === undefined) {
    const ids = segment.ids;
    order = Uint32Array.from({ length: ids.length }, (_, row) => row).sort((a, b) =>
      compareIds(ids[a], ids[b]),
    );
    sortedRows.set(segment, order);
  }
  return order;
}
