/**
 * Prometheus metrics on a registry of the server's own (not prom-client's global one, so
 * several servers can live in one process, as in the tests):
 * - `quiver_http_requests_total{method,route,status}` and
 *   `quiver_http_request_duration_seconds{method,route}`, labelled by route pattern
 *   (`/collections/:name/points/search`), never by raw URL, so label sets stay bounded;
 * - `quiver_collection_points`, `…_sealed_segments`, `…_growing_points`, `…_indexed_segments`
 *   and `…_indexing_segments{collection}`, read from `collection.info()` at scrape time;
 * - `quiver_collection_loaded{collection}` (1 ready, 0 loading, -1 failed) and the progress of
 *   loading after open, `quiver_collection_load_segments`, `…_load_segments_total`,
 *   `…_load_bytes` and `…_load_bytes_total{collection}`;
 * - `quiver_collection_memory_bytes{collection}` (vectors, indexes and payloads in memory),
 *   `quiver_collection_disk_bytes{collection}` (its files), when the engine reports them;
 * - `quiver_arenas` and `quiver_memory_bytes{kind="committed|allocated|budget"}` (budget only
 *   when one is set): the embedded database's memory arenas;
 * - `quiver_index_build_seconds{collection,stat="last|mean|max"}` over the engine's record
 *   of its recent index builds (the embedded engine keeps the last 100), when it has one;
 * - Node.js process metrics (`quiver_process_*`, `quiver_nodejs_*`).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Collection, CollectionInfo, Database } from '../db/types.js';
import { QuiverError } from '../errors.js';
import type { ArenaStats } from '../kernels/arenas.js';

/** `quiver_collection_loaded` per loading state. */
const LOAD_STATE = { ready: 1, loading: 0, failed: -1 } as const;

/** The route label of requests that matched no route. */
export const UNMATCHED_ROUTE = 'unmatched';

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;
  private readonly buildSeconds: Gauge<'collection' | 'stat'>;
  /** One gauge per numeric field of `CollectionInfo` (undefined: the engine does not report it). */
  private readonly gauges: [Gauge<'collection'>, (info: CollectionInfo) => number | undefined][];
  private readonly arenas: Gauge;
  private readonly memoryBytes: Gauge<'kind'>;

  constructor(private readonly db: Database) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'quiver_' });
    this.requests = new Counter({
      name: 'quiver_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'quiver_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response, by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const gauge = (name: string, help: string, read: (info: CollectionInfo) => number | undefined) =>
      [new Gauge({ name, help, labelNames: ['collection'], registers }), read] as [
        Gauge<'collection'>,
        (info: CollectionInfo) => number | undefined,
      ];
    this.gauges = [
      gauge('quiver_collection_points', 'Live points per collection.', (i) => i.count),
      gauge('quiver_collection_sealed_segments', 'Sealed segments per collection.', (i) => i.sealedSegments),
      gauge('quiver_collection_growing_points', 'Points in the growing segment.', (i) => i.growingPoints),
      gauge(
        'quiver_collection_indexed_segments',
        'Sealed segments with a built index.',
        (i) => i.indexedSegments,
      ),
      gauge(
        'quiver_collection_indexing_segments',
        'Sealed segments being indexed.',
        (i) => i.indexingSegments,
      ),
      gauge(
        'quiver_collection_memory_bytes',
        'Bytes in memory per collection: vectors, indexes and (estimated) payloads.',
        (i) => i.memory?.bytes,
      ),
      gauge(
        'quiver_collection_disk_bytes',
        "Bytes of a collection's files (segments, tombstones, indexes).",
        (i) => i.disk?.bytes,
      ),
      gauge(
        'quiver_collection_loaded',
        'Whether the sealed segments are loaded after open: 1 ready, 0 loading, -1 failed.',
        (i) => (i.loading === undefined ? undefined : LOAD_STATE[i.loading.state]),
      ),
      gauge(
        'quiver_collection_load_segments',
        'Sealed segments loaded so far after open.',
        (i) => i.loading?.segmentsLoaded,
      ),
      gauge(
        'quiver_collection_load_segments_total',
        'Sealed segments to load after open.',
        (i) => i.loading?.segmentsTotal,
      ),
      gauge(
        'quiver_collection_load_bytes',
        'Bytes of files read so far by loading.',
        (i) => i.loading?.bytesLoaded,
      ),
      gauge(
        'quiver_collection_load_bytes_total',
        'Bytes of the files loading reads.',
        (i) => i.loading?.bytesTotal,
      ),
    ];
    this.arenas = new Gauge({
      name: 'quiver_arenas',
      help: 'Memory arenas (linear memories) of the database.',
      registers,
    });
    this.memoryBytes = new Gauge({
      name: 'quiver_memory_bytes',
      help: "Bytes of the database's memory arenas: committed (their sizes), allocated (live blocks), and the budget when one is set.",
      labelNames: ['kind'],
      registers,
    });
    this.buildSeconds = new Gauge({
      name: 'quiver_index_build_seconds',
      help: 'Duration of recent index builds (up to the last 100) per collection: last, mean and max.',
      labelNames: ['collection', 'stat'],
      registers,
    });
  }

  /** Records one answered request. */
  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }

  /** The exposition text, with the per-collection gauges read now. */
  async scrape(): Promise<string> {
    for (const [g] of this.gauges) g.reset();
    this.memoryBytes.reset();
    this.buildSeconds.reset();
    const memory = (this.db as { memory?: ArenaStats }).memory;
    if (memory) {
      this.arenas.set(memory.arenas);
      this.memoryBytes.set({ kind: 'committed' }, memory.committedBytes);
      this.memoryBytes.set({ kind: 'allocated' }, memory.allocatedBytes);
      if (memory.memoryBudget !== undefined) this.memoryBytes.set({ kind: 'budget' }, memory.memoryBudget);
    }
    for (const name of await this.db.listCollections()) {
      try {
        const collection = this.db.collection(name);
        const info = await collection.info();
        for (const [g, read] of this.gauges) {
          const value = read(info);
          if (value !== undefined) g.set({ collection: name }, value);
        }
        const builds = recentBuildSeconds(collection);
        if (builds.length > 0) {
          this.buildSeconds.set({ collection: name, stat: 'last' }, builds[builds.length - 1]);
          this.buildSeconds.set(
            { collection: name, stat: 'mean' },
            builds.reduce((a, b) => a + b) / builds.length,
          );
          this.buildSeconds.set({ collection: name, stat: 'max' }, Math.max(...builds));
        }
      } catch (error) {
        // A collection that cannot be opened (corrupt files) or was dropped meanwhile has no gauges.
        if (!(error instanceof QuiverError)) throw error;
      }
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * The durations of a collection's recent index builds, if its implementation records them
 * (the embedded engine's `indexer.buildSeconds`; a remote or test double has none).
 */
function recentBuildSeconds(collection: Collection): readonly number[] {
  const seconds = (collection as { indexer?: { buildSeconds?: unknown } }).indexer?.buildSeconds;
  return Array.isArray(seconds) ? (seconds as number[]) : [];
}
