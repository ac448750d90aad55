/**
 * Scrolling: pages of points in id order (integers ascending, then strings; `id-order.ts`),
 * continued by the last id of a page. The sorted ids are cached and recomputed only when
 * the segment set's `version` moved, so paging through an unchanged collection sorts once.
 */
import type { FilterPredicate } from '../payload/filter.js';
import type { PointId } from '../segment/segment-view.js';
import { compareIds, positionAfter } from './id-order.js';
import type { PointOutput } from './point-output.js';
import type { SegmentSet } from './segment-set.js';
import type { Point, ScrollPage } from './types.js';

/** A validated scroll request. */
export interface ScrollRequest {
  limit: number;
  /** Matching points to skip first. */
  skip: number;
  /** Start after this id (a previous page's `nextCursor`). */
  cursor?: PointId;
  predicate?: FilterPredicate;
  withPayload: boolean;
  withVector: boolean;
}

export class ScrollOrder {
  private sorted: PointId[] = [];
  private sortedVersion = -1;

  constructor(private readonly set: SegmentSet) {}

  /** The page `request` asks for; `nextCursor` is set when more matching points follow. */
  page(request: ScrollRequest, out: PointOutput): ScrollPage {
    const ids = this.ids();
    const { limit, predicate } = request;
    let skip = request.skip;
    let i = request.cursor === undefined ? 0 : positionAfter(ids, request.cursor);
    const points: Point[] = [];
    for (; i < ids.length && points.length < limit; i++) {
      const at = this.set.locate(ids[i])!;
      if (predicate && !predicate(at.view.payload(at.offset) ?? undefined, ids[i])) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      points.push(out.point(at.view, at.offset, request.withPayload, request.withVector));
    }
    let more = i < ids.length;
    if (predicate) for (more = false; i < ids.length && !more; i++) more = this.matches(ids[i], predicate);
    return more ? { points, nextCursor: points[points.length - 1].id } : { points };
  }

  private matches(id: PointId, predicate: FilterPredicate): boolean {
    const at = this.set.locate(id)!;
    return predicate(at.view.payload(at.offset) ?? undefined, id);
  }

  private ids(): PointId[] {
    if (this.sortedVersion !== this.set.version) {
      this.sorted = Array.from(this.set.ids()).sort(compareIds);
      this.sortedVersion = this.set.version;
    }
    return this.sorted;
  }
}
