/**
 * A collection of a cluster, as any node serves it: the same `Collection` interface as the
 * embedded one, routing each call to the shards it concerns.
 *
 * - Writes are encoded here and appended to the shards' logs in PostgreSQL (`shard-writes.ts`).
 * - Reads go to one replica of each shard they concern (this node's when it has one, else a
 *   live holder's, the next one on failure). With `consistency: 'strong'` (the default), the
 *   log position of every shard is read once when the call begins and each replica answers
 *   only once it has applied that position.
 * - Searches ask each shard for its best `offset + k` and merge them by score; grouped
 *   searches and recommendations take more than one list per shard (`shard-merge.ts`).
 */
import { checkPayloadIndex, fieldsOf, type StoredCollectionConfig } from '../db/collection-config.js';
import { compareIds } from '../db/id-order.js';
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
} from '../db/types.js';
import type { UpsertEncoder } from '../db/upsert-encoder.js';
import { checkIds, describe } from '../db/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { type Filter, parseFilter } from '../payload/filter.js';
import type { PayloadOperation } from '../storage/payload-record.js';
import type { ClusterCollectionRow } from '../storage/pg-catalog.js';
import type { ReplicaMethod } from './replica-calls.js';
import {
  idKey,
  mergeHits,
  orderValueCompare,
  recommendAcross,
  searchGroups,
  withoutConsistency,
} from './shard-merge.js';
import { groupByShard } from './shard-of.js';
import type { FanOut, ShardRouter } from './shard-router.js';
import { ShardWrites } from './shard-writes.js';

const lowerIsBetter = (metric: Metric) => metric !== 'ip' && metric !== 'cosine';

export class ClusterCollection implements Collection {
  readonly name: string;
  readonly dimension: number;
  readonly metric: Metric;
  readonly shards: number;
  readonly replicas: number;
  readonly id: number;
  /** The consistency of reads that do not say (`withConsistency`). */
  private defaultConsistency: 'strong' | 'eventual' = 'strong';
  private readonly fanOut: FanOut;
  private readonly writes: ShardWrites;

  constructor(
    readonly row: ClusterCollectionRow,
    readonly config: StoredCollectionConfig,
    private readonly router: ShardRouter,
    readonly encoder: UpsertEncoder,
  ) {
    this.name = row.name;
    this.id = row.id;
    this.dimension = config.dimension;
    this.metric = config.metric;
    this.shards = row.shards;
    this.replicas = row.replicas;
    this.fanOut = {
      id: this.id,
      shards: this.shards,
      router,
      minSeqs: (options) => this.minSeqs(options),
      ascending: (query, options) => this.ascending(query, options),
      get: (ids, options) => this.get(ids, options),
    };
    this.writes = new ShardWrites(this.fanOut, encoder);
  }

  /** This collection, with reads that do not give `consistency` read at `consistency`. */
  withConsistency(consistency: 'strong' | 'eventual'): ClusterCollection {
    const view = Object.create(this) as ClusterCollection;
    view.defaultConsistency = consistency;
    return view;
  }

  // ---- writes (shard-writes.ts)

  upsert(points: (PointInput | RawPointInput)[]): Promise<void> {
    return this.writes.upsert(points);
  }

  delete(selector: PointId[] | DeleteByFilter, options?: DeleteOptions): Promise<number> {
    return this.writes.delete(selector, options);
  }

  purge(): Promise<never> {
    return Promise.reject(new InvalidArgumentError('purge is not available in cluster mode yet'));
  }

  async setPayload(
    selector: PointSelector,
    payload: Record<string, unknown>,
    options?: SetPayloadOptions,
  ): Promise<number> {
    const operation: PayloadOperation = { op: 'set', payload: checkObject(payload, 'payload') };
    if (options?.key !== undefined) operation.key = options.key;
    return this.writes.changePayload(selector, operation, 'setPayload');
  }

  async overwritePayload(selector: PointSelector, payload: Record<string, unknown>): Promise<number> {
    return this.writes.changePayload(
      selector,
      { op: 'overwrite', payload: checkObject(payload, 'payload') },
      'overwritePayload',
    );
  }

  async deletePayloadKeys(selector: PointSelector, keys: string[]): Promise<number> {
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string' || k === '')) {
      throw new InvalidArgumentError(`keys: expected an array of non-empty strings, got ${describe(keys)}`);
    }
    return this.writes.changePayload(selector, { op: 'delete_keys', keys }, 'deletePayloadKeys');
  }

  async clearPayload(selector: PointSelector): Promise<number> {
    return this.writes.changePayload(selector, { op: 'clear' }, 'clearPayload');
  }

  // ---- reads

  /** The log position each shard's replica must have applied for a read with `options`. */
  private async minSeqs(options: ReadOptions | undefined): Promise<number[]> {
    if (
      options?.consistency !== undefined &&
      options.consistency !== 'strong' &&
      options.consistency !== 'eventual'
    ) {
      throw new InvalidArgumentError(
        `consistency: expected 'strong' or 'eventual', got ${describe(options.consistency)}`,
      );
    }
    if ((options?.consistency ?? this.defaultConsistency) === 'eventual')
      return new Array(this.shards).fill(0);
    return this.router.positions(this.id);
  }

  async get(ids: PointId[], options?: GetOptions): Promise<Point[]> {
    const checked = checkIds(ids);
    const seqs = await this.minSeqs(options);
    const groups = groupByShard(checked, this.shards);
    const forward = withoutConsistency(options);
    const found = new Map<string, Point>();
    await Promise.all(
      [...groups].map(async ([shard, at]) => {
        const points = await this.router.call<Point[]>(
          this.id,
          shard,
          'get',
          [at.map((i) => checked[i]), forward],
          seqs[shard],
        );
        for (const p of points) found.set(idKey(p.id), p);
      }),
    );
    const out: Point[] = [];
    for (const id of checked) {
      const p = found.get(idKey(id));
      if (p) out.push(p);
    }
    return out;
  }

  async count(options?: CountOptions | Filter): Promise<number> {
    const isOptions =
      typeof options === 'object' &&
      options !== null &&
      ('filter' in options || 'consistency' in options || 'wait' in options);
    const read = isOptions ? (options as CountOptions) : undefined;
    const filter = isOptions ? read?.filter : (options as Filter | undefined);
    if (filter !== undefined) parseFilter(filter);
    const seqs = await this.minSeqs(read);
    const counts = await Promise.all(
      seqs.map((seq, shard) =>
        this.router.call<number>(
          this.id,
          shard,
          'count',
          [filter === undefined ? undefined : { filter }],
          seq,
        ),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async scroll(options: ScrollOptions = {}): Promise<ScrollPage> {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(`scroll options: expected an object, got ${describe(options)}`);
    }
    if (options.offset !== undefined && options.cursor !== undefined) {
      throw new InvalidArgumentError('scroll: give either offset or cursor, not both');
    }
    if (options.filter !== undefined) parseFilter(options.filter);
    const limit = options.limit ?? 100;
    const offset = options.offset ?? 0;
    const seqs = await this.minSeqs(options);
    const { offset: _o, ...rest } = withoutConsistency(options) as ScrollOptions;
    const pages = await Promise.all(
      seqs.map((seq, shard) =>
        this.router.call<ScrollPage>(this.id, shard, 'scroll', [{ ...rest, limit: limit + offset + 1 }], seq),
      ),
    );
    const all = pages.flatMap((p) => p.points);
    if (options.orderBy !== undefined) {
      const descending = typeof options.orderBy === 'object' && options.orderBy.direction === 'desc';
      all.sort((x, y) => orderValueCompare(x, y, descending));
      return { points: all.slice(offset, offset + limit) };
    }
    all.sort((x, y) => compareIds(x.id, y.id));
    const points = all.slice(offset, offset + limit);
    const page: ScrollPage = { points };
    if (all.length > offset + limit) page.nextCursor = points[points.length - 1].id;
    return page;
  }

  search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options: SearchOptions & { groupBy: string },
  ): Promise<HitGroup[]>;
  search(query: VectorInput | SearchQuery | RawSearchQuery, options?: SearchOptions): Promise<Hit[]>;
  async search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options: SearchOptions = {},
  ): Promise<Hit[] | HitGroup[]> {
    if (options.filter !== undefined) parseFilter(options.filter);
    if (options.groupBy !== undefined) {
      return searchGroups(this.fanOut, query, options as SearchOptions & { groupBy: string });
    }
    const k = options.k ?? 10;
    const offset = options.offset ?? 0;
    const seqs = await this.minSeqs(options);
    const forward = { ...withoutConsistency(options), k: k + offset, offset: 0 };
    const lists = await Promise.all(
      seqs.map((seq, shard) => this.router.call<Hit[]>(this.id, shard, 'search', [query, forward], seq)),
    );
    return this.merge(lists, query, options).slice(offset, offset + k);
  }

  async searchBatch(vectors: VectorInput[], options: SearchOptions = {}): Promise<Hit[][]> {
    if (!Array.isArray(vectors))
      throw new InvalidArgumentError(`searchBatch: expected an array of vectors, got ${describe(vectors)}`);
    if (options.filter !== undefined) parseFilter(options.filter);
    const k = options.k ?? 10;
    const offset = options.offset ?? 0;
    const seqs = await this.minSeqs(options);
    const forward = { ...withoutConsistency(options), k: k + offset, offset: 0 };
    const perShard = await Promise.all(
      seqs.map((seq, shard) =>
        this.router.call<Hit[][]>(this.id, shard, 'searchBatch', [vectors, forward], seq),
      ),
    );
    return vectors.map((v, q) =>
      this.merge(
        perShard.map((lists) => lists[q]),
        v,
        options,
      ).slice(offset, offset + k),
    );
  }

  async rangeSearch(vector: VectorInput, options: RangeSearchOptions): Promise<Hit[]> {
    const seqs = await this.minSeqs(options);
    const forward = withoutConsistency(options);
    const lists = await Promise.all(
      seqs.map((seq, shard) =>
        this.router.call<Hit[]>(this.id, shard, 'rangeSearch', [vector, forward], seq),
      ),
    );
    const merged = this.merge(lists, vector, options);
    return options.limit === undefined ? merged : merged.slice(0, options.limit);
  }

  /** Hits of all shards, best first by the score's own order (higher first for similarities and text scores). */
  private merge(lists: Hit[][], query: unknown, options: SearchOptions): Hit[] {
    return mergeHits(lists, this.ascending(query, options));
  }

  /** Whether lower scores are better for this query: a plain vector search under a distance metric. */
  private ascending(query: unknown, options: SearchOptions): boolean {
    const q = query as Partial<SearchQuery> | undefined;
    const isObject = typeof q === 'object' && q !== null && !Array.isArray(q) && !ArrayBuffer.isView(q);
    if (isObject && q.text !== undefined) return false;
    const fields = fieldsOf(this.config);
    // A raw input names its field; then the query's `using`, then the option's.
    const raw = isObject
      ? fields.find((f) => f.name !== '' && (q as Record<string, unknown>)[f.name] !== undefined)
      : undefined;
    const using = raw?.name ?? (isObject ? q.using : undefined) ?? options.using;
    const field = using === undefined ? fields[0] : (fields.find((f) => f.name === using) ?? fields[0]);
    return lowerIsBetter(field.metric);
  }

  /**
   * Examples given by id are looked up here (their vectors sent to every shard) and left out
   * of the results, as the embedded collection does (`shard-merge.ts`).
   */
  recommend(query: RecommendQuery, options?: RecommendOptions): Promise<Hit[]> {
    return recommendAcross(this.fanOut, query, options);
  }

  // ---- configuration and maintenance

  /**
   * Records the index in the collection's config in the catalog (replicas that start later
   * create it from there) and creates it on every live replica.
   */
  async createPayloadIndex(key: string, type: PayloadIndexConfig): Promise<void> {
    await this.router.changeConfig(this, (config) => {
      const info = checkPayloadIndex(key, type);
      return { ...config, payloadIndexes: { ...(config.payloadIndexes ?? {}), [key]: info } };
    });
    await this.everyReplica('createPayloadIndex', [key, type]);
  }

  async dropPayloadIndex(key: string): Promise<void> {
    await this.router.changeConfig(this, (config) => {
      const { [key]: _gone, ...rest } = config.payloadIndexes ?? {};
      return { ...config, payloadIndexes: rest };
    });
    await this.everyReplica('dropPayloadIndex', [key]);
  }

  /** Seals the growing segment of every live replica, once it has applied every acknowledged write. */
  async flush(): Promise<void> {
    await this.everyReplica('flush', []);
  }

  async compact(): Promise<void> {
    await this.everyReplica('compact', []);
  }

  /** Calls `method` on every live replica of every shard, each once it has applied the log as it is now. */
  private async everyReplica(method: ReplicaMethod, args: unknown[]): Promise<void> {
    const seqs = await this.router.positions(this.id);
    await Promise.all(seqs.map((seq, shard) => this.router.callAll(this.id, shard, method, args, seq)));
  }

  /** The collection's description, with counts summed over one replica of each shard. */
  async info(): Promise<CollectionInfo> {
    const seqs = await this.minSeqs(undefined);
    const parts = await Promise.all(
      seqs.map((seq, shard) => this.router.call<CollectionInfo>(this.id, shard, 'info', [], seq)),
    );
    const first = parts[0];
    const sum = (pick: (i: CollectionInfo) => number) => parts.reduce((a, p) => a + pick(p), 0);
    const { memory: _m, disk: _d, loading: _l, ...shape } = first;
    return {
      ...shape,
      name: this.name,
      count: sum((p) => p.count),
      sealedSegments: sum((p) => p.sealedSegments),
      growingPoints: sum((p) => p.growingPoints),
      indexedSegments: sum((p) => p.indexedSegments),
      indexingSegments: sum((p) => p.indexingSegments),
      shards: this.shards,
      replicas: this.replicas,
    };
  }

  thumbnail(): Promise<Buffer | undefined> {
    return Promise.reject(new InvalidArgumentError('thumbnails are not available in cluster mode yet'));
  }
}

function checkObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${where}: expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}
