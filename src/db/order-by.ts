/**
 * Scrolling in the order of a payload value (`ScrollOptions.orderBy`, Qdrant's `order_by`):
 * points by a numeric or datetime value at a payload key, ascending or descending, from an
 * optional `startFrom` value.
 *
 * Invariants (Qdrant's behaviour):
 * - A point appears once per value it has at the key that is a finite number or an RFC 3339
 *   date-time string (`payload/datetime.ts`; compared as epoch milliseconds); points with no
 *   such value are left out.
 * - Entries are ordered by value (ascending or descending), then by id ascending
 *   (`id-order.ts`), so the order is total and the same on every call.
 * - `startFrom` keeps values ≥ it (`asc`) or ≤ it (`desc`); there is no cursor: a caller
 *   continues from the last value seen and drops the entries it already has.
 * - The sorted entries are cached and rebuilt when the segment set's `version` moves (every
 *   upsert, delete, seal and compaction moves it).
 */
import { InvalidArgumentError } from '../errors.js';
import { parseDatetime } from '../payload/datetime.js';
import type { FilterPredicate } from '../payload/filter.js';
import { compilePayloadPath, type PayloadPath, payloadValues } from '../payload/payload-path.js';
import type { SegmentView } from '../segment/segment-view.js';
import { compareIds } from './id-order.js';
import type { PointOutput } from './point-output.js';
import type { SegmentSet } from './segment-set.js';
import type { Point, PointId, ScrollPage } from './types.js';
import { checkOptions, describe } from './validate.js';

/** A validated `orderBy`. */
export interface OrderBySpec {
  path: PayloadPath;
  descending: boolean;
  /** The first value to include, as a number (epoch milliseconds for a date-time). */
  startFrom?: number;
}

/** A validated ordered scroll request. */
export interface OrderedScrollRequest {
  order: OrderBySpec;
  limit: number;
  /** Matching entries to skip first. */
  skip: number;
  predicate?: FilterPredicate;
  withPayload: boolean;
  withVector: boolean;
}

/** One (value, point) entry of the order. */
interface Entry {
  value: number;
  /** The payload value as stored (a number or a date-time string). */
  raw: number | string;
  id: PointId;
  /** Where the point lives, valid while the set's version is the cached one. */
  view: SegmentView;
  offset: number;
}

/** Validates `ScrollOptions.orderBy`: a key, or `{ key, direction?, startFrom? }`. */
export function parseOrderBy(input: unknown): OrderBySpec {
  if (typeof input === 'string') return { path: compilePayloadPath(input), descending: false };
  const o = checkOptions(input, 'orderBy');
  for (const name of Object.keys(o)) {
    if (!['key', 'direction', 'startFrom'].includes(name)) {
      throw new InvalidArgumentError(
        `orderBy: unknown option '${name}' (expected key, direction, startFrom)`,
      );
    }
  }
  if (typeof o.key !== 'string') {
    throw new InvalidArgumentError(`orderBy.key: expected a payload key, got ${describe(o.key)}`);
  }
  const direction = o.direction ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') {
    throw new InvalidArgumentError(`orderBy.direction must be 'asc' or 'desc', got ${describe(direction)}`);
  }
  const spec: OrderBySpec = { path: compilePayloadPath(o.key), descending: direction === 'desc' };
  if (o.startFrom !== undefined) {
    const start = orderValue(o.startFrom);
    if (start === undefined) {
      throw new InvalidArgumentError(
        `orderBy.startFrom: expected a finite number or an RFC 3339 date-time, got ${describe(o.startFrom)}`,
      );
    }
    spec.startFrom = start;
  }
  return spec;
}

/** The number a payload value orders by, or undefined when it does not take part. */
function orderValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return parseDatetime(value);
  return undefined;
}

export class OrderedScroll {
  private entries: Entry[] = [];
  private cached?: { key: string; descending: boolean; version: number };

  constructor(private readonly set: SegmentSet) {}

  /** The page `request` asks for (never with a `nextCursor`; see the module comment). */
  page(request: OrderedScrollRequest, out: PointOutput): ScrollPage {
    const entries = this.sorted(request.order);
    const { limit, predicate, order } = request;
    let skip = request.skip;
    const points: Point[] = [];
    for (let i = this.start(entries, order); i < entries.length && points.length < limit; i++) {
      const { view, offset } = entries[i];
      if (predicate && !predicate(view.payload(offset) ?? undefined, view.id(offset))) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      const point = out.point(view, offset, request.withPayload, request.withVector);
      point.orderValue = entries[i].raw;
      points.push(point);
    }
    return { points };
  }

  /** Index of the first entry at or past `startFrom` in the order. */
  private start(entries: readonly Entry[], order: OrderBySpec): number {
    const from = order.startFrom;
    if (from === undefined) return 0;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const before = order.descending ? entries[mid].value > from : entries[mid].value < from;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every live point's entries in the order, rebuilt when the set changed or another order is asked. */
  private sorted(order: OrderBySpec): Entry[] {
    const c = this.cached;
    if (
      c &&
      c.key === order.path.key &&
      c.descending === order.descending &&
      c.version === this.set.version
    ) {
      return this.entries;
    }
    const entries: Entry[] = [];
    for (const view of this.set.views()) {
      if (view.liveCount === 0) continue;
      const live = view.liveRows();
      for (let offset = 0; offset < view.rows; offset++) {
        if (live !== undefined && !live.has(offset)) continue;
        for (const raw of payloadValues(view.payload(offset) ?? undefined, order.path)) {
          const value = orderValue(raw);
          if (value !== undefined)
            entries.push({ value, raw: raw as number | string, id: view.id(offset), view, offset });
        }
      }
    }
    const sign = order.descending ? -1 : 1;
    entries.sort((a, b) => sign * (a.value - b.value) || compareIds(a.id, b.id));
    this.entries = entries;
    this.cached = { key: order.path.key, descending: order.descending, version: this.set.version };
    return entries;
  }
}
