/**
 * A collection of a cluster, as any node serves it: the same `Collection` interface as the
 * embedded one, routing each call to the shards it concerns.
 *
 * - Writes are validated, embedded and encoded here (`UpsertEncoder`, so a refused batch
 *   refuses everything before anything is logged), split by shard (`shardOf`), and appended
 *   to each shard's log in PostgreSQL; the call resolves once every part committed. A batch
 *   spanning shards is not atomic across them: if one shard's append fails, the call fails
 *   and the parts already committed stay (repeating the call is safe: writes are idempotent).
 * - Writes by filter resolve the matching ids per shard first (a strong read), then log them
 *   by id, as the embedded collection logs them; a point written while the filter is being
 *   resolved may or may not be affected. Counts returned by writes are of the points that
 *   existed when the write began.
 * - Reads go to one replica of each shard they concern (this node's when it has one, else a
 *   live holder's, the next one on failure). With `consistency: 'strong'` (the default), the
 *   log position of every shard is read once when the call begins and each replica answers
 *   only once it has applied that position.
 * - Searches ask each shard for its best `offset + k` and merge them by score.
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
import { encodePayloadRecord } from '../storage/payload-record.js';
import type { ClusterCollectionRow } from '../storage/pg-catalog.js';
import { encodeDelete, WalKind } from '../storage/wal-record.js';
import type { ReplicaMethod } from './replica-calls.js';
import { groupByShard, shardOf } from './shard-of.js';

/** What a cluster collection needs of its node. */
export interface ShardRouter {
  /** Appends one encoded write to a shard's log; resolves with its sequence number once committed. */
  append(collectionId: number, shard: number, kind: number, body: Uint8Array): Promise<number>;
  /** The committed log position of every shard of a collection. */
  positions(collectionId: number): Promise<number[]>;
  /** Calls `method` on a replica of the shard that has applied the log up to `minSeq`. */
  call<T>(
    collectionId: number,
    shard: number,
    method: ReplicaMethod,
    args: unknown[],
    minSeq: number,
  ): Promise<T>;
  /** Calls `method` on every live replica of the shard (configuration changes, flushes), once each has applied `minSeq`. */
  callAll(
    collectionId: number,
    shard: number,
    method: ReplicaMethod,
    args: unknown[],
    minSeq: number,
  ): Promise<void>;
  /** Changes the collection's stored config in the catalog (validated by `change`, which may throw). */
  changeConfig(
    collection: ClusterCollection,
    change: (config: StoredCollectionConfig) => StoredCollectionConfig,
  ): Promise<void>;
}

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

  constructor(
    readonly row: ClusterCollectionRow,
    readonly config: StoredCollectionConfig,
    private readonly router: ShardRouter,
    private readonly encoder: UpsertEncoder,
  ) {
    this.name = row.name;
    this.id = row.id;
    this.dimension = config.dimension;
    this.metric = config.metric;
    this.shards = row.shards;
    this.replicas = row.replicas;
  }

  /** This collection, with reads that do not give `consistency` read at `consistency`. */
  withConsistency(consistency: 'strong' | 'eventual'): ClusterCollection {
    const view = Object.create(this) as ClusterCollection;
    view.defaultConsistency = consistency;
    return view;
  }

  // ---- writes

  async upsert(points: (PointInput | RawPointInput)[]): Promise<void> {
    const embedded = await this.encoder.embed(points);
    const whole = this.encoder.encode(embedded);
    if (!whole) return;
    const groups = groupByShard(whole.ids, this.shards);
    if (groups.size === 1) {
      const [shard] = groups.keys();
      await this.router.append(this.id, shard, whole.kind, whole.body);
      return;
    }
    const parts = [...groups].map(([shard, at]) => {
      const batch = this.encoder.encode(at.map((i) => embedded[i]));
      return { shard, batch: batch! };
    });
    await Promise.all(parts.map((p) => this.router.append(this.id, p.shard, p.batch.kind, p.batch.body)));
  }

  async delete(selector: PointId[] | DeleteByFilter, options?: DeleteOptions): Promise<number> {
    if (options?.purge) throw new InvalidArgumentError('delete: purge is not available in cluster mode yet');
    const ids = await this.selected(selector, 'delete');
    if (ids.length === 0) return 0;
    const existing = Array.isArray(selector)
      ? (await this.get(ids, { withPayload: false })).length
      : ids.length;
    await this.perShard(ids, (shard, part) =>
      this.router.append(this.id, shard, WalKind.DELETE, encodeDelete({ ids: part })),
    );
    return existing;
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
    return this.changePayload(selector, operation, 'setPayload');
  }

  async overwritePayload(selector: PointSelector, payload: Record<string, unknown>): Promise<number> {
    return this.changePayload(
      selector,
      { op: 'overwrite', payload: checkObject(payload, 'payload') },
      'overwritePayload',
    );
  }

  async deletePayloadKeys(selector: PointSelector, keys: string[]): Promise<number> {
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string' || k === '')) {
      throw new InvalidArgumentError(`keys: expected an array of non-empty strings, got ${describe(keys)}`);
    }
    return this.changePayload(selector, { op: 'delete_keys', keys }, 'deletePayloadKeys');
  }

  async clearPayload(selector: PointSelector): Promise<number> {
    return this.changePayload(selector, { op: 'clear' }, 'clearPayload');
  }

  private async changePayload(
    selector: PointSelector,
    operation: PayloadOperation,
    call: string,
  ): Promise<number> {
    const asked = await this.selected(selector as PointId[] | DeleteByFilter, call);
    const ids = Array.isArray(selector)
      ? (await this.get(asked, { withPayload: false })).map((p) => p.id)
      : asked;
    if (ids.length === 0) return 0;
    await this.perShard(ids, (shard, part) =>
      this.router.append(this.id, shard, WalKind.PAYLOAD, encodePayloadRecord({ ids: part, operation })),
    );
    return ids.length;
  }

  /** The ids a write selects: checked ids, or those matching a filter now. */
  private async selected(selector: PointId[] | DeleteByFilter, call: string): Promise<PointId[]> {
    if (Array.isArray(selector)) return checkIds(selector, `${call}: ids`);
    if (typeof selector !== 'object' || selector === null || !('filter' in selector)) {
      throw new InvalidArgumentError(
        `${call}: expected an array of ids or { filter }, got ${describe(selector)}`,
      );
    }
    const filter = parseFilter(selector.filter);
    const positions = await this.router.positions(this.id);
    const found = await Promise.all(
      positions.map((seq, shard) => this.router.call<PointId[]>(this.id, shard, 'matching', [filter], seq)),
    );
    return found.flat();
  }

  private async perShard(
    ids: PointId[],
    each: (shard: number, ids: PointId[]) => Promise<unknown>,
  ): Promise<void> {
    const groups = groupByShard(ids, this.shards);
    await Promise.all(
      [...groups].map(([shard, at]) =>
        each(
          shard,
          at.map((i) => ids[i]),
        ),
      ),
    );
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
      return this.searchGroups(query, options as SearchOptions & { groupBy: string });
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
    const ascending = this.ascending(query, options);
    const all = lists.flat();
    all.sort((a, b) => (ascending ? a.score - b.score : b.score - a.score) || compareIds(a.id, b.id));
    return all;
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
   * Grouped search in two rounds: each shard's best `offset + k` groups give the best groups
   * overall (a group's best hit is in the shard whose own ranking has it among its best); then
   * each shard returns its best hits of just those groups, merged into each group's best
   * `groupSize`.
   */
  private async searchGroups(
    query: unknown,
    options: SearchOptions & { groupBy: string },
  ): Promise<HitGroup[]> {
    const k = options.k ?? 10;
    const offset = options.offset ?? 0;
    const seqs = await this.minSeqs(options);
    const forward = { ...withoutConsistency(options), k: k + offset, offset: 0 };
    const ascending = this.ascending(query, options);
    const better = (a: Hit, b: Hit) =>
      (ascending ? a.score - b.score : b.score - a.score) || compareIds(a.id, b.id);
    const first = await Promise.all(
      seqs.map((seq, shard) => this.router.call<HitGroup[]>(this.id, shard, 'search', [query, forward], seq)),
    );
    const best = new Map<string, HitGroup>();
    for (const g of first.flat()) {
      const key = JSON.stringify(g.group);
      const known = best.get(key);
      if (!known || better(g.hits[0], known.hits[0]) < 0) best.set(key, g);
    }
    const chosen = [...best.values()].sort((a, b) => better(a.hits[0], b.hits[0])).slice(offset, offset + k);
    if (chosen.length === 0) return [];
    const only = { key: options.groupBy, match: { any: chosen.map((g) => g.group) } };
    const filter = options.filter ? { must: [options.filter, only] } : { must: [only] };
    const second = await Promise.all(
      seqs.map((seq, shard) =>
        this.router.call<HitGroup[]>(
          this.id,
          shard,
          'search',
          [query, { ...forward, k: chosen.length, filter }],
          seq,
        ),
      ),
    );
    const hits = new Map<string, Hit[]>();
    for (const g of second.flat()) {
      const key = JSON.stringify(g.group);
      hits.set(key, [...(hits.get(key) ?? []), ...g.hits]);
    }
    const size = options.groupSize ?? 3;
    return chosen.map((g) => ({
      group: g.group,
      hits: (hits.get(JSON.stringify(g.group)) ?? g.hits).sort(better).slice(0, size),
    }));
  }

  /**
   * Examples given by id are looked up here (their vectors sent to every shard) and left out
   * of the results, as the embedded collection does.
   */
  async recommend(query: RecommendQuery, options: RecommendOptions = {}): Promise<Hit[]> {
    if (typeof query !== 'object' || query === null) {
      throw new InvalidArgumentError(`recommend query: expected an object, got ${describe(query)}`);
    }
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(`recommend options: expected an object, got ${describe(options)}`);
    }
    const k = options.k ?? 10;
    const offset = options.offset ?? 0;
    const seqs = await this.minSeqs(options);
    const excluded = new Set<string>();
    const resolve = async (list: unknown, where: string) => {
      if (list === undefined) return undefined;
      if (!Array.isArray(list))
        throw new InvalidArgumentError(`${where}: expected an array, got ${describe(list)}`);
      const ids = list.filter((e): e is PointId => typeof e === 'string' || typeof e === 'number');
      const found =
        ids.length === 0
          ? []
          : await this.get(checkIds(ids, where), { withVector: true, withPayload: false });
      const byId = new Map(found.map((p) => [idKey(p.id), p]));
      return list.map((e, i) => {
        if (typeof e !== 'string' && typeof e !== 'number') return e;
        const p = byId.get(idKey(e));
        if (!p) throw new InvalidArgumentError(`${where}[${i}]: no point has id ${JSON.stringify(e)}`);
        excluded.add(idKey(p.id));
        const vector =
          options.using === undefined
            ? (p.vector ?? Object.values(p.vectors ?? {})[0])
            : p.vectors?.[options.using];
        if (vector === undefined) {
          throw new InvalidArgumentError(
            `${where}[${i}]: point ${JSON.stringify(e)} has no '${options.using ?? ''}' vector`,
          );
        }
        return vector;
      });
    };
    const positive = await resolve(query.positive, 'positive');
    const negative = await resolve(query.negative, 'negative');
    const resolved = { positive, ...(negative === undefined ? {} : { negative }) } as RecommendQuery;
    const forward = { ...withoutConsistency(options), k: k + offset + excluded.size, offset: 0 };
    const lists = await Promise.all(
      seqs.map((seq, shard) =>
        this.router.call<Hit[]>(this.id, shard, 'recommend', [resolved, forward], seq),
      ),
    );
    const ascending =
      (options.strategy ?? 'average') === 'average' && this.ascending(undefined, options as SearchOptions);
    const all = lists.flat().filter((h) => !excluded.has(idKey(h.id)));
    all.sort((a, b) => (ascending ? a.score - b.score : b.score - a.score) || compareIds(a.id, b.id));
    return all.slice(offset, offset + k);
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

function withoutConsistency<T extends ReadOptions | undefined>(options: T): T {
  if (!options || !('consistency' in options)) return options;
  const { consistency: _c, ...rest } = options;
  return rest as T;
}

function idKey(id: PointId): string {
  return typeof id === 'number' ? `n${id}` : `s${id}`;
}

function checkObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${where}: expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

export { shardOf };

/** Points ordered by `orderValue` (numbers, or RFC 3339 strings), then by id. */
function orderValueCompare(a: Point, b: Point, descending: boolean): number {
  const value = (p: Point) =>
    typeof p.orderValue === 'string' ? Date.parse(p.orderValue) : (p.orderValue ?? 0);
  const d = value(a) - value(b);
  return (descending ? -d : d) || compareIds(a.id, b.id);
}
