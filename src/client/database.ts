/**
 * `RemoteDatabase`: the `Database` interface over the REST API.
 *
 * `collection(name)` is synchronous in the interface, so the client keeps the names,
 * dimensions and metrics (of every named vector field too, with its embedding provider) of
 * the server's collections: read at `connect`, updated by this
 * client's `createCollection` / `dropCollection`, and refreshed by every `listCollections()`.
 * A collection another client creates later becomes visible to `collection(name)` after
 * the next `listCollections()`; one another client drops fails on use with
 * `CollectionNotFoundError`, as a dropped collection does in-process.
 */
import type { CollectionConfig, Database, Metric } from '../db/types.js';
import { checkCollectionName, checkOptions } from '../db/validate.js';
import { ClosedError, CollectionNotFoundError, CorruptDataError } from '../errors.js';
import type { RemoteVectorField } from './codec.js';
import { RemoteCollection, type RemoteHost } from './collection.js';
import { createBody } from './create-body.js';
import type { HttpTransport } from './http.js';

/** A collection as the server's list describes it (its `quiver` extension). */
interface ListedCollection {
  name: string;
  quiver?: {
    dimension?: number;
    metric?: Metric;
    vectors?: Record<string, RemoteVectorField>;
    error?: { code: string; message: string };
  };
}

export class RemoteDatabase implements Database, RemoteHost {
  closed = false;
  private readonly known = new Map<string, RemoteCollection | { code: string; message: string }>();

  constructor(readonly transport: HttpTransport) {}

  /**
   * Creates a collection; on a cluster node, `shards` and `replicas` split and copy it (a
   * single server ignores them).
   * @example
   * const images = await db.createCollection('images', { dimension: 128, metric: 'cosine' });
   * const media = await db.createCollection('media', {
   *   vectors: { image: { dimension: 1280, metric: 'cosine' }, text: { dimension: 100 } },
   *   payloadIndexes: { album: 'keyword', caption: { type: 'text', analyzer: 'english' } },
   * });
   * const photos = await db.createCollection('photos', { vectors: { image: { provider: 'color-histogram' } } });
   */
  async createCollection(
    name: string,
    config: CollectionConfig & { shards?: number; replicas?: number },
  ): Promise<RemoteCollection> {
    this.check();
    checkCollectionName(name);
    const body = createBody(checkOptions(config, 'collection config'));
    await this.transport.request('PUT', `/collections/${name}`, body);
    const { quiver } = await this.transport.request<{ quiver: ListedCollection['quiver'] }>(
      'GET',
      `/collections/${name}`,
    );
    const collection = remoteCollection(this, { name, quiver });
    this.known.set(name, collection);
    return collection;
  }

  /**
   * An existing collection (as of the last `listCollections()`, `createCollection` or `connect`).
   * @example
   * const images = db.collection('images');
   */
  collection(name: string): RemoteCollection {
    this.check();
    const found = this.known.get(name);
    if (found instanceof RemoteCollection) return found;
    if (found !== undefined) throw new CorruptDataError(name, `unavailable on the server (${found.code})`);
    throw new CollectionNotFoundError(String(name));
  }

  /** Names of all collections on the server, sorted; refreshes what `collection(name)` knows. */
  async listCollections(): Promise<string[]> {
    this.check();
    const { collections } = await this.transport.request<{ collections: ListedCollection[] }>(
      'GET',
      '/collections',
    );
    const previous = new Map(this.known);
    this.known.clear();
    for (const c of collections) {
      const kept = previous.get(c.name);
      const q = c.quiver;
      if (q?.error !== undefined || q?.dimension === undefined || q.metric === undefined) {
        this.known.set(c.name, q?.error ?? { code: 'UNKNOWN', message: 'unavailable' });
      } else {
        const fresh = remoteCollection(this, c);
        this.known.set(c.name, kept instanceof RemoteCollection && sameShape(kept, fresh) ? kept : fresh);
      }
    }
    return collections.map((c) => c.name);
  }

  /**
   * Deletes a collection and all its data.
   * @example
   * await db.dropCollection('images');
   */
  async dropCollection(name: string): Promise<void> {
    this.check();
    try {
      checkCollectionName(name);
    } catch {
      // No collection can have an invalid name (as in-process, where the lookup simply fails).
      throw new CollectionNotFoundError(String(name));
    }
    await this.transport.request('DELETE', `/collections/${name}`);
    this.known.delete(name);
  }

  /** Stops this client; the server and its data are unaffected. Later calls throw `ClosedError`. */
  async close(): Promise<void> {
    this.closed = true;
    this.known.clear();
    this.transport.close();
  }

  private check(): void {
    if (this.closed) throw new ClosedError('database');
  }
}

/** A collection as the server describes it (in its list, or when created). */
function remoteCollection(host: RemoteHost, c: ListedCollection): RemoteCollection {
  const q = c.quiver!;
  const fields = q.vectors === undefined ? undefined : fieldsOf(q.vectors);
  return new RemoteCollection(host, c.name, q.dimension!, q.metric!, fields);
}

/** Dimension, metric and provider of each field (`info()` also reports each field's index). */
function fieldsOf(vectors: Record<string, RemoteVectorField>): Record<string, RemoteVectorField> {
  const out: Record<string, RemoteVectorField> = {};
  for (const [field, { dimension, metric, provider }] of Object.entries(vectors)) {
    out[field] = provider === undefined ? { dimension, metric } : { dimension, metric, provider };
  }
  return out;
}

/** Whether two handles describe the same vectors, so that the one callers hold can stay in use. */
function sameShape(a: RemoteCollection, b: RemoteCollection): boolean {
  return (
    a.dimension === b.dimension &&
    a.metric === b.metric &&
    JSON.stringify(a.fields) === JSON.stringify(b.fields)
  );
}
