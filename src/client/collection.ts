/**
 * `RemoteCollection`: the `Collection` interface over the REST API. It converts what users
 * pass exactly as the embedded engine does at its boundary (see `codec.ts`), so that both
 * accept and refuse the same inputs with the same error types:
 * - vectors are converted by the metric of their field (float: base64 float32; binary:
 *   byte arrays), named vectors field by field;
 * - payloads are checked and copied as the engine copies them (`JSON.stringify` semantics);
 * - raw inputs of fields with an embedding provider (`{ id, image: 'photo.jpg' }`) travel
 *   in `inputs`, image and audio files read and sent as bytes (see `raw-inputs.ts`);
 * - only the options the API knows are sent, so an unknown option is ignored, as in-process.
 * Returned vectors are requested as base64 and come back as `Float32Array` (or `Uint8Array`
 * for binary fields).
 */

import { purgeRequested } from '../db/purge.js';
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
  PayloadUpdating,
  Point,
  PointId,
  PointInput,
  PointSelector,
  PurgeResult,
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
} from '../db/types.js';
import { checkId, checkOptions, describe } from '../db/validate.js';
import { ClosedError, InvalidArgumentError } from '../errors.js';
import type { Filter } from '../payload/filter.js';
import type { WireGroup, WireHit, WirePoint } from '../wire/format.js';
import { isPlainObject, pick, type RemoteVectorField, VectorCodec } from './codec.js';
import type { HttpTransport } from './http.js';
import { RawInputCodec } from './raw-inputs.js';
import {
  HYBRID_FIELDS,
  mmrRequest,
  renamed,
  SEARCH_FIELDS,
  searchFields,
  vectorEncoding,
} from './search-body.js';
import { infoFromWire, orderByToWire, thresholdOfRadius } from './wire-options.js';

/** The client's side of a collection: its transport and whether the client is closed. */
export interface RemoteHost {
  readonly transport: HttpTransport;
  readonly closed: boolean;
}

export class RemoteCollection implements Collection, PayloadUpdating {
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
   * provider takes its raw input under its own name: a text, or an image or WAV audio file as
   * a path on this machine (read and sent as bytes) or as bytes.
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
    await this.post('PUT', '/points?wait=true', { points: wire });
  }

  /**
   * The points with these ids, in the order asked; ids that do not exist are left out.
   * @example
   * const [p] = await images.get(['img-1'], { withVector: true });
   */
  async get(ids: PointId[], options?: GetOptions): Promise<Point[]> {
    const opts = checkOptions(options, 'get options');
    const body = {
      ids,
      ...renamed(opts, SEARCH_FIELDS, ['withPayload', 'withVector']),
      ...vectorEncoding(opts),
    };
    const points = await this.post<WirePoint[]>('POST', notWaiting('/points', opts), body);
    return points.map((w) => this.codec.pointFromWire(w));
  }

  /**
   * Deletes points by id, or every point matching a filter; resolves with how many existed.
   * With `{ purge: true }`, as `purge`.
   * @example
   * await images.delete(['img-1']);
   */
  async delete(selector: PointId[] | DeleteByFilter, options?: DeleteOptions): Promise<number> {
    if (purgeRequested(options)) return (await this.purge(selector)).deleted;
    const { deleted } = await this.post<{ deleted: number }>(
      'POST',
      '/points/delete?wait=true',
      this.selector(selector, 'delete'),
    );
    return deleted;
  }

  /**
   * Deletes, and resolves once no file of the server's database holds the deleted points
   * (Quiver's `purge=true` on the delete route).
   * @example
   * const { snapshotsDeleted } = await faces.purge(['person-7']);
   */
  async purge(selector: PointId[] | DeleteByFilter): Promise<PurgeResult> {
    const { deleted, purge } = await this.post<{
      deleted: number;
      purge: { segments_rewritten: number; snapshots_deleted: string[] };
    }>('POST', '/points/delete?wait=true&purge=true', this.selector(selector, 'delete'));
    return {
      deleted,
      segmentsRewritten: purge.segments_rewritten,
      snapshotsDeleted: purge.snapshots_deleted,
    };
  }

  /**
   * Number of live points, or of those matching a filter, given as `{ filter }` or as the filter itself.
   * @example
   * const cats = await images.count({ filter: { must: [{ key: 'label', match: { value: 'cat' } }] } });
   */
  async count(options?: CountOptions | Filter): Promise<number> {
    const opts = checkOptions(options, 'count options');
    const isFilter = 'must' in opts || 'should' in opts || 'must_not' in opts || 'min_should' in opts;
    const filter = isFilter ? opts : opts.filter;
    const { count } = await this.post<{ count: number }>(
      'POST',
      notWaiting('/points/count', opts),
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
    const body: Record<string, unknown> = {
      ...renamed(opts, { ...SEARCH_FIELDS, limit: 'limit', offset: 'skip', cursor: 'after' }, [
        'limit',
        'offset',
        'cursor',
        'filter',
        'withPayload',
        'withVector',
      ]),
      ...vectorEncoding(opts),
    };
    const orderBy = opts.orderBy;
    if (orderBy !== undefined) body.order_by = orderByToWire(orderBy);
    const page = await this.post<{ points: WirePoint[]; next_page_offset?: PointId | null }>(
      'POST',
      notWaiting('/points/scroll', opts),
      body,
    );
    const points = page.points.map((w) => this.codec.pointFromWire(w));
    const last = points[points.length - 1];
    return page.next_page_offset == null || last === undefined ? { points } : { points, nextCursor: last.id };
  }

  /**
   * The best hits for a vector, a text, or both (a hybrid search), best first; with
   * `groupBy`, the best `k` groups of up to `groupSize` hits. A field with a provider is
   * searched by its raw input under its own name (an image or audio path on this machine, or
   * bytes; a text).
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
    const wire = (await this.wireQuery(query, opts.using as string | undefined)) as Record<string, unknown>;
    const using = (wire.using as string | undefined) ?? (opts.using as string | undefined);
    if (using !== undefined) wire.using = using;
    // A text over a text field is BM25 (alone or fused): its scores are not distances.
    const vectorScores = wire.text_field === undefined;
    const squared = vectorScores && this.codec.metricOf(using) === 'l2';
    const body = {
      ...wire,
      ...searchFields(opts, vectorScores ? this.codec.metricOf(using) : undefined),
      ...renamed(opts, HYBRID_FIELDS, Object.keys(HYBRID_FIELDS)),
    };
    if (opts.mmr !== undefined) return this.mmrSearch(body, opts.mmr, squared);
    if (opts.groupBy !== undefined) {
      const { groups } = await this.post<{ groups: WireGroup[] }>(
        'POST',
        notWaiting('/points/search/groups', opts),
        body,
      );
      return groups.map((g) => this.codec.groupFromWire(g, squared));
    }
    const hits = await this.post<WireHit[]>('POST', notWaiting('/points/search', opts), body);
    return hits.map((w) => this.codec.hitFromWire(w, squared));
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
    const metric = this.codec.metricOf(using);
    const common = {
      ...searchFields(opts, metric),
      ...(using === undefined ? {} : { using }),
      ...renamed(opts, { explain: 'explain' }, ['explain']),
    };
    const searches = vectors.map((v, i) => ({
      vector: this.codec.vector(v, `queries[${i}]`, using),
      ...common,
    }));
    const results = await this.post<WireHit[][]>('POST', notWaiting('/points/search/batch', opts), {
      searches,
    });
    return results.map((hits) => hits.map((w) => this.codec.hitFromWire(w, metric === 'l2')));
  }

  /**
   * Every point within `radius` of `vector`, best first.
   * @example
   * const near = await images.rangeSearch(query, { radius: 0.3 });
   */
  async rangeSearch(vector: VectorInput, options: RangeSearchOptions): Promise<Hit[]> {
    this.check();
    const opts = checkOptions(options, 'range search options');
    const using = opts.using as string | undefined;
    const metric = this.codec.metricOf(using);
    const body: Record<string, unknown> = {
      vector: this.codec.vector(vector, 'query', using),
      ...renamed(opts, { ...SEARCH_FIELDS, limit: 'limit', using: 'using' }, [
        'limit',
        'filter',
        'withPayload',
        'withVector',
        'using',
      ]),
      ...vectorEncoding(opts),
    };
    if (opts.radius !== undefined) body.score_threshold = thresholdOfRadius(metric, opts.radius);
    const hits = await this.post<WireHit[]>('POST', notWaiting('/points/range', opts), body);
    return hits.map((w) => this.codec.hitFromWire(w, metric === 'l2'));
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
    const using = opts.using as string | undefined;
    const strategy = opts.strategy === 'average' ? 'average_vector' : opts.strategy;
    const metric =
      strategy === undefined || strategy === 'average_vector' ? this.codec.metricOf(using) : undefined;
    const body: Record<string, unknown> = {
      ...this.codec.examples(q, using),
      ...searchFields(opts, metric),
      ...(strategy === undefined ? {} : { strategy }),
      ...(using === undefined ? {} : { using }),
      ...renamed(opts, { explain: 'explain' }, ['explain']),
    };
    const hits = await this.post<WireHit[]>('POST', notWaiting('/points/recommend', opts), body);
    return hits.map((w) => this.codec.hitFromWire(w, metric === 'l2'));
  }

  /**
   * Merges keys into the payload of each selected point (with `key`, into the object at that
   * dotted path); resolves with how many existing points it applied to.
   * @example
   * await images.setPayload(['img-1'], { label: 'dog' });
   */
  async setPayload(
    selector: PointSelector,
    payload: Record<string, unknown>,
    options?: SetPayloadOptions,
  ): Promise<number> {
    const opts = checkOptions(options, 'set payload options');
    const body = { payload, ...this.selector(selector, 'setPayload'), ...pick(opts, ['key']) };
    return (await this.post<{ updated: number }>('POST', '/points/payload?wait=true', body)).updated;
  }

  /**
   * Replaces the whole payload of each selected point.
   * @example
   * await images.overwritePayload(['img-1'], { label: 'dog' });
   */
  async overwritePayload(selector: PointSelector, payload: Record<string, unknown>): Promise<number> {
    const body = { payload, ...this.selector(selector, 'overwritePayload') };
    return (await this.post<{ updated: number }>('PUT', '/points/payload?wait=true', body)).updated;
  }

  /**
   * Removes keys (dotted paths) from the payload of each selected point.
   * @example
   * await images.deletePayloadKeys(['img-1'], ['label']);
   */
  async deletePayloadKeys(selector: PointSelector, keys: string[]): Promise<number> {
    const body = { keys, ...this.selector(selector, 'deletePayloadKeys') };
    return (await this.post<{ updated: number }>('POST', '/points/payload/delete?wait=true', body)).updated;
  }

  /**
   * Removes the whole payload of each selected point.
   * @example
   * await images.clearPayload({ filter: { must: [{ key: 'label', match: { value: 'spam' } }] } });
   */
  async clearPayload(selector: PointSelector): Promise<number> {
    const body = this.selector(selector, 'clearPayload');
    return (await this.post<{ updated: number }>('POST', '/points/payload/clear?wait=true', body)).updated;
  }

  /**
   * Indexes a payload field in every segment, existing and future.
   * @example
   * await docs.createPayloadIndex('label', 'keyword');
   * await docs.createPayloadIndex('body', { type: 'text', analyzer: 'english' });
   */
  async createPayloadIndex(key: string, type: PayloadIndexConfig): Promise<void> {
    this.checkKey(key);
    await this.post('PUT', '/index?wait=true', { field_name: key, field_schema: type });
  }

  /**
   * Drops the index of a payload field (filters on it keep working, by reading payloads).
   * @example
   * await docs.dropPayloadIndex('label');
   */
  async dropPayloadIndex(key: string): Promise<void> {
    this.checkKey(key);
    await this.host.transport.request('DELETE', `${this.path}/index/${encodeURIComponent(key)}?wait=true`);
  }

  /** Seals the growing segment into an immutable segment file on the server. */
  async flush(): Promise<void> {
    await this.post('POST', '/flush');
  }

  /** Rewrites sealed segments to drop deleted rows and merge small segments. */
  async compact(): Promise<void> {
    await this.post('POST', '/compact');
  }

  /**
   * The WebP thumbnail a field with `storeInput: 'thumbnail'` keeps of point `id`'s image
   * (`GET …/points/{id}/thumbnail/{field}`), or undefined when there is none. As in every
   * URL path, a string id made only of digits reads as the integer.
   * @example
   * const webp = await photos.thumbnail(7, 'image');
   */
  async thumbnail(id: PointId, field: string): Promise<Buffer | undefined> {
    this.check();
    const point = checkId(id);
    if (typeof field !== 'string' || field.length === 0) {
      throw new InvalidArgumentError(`field: expected a vector field name, got ${describe(field)}`);
    }
    const path = `${this.path}/points/${encodeURIComponent(String(point))}/thumbnail/${encodeURIComponent(field)}`;
    return this.host.transport.getBytes(path, 'THUMBNAIL_NOT_FOUND');
  }

  async info(): Promise<CollectionInfo> {
    this.check();
    const { quiver } = await this.host.transport.request<{ quiver: Record<string, unknown> }>(
      'GET',
      this.path,
    );
    return { name: this.name, ...infoFromWire(quiver) };
  }

  /** A search with maximal marginal relevance, through the query API (`{ nearest, mmr }`). */
  private async mmrSearch(body: Record<string, unknown>, mmr: unknown, squared: boolean): Promise<Hit[]> {
    const { points } = await this.post<{ points: WireHit[] }>('POST', '/points/query', mmrRequest(body, mmr));
    return points.map((w) => this.codec.hitFromWire(w, squared));
  }

  /** The ids or filter of a delete or payload change, as `{ points }` or `{ filter }`. */
  private selector(selector: unknown, what: string): Record<string, unknown> {
    if (Array.isArray(selector)) return { points: selector };
    if (typeof selector === 'object' && selector !== null && 'filter' in selector) {
      return { filter: (selector as DeleteByFilter).filter };
    }
    this.check();
    throw new InvalidArgumentError(
      `${what}: expected an array of ids or { filter }, got ${describe(selector)}`,
    );
  }

  /** A search's query for the wire: a vector, or a query object with its raw input (if any) in `inputs`. */
  private async wireQuery(
    query: VectorInput | SearchQuery | RawSearchQuery,
    using: string | undefined,
  ): Promise<unknown> {
    if (!isPlainObject(query)) return this.codec.query(query as VectorInput, using);
    const { rest, raw } = this.raw.queryInput(query);
    const wire = this.codec.query(rest as SearchQuery, using);
    if (raw !== undefined) wire.inputs = await this.raw.encode([raw], 'query');
    return wire;
  }

  /** A payload key the URL cannot carry (not a non-empty string) is refused here. */
  private checkKey(key: string): void {
    this.check();
    if (typeof key !== 'string' || key.length === 0) {
      throw new InvalidArgumentError(`payload key: expected a non-empty string, got ${describe(key)}`);
    }
  }

  private post<T = unknown>(method: 'POST' | 'PUT', suffix: string, body?: unknown): Promise<T> {
    this.check();
    return this.host.transport.request<T>(method, this.path + suffix, body);
  }

  private check(): void {
    if (this.host.closed) throw new ClosedError('database');
  }
}

/**
 * `suffix` with `?wait=false` when the read asked not to wait (`ReadOptions.wait`): the
 * server then answers 503 `NOT_READY` (`NotReadyError`) while the collection is loading.
 */
function notWaiting(suffix: string, opts: Record<string, unknown>): string {
  const query: string[] = [];
  if (opts.wait === false) query.push('wait=false');
  // Cluster mode: `eventual` reads skip the wait for replicas to catch up (strong is the default).
  if (opts.consistency === 'eventual' || opts.consistency === 'strong')
    query.push(`consistency=${opts.consistency}`);
  return query.length === 0 ? suffix : `${suffix}?${query.join('&')}`;
}
