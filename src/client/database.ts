/**
 * `RemoteDatabase`: the `Database` interface over the REST API.
 *
 * `collection(name)` is synchronous in the interface, so the client keeps the names,
 * dimensions and metrics of the server's collections: read at `connect`, updated by this
 * client's `createCollection` / `dropCollection`, and refreshed by every `listCollections()`.
 * A collection another client creates later becomes visible to `collection(name)` after
 * the next `listCollections()`; one another client drops fails on use with
 * `CollectionNotFoundError`, as a dropped collection does in-process.
 */
import type { CollectionConfig, Database, Metric } from '../db/types.js';
import { checkCollectionName, checkOptions } from '../db/validate.js';
import { ClosedError, CollectionNotFoundError, CorruptDataError } from '../errors.js';
import { RemoteCollection, type RemoteHost } from './collection.js';
import type { HttpTransport } from './http.js';

interface ListedCollection {
  name: string;
  dimension?: number;
  metric?: Metric;
  error?: { code: string; message: string };
}

export class RemoteDatabase implements Database, RemoteHost {
  closed = false;
  private readonly known = new Map<string, RemoteCollection | ListedCollection['error']>();

  constructor(readonly transport: HttpTransport) {}

  /**
   * Creates a collection.
   * @example
   * const images = await db.createCollection('images', { dimension: 128, metric: 'cosine' });
   */
  async createCollection(name: string, config: CollectionConfig): Promise<RemoteCollection> {
    this.check();
    checkCollectionName(name);
    const opts = checkOptions(config, 'collection config');
    const body: Record<string, unknown> = {};
    for (const key of ['dimension', 'metric', 'segmentSize', 'index']) {
      if (opts[key] !== undefined) body[key] = opts[key];
    }
    const info = await this.transport.request<{ dimension: number; metric: Metric }>(
      'PUT',
      `/collections/${name}`,
      body,
    );
    const collection = new RemoteCollection(this, name, info.dimension, info.metric);
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
      if (c.error !== undefined || c.dimension === undefined || c.metric === undefined) {
        this.known.set(c.name, c.error ?? { code: 'UNKNOWN', message: 'unavailable' });
      } else if (
        kept instanceof RemoteCollection &&
        kept.dimension === c.dimension &&
        kept.metric === c.metric
      ) {
        this.known.set(c.name, kept);
      } else {
        this.known.set(c.name, new RemoteCollection(this, c.name, c.dimension, c.metric));
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
  }

  private check(): void {
    if (this.closed) throw new ClosedError('database');
  }
}
