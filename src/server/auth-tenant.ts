/**
 * A collection seen through a tenant filter (a token's `payload` claim): every read is
 * intersected with the filter, and nothing may be written.
 *
 * Invariant: no answer depends on a point outside the tenant, beyond the collection-wide
 * facts `info()` gives (sizes, configuration) and BM25's corpus statistics. How:
 * - searches, batches, range searches, groups, recommendations, counts and scrolls run with
 *   `{ must: [tenant, request's filter] }`: the request's filter is one conjunct, so no
 *   `should`, `must_not`, `nested` or `has_id` in it can reach a point the tenant filter
 *   excludes (an AND is never wider than either side);
 * - points asked for by id (`get`, `thumbnail`, and the examples of a recommendation) are
 *   looked up with `{ must: [tenant, { has_id }] }`: one outside the tenant is as absent as
 *   one that does not exist (left out of a `get`, no thumbnail, "no point has id" for an
 *   example), so an id's existence outside the tenant cannot be probed either;
 * - writes throw `ForbiddenError` (the routes refuse them earlier; this is the belt).
 * Queries by point id (`/points/query` with an id, recommend groups) fetch the vector with
 * `get`, so they are held to the tenant too.
 */
import type {
  Collection,
  CollectionInfo,
  GetOptions,
  Hit,
  HitGroup,
  Point,
  PointId,
  RangeSearchOptions,
  RawSearchQuery,
  RecommendOptions,
  RecommendQuery,
  ScrollOptions,
  ScrollPage,
  SearchOptions,
  SearchQuery,
  VectorInput,
} from '../db/types.js';
import { InvalidArgumentError } from '../errors.js';
import type { Filter } from '../payload/filter.js';
import { ForbiddenError } from './auth-errors.js';

const GROUP_KEYS = ['must', 'should', 'must_not', 'min_should'];

export class TenantCollection implements Collection {
  constructor(
    private readonly inner: Collection,
    private readonly tenant: Filter,
  ) {}

  get name(): string {
    return this.inner.name;
  }
  get dimension(): number {
    return this.inner.dimension;
  }
  get metric() {
    return this.inner.metric;
  }

  /** The tenant filter AND `filter`. */
  private within(filter: Filter | undefined): Filter {
    return (filter === undefined ? this.tenant : { must: [this.tenant, filter] }) as Filter;
  }

  private scoped<T extends { filter?: Filter }>(options: T | undefined): T {
    return { ...(options ?? ({} as T)), filter: this.within(options?.filter) };
  }

  /** Which of `ids` are points of the tenant. */
  private async visible(ids: readonly PointId[]): Promise<Set<PointId>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Set();
    const page = await this.inner.scroll({
      limit: unique.length,
      filter: this.within({ must: [{ has_id: unique }] } as unknown as Filter),
      withPayload: false,
      withVector: false,
    });
    return new Set(page.points.map((p) => p.id));
  }

  async get(ids: PointId[], options?: GetOptions): Promise<Point[]> {
    const visible = await this.visible(ids);
    return this.inner.get(
      ids.filter((id) => visible.has(id)),
      options,
    );
  }

  count(options?: Parameters<Collection['count']>[0]): Promise<number> {
    let filter: Filter | undefined;
    if (options !== undefined && 'filter' in options) filter = options.filter;
    else if (options !== undefined && GROUP_KEYS.some((k) => k in options)) filter = options as Filter;
    return this.inner.count({ filter: this.within(filter) });
  }

  scroll(options?: ScrollOptions): Promise<ScrollPage> {
    return this.inner.scroll(this.scoped(options));
  }

  search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options: SearchOptions & { groupBy: string },
  ): Promise<HitGroup[]>;
  search(query: VectorInput | SearchQuery | RawSearchQuery, options?: SearchOptions): Promise<Hit[]>;
  search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options?: SearchOptions,
  ): Promise<Hit[] | HitGroup[]> {
    return this.inner.search(query, this.scoped(options));
  }

  searchBatch(vectors: VectorInput[], options?: SearchOptions): Promise<Hit[][]> {
    return this.inner.searchBatch(vectors, this.scoped(options));
  }

  rangeSearch(vector: VectorInput, options: RangeSearchOptions): Promise<Hit[]> {
    return this.inner.rangeSearch(vector, this.scoped(options));
  }

  async recommend(query: RecommendQuery, options?: RecommendOptions): Promise<Hit[]> {
    const isId = (e: PointId | VectorInput): e is PointId => typeof e === 'string' || typeof e === 'number';
    const positive = query.positive;
    const negative = query.negative ?? [];
    const visible = await this.visible([...positive, ...negative].filter(isId));
    const check = (examples: (PointId | VectorInput)[], where: string) =>
      examples.forEach((e, i) => {
        // The engine's own words for an id that does not exist.
        if (isId(e) && !visible.has(e)) {
          throw new InvalidArgumentError(`${where}[${i}]: no point has id ${JSON.stringify(e)}`);
        }
      });
    check(positive, 'positive');
    check(negative, 'negative');
    return this.inner.recommend(query, this.scoped(options));
  }

  async thumbnail(id: PointId, field: string): Promise<Buffer | undefined> {
    const webp = await this.inner.thumbnail(id, field);
    return webp !== undefined && (await this.visible([id])).has(id) ? webp : undefined;
  }

  info(): Promise<CollectionInfo> {
    return this.inner.info();
  }

  upsert(): Promise<void> {
    return refuse();
  }
  delete(): Promise<number> {
    return refuse();
  }
  setPayload(): Promise<number> {
    return refuse();
  }
  overwritePayload(): Promise<number> {
    return refuse();
  }
  deletePayloadKeys(): Promise<number> {
    return refuse();
  }
  clearPayload(): Promise<number> {
    return refuse();
  }
  createPayloadIndex(): Promise<void> {
    return refuse();
  }
  dropPayloadIndex(): Promise<void> {
    return refuse();
  }
  flush(): Promise<void> {
    return refuse();
  }
  compact(): Promise<void> {
    return refuse();
  }
}

function refuse(): Promise<never> {
  return Promise.reject(new ForbiddenError('a token with a payload claim may only read'));
}
