/**
 * `RemoteCollection`: the `Collection` interface over the REST API. It converts what users
 * pass exactly as the embedded engine does at its boundary (see `codec.ts`), so that both
 * accept and refuse the same inputs with the same error types:
 * - vectors are converted by the metric of their field (float: base64 float32; binary:
 *   byte arrays), named vectors field by field;
 * - payloads are checked and copied as the engine copies them (`JSON.stringify` semantics);
 * - raw inputs of fields with an embedding provider (`{ id, image: 'photo.jpg' }`) travel
 *   in `inputs`, image files read and sent as bytes (see `raw-inputs.ts`);
 * - only the options the API knows are sent, so an unknown option is ignored, as in-process.
 * Returned vectors are requested as base64 and come back as `Float32Array` (or `Uint8Array`
 * for binary fields).
 */
import type {
  Collection,
  CollectionInfo,
  CountOptions,
  DeleteByFilter,
  GetOptions,
  Hit,
  HitGroup,
  Metric,
  PayloadIndexConfig,
  Point,
  PointId,
  PointInput,
  RangeSearchOptions,
  RawPointInput,
  RawSearchQuery,
  RecommendOptions,
  RecommendQuery,
  ScrollOptions,
  ScrollPage,
  SearchOptions,
  SearchQuery,
  VectorInput,
} from '../db/types.js';
import { checkOptions, describe } from '../db/validate.js';
import { ClosedError, InvalidArgumentError } from '../errors.js';
import type { Filter } from '../payload/filter.js';
import type { WireGroup, WireHit, WirePoint } from '../wire/format.js';
import { isPlainObject, pick, type RemoteVectorField, VectorCodec } from './codec.js';
import type { HttpTransport } from './http.js';
import { RawInputCodec } from './raw-inputs.js';

/** The client's side of a collection: its transport and whether the client is closed. */
export interface RemoteHost {
  readonly transport: HttpTransport;
  readonly closed: boolean;
}

const SEARCH_OPTIONS = [
  'k',
  'ef',
  'nprobe',
  'searchK',
  'rerank',
  'exact',
  'filter',
  'withPayload',
  'withVector',
  'using',
] as const;
const HYBRID_OPTIONS = ['fusion', 'rrfK', 'weights', 'groupBy', 'groupSize'] as const;
const RECOMMEND_OPTIONS = ['k', 'filter', 'using', 'strategy', 'ef', 'exact', 'withPayload', 'withVector'];

export class RemoteCollection implements Collection {
  private readonly path: string;
  private readonly codec: VectorCodec;
  private readonly raw: RawInputCodec;

  /**
   * @param fields the named vector fields, for a collection that has them (their metrics
   *   decide how each field's vectors travel).
   */
  constructor(
    private readonly host: RemoteHost,
    readonly name: string,
    readonly dimension: number,
    readonly metric: Metric,
    readonly fields?: Readonly<Record<string, RemoteVectorField>>,
  ) {
    this.path = `/collections/${encodeURIComponent(name)}`;
    this.codec = new VectorCodec(metric, fields);
    const providers = new Map<string, string>();
    for (const [field, f] of Object.entries(fields ?? {})) {
      if (f.provider !== undefined) providers.set(field, f.provider);
    }
    this.raw = new RawInputCodec(providers);
  }

  /**
   * Inserts or replaces points (vectors and payload) by id; all-or-nothing. A field with a
   * provider takes its raw input under its own name: a text, or an image as a file path on
   * this machine (read and sent as bytes) or as bytes.
   * @example
   * await images.upsert([{ id: 'img-1', vector: [0.1, 0.2, 0.3], payload: { label: 'cat' } }]);
   * await media.upsert([{ id: 7, vectors: { image: imageVector, text: textVector } }]);
   * await photos.upsert([{ id: 'a', image: 'photos/a.jpg' }, { id: 'b', image: bytes }]);
   */
  async upsert(points: (PointInput | RawPointInput)[]): Promise<void> {
    this.check();
    if (!Array.isArray(points)) {
      throw new InvalidArgumentError(`points: expected an array, got ${describe(points)}`);
    }
    if (points.length === 0) return;
    const raws = points.map((p, i) => (isPlainObject(p) ? this.raw.pointInputs(p, i) : []));
    const wire = points.map((p, i) => this.codec.point(p as PointInput, i));
    for (let i = 0; i < wire.length; i++) {
      if (raws[i].length > 0) wire[i].inputs = await this.raw.encode(raws[i], `points[${i}]`);
    }
    await this.post('PUT', '/points', { points: wire });
  }

  /**
   * The points with these ids, in the order asked; ids that do not exist are left out.
   * @example
   * const [p] = await images.get(['img-1'], { withVector: true });
   */
  async get(ids: PointId[], options?: GetOptions): Promise<Point[]> {
    const opts = checkOptions(options, 'get options');
    const body = { ids, ...pick(opts, ['withPayload', 'withVector']), ...vectorEncoding(opts) };
    const { points } = await this.post<{ points: WirePoint[] }>('POST', '/points/get', body);
    return points.map((w) => this.codec.pointFromWire(w));
  }

  /**
   * Deletes points by id, or every point matching a filter; resolves with how many existed.
   * @example
   * await images.delete(['img-1']);
   */
  async delete(selector: PointId[] | DeleteByFilter): Promise<number> {
    let body: unknown;
    if (Array.isArray(selector)) body = { ids: selector };
    else if (typeof selector === 'object' && selector !== null && 'filter' in selector) {
      body = { filter: selector.filter };
    } else {
      this.check();
      throw new InvalidArgumentError(
        `delete: expected an array of ids or { filter }, got ${describe(selector)}`,
      );
    }
    const { deleted } = await this.post<{ deleted: number }>('POST', '/points/delete', body);
    return deleted;
  }

  /**
   * Number of live points, or of those matching a filter, given as `{ filter }` or as the filter itself.
   * @example
   * const cats = await images.count({ filter: { must: [{ key: 'label', match: { value: 'cat' } }] } });
   */
  async count(options?: CountOptions | Filter): Promise<number> {
    const opts = checkOptions(options, 'count options');
    const isFilter = 'must' in opts || 'should' in opts || 'must_not' in opts;
    const filter = isFilter ? opts : opts.filter;
    const { count } = await this.post<{ count: number }>(
      'POST',
      '/points/count',
      filter === undefined ? {} : { filter },
    );
    return count;
  }

  /**
   * A page of points in id order (integers ascending, then strings).
   * @example
   * let page = await images.scroll({ limit: 100 });
   * while (page.nextCursor !== undefined) page = await images.scroll({ limit: 100, cursor: page.nextCursor });
   */
  async scroll(options?: ScrollOptions): Promise<ScrollPage> {
    const opts = checkOptions(options, 'scroll options');
    const body = {
      ...pick(opts, ['limit', 'offset', 'cursor', 'filter', 'withPayload', 'withVector']),
      ...vectorEncoding(opts),
    };
    const page = await this.post<{ points: WirePoint[]; nextCursor?: PointId }>(
      'POST',
      '/points/scroll',
      body,
    );
    const points = page.points.map((w) => this.codec.pointFromWire(w));
    return page.nextCursor === undefined ? { points } : { points, nextCursor: page.nextCursor };
  }

  /**
   * The best hits for a vector, a text, or both (a hybrid search), best first; with
   * `groupBy`, the best `k` groups of up to `groupSize` hits. A field with a provider is
   * searched by its raw input under its own name (an image path on this machine, or bytes; a text).
   * @example
   * const hits = await images.search(query, { k: 10, withPayload: true });
   * const mixed = await docs.search({ text: 'tax cuts', textField: 'body', vector: q }, { fusion: 'rrf' });
   * const albums = await photos.search(q, { groupBy: 'album', groupSize: 3 });
   * const alike = await photos.search({ image: 'query.jpg' }, { k: 5 });
   */
  search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options: SearchOptions & { groupBy: string },
  ): Promise<HitGroup[]>;
  search(query: VectorInput | SearchQuery | RawSearchQuery, options?: SearchOptions): Promise<Hit[]>;
  async search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options?: SearchOptions,
  ): Promise<Hit[] | HitGroup[]> {
    this.check();
    const opts = checkOptions(options, 'search options');
    const body = {
      query: await this.wireQuery(query, opts.using as string | undefined),
      ...searchOptions(opts),
      ...pick(opts, HYBRID_OPTIONS),
    };
    const answer = await this.post<{ hits?: WireHit[]; groups?: WireGroup[] }>(
      'POST',
      '/points/search',
      body,
    );
    if (answer.groups !== undefined) return answer.groups.map((g) => this.codec.groupFromWire(g));
    return (answer.hits ?? []).map((w) => this.codec.hitFromWire(w));
  }

  /**
   * One result list per query, in the order of the queries.
   * @example
   * const [first, second] = await images.searchBatch([q1, q2], { k: 5 });
   */
  async searchBatch(vectors: VectorInput[], options?: SearchOptions): Promise<Hit[][]> {
    this.check();
    if (!Array.isArray(vectors)) {
      throw new InvalidArgumentError(`queries: expected an array, got ${describe(vectors)}`);
    }
    const opts = checkOptions(options, 'search options');
    const using = opts.using as string | undefined;
    const queries = vectors.map((v, i) => this.codec.vector(v, `queries[${i}]`, using));
    const body = { queries, ...searchOptions(opts) };
    const { results } = await this.post<{ results: WireHit[][] }>('POST', '/points/search/batch', body);
    return results.map((hits) => hits.map((w) => this.codec.hitFromWire(w)));
  }

  /**
   * Every point within `radius` of `vector`, best first.
   * @example
   * const near = await images.rangeSearch(query, { radius: 0.3 });
   */
  async rangeSearch(vector: VectorInput, options: RangeSearchOptions): Promise<Hit[]> {
    this.check();
    const opts = checkOptions(options, 'range search options');
    const body = {
      query: this.codec.vector(vector, 'query', undefined),
      ...pick(opts, ['radius', 'limit', 'filter', 'withPayload', 'withVector']),
      ...vectorEncoding(opts),
    };
    const { hits } = await this.post<{ hits: WireHit[] }>('POST', '/points/range', body);
    return hits.map((w) => this.codec.hitFromWire(w));
  }

  /**
   * Points like the positive examples and unlike the negative ones (ids or vectors);
   * examples given by id are left out of the results.
   * @example
   * const more = await images.recommend({ positive: ['img-1', 'img-7'], negative: ['img-3'] }, { k: 5 });
   */
  async recommend(query: RecommendQuery, options?: RecommendOptions): Promise<Hit[]> {
    this.check();
    const q = checkOptions(query, 'recommend query') as unknown as RecommendQuery;
    const opts = checkOptions(options, 'recommend options');
    const body = {
      ...this.codec.examples(q, opts.using as string | undefined),
      ...pick(opts, RECOMMEND_OPTIONS),
      ...vectorEncoding(opts),
    };
    const { hits } = await this.post<{ hits: WireHit[] }>('POST', '/points/recommend', body);
    return hits.map((w) => this.codec.hitFromWire(w));
  }

  /**
   * Indexes a payload field in every segment, existing and future.
   * @example
   * await docs.createPayloadIndex('label', 'keyword');
   * await docs.createPayloadIndex('body', { type: 'text', analyzer: 'english' });
   */
  async createPayloadIndex(key: string, type: PayloadIndexConfig): Promise<void> {
    const body = typeof type === 'object' && type !== null ? type : { type };
    await this.post('PUT', this.payloadIndexPath(key), body);
  }

  /**
   * Drops the index of a payload field (filters on it keep working, by reading payloads).
   * @example
   * await docs.dropPayloadIndex('label');
   */
  async dropPayloadIndex(key: string): Promise<void> {
    await this.host.transport.request('DELETE', this.path + this.payloadIndexPath(key));
  }

  /** Seals the growing segment into an immutable segment file on the server. */
  async flush(): Promise<void> {
    await this.post('POST', '/flush');
  }

  /** Rewrites sealed segments to drop deleted rows and merge small segments. */
  async compact(): Promise<void> {
    await this.post('POST', '/compact');
  }

  async info(): Promise<CollectionInfo> {
    this.check();
    return this.host.transport.request<CollectionInfo>('GET', this.path);
  }

  /** A search's query for the wire: a vector, or a query object with its raw input (if any) in `inputs`. */
  private async wireQuery(
    query: VectorInput | SearchQuery | RawSearchQuery,
    using: string | undefined,
  ): Promise<unknown> {
    if (!isPlainObject(query)) return this.codec.query(query as VectorInput, using);
    const { rest, raw } = this.raw.queryInput(query);
    const wire = this.codec.query(rest as SearchQuery, using) as Record<string, unknown>;
    if (raw !== undefined) wire.inputs = await this.raw.encode([raw], 'query');
    return wire;
  }

  /** The path of a payload key's index; a key the URL cannot carry (not a non-empty string) is refused here. */
  private payloadIndexPath(key: string): string {
    this.check();
    if (typeof key !== 'string' || key.length === 0) {
      throw new InvalidArgumentError(`payload key: expected a non-empty string, got ${describe(key)}`);
    }
    return `/payload-indexes/${encodeURIComponent(key)}`;
  }

  private post<T = unknown>(method: 'POST' | 'PUT', suffix: string, body?: unknown): Promise<T> {
    this.check();
    return this.host.transport.request<T>(method, this.path + suffix, body);
  }

  private check(): void {
    if (this.host.closed) throw new ClosedError('database');
  }
}

function searchOptions(opts: Record<string, unknown>): Record<string, unknown> {
  return { ...pick(opts, SEARCH_OPTIONS), ...vectorEncoding(opts) };
}

/** Returned vectors travel as base64 (float32, or the bytes of binary vectors), decoded by field. */
function vectorEncoding(opts: Record<string, unknown>): { vectorEncoding?: 'base64' } {
  return opts.withVector === true ? { vectorEncoding: 'base64' } : {};
}
