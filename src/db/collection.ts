/**
 * The embedded implementation of `Collection`: a thin facade over the parts that do the
 * work, so that what users see (and the docs generated from these comments) stays in one
 * place:
 * - `CollectionGate` (collection-gate.ts): the database is open, the collection not dropped,
 *   its segments loaded;
 * - `PointWrites` (collection-write.ts): upsert, delete, purge;
 * - `PayloadUpdates` (payload-updates.ts): set, overwrite, delete and clear payloads;
 * - `PointReads` (collection-read.ts): get, count, scroll;
 * - `PointSearches` (collection-search.ts): search, searchBatch, rangeSearch, recommend;
 * - `CollectionMaintenance` (collection-maintenance.ts): seals, compaction, payload indexes.
 *
 * Every public method validates and converts its input first (so a rejected call changes
 * nothing), then either reads the in-memory state directly (searches, gets, counts: they
 * never wait for writes in flight) or submits a change through the database's commit queue
 * (acknowledged once durable). Methods that only delegate return the part's promise without
 * awaiting it, so the facade adds no microtask turn to a call (the hot path of `search`).
 *
 * After open the collection's segments load in the background (segment-loader.ts): until
 * they are loaded, reads wait for them, or fail at once with `NotReadyError` when given
 * `{ wait: false }`; writes and maintenance (flush, compact, payload indexes) always wait;
 * `info()` never does.
 */
import type { Filter } from '../payload/filter.js';
import { fieldsOf, type StoredCollectionConfig, type StoredVectorField } from './collection-config.js';
import { CollectionGate } from './collection-gate.js';
import type { CollectionHost } from './collection-host.js';
import { describeCollection } from './collection-info.js';
import { CollectionMaintenance } from './collection-maintenance.js';
import { PointReads } from './collection-read.js';
import { PointSearches } from './collection-search.js';
import type { CollectionStorage } from './collection-storage.js';
import { PointWrites } from './collection-write.js';
import { FieldEmbedders } from './field-embedders.js';
import { PayloadUpdates } from './payload-updates.js';
import { PointOutput } from './point-output.js';
import { PointThumbnails } from './point-thumbnails.js';
import type { PurgeResult, PurgeTarget } from './purge.js';
import { QueryInput } from './query-input.js';
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
  RecommendOptions,
  RecommendQuery,
  ScrollOptions,
  ScrollPage,
  SearchOptions,
  SearchQuery,
  SetPayloadOptions,
  VectorInput,
} from './types.js';

export type { StoredCollectionConfig } from './collection-config.js';
export type { CollectionHost } from './collection-host.js';

export class EmbeddedCollection implements Collection {
  /** The vector fields, in field order ('' names the single unnamed vector). */
  readonly fields: readonly StoredVectorField[];
  /** Builds the approximate index of sealed segments in the background. */
  readonly indexer: SegmentIndexer;
  /** Vectorizes raw inputs of fields that name a provider (disposed by the database on close and drop). */
  readonly embedders: FieldEmbedders;
  /** Thumbnails of fields with `storeInput: 'thumbnail'`, changed with the writes of their points. */
  readonly thumbnails: PointThumbnails;
  private readonly gate: CollectionGate;
  private readonly writes: PointWrites;
  /** Set, overwrite, delete and clear payloads. */
  private readonly payloads: PayloadUpdates;
  private readonly reads: PointReads;
  private readonly searches: PointSearches;
  private readonly maintenance: CollectionMaintenance;

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
    const gate = new CollectionGate(host, name, loader);
    const fields = fieldsOf(config);
    const input = new QueryInput(config, fields);
    const out = new PointOutput(fields, input.named);
    this.gate = gate;
    this.fields = fields;
    this.embedders = new FieldEmbedders(fields, host.embedders, () => input.textFields() !== '');
    this.thumbnails = new PointThumbnails(storage.catalog, storage.collectionId, fields);
    this.indexer = new SegmentIndexer(
      storage.kernels,
      storage,
      host.queue,
      fields.map((f) => f.index),
      name,
    );
    if (loader.isReady) this.indexer.scheduleMissing();
    else loader.onReady(() => this.indexer.scheduleMissing());
    const parts = {
      host,
      gate,
      name,
      config,
      fields,
      storage,
      input,
      out,
      embedders: this.embedders,
      thumbnails: this.thumbnails,
      indexer: this.indexer,
    };
    this.maintenance = new CollectionMaintenance(parts);
    this.writes = new PointWrites({ ...parts, maintenance: this.maintenance });
    this.payloads = new PayloadUpdates(
      host.queue,
      storage,
      () => gate.check(),
      () => this.indexer.scheduleMissing(),
    );
    this.reads = new PointReads(parts);
    this.searches = new PointSearches(parts);
  }

  /** Set when the collection is dropped; every later call fails with `CollectionNotFoundError`. */
  get dropped(): boolean {
    return this.gate.dropped;
  }

  set dropped(value: boolean) {
    this.gate.dropped = value;
  }

  get dimension(): number {
    return this.config.dimension;
  }

  get metric(): Metric {
    return this.config.metric;
  }

  /**
   * Inserts or replaces points (vectors and payload) by id; all-or-nothing.
   * @example
   * await images.upsert([{ id: 'img-1', vector: [0.1, 0.2, 0.3], payload: { label: 'cat' } }]);
   */
  upsert(points: (PointInput | RawPointInput)[]): Promise<void> {
    return this.writes.upsert(points);
  }

  /**
   * Cluster mode: commits and applies one write already validated, encoded (`UpsertEncoder`,
   * `wal-record.ts`) and acknowledged in a shard's log elsewhere, with the effect the write
   * that encoded it would have had here. Internal: a replica calls it in log order.
   */
  applyLogged(kind: number, body: Uint8Array): Promise<void> {
    return this.writes.applyLogged(kind, body);
  }

  /**
   * The points with these ids, in the order asked; ids that do not exist are left out.
   * @example
   * const [p] = await images.get(['img-1'], { withVector: true });
   */
  get(ids: PointId[], options?: GetOptions): Promise<Point[]> {
    return this.reads.get(ids, options);
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
  delete(selector: PointId[] | DeleteByFilter, options?: DeleteOptions): Promise<number> {
    return this.writes.delete(selector, options);
  }

  /**
   * Deletes points as `delete` does, then erases every deleted row of the collection from
   * every file of the database (db/purge.ts) and deletes the collection's snapshots.
   * @example
   * const { snapshotsDeleted } = await faces.purge(['person-7']);
   */
  purge(selector: PointId[] | DeleteByFilter): Promise<PurgeResult> {
    return this.writes.purge(selector);
  }

  /** What `erase` works on for this collection. */
  purgeTarget(): PurgeTarget {
    return this.writes.purgeTarget();
  }

  /** See `PayloadUpdating.setPayload`. */
  async setPayload(
    selector: PointSelector,
    payload: Record<string, unknown>,
    options?: SetPayloadOptions,
  ): Promise<number> {
    await this.gate.loaded();
    return this.payloads.set(selector, payload, options);
  }

  /** See `PayloadUpdating.overwritePayload`. */
  async overwritePayload(selector: PointSelector, payload: Record<string, unknown>): Promise<number> {
    await this.gate.loaded();
    return this.payloads.overwrite(selector, payload);
  }

  /** See `PayloadUpdating.deletePayloadKeys`. */
  async deletePayloadKeys(selector: PointSelector, keys: string[]): Promise<number> {
    await this.gate.loaded();
    return this.payloads.deleteKeys(selector, keys);
  }

  /** See `PayloadUpdating.clearPayload`. */
  async clearPayload(selector: PointSelector): Promise<number> {
    await this.gate.loaded();
    return this.payloads.clear(selector);
  }

  /**
   * Number of live points, or of those matching a filter, given as `{ filter }` or as the
   * filter itself.
   * @example
   * const cats = await images.count({ filter: { must: [{ key: 'label', match: { value: 'cat' } }] } });
   * const same = await images.count({ must: [{ key: 'label', match: { value: 'cat' } }] });
   */
  count(options?: CountOptions | Filter): Promise<number> {
    return this.reads.count(options);
  }

  /**
   * A page of points in id order (integers ascending, then strings), or in the order of a
   * payload value (`orderBy`).
   * @example
   * let page = await images.scroll({ limit: 100 });
   * while (page.nextCursor !== undefined) page = await images.scroll({ limit: 100, cursor: page.nextCursor });
   */
  scroll(options?: ScrollOptions): Promise<ScrollPage> {
    return this.reads.scroll(options);
  }

  /**
   * The k best points for a vector, a text (BM25 over a full-text indexed field) or both
   * (fused); with a filter, among the points that match it; with `groupBy`, the best k
   * groups.
   * @example
   * const hits = await images.search(query, { k: 10, filter: { must: [{ key: 'label', match: { value: 'cat' } }] }, withPayload: true });
   * const docs = await articles.search({ text: 'tax cuts', textField: 'body', vector: q }, { k: 5, fusion: 'rrf' });
   */
  search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options: SearchOptions & { groupBy: string },
  ): Promise<HitGroup[]>;
  search(query: VectorInput | SearchQuery | RawSearchQuery, options?: SearchOptions): Promise<Hit[]>;
  search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options?: SearchOptions,
  ): Promise<Hit[] | HitGroup[]> {
    return this.searches.search(query, options);
  }

  /**
   * One result list per query, in the order of the queries.
   * @example
   * const [first, second] = await images.searchBatch([q1, q2], { k: 5 });
   */
  searchBatch(vectors: VectorInput[], options?: SearchOptions): Promise<Hit[][]> {
    return this.searches.searchBatch(vectors, options);
  }

  /**
   * Every point within `radius` of `vector` (see `RangeSearchOptions.radius` for what the
   * radius means per metric), best first.
   * @example
   * const near = await images.rangeSearch(query, { radius: 0.3 });
   */
  rangeSearch(vector: VectorInput, options: RangeSearchOptions & { using?: string }): Promise<Hit[]> {
    return this.searches.rangeSearch(vector, options);
  }

  /**
   * Points like the positive examples and unlike the negative ones, by vector field
   * `using`; examples are point ids or vectors, and points given as examples are left out.
   * @example
   * const more = await images.recommend({ positive: ['img-1', 'img-7'], negative: ['img-3'] }, { k: 10 });
   */
  recommend(query: RecommendQuery, options?: RecommendOptions): Promise<Hit[]> {
    return this.searches.recommend(query, options);
  }

  /**
   * Indexes a payload key in every segment, existing and future (replacing an index of
   * another kind on the same key); filters on it then read the index instead of payloads,
   * and a `text` index makes the key searchable with BM25.
   * @example
   * await images.createPayloadIndex('label', 'keyword');
   * await articles.createPayloadIndex('body', { type: 'text', analyzer: 'english' });
   */
  createPayloadIndex(key: string, type: PayloadIndexConfig): Promise<void> {
    return this.maintenance.createPayloadIndex(key, type);
  }

  /** Removes the index of a payload key (filters on it read payloads again). */
  dropPayloadIndex(key: string): Promise<void> {
    return this.maintenance.dropPayloadIndex(key);
  }

  /**
   * Seals the growing segment into an immutable segment file and waits until every sealed
   * segment's index is built and searchable. Writes are already durable before this: flush
   * bounds WAL replay and makes searches use the approximate index.
   */
  flush(): Promise<void> {
    return this.maintenance.flush();
  }

  /** Rewrites sealed segments to drop deleted rows and merge small segments. */
  compact(): Promise<void> {
    return this.maintenance.compact();
  }

  /** See `Collection.thumbnail`. */
  async thumbnail(id: PointId, field: string): Promise<Buffer | undefined> {
    this.gate.check();
    return this.thumbnails.read(id, field);
  }

  async info(): Promise<CollectionInfo> {
    this.gate.check();
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
  loaded(): Promise<void> {
    return this.gate.loaded();
  }
}
