/**
 * `Quiver`, the embedded database: a folder holding `catalog.sqlite` (collections,
 * manifests, WAL) and `collections/<id>/` (segment and tombstone files).
 *
 * Opening reads every collection's configuration and manifest and returns (db/database-open.ts);
 * the segments then load in the background (db/segment-loader.ts: reads wait for them, writes
 * too). A collection whose files or catalog rows (configuration, manifest, WAL records) fail
 * verification does not stop the others: it stays listed (db/collection-registry.ts), and once
 * the failure is found (at open for catalog rows, during loading for files) its reads reject
 * with its `CorruptDataError`, `collection(name)` throws it, and it can be dropped. Opening
 * also removes what a crash or a race with a drop can leave behind: temporary files of
 * interrupted writes, folders and catalog rows of collections that no longer exist.
 *
 * Snapshots (`SnapshotDatabase`, db/snapshots.ts) live in `snapshots/<collection>/`; the object
 * store is wrapped so that a snapshot can pin the files it copies (db/snapshot-pins.ts), and
 * opening drops collections whose restore a crash interrupted (db/snapshot-restore.ts).
 *
 * Drops and the operations they race (db/collection-drop.ts): a drop marks the collection
 * `dropped` as soon as it is asked for, every change runs in the commit queue, and each queued
 * task of a collection (a write group's `check`, a seal, a compaction) checks the mark inside
 * the queue. So an operation that is not committed when the drop is asked for fails with
 * `CollectionNotFoundError` and writes nothing; one committed before it was acknowledged
 * and is then dropped with the rest.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ClosedError, CollectionExistsError, EncryptionKeyError, InvalidArgumentError } from '../errors.js';
import type { ArenaStats, MemoryArenas } from '../kernels/arenas.js';
import { SegmentPayloadIndex } from '../payload/payload-index.js';
import { SqliteCatalog } from '../storage/catalog.js';
import type { EncryptionKeyInput } from '../storage/encrypt-keys.js';
import { emptyManifest } from '../storage/manifest.js';
import { FsObjectStore } from '../storage/object-store.js';
import { type CollectionHost, EmbeddedCollection } from './collection.js';
import { checkConfig, fieldsOf, layoutOf, type StoredCollectionConfig } from './collection-config.js';
import { type DropContext, dropCollection, installCollection } from './collection-drop.js';
import { CollectionRegistry } from './collection-registry.js';
import { CollectionStorage } from './collection-storage.js';
import { CommitQueue } from './commit-queue.js';
import { openCollections } from './database-open.js';
import { arenasOf, checkBudget, type OpenOptions } from './database-options.js';
import { DatabaseEncryption, type RotationProgress } from './encryption.js';
import { type EmbedderResolver, embedderResolver, resolveProviders } from './field-embedders.js';
import {
  type CollectionPurgeReport,
  catalogResidue,
  collectionPurgeReport,
  type PurgeReport,
} from './purge-report.js';
import { sealedRowBytes } from './segment-bytes.js';
import { PinningObjectStore } from './snapshot-pins.js';
import { CollectionSnapshots } from './snapshots.js';
import type { CollectionConfig, Database, RecoverOptions, SnapshotDatabase, SnapshotInfo } from './types.js';
import { checkCollectionName, describe } from './validate.js';

export { DEFAULT_SEGMENT_SIZE } from './collection-config.js';
export type { OpenOptions } from './database-options.js';

export class Quiver implements Database, SnapshotDatabase, CollectionHost {
  readonly queue: CommitQueue;
  closed = false;
  /** The snapshot folder and the snapshot operations. */
  readonly snapshots: CollectionSnapshots;
  /** The collections, live and broken, by name. */
  private readonly registry = new CollectionRegistry();
  /** What drops and restores change (db/collection-drop.ts). */
  private readonly dropping: DropContext;

  private constructor(
    readonly path: string,
    private readonly catalog: SqliteCatalog,
    private readonly store: PinningObjectStore,
    private readonly arenas: MemoryArenas,
    readonly embedders: EmbedderResolver,
    private readonly encryption: DatabaseEncryption | undefined,
  ) {
    this.queue = new CommitQueue(catalog);
    this.snapshots = new CollectionSnapshots(path, {
      check: () => this.check(),
      queue: this.queue,
      catalog,
      store,
      keyring: () => this.encryption?.keyring,
      ...(encryption ? { sealing: (work) => encryption.sealing(work) } : {}),
      collection: (name) => this.collection(name),
      newStorage: (id, config) => this.newStorage(id, config),
      install: (name, id, config, storage) => installCollection(this.dropping, name, id, config, storage),
    });
    this.dropping = { host: this, registry: this.registry, catalog, store, check: () => this.check() };
  }

  /**
   * Opens (creating if missing) the database folder at `path`.
   * @example
   * const db = await Quiver.open('./quiver-data');
   */
  static async open(path: string, options: OpenOptions = {}): Promise<Quiver> {
    if (typeof path !== 'string' || path.length === 0) {
      throw new InvalidArgumentError(`path: expected a folder path, got ${describe(path)}`);
    }
    const arenas = arenasOf(options);
    await mkdir(path, { recursive: true });
    const catalog = SqliteCatalog.open(join(path, 'catalog.sqlite'));
    const inner = options.objectStore ?? new FsObjectStore(path);
    let encryption: DatabaseEncryption | undefined;
    try {
      encryption = DatabaseEncryption.open(catalog, inner, path, options);
    } catch (err) {
      catalog.close();
      throw err;
    }
    const store = new PinningObjectStore(encryption?.store ?? inner);
    const db = new Quiver(path, catalog, store, arenas, embedderResolver(options.embedders), encryption);
    try {
      await openCollections({
        host: db,
        registry: db.registry,
        catalog,
        store,
        removeTemporarySnapshots: () => db.snapshots.removeTemporary(),
        newStorage: (id, config) => db.newStorage(id, config),
        loadOnDemand: options.load === 'on-demand',
      });
      db.encryption?.resume((err) =>
        process.emitWarning(`quiver: the key rotation stopped (it resumes at the next open): ${err.message}`),
      );
    } catch (err) {
      await db.close();
      throw err;
    }
    return db;
  }

  /**
   * Creates a collection.
   * @example
   * const images = await db.createCollection('images', { dimension: 128, metric: 'cosine' });
   */
  async createCollection(name: string, config: CollectionConfig): Promise<EmbeddedCollection> {
    this.check();
    checkCollectionName(name);
    const stored = checkConfig(await resolveProviders(config, this.embedders));
    return this.createStored(name, stored);
  }

  /**
   * Creates a collection from a config already validated and stored elsewhere (cluster mode:
   * a node's replica of a cluster collection, whose config the cluster catalog holds).
   */
  async createStored(name: string, stored: StoredCollectionConfig): Promise<EmbeddedCollection> {
    this.check();
    checkCollectionName(name);
    return this.queue.exclusive(async () => {
      this.check();
      if (this.registry.has(name)) throw new CollectionExistsError(name);
      const row = this.catalog.createCollection(name, JSON.stringify(stored), () =>
        JSON.stringify(emptyManifest()),
      );
      const storage = this.newStorage(row.id, stored);
      await storage.load();
      const collection = new EmbeddedCollection(this, name, stored, storage);
      this.registry.add(name, collection);
      return collection;
    });
  }

  /**
   * An existing collection.
   * @example
   * const images = db.collection('images');
   */
  collection(name: string): EmbeddedCollection {
    this.check();
    return this.registry.get(name);
  }

  /** Names of all collections, sorted. */
  async listCollections(): Promise<string[]> {
    this.check();
    return this.registry.names();
  }

  /**
   * Deletes a collection and all its data.
   * @example
   * await db.dropCollection('images');
   */
  async dropCollection(name: string): Promise<void> {
    this.check();
    await dropCollection(this.dropping, name);
  }

  /** The database's memory arenas: how many, the bytes they commit and hold, and the budget. */
  get memory(): ArenaStats {
    return this.arenas.stats;
  }

  /**
   * Changes the memory budget (bytes; undefined: none). Memory already committed stays;
   * lowering the budget below it only refuses further growth.
   * @example
   * db.setMemoryBudget(8 * 2 ** 30);
   */
  setMemoryBudget(bytes: number | undefined): void {
    this.check();
    checkBudget(bytes);
    this.arenas.setMemoryBudget(bytes);
  }

  // Snapshots: see `SnapshotDatabase` (types.ts) and db/snapshots.ts.

  /**
   * @example
   * const { name, checksum, size } = await db.createSnapshot('images');
   */
  async createSnapshot(collection: string): Promise<SnapshotInfo> {
    this.check();
    await this.collection(collection).loaded();
    return this.snapshots.create(collection);
  }

  async listSnapshots(collection: string): Promise<SnapshotInfo[]> {
    this.check();
    return this.snapshots.list(collection);
  }

  async deleteSnapshot(collection: string, name: string): Promise<void> {
    this.check();
    await this.snapshots.delete(collection, name);
  }

  async snapshotPath(collection: string, name: string): Promise<string> {
    this.check();
    return this.snapshots.path(collection, name);
  }

  /**
   * @example
   * const images = await db.recoverSnapshot('images', '/backups/images.snapshot');
   */
  async recoverSnapshot(
    collection: string,
    file: string | AsyncIterable<Uint8Array>,
    options?: RecoverOptions,
  ): Promise<EmbeddedCollection> {
    this.check();
    return this.snapshots.recover(collection, file, options);
  }

  /** See `CollectionHost.dropSnapshots` (a purge deletes the snapshots taken before it). */
  async dropSnapshots(collection: string): Promise<string[]> {
    const names = (await this.snapshots.list(collection)).map((s) => s.name);
    for (const name of names) await this.snapshots.delete(collection, name);
    return names;
  }

  /**
   * Which files still hold data of deleted points, for one collection or all (db/purge-report.ts);
   * waits for those collections to load.
   * @example
   * const { collections } = await db.purgeReport('faces');
   */
  async purgeReport(collection?: string): Promise<PurgeReport> {
    this.check();
    const names = collection === undefined ? this.registry.liveNames() : [collection];
    const collections: CollectionPurgeReport[] = [];
    for (const name of names) {
      const c = this.collection(name);
      await c.loaded(); // the sealed segments' tombstones are known once they are loaded
      collections.push(collectionPurgeReport(name, c.storage, await this.snapshots.list(name)));
    }
    return { collections, catalog: catalogResidue(this.catalog) };
  }

  /** Whether the database is encrypted at rest (opened with `encryptionKey`). */
  get encrypted(): boolean {
    return this.encryption !== undefined;
  }

  /**
   * Re-seals every file and catalog row of the database under `newKey` in the background
   * (db/encryption.ts); reads and writes go on meanwhile. Resolves when done; from then on
   * only `newKey` opens the database. If the process dies first, open with `encryptionKey:
   * newKey, previousEncryptionKeys: [oldKey]` and the rotation resumes.
   * @throws EncryptionKeyError when the database is not encrypted, `newKey` is the current key,
   *   or a rotation is already running.
   * @example
   * await db.rotateEncryptionKey(newKeyHex);
   */
  async rotateEncryptionKey(newKey: EncryptionKeyInput): Promise<RotationProgress> {
    this.check();
    if (!this.encryption) throw new EncryptionKeyError(`${this.path}: the database is not encrypted`);
    return this.encryption.rotate(newKey, () => undefined);
  }

  /** The key rotation running in the background (started or resumed at open), if any. */
  get encryptionRotation(): Promise<RotationProgress> | undefined {
    return this.encryption?.rotation;
  }

  /** SQLite's `PRAGMA quick_check` verdict on the catalog at open: 'ok' when sound. */
  get catalogIntegrity(): string {
    return this.catalog.integrity;
  }

  /** Persists a collection's changed configuration (see `CollectionHost`). */
  saveConfig(collectionId: number, config: StoredCollectionConfig): void {
    this.catalog.updateCollectionConfig(collectionId, JSON.stringify(config));
  }

  /** Waits for writes in flight, then releases memory and the folder's lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    // A rotation stops after the file in progress; the next open resumes it.
    await this.encryption?.stop();
    // Loading stops after the segment in progress; index builds in flight finish and commit
    // first (a failed one is rebuilt at next open).
    for (const c of this.registry.values()) await c.loader.stop(new ClosedError('database'));
    for (const c of this.registry.values()) await c.indexer.stop();
    await this.queue.idle();
    this.closed = true;
    for (const c of this.registry.values()) {
      if (!c.loader.isReady) continue;
      // Only a hint: the next open counts without it, just later.
      await c.storage
        .writeCountHint()
        .catch((err: Error) =>
          process.emitWarning(`quiver: writing the count hint of '${c.name}': ${err.message}`),
        );
    }
    for (const c of this.registry.values()) {
      c.storage.dispose();
      await c.embedders.dispose();
    }
    this.registry.clear();
    this.catalog.close();
  }

  private newStorage(id: number, config: StoredCollectionConfig): CollectionStorage {
    const fields = fieldsOf(config);
    return new CollectionStorage(
      this.catalog,
      this.store,
      this.arenas,
      id,
      layoutOf(fields),
      // Reads the declarations when a segment is made: createPayloadIndex replaces them.
      (payloads) => new SegmentPayloadIndex(new Map(Object.entries(config.payloadIndexes ?? {})), payloads),
      sealedRowBytes(fields),
    );
  }

  private check(): void {
    if (this.closed) throw new ClosedError('database');
  }
}
