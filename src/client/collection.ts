/**
 * `RemoteCollection`: the `Collection` interface over the REST API. It converts what users
 * pass exactly as the embedded engine does at its boundary, so that both accept and refuse
 * the same inputs with the same error types:
 * - vectors (`number[]`, `Float32Array`) travel as base64 float32, which carries NaN and
 *   ±Infinity to the server's checks instead of turning them into `null` as JSON would;
 *   an array element that is not a number is refused here, as the engine refuses it;
 * - payloads are checked and copied as the engine copies them (`JSON.stringify` semantics);
 * - only the options the API knows are sent, so an unknown option is ignored, as in-process.
 * Returned vectors are requested as base64 and come back as `Float32Array`.
 * Binary vectors (`hamming`/`jaccard` collections) travel as JSON arrays of byte values both
 * ways and come back as `Uint8Array`.
 */
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
} from '../db/types.js';
import { checkOptions, describe, toPayload } from '../db/validate.js';
import { ClosedError, InvalidArgumentError, InvalidVectorError } from '../errors.js';
import type { Filter } from '../payload/filter.js';
import type { HttpTransport } from './http.js';
import { decodeVector, encodeVector } from './wire.js';

/** The client's side of a collection: its transport and whether the client is closed. */
export interface RemoteHost {
  readonly transport: HttpTransport;
  readonly closed: boolean;
}

interface WirePoint {
  id: PointId;
  payload?: Record<string, unknown>;
  vector?: string | number[];
}

interface WireHit extends WirePoint {
  score: number;
}

export class RemoteCollection implements Collection {
  private readonly path: string;
  /** Whether vectors are binary (sent and returned as byte arrays). */
  private readonly binary: boolean;

  constructor(
    private readonly host: RemoteHost,
    readonly name: string,
    readonly dimension: number,
    readonly metric: Metric,
  ) {
    this.path = `/collections/${encodeURIComponent(name)}`;
    this.binary = metric === 'hamming' || metric === 'jaccard';
  }

  /**
   * Inserts or replaces points (vector and payload) by id; all-or-nothing.
   * @example
   * await images.upsert([{ id: 'img-1', vector: [0.1, 0.2, 0.3], payload: { label: 'cat' } }]);
   */
  async upsert(points: PointInput[]): Promise<void> {
    this.check();
    if (!Array.isArray(points)) {
      throw new InvalidArgumentError(`points: expected an array, got ${describe(points)}`);
    }
    if (points.length === 0) return;
    const wire = points.map((p, i) => {
      if (typeof p !== 'object' || p === null) {
        throw new InvalidArgumentError(`points[${i}]: expected { id, vector, payload? }, got ${describe(p)}`);
      }
      const payload = toPayload(p.payload, `points[${i}].payload`);
      const point: Record<string, unknown> = {
        id: p.id,
        vector: vectorToWire(p.vector, `points[${i}].vector`, this.binary),
      };
      if (payload !== null) point.payload = payload;
      return point;
    });
    await this.post('PUT', '/points', { points: wire });
  }

  /**
   * The points with these ids, in the order asked; ids that do not exist are left out.
   * @example
   * const [p] = await images.get(['img-1'], { withVector: true });
   */
  async get(ids: PointId[], options?: GetOptions): Promise<Point[]> {
    const opts = checkOptions(options, 'get options');
    const body = { ids, ...pick(opts, ['withPayload', 'withVector']), ...vectorEncoding(opts, this.binary) };
    const { points } = await this.post<{ points: WirePoint[] }>('POST', '/points/get', body);
    return points.map((w) => pointFromWire(w, this.binary));
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
      ...vectorEncoding(opts, this.binary),
    };
    const page = await this.post<{ points: WirePoint[]; nextCursor?: PointId }>(
      'POST',
      '/points/scroll',
      body,
    );
    const points = page.points.map((w) => pointFromWire(w, this.binary));
    return page.nextCursor === undefined ? { points } : { points, nextCursor: page.nextCursor };
  }

  /**
   * The k nearest points to `vector`, best first.
   * @example
   * const hits = await images.search(query, { k: 10, withPayload: true });
   */
  async search(vector: VectorInput, options?: SearchOptions): Promise<Hit[]> {
    this.check();
    const opts = checkOptions(options, 'search options');
    const body = { query: vectorToWire(vector, 'query', this.binary), ...searchOptions(opts, this.binary) };
    const { hits } = await this.post<{ hits: WireHit[] }>('POST', '/points/search', body);
    return hits.map((w) => hitFromWire(w, this.binary));
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
    const queries = vectors.map((v, i) => vectorToWire(v, `queries[${i}]`, this.binary));
    const body = { queries, ...searchOptions(opts, this.binary) };
    const { results } = await this.post<{ results: WireHit[][] }>('POST', '/points/search/batch', body);
    return results.map((hits) => hits.map((w) => hitFromWire(w, this.binary)));
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
      query: vectorToWire(vector, 'query', this.binary),
      ...pick(opts, ['radius', 'limit', 'filter', 'withPayload', 'withVector']),
      ...vectorEncoding(opts, this.binary),
    };
    const { hits } = await this.post<{ hits: WireHit[] }>('POST', '/points/range', body);
    return hits.map((w) => hitFromWire(w, this.binary));
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

  private post<T = unknown>(method: 'POST' | 'PUT', suffix: string, body?: unknown): Promise<T> {
    this.check();
    return this.host.transport.request<T>(method, this.path + suffix, body);
  }

  private check(): void {
    if (this.host.closed) throw new ClosedError('database');
  }
}

/**
 * The base64 text of a vector, after the checks the engine makes before converting (an
 * array or typed array whose elements are numbers); length and finiteness are the server's.
 */
function vectorToWire(input: unknown, where: string, binary: boolean): string | number[] {
  if (binary) {
    if (input instanceof Uint8Array) return Array.from(input);
    if (Array.isArray(input)) return input;
    throw new InvalidVectorError(
      `${where}: expected a Uint8Array or an array of byte values, got ${describe(input)}`,
    );
  }
  if (input instanceof Float32Array) return encodeVector(input);
  if (!Array.isArray(input) && !(input instanceof Float64Array)) {
    throw new InvalidVectorError(`${where}: expected number[] or Float32Array, got ${describe(input)}`);
  }
  for (let i = 0; i < input.length; i++) {
    if (typeof input[i] !== 'number') {
      throw new InvalidVectorError(`${where}[${i}]: expected a number, got ${describe(input[i])}`);
    }
  }
  return encodeVector(Float32Array.from(input));
}

function searchOptions(opts: Record<string, unknown>, binary: boolean): Record<string, unknown> {
  return {
    ...pick(opts, ['k', 'ef', 'nprobe', 'searchK', 'rerank', 'exact', 'filter', 'withPayload', 'withVector']),
    ...vectorEncoding(opts, binary),
  };
}

/** Float vectors come back as base64 when they come back at all; binary ones as byte arrays. */
function vectorEncoding(opts: Record<string, unknown>, binary: boolean): { vectorEncoding?: 'base64' } {
  return opts.withVector === true && !binary ? { vectorEncoding: 'base64' } : {};
}

/** The given options among `keys`, leaving out those that are undefined (JSON would drop them anyway). */
function pick(opts: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (opts[key] !== undefined) out[key] = opts[key];
  return out;
}

function vectorFromWire(vector: string | number[], binary: boolean): StoredVector {
  if (binary)
    return typeof vector === 'string'
      ? new Uint8Array(Buffer.from(vector, 'base64'))
      : Uint8Array.from(vector);
  return typeof vector === 'string' ? decodeVector(vector) : Float32Array.from(vector);
}

function pointFromWire(wire: WirePoint, binary: boolean): Point {
  const point: Point = { id: wire.id };
  if (wire.payload !== undefined) point.payload = wire.payload;
  if (wire.vector !== undefined) point.vector = vectorFromWire(wire.vector, binary);
  return point;
}

function hitFromWire(wire: WireHit, binary: boolean): Hit {
  const hit: Hit = { id: wire.id, score: wire.score };
  if (wire.payload !== undefined) hit.payload = wire.payload;
  if (wire.vector !== undefined) hit.vector = vectorFromWire(wire.vector, binary);
  return hit;
}
