/**
 * The embedded implementation of `Collection`. Every public method validates and converts
 * its input first (so a rejected call changes nothing), then either reads the in-memory
 * state directly (searches, gets, counts: they never wait for writes in flight) or submits
 * a change through the database's commit queue (acknowledged once durable).
 */
import { ClosedError, CollectionNotFoundError, InvalidArgumentError } from '../errors.js';
import type { IndexSearchParams } from '../index/vector-index.js';
import { compileFilter, type Filter, parseFilter } from '../payload/filter.js';
import type { SegmentView } from '../segment/segment-view.js';
import { encodeDelete, encodeUpsert, WalKind } from '../storage/wal-record.js';
import type { CollectionStorage } from './collection-storage.js';
import type { CommitQueue } from './commit-queue.js';
import { compareIds, positionAfter } from './id-order.js';
import type { IndexSpec } from './index-spec.js';
import { maxDistanceOf, outputVector, rowLength, scoreOf } from './metric.js';
import { type Candidate, countRows, type RowPredicate, topK, withinRange } from './search.js';
import { SegmentIndexer } from './segment-indexer.js';
import type {
  Collection,
  CollectionInfo,
  CountOptions,
  DeleteByFilter,
  GetOptions,
  Hit,
  Metric,
  Point,
  PointId,
  PointInput,
  RangeSearchOptions,
  ScrollOptions,
  ScrollPage,
  SearchOptions,
  StoredVector,
  VectorInput,
} from './types.js';
import {
  checkId,
  checkIds,
  checkInteger,
  checkK,
  checkOptions,
  describe,
  toPayload,
  toVector,
} from './validate.js';

/** What a collection stores in the catalog. */
export interface StoredCollectionConfig {
  dimension: number;
  metric: Metric;
  /** Rows of the growing segment at which it is sealed. */
  segmentSize: number;
  /** Index of sealed segments (configs stored before indexes existed read as flat). */
  index: IndexSpec;
}

/** The owner's side of a collection: whether it is still usable. */
export interface CollectionHost {
  readonly queue: CommitQueue;
  readonly closed: boolean;
}

export class EmbeddedCollection implements Collection {
  /** Set when the collection is dropped; every later call fails. */
  dropped = false;
  private sealScheduled = false;
  private sortedIds: PointId[] = [];
  private sortedVersion = -1;
  /** Builds the approximate index of sealed segments in the background. */
  readonly indexer: SegmentIndexer;

  /** `storage` must be loaded; segments it loaded without their index get one built. */
  constructor(
    private readonly host: CollectionHost,
    readonly name: string,
    readonly config: StoredCollectionConfig,
    readonly storage: CollectionStorage,
  ) {
    this.indexer = new SegmentIndexer(storage.kernels, storage, host.queue, config.index, name);
    this.indexer.scheduleMissing();
  }

  get dimension(): number {
    return this.config.dimension;
  }

  get metric(): Metric {
    return this.config.metric;
  }

  /**
   * Inserts or replaces points (vector and payload) by id; all-or-nothing.
   * @example
   * await images.upsert([{ id: 'img-1', vector: [0.1, 0.2, 0.3], payload: { label: 'cat' } }]);
   */
  async upsert(points: PointInput[]): Promise<void> {
    this.check();
    if (!Array.isArray(points))
      throw new InvalidArgumentError(`points: expected an array, got ${describe(points)}`);
    if (points.length === 0) return;
    const dim = rowLength(this.dimension, this.metric);
    const ids: PointId[] = [];
    const payloads: (Record<string, unknown> | null)[] = [];
    const vectors = new Float32Array(points.length * dim);
    points.forEach((p, i) => {
      if (typeof p !== 'object' || p === null) {
        throw new InvalidArgumentError(`points[${i}]: expected { id, vector, payload? }, got ${describe(p)}`);
      }
      ids.push(checkId(p.id, `points[${i}].id`));
      vectors.set(toVector(p.vector, this.dimension, this.metric, `points[${i}].vector`), i * dim);
      payloads.push(toPayload(p.payload, `points[${i}].payload`));
    });
    await this.host.queue.write({
      collectionId: this.storage.collectionId,
      kind: WalKind.UPSERT,
      body: encodeUpsert({ ids, payloads, vectors }),
      apply: (seq) => {
        this.storage.applyUpsert(seq, ids, vectors, payloads);
        this.scheduleSealIfFull();
      },
    });
  }

  /**
   * The points with these ids, in the order asked; ids that do not exist are left out.
   * @example
   * const [p] = await images.get(['img-1'], { withVector: true });
   */
  async get(ids: PointId[], options?: GetOptions): Promise<Point[]> {
    this.check();
    const wanted = checkIds(ids);
    const opts = checkOptions(options, 'get options');
    const out: Point[] = [];
    for (const id of wanted) {
      const at = this.storage.set.locate(id);
      if (at) out.push(this.point(at.view, at.offset, opts.withPayload !== false, opts.withVector === true));
    }
    return out;
  }

  /**
   * Deletes points by id, or every point matching a filter; resolves with how many existed.
   * @example
   * await images.delete(['img-1']);
   * await images.delete({ filter: { must: [{ key: 'label', match: { value: 'cat' } }] } });
   */
  async delete(selector: PointId[] | DeleteByFilter): Promise<number> {
    this.check();
    let ids: PointId[];
    if (Array.isArray(selector)) {
      ids = checkIds(selector);
    } else if (typeof selector === 'object' && selector !== null && 'filter' in selector) {
      const predicate = this.predicate(selector.filter)!;
      await this.host.queue.idle();
      this.check();
      ids = this.matchingIds(predicate);
    } else {
      throw new InvalidArgumentError(
        `delete: expected an array of ids or { filter }, got ${describe(selector)}`,
      );
    }
    if (ids.length === 0) return 0;
    return this.host.queue.write({
      collectionId: this.storage.collectionId,
      kind: WalKind.DELETE,
      body: encodeDelete({ ids }),
      apply: (seq) => this.storage.applyDelete(seq, ids),
    });
  }

  /**
   * Number of live points, or of those matching a filter, given as `{ filter }` or as the
   * filter itself.
   * @example
   * const cats = await images.count({ filter: { must: [{ key: 'label', match: { value: 'cat' } }] } });
   * const same = await images.count({ must: [{ key: 'label', match: { value: 'cat' } }] });
   */
  async count(options?: CountOptions | Filter): Promise<number> {
    this.check();
    const opts = checkOptions(options, 'count options');
    const isFilter = 'must' in opts || 'should' in opts || 'must_not' in opts;
    const predicate = this.predicate(isFilter ? opts : opts.filter);
    if (!predicate) return this.storage.set.count;
    return countRows(this.storage.set.views(), predicate);
  }

  /**
   * A page of points in id order (integers ascending, then strings).
   * @example
   * let page = await images.scroll({ limit: 100 });
   * while (page.nextCursor !== undefined) page = await images.scroll({ limit: 100, cursor: page.nextCursor });
   */
  async scroll(options?: ScrollOptions): Promise<ScrollPage> {
    this.check();
    const opts = checkOptions(options, 'scroll options');
    const limit = checkInteger(opts.limit ?? 100, 'limit', 1, 10_000);
    if (opts.offset !== undefined && opts.cursor !== undefined) {
      throw new InvalidArgumentError('scroll: give either offset or cursor, not both');
    }
    let skip =
      opts.offset === undefined ? 0 : checkInteger(opts.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const predicate = this.predicate(opts.filter);
    const ids = this.idsInOrder();
    let i = opts.cursor === undefined ? 0 : positionAfter(ids, checkId(opts.cursor, 'cursor'));
    const set = this.storage.set;
    const points: Point[] = [];
    for (; i < ids.length && points.length < limit; i++) {
      const at = set.locate(ids[i])!;
      if (predicate && !predicate(at.view.payload(at.offset) ?? undefined)) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      points.push(this.point(at.view, at.offset, opts.withPayload !== false, opts.withVector === true));
    }
    let more = i < ids.length;
    if (predicate) for (more = false; i < ids.length && !more; i++) more = this.matches(ids[i], predicate);
    return more ? { points, nextCursor: points[points.length - 1].id } : { points };
  }

  /**
   * The k nearest points to `vector`, best first; with a filter, the exact top-k among
   * the points that match it.
   * @example
   * const hits = await images.search(query, { k: 10, filter: { must: [{ key: 'label', match: { value: 'cat' } }] }, withPayload: true });
   */
  async search(vector: VectorInput, options?: SearchOptions): Promise<Hit[]> {
    this.check();
    const opts = checkOptions(options, 'search options');
    const k = checkK(opts.k);
    const params = this.searchParams(opts);
    const query = toVector(vector, this.dimension, this.metric, 'query');
    const predicate = this.predicate(opts.filter);
    return this.hits(await topK(this.storage.set.views(), query, k, predicate, params), opts);
  }

  /**
   * One result list per query, in the order of the queries.
   * @example
   * const [first, second] = await images.searchBatch([q1, q2], { k: 5 });
   */
  async searchBatch(vectors: VectorInput[], options?: SearchOptions): Promise<Hit[][]> {
    this.check();
    if (!Array.isArray(vectors))
      throw new InvalidArgumentError(`queries: expected an array, got ${describe(vectors)}`);
    const opts = checkOptions(options, 'search options');
    const k = checkK(opts.k);
    const params = this.searchParams(opts);
    const queries = vectors.map((v, i) => toVector(v, this.dimension, this.metric, `queries[${i}]`));
    const predicate = this.predicate(opts.filter);
    const views = this.storage.set.views();
    const found = await Promise.all(queries.map((q) => topK(views, q, k, predicate, params)));
    return found.map((hits) => this.hits(hits, opts));
  }

  /**
   * Every point within `radius` of `vector` (see `RangeSearchOptions.radius` for what the
   * radius means per metric), best first.
   * @example
   * const near = await images.rangeSearch(query, { radius: 0.3 });
   */
  async rangeSearch(vector: VectorInput, options: RangeSearchOptions): Promise<Hit[]> {
    this.check();
    const opts = checkOptions(options, 'range search options');
    const radius = opts.radius;
    if (typeof radius !== 'number' || !Number.isFinite(radius)) {
      throw new InvalidArgumentError(`radius must be a finite number, got ${describe(radius)}`);
    }
    const limit =
      opts.limit === undefined ? Number.POSITIVE_INFINITY : checkInteger(opts.limit, 'limit', 1, 1e9);
    const query = toVector(vector, this.dimension, this.metric, 'query');
    const found = withinRange(
      this.storage.set.views(),
      query,
      this.maxDistance(radius),
      this.predicate(opts.filter),
    );
    return this.hits(found.length > limit ? found.slice(0, limit) : found, opts);
  }

  /**
   * Seals the growing segment into an immutable segment file and waits until every sealed
   * segment's index is built and searchable. Writes are already durable before this: flush
   * bounds WAL replay and makes searches use the approximate index.
   */
  async flush(): Promise<void> {
    this.check();
    await this.host.queue.exclusive(() => this.storage.seal());
    this.indexer.scheduleMissing();
    await this.indexer.idle();
  }

  /** Rewrites sealed segments to drop deleted rows and merge small segments. */
  async compact(): Promise<void> {
    this.check();
    await this.host.queue.exclusive(() => this.storage.compact(this.config.segmentSize));
    this.indexer.scheduleMissing();
  }

  async info(): Promise<CollectionInfo> {
    this.check();
    return {
      name: this.name,
      dimension: this.dimension,
      metric: this.metric,
      count: this.storage.set.count,
      sealedSegments: this.storage.sealedCount,
      growingPoints: this.storage.set.growing.rows,
      index: { ...this.config.index },
      indexedSegments: this.storage.set.sealed.filter((p) => p.segment.indexed).length,
      indexingSegments: this.indexer.pending,
    };
  }

  private check(): void {
    if (this.host.closed) throw new ClosedError('database');
    if (this.dropped) throw new CollectionNotFoundError(this.name);
  }

  /** Index search parameters from search options (validated). */
  private searchParams(opts: Record<string, unknown>): IndexSearchParams {
    if (opts.exact !== undefined && typeof opts.exact !== 'boolean') {
      throw new InvalidArgumentError(`exact must be a boolean, got ${describe(opts.exact)}`);
    }
    const fallback = this.config.index.type === 'flat' ? undefined : this.config.index.ef;
    const ef = opts.ef === undefined ? fallback : checkInteger(opts.ef, 'ef', 1, 100_000);
    const optional = (name: string, lo: number, hi: number) =>
      opts[name] === undefined ? undefined : checkInteger(opts[name], name, lo, hi);
    return {
      ef,
      nprobe: optional('nprobe', 1, 1 << 20),
      searchK: optional('searchK', 1, 100_000_000),
      rerank: optional('rerank', 0, 100_000),
      strategy: opts.exact === true ? 'scan' : 'auto',
    };
  }

  private predicate(filter: unknown): RowPredicate | undefined {
    return filter === undefined ? undefined : compileFilter(parseFilter(filter));
  }

  /** Converts a range radius, in the metric's terms, to a bound on kernel distance. */
  private maxDistance(radius: number): number {
    return maxDistanceOf(this.metric, radius);
  }

  private hits(found: Candidate[], opts: Record<string, unknown>): Hit[] {
    return found.map((c) => {
      const hit: Hit = { id: c.view.id(c.offset), score: scoreOf(this.metric, c.distance) };
      if (opts.withPayload === true) hit.payload = clonePayload(c.view.payload(c.offset));
      if (opts.withVector === true) hit.vector = this.stored(c.view, c.offset);
      return hit;
    });
  }

  private point(view: SegmentView, offset: number, withPayload: boolean, withVector: boolean): Point {
    const point: Point = { id: view.id(offset) };
    if (withPayload) point.payload = clonePayload(view.payload(offset));
    if (withVector) point.vector = this.stored(view, offset);
    return point;
  }

  /** The vector at `offset` as users get it back (bytes for binary metrics). */
  private stored(view: SegmentView, offset: number): StoredVector {
    return outputVector(this.metric, this.dimension, view.vector(offset));
  }

  private matches(id: PointId, predicate: RowPredicate): boolean {
    const at = this.storage.set.locate(id)!;
    return predicate(at.view.payload(at.offset) ?? undefined);
  }

  private matchingIds(predicate: RowPredicate): PointId[] {
    const ids: PointId[] = [];
    for (const view of this.storage.set.views()) {
      for (let i = 0; i < view.rows; i++) {
        if (view.isLive(i) && predicate(view.payload(i) ?? undefined)) ids.push(view.id(i));
      }
    }
    return ids;
  }

  private idsInOrder(): PointId[] {
    const set = this.storage.set;
    if (this.sortedVersion !== set.version) {
      this.sortedIds = Array.from(set.ids()).sort(compareIds);
      this.sortedVersion = set.version;
    }
    return this.sortedIds;
  }

  private scheduleSealIfFull(): void {
    if (this.sealScheduled || this.storage.set.growing.rows < this.config.segmentSize) return;
    this.sealScheduled = true;
    this.host.queue
      .exclusive(async () => {
        this.sealScheduled = false;
        if (!this.dropped && !this.host.closed) await this.storage.seal();
        this.indexer.scheduleMissing();
      })
      .catch((err: Error) => process.emitWarning(`quiver: sealing '${this.name}' failed: ${err.message}`));
  }
}

function clonePayload(payload: Record<string, unknown> | null): Record<string, unknown> {
  return payload === null ? {} : structuredClone(payload);
}
