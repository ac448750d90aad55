/**
 * `get`, `count` and `scroll` of an embedded collection: reads of stored points that rank
 * nothing. They read the in-memory segment set as it is when they run and never wait for
 * writes in flight; they wait for the segments to load (or fail with `NotReadyError` under
 * `{ wait: false }`), except `count()` without a filter, which the manifest answers before
 * loading when nothing was logged after it. Every input is validated before anything is read.
 */
import { InvalidArgumentError } from '../errors.js';
import { type Filter, parseFilter } from '../payload/filter.js';
import type { CollectionGate } from './collection-gate.js';
import type { CollectionStorage } from './collection-storage.js';
import { OrderedScroll, parseOrderBy } from './order-by.js';
import type { PointOutput } from './point-output.js';
import type { QueryInput } from './query-input.js';
import { ScrollOrder } from './scroll-order.js';
import { countRows } from './search.js';
import type { CountOptions, GetOptions, Point, PointId, ScrollOptions, ScrollPage } from './types.js';
import { checkId, checkIds, checkInteger, checkOptions } from './validate.js';

/** What the point reads use of their collection. */
export interface PointReadParts {
  readonly gate: CollectionGate;
  readonly storage: CollectionStorage;
  readonly input: QueryInput;
  readonly out: PointOutput;
}

export class PointReads {
  /** Pages of points in id order. */
  private readonly scrollOrder: ScrollOrder;
  /** Pages of points in the order of a payload value. */
  private readonly orderedScroll: OrderedScroll;

  constructor(private readonly c: PointReadParts) {
    this.scrollOrder = new ScrollOrder(c.storage.set);
    this.orderedScroll = new OrderedScroll(c.storage.set);
  }

  /** See `EmbeddedCollection.get`. */
  async get(ids: PointId[], options?: GetOptions): Promise<Point[]> {
    const { gate, storage, out } = this.c;
    await gate.readable(options);
    const wanted = checkIds(ids);
    const opts = checkOptions(options, 'get options');
    const points: Point[] = [];
    for (const id of wanted) {
      const at = storage.set.locate(id);
      if (at)
        points.push(out.point(at.view, at.offset, opts.withPayload !== false, opts.withVector === true));
    }
    return points;
  }

  /** See `EmbeddedCollection.count`. */
  async count(options?: CountOptions | Filter): Promise<number> {
    const { gate, storage } = this.c;
    gate.check();
    const opts = checkOptions(options, 'count options');
    const isFilter = 'must' in opts || 'should' in opts || 'must_not' in opts || 'min_should' in opts;
    const raw = isFilter ? opts : opts.filter;
    // Known from the manifest before the segments are loaded when nothing is logged after it.
    if (raw === undefined && gate.loader.countExact) return gate.loader.count;
    await gate.readable(opts);
    if (raw === undefined) return storage.set.count;
    return countRows(storage.set.views(), parseFilter(raw));
  }

  /** See `EmbeddedCollection.scroll`. */
  async scroll(options?: ScrollOptions): Promise<ScrollPage> {
    const { gate, input, out } = this.c;
    await gate.readable(options);
    const opts = checkOptions(options, 'scroll options');
    const limit = checkInteger(opts.limit ?? 100, 'limit', 1, 10_000);
    if (opts.offset !== undefined && opts.cursor !== undefined) {
      throw new InvalidArgumentError('scroll: give either offset or cursor, not both');
    }
    const skip =
      opts.offset === undefined ? 0 : checkInteger(opts.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    if (opts.orderBy !== undefined) {
      if (opts.cursor !== undefined)
        throw new InvalidArgumentError('scroll: orderBy pages by startFrom, not cursor');
      const order = parseOrderBy(opts.orderBy);
      return this.orderedScroll.page(
        {
          order,
          limit,
          skip,
          predicate: input.predicate(opts.filter),
          withPayload: opts.withPayload !== false,
          withVector: opts.withVector === true,
        },
        out,
      );
    }
    return this.scrollOrder.page(
      {
        limit,
        skip,
        cursor: opts.cursor === undefined ? undefined : checkId(opts.cursor, 'cursor'),
        predicate: input.predicate(opts.filter),
        withPayload: opts.withPayload !== false,
        withVector: opts.withVector === true,
      },
      out,
    );
  }
}
