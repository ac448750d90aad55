/**
 * The console's only way to the server: a typed client of the public REST API. Every page
 * goes through one `QuiverApi`; nothing else calls `fetch`.
 *
 * Invariants: every request carries the API key (`api-key` header) when one is set; an
 * answer that is not 2xx becomes an `ApiError` with the server's `status.error` message,
 * its `code` and, when the server names one, the `path` of the offending field
 * (`filter.must[0].match.valeu`); a success is unwrapped from Qdrant's
 * `{ result, status, time }` envelope.
 */
import type {
  CollectionInfo,
  CollectionSummary,
  Payload,
  Point,
  PointId,
  ScoredPoint,
  ScrollPage,
  SearchRequest,
  Session,
  SnapshotInfo,
} from './types.js';

/** The numbers of a vector the server sent as base64 little-endian float32. */
export function decodeVector(base64: string): Float32Array {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** A request the server refused (or that never reached it: `status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The field the server blames, as a dotted path with [i] indexes. */
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ErrorBody {
  status?: { error?: string; code?: string; path?: string };
}

export class QuiverApi {
  /** `base`: the server's origin (the console's own, in the browser). */
  constructor(
    readonly base: string,
    private readonly key: string,
  ) {}

  private headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.key !== '') headers['api-key'] = this.key;
    if (json) headers['content-type'] = 'application/json';
    return headers;
  }

  /** One request; the raw response when it succeeded, an `ApiError` otherwise. */
  private async send(method: string, path: string, body?: unknown | FormData): Promise<Response> {
    const form = body instanceof FormData;
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: this.headers(body !== undefined && !form),
        body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, 'NETWORK', `the server did not answer (${(error as Error).message})`);
    }
    if (response.ok) return response;
    const text = await response.text();
    let parsed: ErrorBody = {};
    try {
      parsed = JSON.parse(text) as ErrorBody;
    } catch {
      // not JSON: keep the text as the message
    }
    throw new ApiError(
      response.status,
      parsed.status?.code ?? `HTTP_${response.status}`,
      parsed.status?.error ?? (text || response.statusText),
      parsed.status?.path,
    );
  }

  /** A JSON request whose answer is Qdrant's envelope; resolves with its `result`. */
  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    return ((await response.json()) as { result: T }).result;
  }

  private static collection(name: string): string {
    return `/collections/${encodeURIComponent(name)}`;
  }

  session(): Promise<Session> {
    return this.send('GET', '/console/session').then((r) => r.json() as Promise<Session>);
  }

  async listCollections(): Promise<CollectionSummary[]> {
    return (await this.call<{ collections: CollectionSummary[] }>('GET', '/collections')).collections;
  }

  describe(name: string): Promise<CollectionInfo> {
    return this.call('GET', QuiverApi.collection(name));
  }

  createCollection(name: string, body: unknown): Promise<boolean> {
    return this.call('PUT', QuiverApi.collection(name), body);
  }

  dropCollection(name: string): Promise<boolean> {
    return this.call('DELETE', QuiverApi.collection(name));
  }

  scroll(
    name: string,
    body: { limit: number; offset?: PointId; filter?: unknown; with_payload?: boolean },
  ): Promise<ScrollPage> {
    return this.call('POST', `${QuiverApi.collection(name)}/points/scroll`, {
      with_payload: true,
      with_vector: false,
      ...body,
    });
  }

  /** Points with payload and vectors (for the map and the point detail). */
  async pointsWithVectors(name: string, ids: PointId[]): Promise<Point[]> {
    return this.call('POST', `${QuiverApi.collection(name)}/points`, {
      ids,
      with_payload: true,
      with_vector: true,
    });
  }

  /**
   * A page of points with their vectors as base64 little-endian float32 (Quiver's
   * `vector_encoding: 'base64'`: a third of the JSON numbers' size); see `decodeVector`.
   */
  scrollWithVectors(name: string, limit: number, offset?: PointId): Promise<ScrollPage> {
    return this.call('POST', `${QuiverApi.collection(name)}/points/scroll`, {
      limit,
      offset,
      with_payload: true,
      with_vector: true,
      vector_encoding: 'base64',
    });
  }

  /** Points by id with their vectors as base64 (as `scrollWithVectors`). */
  pointsWithEncodedVectors(name: string, ids: PointId[]): Promise<Point[]> {
    return this.call('POST', `${QuiverApi.collection(name)}/points`, {
      ids,
      with_payload: true,
      with_vector: true,
      vector_encoding: 'base64',
    });
  }

  count(name: string, filter?: unknown): Promise<{ count: number }> {
    return this.call('POST', `${QuiverApi.collection(name)}/points/count`, { filter, exact: true });
  }

  setPayload(name: string, id: PointId, payload: Payload): Promise<unknown> {
    return this.call('PUT', `${QuiverApi.collection(name)}/points/payload?wait=true`, {
      payload,
      points: [id],
    });
  }

  deletePoints(name: string, ids: PointId[]): Promise<unknown> {
    return this.call('POST', `${QuiverApi.collection(name)}/points/delete?wait=true`, { points: ids });
  }

  search(name: string, request: SearchRequest): Promise<ScoredPoint[]> {
    return this.call('POST', `${QuiverApi.collection(name)}/points/search`, {
      with_payload: true,
      ...request,
    });
  }

  /** "More like this": the points nearest to point `id` (the point itself left out). */
  async similarTo(
    name: string,
    id: PointId,
    options: { limit: number; using?: string; filter?: unknown; ef?: number; explain?: boolean },
  ): Promise<ScoredPoint[]> {
    const result = await this.call<{ points: ScoredPoint[] }>(
      'POST',
      `${QuiverApi.collection(name)}/points/query`,
      {
        query: id,
        using: options.using,
        filter: options.filter,
        limit: options.limit,
        params: options.ef === undefined ? undefined : { hnsw_ef: options.ef },
        explain: options.explain,
        with_payload: true,
      },
    );
    return result.points;
  }

  /**
   * The WebP thumbnail a `store_input: 'thumbnail'` field keeps of point `id`'s image, or
   * undefined when the point has none. Asked with `?optional=true`, so a missing one is a
   * 204 rather than a 404 (which the browser would log as a failed request). Fetched with
   * the key, so the page shows it through an object URL.
   */
  async thumbnail(name: string, id: PointId, field: string): Promise<Blob | undefined> {
    const path = `${QuiverApi.collection(name)}/points/${encodeURIComponent(String(id))}/thumbnail/${encodeURIComponent(field)}?optional=true`;
    const response = await this.send('GET', path);
    return response.status === 204 ? undefined : response.blob();
  }

  listSnapshots(name: string): Promise<SnapshotInfo[]> {
    return this.call('GET', `${QuiverApi.collection(name)}/snapshots`);
  }

  createSnapshot(name: string): Promise<SnapshotInfo> {
    return this.call('POST', `${QuiverApi.collection(name)}/snapshots`);
  }

  /** The snapshot file's bytes (the route needs the key, so a plain link cannot fetch it). */
  async downloadSnapshot(name: string, snapshot: string): Promise<Blob> {
    const response = await this.send(
      'GET',
      `${QuiverApi.collection(name)}/snapshots/${encodeURIComponent(snapshot)}`,
    );
    return response.blob();
  }

  /** Creates or replaces collection `name` from a snapshot file (multipart field `snapshot`). */
  async restoreSnapshot(name: string, file: Blob, filename: string): Promise<unknown> {
    const form = new FormData();
    form.append('snapshot', file, filename);
    const response = await this.send('POST', `${QuiverApi.collection(name)}/snapshots/upload`, form);
    return ((await response.json()) as { result: unknown }).result;
  }

  /** The Prometheus text of `/metrics`. */
  async metrics(): Promise<string> {
    return (await this.send('GET', '/metrics')).text();
  }
}
