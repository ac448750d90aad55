/**
 * The public shapes of the Database / Collection API. The embedded engine implements them
 * now; the HTTP client will implement the same interfaces, so user code moves between
 * embedded and remote unchanged. The shapes of points, configurations, read options and
 * `info()` live in modules of their own below this one, re-exported here.
 */

import type { Filter } from '../payload/filter.js';
import type { PayloadIndexConfig } from '../payload/index-declaration.js';
import type { TextAnalyzerName } from '../text/analyzer-config.js';
import type { CollectionConfig } from './config-types.js';
import type { CollectionInfo } from './info-types.js';
import type {
  Hit,
  HitGroup,
  Metric,
  Point,
  PointId,
  PointInput,
  RawPointInput,
  VectorInput,
} from './point-types.js';
import type {
  CountOptions,
  GetOptions,
  RangeSearchOptions,
  RawSearchQuery,
  RecommendOptions,
  RecommendQuery,
  ScrollOptions,
  ScrollPage,
  SearchOptions,
  SearchQuery,
} from './search-types.js';

export type { PayloadIndexConfig, PayloadIndexInfo, PayloadIndexType } from '../payload/index-declaration.js';
export type * from './config-types.js';
export type * from './explain-types.js';
export type * from './info-types.js';
export type * from './point-types.js';
export type * from './search-types.js';
export type { TextAnalyzerName };

export interface DeleteByFilter {
  filter: Filter;
}

/** What a purge (`Collection.purge`, `delete` with `purge: true`) did. */
export interface PurgeResult {
  /** How many of the points existed (as `delete` resolves). */
  deleted: number;
  /** Segments rewritten without deleted rows (their old files are gone). */
  segmentsRewritten: number;
  /** The collection's snapshots deleted because they were taken before the purge. */
  snapshotsDeleted: string[];
}

/** Options of `Collection.delete`. */
export interface DeleteOptions {
  /**
   * Resolve only once no file of the database (segments, indexes, WAL, thumbnails, managed
   * snapshots) holds the deleted points' vectors or payloads (verified erasure, db/purge.ts).
   * Rewrites the segments that hold deleted rows and deletes the collection's snapshots.
   */
  purge?: boolean;
}

/** The points a payload update applies to: these ids (ids that do not exist are skipped), or those matching a filter. */
export type PointSelector = PointId[] | { filter: Filter };

export interface SetPayloadOptions {
  /** A dotted path (`meta.author`): merge into the object there, creating it, instead of into the payload's top level. */
  key?: string;
}

/**
 * Changes of payloads without touching vectors (Qdrant's set, overwrite, delete and clear
 * payload). Each call is durable when it resolves, atomic (after a crash all or none of its
 * changes are there), and resolves with how many existing points it applied to. Filters,
 * payload indexes, gets, scrolls and searches see the new payloads as soon as it resolves.
 */
export interface PayloadUpdating {
  /**
   * Merges `payload`'s keys into each selected point's payload (with `key`, into the object at
   * that dotted path, created as needed; a non-object value there is replaced).
   * @example
   * await images.setPayload(['img-1'], { label: 'dog' });
   * await images.setPayload({ filter: { must: [{ key: 'label', match: { value: 'cat' } }] } }, { reviewed: true });
   */
  setPayload(
    selector: PointSelector,
    payload: Record<string, unknown>,
    options?: SetPayloadOptions,
  ): Promise<number>;
  /**
   * Replaces each selected point's whole payload.
   * @example
   * await images.overwritePayload(['img-1'], { label: 'dog' });
   */
  overwritePayload(selector: PointSelector, payload: Record<string, unknown>): Promise<number>;
  /**
   * Removes keys (dotted paths; through arrays, from every element) from each selected point's payload.
   * @example
   * await images.deletePayloadKeys(['img-1'], ['label', 'meta.author']);
   */
  deletePayloadKeys(selector: PointSelector, keys: string[]): Promise<number>;
  /**
   * Removes each selected point's whole payload.
   * @example
   * await images.clearPayload({ filter: { must: [{ key: 'label', match: { value: 'spam' } }] } });
   */
  clearPayload(selector: PointSelector): Promise<number>;
}

/** A collection of points with one vector field (or named ones), and their payloads. */
export interface Collection extends PayloadUpdating {
  readonly name: string;
  readonly dimension: number;
  readonly metric: Metric;
  upsert(points: (PointInput | RawPointInput)[]): Promise<void>;
  get(ids: PointId[], options?: GetOptions): Promise<Point[]>;
  delete(selector: PointId[] | DeleteByFilter, options?: DeleteOptions): Promise<number>;
  /**
   * Deletes as `delete` does, and resolves once no file of the database holds the vectors
   * or payloads of any deleted point of the collection (verified erasure); says what it did.
   */
  purge(selector: PointId[] | DeleteByFilter): Promise<PurgeResult>;
  /** Live points; with `{ filter }` (or a bare filter), those matching it. */
  count(options?: CountOptions | Filter): Promise<number>;
  scroll(options?: ScrollOptions): Promise<ScrollPage>;
  /**
   * The best hits for a vector or a query object (text, vector or both). With `groupBy`,
   * the best `k` groups instead, best first, each with up to `groupSize` hits.
   */
  search(
    query: VectorInput | SearchQuery | RawSearchQuery,
    options: SearchOptions & { groupBy: string },
  ): Promise<HitGroup[]>;
  search(query: VectorInput | SearchQuery | RawSearchQuery, options?: SearchOptions): Promise<Hit[]>;
  /** Points like the positive examples and unlike the negative ones (examples given by id are left out). */
  recommend(query: RecommendQuery, options?: RecommendOptions): Promise<Hit[]>;
  /** Indexes a payload field in every segment (existing and future); replaces an index of another kind. */
  createPayloadIndex(key: string, type: PayloadIndexConfig): Promise<void>;
  dropPayloadIndex(key: string): Promise<void>;
  searchBatch(vectors: VectorInput[], options?: SearchOptions): Promise<Hit[][]>;
  rangeSearch(vector: VectorInput, options: RangeSearchOptions): Promise<Hit[]>;
  flush(): Promise<void>;
  compact(): Promise<void>;
  info(): Promise<CollectionInfo>;
  /**
   * The WebP thumbnail that field `field` (with `storeInput: 'thumbnail'`) keeps of point
   * `id`'s image; undefined when the point does not exist or was written without an image
   * in that field. Throws `InvalidArgumentError` for a field that keeps no thumbnails.
   * @example
   * const webp = await photos.thumbnail('img-1', 'image');
   * if (webp) await writeFile('img-1.webp', webp);
   */
  thumbnail(id: PointId, field: string): Promise<Buffer | undefined>;
}

export interface Database {
  createCollection(name: string, config: CollectionConfig): Promise<Collection>;
  collection(name: string): Collection;
  /** Names of all collections, sorted (including one whose files fail verification). */
  listCollections(): Promise<string[]>;
  dropCollection(name: string): Promise<void>;
  close(): Promise<void>;
  /**
   * Cluster mode: collections are split into shards and copied to replicas, so a collection's
   * config may give `shards` and `replicas` (over REST, `shard_number` and
   * `replication_factor`). Absent for an embedded database, which keeps one copy.
   */
  readonly sharded?: boolean;
}

/** A collection snapshot as listed (Qdrant's `SnapshotDescription`). */
export interface SnapshotInfo {
  /** File name: `<collection>-<YYYY-MM-DD-HH-MM-SS>-<8 hex digits>.snapshot`. */
  name: string;
  /** When it was written, UTC, as `YYYY-MM-DDTHH:MM:SS` (Qdrant's form). */
  creationTime: string;
  /** Size of the file in bytes. */
  size: number;
  /** SHA-256 of the whole file, lowercase hex (what `sha256sum` prints). */
  checksum: string;
}

export interface RecoverOptions {
  /** The SHA-256 the snapshot file must have (hex); a mismatch refuses it. */
  checksum?: string;
  /** How errors name the snapshot (default: its path, or `uploaded snapshot` for a stream). */
  label?: string;
  /**
   * Called with the snapshot's collection configuration, in `createCollection`'s form, once
   * it is validated and before anything changes; throwing refuses the snapshot (a server
   * applies the provider policy of collections created over HTTP this way).
   */
  acceptConfig?: (config: CollectionConfig) => void;
}

/**
 * Collection snapshots, as Qdrant's: one checksummed file per snapshot, in the database
 * folder (`snapshots/<collection>/<name>.snapshot`), that restores the collection exactly
 * (ids, vectors, payloads, payload indexes, index configuration and built indexes, named
 * vector fields, provider configuration) in this database or another one.
 */
export interface SnapshotDatabase {
  /**
   * Writes a snapshot of the collection as it is at one moment (one manifest version and
   * WAL position); writes continue meanwhile and are not in it.
   * @example
   * const { name, checksum } = await db.createSnapshot('images');
   */
  createSnapshot(collection: string): Promise<SnapshotInfo>;
  /** The collection's snapshots, oldest first (also after the collection was dropped). */
  listSnapshots(collection: string): Promise<SnapshotInfo[]>;
  /** Deletes a snapshot file (`SnapshotNotFoundError` if there is none of that name). */
  deleteSnapshot(collection: string, name: string): Promise<void>;
  /** The path of a snapshot file, to copy or stream it (`SnapshotNotFoundError` if missing). */
  snapshotPath(collection: string, name: string): Promise<string>;
  /**
   * Creates the collection `collection` from a snapshot, replacing one of that name if it
   * exists. `file` is a path, or the snapshot's bytes as a stream (a Node `Readable`, a web
   * `ReadableStream`: spooled to a temporary file in the snapshot folder first). The file is
   * verified whole before anything changes: a foreign, truncated or damaged file, or one whose
   * SHA-256 is not `options.checksum`, is refused with `SnapshotError` and nothing changes.
   * @example
   * await db2.recoverSnapshot('images', '/backups/images-2026-12-06-07-00-00-1a2b3c4d.snapshot');
   */
  recoverSnapshot(
    collection: string,
    file: string | AsyncIterable<Uint8Array>,
    options?: RecoverOptions,
  ): Promise<Collection>;
}
