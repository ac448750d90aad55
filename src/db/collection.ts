/**
 * The embedded implementation of `Collection`. Every public method validates and converts
 * its input first (so a rejected call changes nothing), then either reads the in-memory
 * state directly (searches, gets, counts: they never wait for writes in flight) or submits
 * a change through the database's commit queue (acknowledged once durable).
 *
 * After open the collection's segments load in the background (segment-loader.ts): until
 * they are loaded, reads wait for them, or fail at once with `NotReadyError` when given
 * `{ wait: false }`; writes and maintenance (flush, compact, payload indexes) always wait;
 * `info()` never does.
 */
import { ClosedError, CollectionNotFoundError, InvalidArgumentError } from '../errors.js';
import { type Filter, parseFilter } from '../payload/filter.js';
import {
  checkPayloadIndex,
  fieldsOf,
  type StoredCollectionConfig,
  type StoredVectorField,
} from './collection-config.js';
import { describeCollection } from './collection-info.js';
import type { CollectionStorage } from './collection-storage.js';
import type { CommitQueue } from './commit-queue.js';
import { explainHits, rankedCount, wantsExplain } from './explain.js';
import { type EmbedderResolver, FieldEmbedders } from './field-embedders.js';
import { maxDistanceOf } from './metric.js';
import { OrderedScroll, parseOrderBy } from './order-by.js';
import { PayloadUpdates } from './payload-updates.js';
import { type DeleteContext, deletePoints } from './point-delete.js';
import { PointOutput } from './point-output.js';
import { PointThumbnails } from './point-thumbnails.js';
import { erase, type PurgeResult, type PurgeTarget, purgeRequested } from './purge.js';
import { QueryInput } from './query-input.js';
import { RankedSearch, type RankOptions } from './ranked-search.js';
import { runRecommend } from './recommend-run.js';
import { ScrollOrder } from './scroll-order.js';
import { countRows, type RowScope, withinRange } from './search.js';
import { runWindowed } from './search-batch.js';
import { SegmentIndexer } from './segment-indexer.js';
import { SegmentLoader } from './segment-loader.js';
import type {
  Collection,
  CollectionInfo,
  CountOptions,
  DeleteByFilter,
  DeleteOptions,
  GetOptions,
  Hit,
  HitGroup,
  Metric,
  PayloadIndexConfig,
  Point,
  PointId,
  PointInput,
  PointSelector,
  RangeSearchOptions,
  RawPointInput,
  RawSearchQuery,
  ReadOptions,
  RecommendOptions,
  RecommendQuery,
  ScrollOptions,
  ScrollPage,
  SearchOptions,
  SearchQuery,
  SetPayloadOptions,
  VectorInput,
} from './types.js';
import { encodeUpsertBatch } from './upsert-batch.js';
import { checkId, checkIds, checkInteger, checkK, checkOptions, describe, toVector } from './validate.js';

export type { StoredCollectionConfig } from './collection-config.js';

/** The owner's side of a collection: whether it is still usable. */
export interface CollectionHost {
  readonly queue: CommitQueue;
  readonly closed: boolean;
  /** Persists a collection's changed configuration (payload indexes). */
  saveConfig(collectionId: number, config: StoredCollectionConfig): void;
  /** Creates the embedding providers of provider fields. */
  readonly embedders: EmbedderResolver;
  /** The catalog's `PRAGMA quick_check` verdict at open ('ok' when sound). */
  readonly catalogIntegrity: string;
  /** Deletes every managed snapshot of collection `name` (a purge); resolves with their names. */
  dropSnapshots(name: string): Promise<string[]>;
}

export class EmbeddedCollection implements Collection {
  /** Set when the collection is dropped; every later call fails. */
  dropped = false;
  private sealScheduled = false;
  /** The vector fields, in field order ('' names the single unnamed vector). */
  readonly fields: readonly StoredVectorField[];
  /** Validates inputs against this collection's fields and payload indexes. */
  private readonly input: QueryInput;
  /** Builds the approximate index of sealed segments in the background. */
  readonly indexer: SegmentIndexer;
  /** Turns rows into the hits and points callers get back. */
  private readonly out: PointOutput;
  /** Pages of points in id order. */
  private readonly scrollOrder: ScrollOrder;
  /** Pages of points in the order of a payload value. */
  private readonly orderedScroll: OrderedScroll;
  /** Ranks searches (windows, MMR, groups). */
  private readonly ranking: RankedSearch;
  /** Vectorizes raw inputs of fields that name a provider (disposed by the database on close and drop). */
  readonly embedders: FieldEmbedders;
  /** Set, overwrite, delete and clear payloads. */
  private readonly payloads: PayloadUpdates;
  /** Thumbnails of fields with `storeInput: 'thumbnail'`, changed with the writes of their points. */
  readonly thumbnails: PointThumbnails;

  /**
   * `storage` is loaded, or being loaded by `loader`; segments loaded without their index
   * get one built once every segment is loaded.
   */
  constructor(
    private readonly host: CollectionHost,
    readonly name: string,
    readonly config: StoredCollectionConfig,
    readonly storage: CollectionStorage,
    readonly loader: SegmentLoader = SegmentLoader.loaded(storage, name),
  ) {
    this.fields = fieldsOf(config);
    this.input = new QueryInput(config, this.fields);
    this.out = new PointOutput(this.fields, this.input.named);
    this.scrollOrder = new ScrollOrder(storage.set);
    this.ranking = new RankedSearch(storage, this.fields);
    this.orderedScroll = new OrderedScroll(storage.set);
    this.embedders = new FieldEmbedders(this.fields, host.embedders, () => this.input.textFields() !== '');
    this.thumbnails = new PointThumbnails(storage.catalog, storage.collectionId, this.fields);
    this.indexer = new SegmentIndexer(
      storage.kernels,
      storage,
      host.queue,
      this.fields.map((f) => f.index),
      name,
    );
    if (loader.isReady) this.indexer.scheduleMissing();
    else loader.onReady(() => this.indexer.scheduleMissing());
    this.payloads = new PayloadUpdates(
      host.queue,
      storage,
      () => this.check(),
      () => this.indexer.scheduleMissing(),
    );
  }

  get dimension(): number {
    return this.config.dimension;
  }

  get metric(): Metric {
    return this.config.metric;
  }

  /** Whether points carry named vectors (`vectors`) rather than one `vector`. */
  private get named(): boolean {
    return this.input.named;
  }

  /**
   * Inserts or replaces points (vectors and payload) by id; all-or-nothing.
   * @example
   * await images.upsert([{ id: 'img-1', vector: [0.1, 0.2, 0.3], payload: { label: 'cat' } }]);
   */
  async upsert(points: (PointInput | RawPointInput)[]): Promise<void> {
    await this.loaded();
    if (!Array.isArray(points))
      throw new InvalidArgumentError(`points: expected an array, got ${describe(points)}`);
    if (!this.embedders.active) return this.upsertVectors(points as PointInput[]);
    const embedded = await this.embedders.points(points);
    this.check();
    return this.upsertVectors(embedded.points, embedded.thumbnails);
  }

  /** `upsert` once every raw input is a vector (`thumbnails`: by point, see `EmbeddedPoints`). */
  private async upsertVectors(
    points: PointInput[],
    thumbnails?: readonly (ReadonlyMap<string, Buffer> | undefined)[],
  ): Promise<void> {
    if (points.length === 0) return;
    const { ids, payloads, body, kind, fieldRows } = encodeUpsertBatch(points, this.fields, this.input);
    await this.host.queue.write({
      collectionId: this.storage.collectionId,
      kind,
      body,
      alongside: this.thumbnails.upsertChange(ids, thumbnails),
      check: () => {
        this.check();
        this.storage.checkRoom(ids.length);
      },
      apply: (seq) => {
        this.storage.applyUpsert(seq, ids, fieldRows, payloads);
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
    await this.readable(options);
    const wanted = checkIds(ids);
    const opts = checkOptions(options, 'get options');
    const out: Point[] = [];
    for (const id of wanted) {
      const at = this.storage.set.locate(id);
      if (at)
        out.push(this.out.point(at.view, at.offset, opts.withPayload !== false, opts.withVector === true));
    }
    return out;
  }

  /**
   * Deletes points by id, or every point matching a filter; resolves with how many existed.
   * With `{ purge: true }`, resolves only once no file of the database holds their bytes
   * (see `purge`).
   * @example
   * await images.delete(['img-1']);
   * await images.delete({ filter: { must: [{ key: 'label', match: { value: 'cat' } }] } });
   * await faces.delete(['person-7'], { purge: true });
   */
  async delete(selector: PointId[] | DeleteByFilter, options?: DeleteOptions): Promise<number> {
    this.check();
    await this.loaded();
    if (purgeRequested(options)) return (await this.purge(selector)).deleted;
    return deletePoints(this.deleteContext(), selector, false);
  }

  /**
   * Deletes points as `delete` does, then erases every deleted row of the collection from
   * every file of the database (db/purge.ts) and deletes the collection's snapshots.
   * @example
   * const { snapshotsDeleted } = await faces.purge(['person-7']);
   */
  async purge(selector: PointId[] | DeleteByFilter): Promise<PurgeResult> {
    this.check();
    await this.loaded();
    const deleted = await deletePoints(this.deleteContext(), selector, true);
    return { deleted, ...(await erase(this.purgeTarget())) };
  }

  private deleteContext(): DeleteContext {
    return {
      queue: this.host.queue,
      storage: this.storage,
      thumbnails: this.thumbnails,
      check: () => this.check(),
    };
  }

  /** What `erase` works on for this collection. */
  purgeTarget(): PurgeTarget {
    return {
      check: () => this.check(),
      name: this.name,
      storage: this.storage,
      queue: this.host.queue,
      indexer: this.indexer,
      segmentSize: this.config.segmentSize,
      dropSnapshots: () => this.host.dropSnapshots(this.name),
    };
  }

  /** See `PayloadUpdating.setPayload`. */
  async setPayload(
    selector: PointSelector,
    payload: Record<string, unknown>,
    options?: SetPayloadOptions,
  ): Promise<number> {
    await this.loaded();
    return this.payloads.set(selector, payload, options);
  }

  /** See `PayloadUpdating.overwritePayload`. */
  async overwritePayload(selector: PointSelector, payload: Record<string, unknown>): Promise<number> {
    await this.loaded();
    return this.payloads.overwrite(selector, payload);
  }

  /** See `PayloadUpdating.deletePayloadKeys`. */
  async deletePayloadKeys(selector: PointSelector, keys: string[]): Promise<number> {
    await this.loaded();
    return this.payloads.deleteKeys(selector, keys);
  }

  /** See `PayloadUpdating.clearPayload`. */
  async clearPayload(selector: PointSelector): Promise<number> {
    await this.loaded();
    return this.payloads.clear(selector);
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
    const isFilter = 'must' in opts || 'should' in opts || 'must_not' in opts || 'min_should' in opts;
    const raw = isFilter ? opts : opts.filter;
    // Known from the manifest before the segments are loaded when nothing is logged after it.
    if (raw === undefined && this.loader.countExact) return this.loader.count;
    await this.readable(opts);
    if (raw === undefined) return this.storage.set.count;
    return countRows(this.storage.set.views(), parseFilter(raw));
  }

  /**
   * A page of points in id order (integers ascending, then strings), or in the order of a
   * payload value (`orderBy`).
   * @example
   * let page = await images.scroll({ limit: 100 });
   * while (page.nextCursor !== undefined) page = await images.scroll({ limit: 100, cursor: page.nextCursor });
   */
  async scroll(options?: ScrollOptions): Promise<ScrollPage> {
    await this.readable(options);
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
          predicate: this.input.predicate(opts.filter),
          withPayload: opts.withPayload !== false,
          withVector: opts.withVector === true,
        },
        this.out,
      );
    }
    return this.scrollOrder.page(
      {
        limit,
        skip,
        cursor: opts.cursor === undefined ? undefined : checkId(opts.cursor, 'cursor'),
        predicate: this.input.predicate(opts.filter),
        withPayload: opts.withPayload !== false,
        withVector: opts.withVector === true,
      },
      this.out,
    );
  }

  /**
   * The k best points for a vector, a text (BM25 over a full-text indexed field) or both
   * (fused); with a filter, among the points that match it; with `groupBy`, the best k
   * groups.
   * @example
   * const hits = await images.search(query, { k: 10, filter: { must: [{ key: 'label', match: { value: 'cat' } }] }, withPayload: true });
   * const docs = await articles.search({ text: 'tax cuts', textField: 'body', vector: q }, { k: 5, fusion: 'rrf' });
   */
  async search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options: SearchOptions & { groupBy: string },
  ): Promise<HitGroup[]>;
  async search(query: VectorInput | SearchQuery | RawSearchQuery, options?: SearchOptions): Promise<Hit[]>;
  async search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options?: SearchOptions,
  ): Promise<Hit[] | HitGroup[]> {
    // A loaded collection is checked without awaiting: the hot path pays no extra microtask turn.
    if (this.loader.isReady) this.check();
    else await this.readable(options);
    const opts = checkOptions(options, 'search options');
    const k = checkK(opts.k);
    const explain = wantsExplain(opts);
    if (this.embedders.active) {
      query = (await this.embedders.query(query)) as VectorInput | SearchQuery;
      this.check();
    }
    const parsed = this.input.parseQuery(query, opts.using);
    const params = this.input.searchParams(opts, parsed.field);
    const scope: RowScope = {
      field: parsed.vector ? parsed.field : undefined,
      filter: this.input.filter(opts.filter),
    };
    const window = this.input.window(opts);
    const rank: RankOptions = {
      scope,
      params,
      fusion: this.input.fusionOptions(opts),
      window,
      mmr: this.input.mmr(opts, window.offset + k),
    };
    if (opts.groupBy === undefined) {
      const ranked = this.ranking.rows(parsed, k, rank);
      const rows = ranked instanceof Promise ? await ranked : ranked;
      const hits = this.out.hits(rows, parsed.field, opts);
      return explain ? explainHits(this, hits, rows, { q: parsed, n: rankedCount(rank, k), rank }) : hits;
    }
    const key = opts.groupBy;
    if (typeof key !== 'string' || key.length === 0) {
      throw new InvalidArgumentError(`groupBy must be a payload key, got ${describe(key)}`);
    }
    const size = checkInteger(opts.groupSize ?? 3, 'groupSize', 1, 100);
    const groups = await this.ranking.groups(parsed, k, size, key, rank);
    return groups.map((g) => ({ group: g.group, hits: this.out.hits(g.hits, parsed.field, opts) }));
  }

  /**
   * One result list per query, in the order of the queries.
   * @example
   * const [first, second] = await images.searchBatch([q1, q2], { k: 5 });
   */
  async searchBatch(vectors: VectorInput[], options?: SearchOptions): Promise<Hit[][]> {
    await this.readable(options);
    if (!Array.isArray(vectors))
      throw new InvalidArgumentError(`queries: expected an array, got ${describe(vectors)}`);
    const opts = checkOptions(options, 'search options');
    const k = checkK(opts.k);
    const explain = wantsExplain(opts);
    const field = this.input.fieldNumber(opts.using);
    const params = this.input.searchParams(opts, field);
    const f = this.fields[field];
    const queries = vectors.map((v, i) => toVector(v, f.dimension, f.metric, `queries[${i}]`));
    const window = this.input.window(opts);
    const rank: RankOptions = {
      scope: { field, filter: this.input.filter(opts.filter) },
      params,
      fusion: this.input.fusionOptions(opts),
      window,
      mmr: this.input.mmr(opts, window.offset + k),
    };
    const found = await runWindowed(queries, (vector) => this.ranking.rows({ field, vector }, k, rank));
    const hits = found.map((rows) => this.out.hits(rows, field, opts));
    if (!explain) return hits;
    const n = rankedCount(rank, k);
    return Promise.all(
      hits.map((h, i) => explainHits(this, h, found[i], { q: { field, vector: queries[i] }, n, rank })),
    );
  }

  /**
   * Every point within `radius` of `vector` (see `RangeSearchOptions.radius` for what the
   * radius means per metric), best first.
   * @example
   * const near = await images.rangeSearch(query, { radius: 0.3 });
   */
  async rangeSearch(vector: VectorInput, options: RangeSearchOptions & { using?: string }): Promise<Hit[]> {
    await this.readable(options);
    const opts = checkOptions(options, 'range search options');
    const radius = opts.radius;
    if (typeof radius !== 'number' || !Number.isFinite(radius)) {
      throw new InvalidArgumentError(`radius must be a finite number, got ${describe(radius)}`);
    }
    const limit =
      opts.limit === undefined ? Number.POSITIVE_INFINITY : checkInteger(opts.limit, 'limit', 1, 1e9);
    const field = this.input.fieldNumber(opts.using);
    const f = this.fields[field];
    const query = toVector(vector, f.dimension, f.metric, 'query');
    const found = withinRange(this.storage.set.views(), field, query, maxDistanceOf(f.metric, radius), {
      field,
      filter: this.input.filter(opts.filter),
    });
    return this.out.hits(
      this.ranking.scored(found.length > limit ? found.slice(0, limit) : found, field),
      field,
      opts,
    );
  }

  /**
   * Points like the positive examples and unlike the negative ones, by vector field
   * `using`; examples are point ids or vectors, and points given as examples are left out.
   * @example
   * const more = await images.recommend({ positive: ['img-1', 'img-7'], negative: ['img-3'] }, { k: 10 });
   */
  async recommend(query: RecommendQuery, options?: RecommendOptions): Promise<Hit[]> {
    await this.readable(options);
    return runRecommend(
      { fields: this.fields, input: this.input, storage: this.storage, ranking: this.ranking, out: this.out },
      query,
      options,
    );
  }

  /**
   * Indexes a payload key in every segment, existing and future (replacing an index of
   * another kind on the same key); filters on it then read the index instead of payloads,
   * and a `text` index makes the key searchable with BM25.
   * @example
   * await images.createPayloadIndex('label', 'keyword');
   * await articles.createPayloadIndex('body', { type: 'text', analyzer: 'english' });
   */
  async createPayloadIndex(key: string, type: PayloadIndexConfig): Promise<void> {
    await this.loaded();
    const info = checkPayloadIndex(key, type);
    await this.host.queue.exclusive(async () => {
      this.check();
      const declared = { ...this.config.payloadIndexes, [key]: info };
      this.host.saveConfig(this.storage.collectionId, { ...this.config, payloadIndexes: declared });
      this.config.payloadIndexes = declared;
      for (const view of this.storage.set.views()) {
        const payloads = Array.from({ length: view.rows }, (_, i) => view.payload(i));
        view.payloadIndex.addField(key, info, payloads);
      }
    });
    this.indexer.scheduleMissing();
  }

  /** Removes the index of a payload key (filters on it read payloads again). */
  async dropPayloadIndex(key: string): Promise<void> {
    await this.loaded();
    await this.host.queue.exclusive(async () => {
      this.check();
      if (!this.config.payloadIndexes?.[key]) {
        throw new InvalidArgumentError(`payload key ${JSON.stringify(key)} has no index`);
      }
      const { [key]: _dropped, ...rest } = this.config.payloadIndexes;
      this.host.saveConfig(this.storage.collectionId, { ...this.config, payloadIndexes: rest });
      this.config.payloadIndexes = rest;
      for (const view of this.storage.set.views()) view.payloadIndex.dropField(key);
    });
    this.indexer.scheduleMissing();
  }

  /**
   * Seals the growing segment into an immutable segment file and waits until every sealed
   * segment's index is built and searchable. Writes are already durable before this: flush
   * bounds WAL replay and makes searches use the approximate index.
   */
  async flush(): Promise<void> {
    await this.loaded();
    await this.host.queue.exclusive(() => {
      this.check();
      return this.storage.seal(this.config.segmentSize);
    });
    this.indexer.scheduleMissing();
    await this.indexer.idle();
  }

  /** Rewrites sealed segments to drop deleted rows and merge small segments. */
  async compact(): Promise<void> {
    await this.loaded();
    await this.host.queue.exclusive(() => {
      this.check();
      return this.storage.compact(this.config.segmentSize);
    });
    this.indexer.scheduleMissing();
  }

  /** See `Collection.thumbnail`. */
  async thumbnail(id: PointId, field: string): Promise<Buffer | undefined> {
    this.check();
    return this.thumbnails.read(id, field);
  }

  async info(): Promise<CollectionInfo> {
    this.check();
    return describeCollection({
      name: this.name,
      config: this.config,
      fields: this.fields,
      storage: this.storage,
      indexing: this.indexer.pending,
      catalogIntegrity: this.host.catalogIntegrity,
      loader: this.loader,
    });
  }

  /**
   * Resolves once the collection's segments are loaded (at once when they are); rejects with
   * the error that kept them from loading. Writes and maintenance wait for this.
   */
  async loaded(): Promise<void> {
    this.check();
    await this.loader.whenReady();
    this.check();
  }

  /** `loaded()` for a read: with `{ wait: false }`, `NotReadyError` instead of waiting. */
  private async readable(options: unknown): Promise<void> {
    this.check();
    const wait = (options as ReadOptions | undefined)?.wait;
    await this.loader.whenReady(typeof options !== 'object' || options === null || wait !== false);
    this.check();
  }

  private check(): void {
    if (this.host.closed) throw new ClosedError('database');
    if (this.dropped) throw new CollectionNotFoundError(this.name);
  }

  private scheduleSealIfFull(): void {
    if (this.sealScheduled || this.storage.set.growing.rows < this.config.segmentSize) return;
    this.sealScheduled = true;
    this.host.queue
      .exclusive(async () => {
        this.sealScheduled = false;
        if (!this.dropped && !this.host.closed) await this.storage.seal(this.config.segmentSize);
        this.indexer.scheduleMissing();
      })
      .catch((err: Error) => process.emitWarning(`quiver: sealing '${this.name}' failed: ${err.message}`));
  }
}
