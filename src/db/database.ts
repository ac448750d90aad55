/**
 * `Quiver`, the embedded database: a folder holding `catalog.sqlite` (collections,
 * manifests, WAL) and `collections/<id>/` (segment and tombstone files).
 *
 * Opening reads every collection's configuration and manifest and returns; the segments
 * then load in the background (db/segment-loader.ts: reads wait for them, writes too). A
 * collection whose files or catalog rows (configuration, manifest, WAL records) fail
 * verification does not stop the others: it stays listed, and once the failure is found
 * (at open for catalog rows, during loading for files) its reads reject with its
 * `CorruptDataError`, `collection(name)` throws it, and it can be dropped. Opening also removes what a crash or a race with a drop can leave behind:
 * temporary files of interrupted writes, folders and catalog rows of collections that no
 * longer exist.
 *
 * Snapshots (`SnapshotDatabase`, db/snapshots.ts) live in `snapshots/<collection>/`; the object
 * store is wrapped so that a snapshot can pin the files it copies (db/snapshot-pins.ts), and
 * opening drops collections whose restore a crash interrupted (db/snapshot-restore.ts).
 *
 * Drops and the operations they race: a drop marks the collection `dropped` as soon as it
 * is asked for, every change runs in the commit queue, and each queued task of a
 * collection (a write group's `check`, a seal, a compaction) checks the mark inside the
 * queue. So an operation that is not committed when the drop is asked for fails with
 * `CollectionNotFoundError` and writes nothing; one committed before it was acknowledged
 * and is then dropped with the rest.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ClosedError,
  CollectionExistsError,
  CollectionNotFoundError,
  CorruptDataError,
  EncryptionKeyError,
  InvalidArgumentError,
  StorageFullError,
} from '../errors.js';
import { type ArenaStats, checkArenaBytes, MemoryArenas } from '../kernels/arenas.js';
import type { Kernels } from '../kernels/kernels.js';
import { defaultKernelKind } from '../kernels/load.js';
import { SegmentPayloadIndex } from '../payload/payload-index.js';
import { type CollectionRow, SqliteCatalog } from '../storage/catalog.js';
import type { EncryptionKeyInput } from '../storage/encrypt-keys.js';
import { emptyManifest } from '../storage/manifest.js';
import { FsObjectStore, type ObjectStore } from '../storage/object-store.js';
import { type CollectionHost, EmbeddedCollection } from './collection.js';
import { checkConfig, fieldsOf, layoutOf, type StoredCollectionConfig } from './collection-config.js';
import { CollectionStorage } from './collection-storage.js';
import { CommitQueue } from './commit-queue.js';
import { DatabaseEncryption, type RotationProgress } from './encryption.js';
import { type EmbedderResolver, embedderResolver, resolveProviders } from './field-embedders.js';
import { type PurgeTarget, resumePurges } from './purge.js';
import {
  type CollectionPurgeReport,
  catalogResidue,
  collectionPurgeReport,
  type PurgeReport,
} from './purge-report.js';
import { sealedRowBytes } from './segment-bytes.js';
import { SegmentLoader } from './segment-loader.js';
import { PinningObjectStore } from './snapshot-pins.js';
import { RESTORE_PREFIX } from './snapshot-restore.js';
import { CollectionSnapshots } from './snapshots.js';
import type { CollectionConfig, Database, RecoverOptions, SnapshotDatabase, SnapshotInfo } from './types.js';
import { checkCollectionName, describe } from './validate.js';

export { DEFAULT_SEGMENT_SIZE } from './collection-config.js';

export interface OpenOptions {
  /**
   * Kernel implementation: every memory arena of the database is made of the same kind as
   * this instance (which holds none of its data). Default: wasm SIMD, or the JS fallback
   * when the wasm was not built or `QUIVER_KERNELS=js`.
   */
  kernels?: Kernels;
  /**
   * Bytes of data placed in one memory arena at most (default: `QUIVER_ARENA_BYTES` if set,
   * else 2 GiB; between 1 MiB and 4 GiB). A sealed segment never spans arenas, so segments
   * hold fewer than `segmentSize` rows when that many would not fit in one.
   */
  arenaBytes?: number;
  /**
   * Bytes of memory the database's arenas (vectors and indexes) may commit together
   * (default: no bound but the machine's). A write or seal that would exceed it fails with
   * `CapacityError` and changes nothing.
   */
  memoryBudget?: number;
  /**
   * When the collections' sealed segments load after open (db/segment-loader.ts): `'background'`
   * (default) starts at once, so that the first reads find them loaded; `'on-demand'` starts a
   * collection's load at its first read or write, so a process that only lists or describes
   * collections (`quiver info`) never reads a segment file. Either way `open` does not wait.
   */
  load?: 'background' | 'on-demand';
  /** Where segment and tombstone files live (defaults to the folder itself, `FsObjectStore`). */
  objectStore?: ObjectStore;
  /**
   * Creates the embedding providers that vector fields name (default: `providerResolver()` of
   * `quiverdb/embed`, registered by the package entry point, which runs each field's model on
   * its own worker threads; `providerResolver({ inProcess: true })` runs them on the calling
   * thread).
   */
  embedders?: EmbedderResolver;
  /**
   * Encryption at rest (db/encryption.ts): the database's 256-bit master key, as 32 bytes or
   * 64 hex characters. Given when a database is created, every file and catalog row holding
   * vectors, payloads or images is sealed with AES-256-GCM under keys derived from it, and
   * every later open needs it (`EncryptionKeyError` without it or with another key). A
   * database created without a key cannot be opened with one.
   */
  encryptionKey?: EncryptionKeyInput;
  /**
   * The keys a key rotation interrupted by a crash was rotating from
   * (`rotateEncryptionKey`): the rotation resumes in the background at open.
   */
  previousEncryptionKeys?: EncryptionKeyInput[];
}

export class Quiver implements Database, SnapshotDatabase, CollectionHost {
  readonly queue: CommitQueue;
  closed = false;
  /** The snapshot folder and the snapshot operations. */
  readonly snapshots: CollectionSnapshots;
  private readonly collections = new Map<string, EmbeddedCollection>();
  private readonly broken = new Map<string, { id: number; error: CorruptDataError }>();
  /** `OpenOptions.load` is `'on-demand'`: loaders start at a collection's first read or write. */
  private loadOnDemand = false;

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
      install: (name, id, config, storage) => this.install(name, id, config, storage),
    });
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
    db.loadOnDemand = options.load === 'on-demand';
    try {
      await db.loadAll();
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
    this.check();
    return this.queue.exclusive(async () => {
      this.check();
      if (this.collections.has(name) || this.broken.has(name)) throw new CollectionExistsError(name);
      const row = this.catalog.createCollection(name, JSON.stringify(stored), () =>
        JSON.stringify(emptyManifest()),
      );
      const storage = this.newStorage(row.id, stored);
      await storage.load();
      const collection = new EmbeddedCollection(this, name, stored, storage);
      this.collections.set(name, collection);
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
    const found = this.collections.get(name);
    if (found) return found;
    const broken = this.broken.get(name);
    if (broken) throw broken.error;
    throw new CollectionNotFoundError(String(name));
  }

  /** Names of all collections, sorted. */
  async listCollections(): Promise<string[]> {
    this.check();
    return [...this.collections.keys(), ...this.broken.keys()].sort();
  }

  /**
   * Deletes a collection and all its data.
   * @example
   * await db.dropCollection('images');
   */
  async dropCollection(name: string): Promise<void> {
    this.check();
    // From now on the collection refuses every call, and writes not yet committed are
    // rejected inside the queue; if the drop fails before the catalog forgets it, it
    // comes back as it was.
    const target = this.collections.get(name);
    if (target) target.dropped = true;
    let committed = false;
    try {
      // No index build may write into the folder while it is deleted, nor loading read it.
      await target?.loader.stop(new CollectionNotFoundError(name));
      await target?.indexer.stop();
      await this.queue.exclusive(async () => {
        const collection = this.collections.get(name);
        const id = collection?.storage.collectionId ?? this.broken.get(name)?.id;
        if (id === undefined) throw new CollectionNotFoundError(String(name));
        this.catalog.dropCollection(id);
        committed = true;
        this.collections.delete(name);
        this.broken.delete(name);
        if (collection) {
          collection.dropped = true;
          // Stopped above, unless this is a collection of the same name created meanwhile.
          void collection.indexer.stop();
          collection.storage.dispose();
        }
        await this.store.deletePrefix(`collections/${id}/`);
        await collection?.embedders.dispose();
      });
    } catch (err) {
      if (target && !committed && this.collections.get(name) === target) {
        target.dropped = false;
        target.loader.restart();
        target.indexer.restart();
      }
      throw err;
    }
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
    const names = collection === undefined ? [...this.collections.keys()].sort() : [collection];
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
    for (const c of this.collections.values()) await c.loader.stop(new ClosedError('database'));
    for (const c of this.collections.values()) await c.indexer.stop();
    await this.queue.idle();
    this.closed = true;
    for (const c of this.collections.values()) {
      if (!c.loader.isReady) continue;
      // Only a hint: the next open counts without it, just later.
      await c.storage
        .writeCountHint()
        .catch((err: Error) =>
          process.emitWarning(`quiver: writing the count hint of '${c.name}': ${err.message}`),
        );
    }
    for (const c of this.collections.values()) {
      c.storage.dispose();
      await c.embedders.dispose();
    }
    this.collections.clear();
    this.catalog.close();
  }

  private async loadAll(): Promise<void> {
    if (this.catalog.integrity !== 'ok') {
      process.emitWarning(
        `quiver: ${this.catalog.file} failed SQLite's quick_check: ${this.catalog.integrity}`,
      );
    }
    try {
      this.catalog.removeOrphanRows();
    } catch (err) {
      // A full disk must not keep a database from opening for reads: the rows go next time.
      if (!(err instanceof StorageFullError)) throw err;
      process.emitWarning(`quiver: ${err.message}`);
    }
    await this.store.removeTemporary();
    await this.snapshots.removeTemporary();
    const known = new Set<string>();
    for (const row of this.catalog.listCollections()) {
      if (row.name.startsWith(RESTORE_PREFIX)) {
        this.dropInterruptedRestore(row.id);
        continue;
      }
      known.add(`collections/${row.id}/`);
      let storage: CollectionStorage | undefined;
      try {
        const config = parseConfig(row, this.catalog.file);
        storage = this.newStorage(row.id, config);
        const loader = await SegmentLoader.open(storage, this.store, row.name, {
          failed: (err) => this.loadFailed(row.name, row.id, err),
        });
        this.collections.set(row.name, new EmbeddedCollection(this, row.name, config, storage, loader));
      } catch (err) {
        storage?.dispose();
        if (!(err instanceof CorruptDataError)) throw err;
        this.broken.set(row.name, {
          id: row.id,
          error: new CorruptDataError(`collection '${row.name}'`, err.message),
        });
      }
    }
    for (const folder of await this.store.folders('collections/')) {
      if (!known.has(folder)) await this.store.deletePrefix(folder);
    }
    if (!this.loadOnDemand) for (const c of this.collections.values()) c.loader.start();
    await this.resumePendingPurges();
    this.encryption?.resume((err) =>
      process.emitWarning(`quiver: the key rotation stopped (it resumes at the next open): ${err.message}`),
    );
  }

  /**
   * Finishes the purges a crash interrupted (their intent rows, written with their deletes)
   * before open returns: only then does open wait for a collection to load, and only for the
   * collections with a pending purge. A collection whose load fails keeps its purge pending
   * (`quiver purge-report` lists it) until it loads or is dropped.
   */
  private async resumePendingPurges(): Promise<void> {
    const pending = new Set(this.catalog.purges.pending());
    if (pending.size === 0) return;
    const targets: PurgeTarget[] = [];
    for (const c of this.collections.values()) {
      if (!pending.has(c.storage.collectionId)) continue;
      const ready = await c.loaded().then(
        () => true,
        () => false,
      );
      if (ready) targets.push(c.purgeTarget());
    }
    const ids = new Set(this.catalog.listCollections().map((row) => row.id));
    await resumePurges(this.catalog, targets, ids);
  }

  /**
   * A collection's background load failed with `err`. A `CorruptDataError` makes it listed as
   * broken (as a failure at open would have left it) and frees its memory; any other error
   * (memory exhausted) leaves it listed, its reads rejecting with the error, until it is
   * dropped or the database closed. Returns the error its reads report.
   */
  private loadFailed(name: string, id: number, err: Error): Error {
    const failed = this.collections.get(name);
    if (failed?.storage.collectionId !== id) return err;
    // Its memory is freed when it is closed or dropped (disposing twice would release twice).
    if (!(err instanceof CorruptDataError)) return err;
    const error = new CorruptDataError(`collection '${name}'`, err.message);
    this.collections.delete(name);
    this.broken.set(name, { id, error });
    failed.storage.dispose();
    return error;
  }

  /**
   * The last step of a restore (db/snapshot-restore.ts): renames the pending row `id` to
   * `name`, dropping a collection of that name in the same transaction, and makes `storage`
   * (loaded) that collection. The replaced collection goes as in `dropCollection`. Throws
   * only when nothing was committed.
   */
  private async install(
    name: string,
    id: number,
    config: StoredCollectionConfig,
    storage: CollectionStorage,
  ): Promise<EmbeddedCollection> {
    this.check();
    const target = this.collections.get(name);
    if (target) target.dropped = true;
    let committed = false;
    try {
      await target?.loader.stop(new CollectionNotFoundError(name));
      await target?.indexer.stop();
      return await this.queue.exclusive(async () => {
        this.check();
        const old = this.collections.get(name);
        const oldId = old?.storage.collectionId ?? this.broken.get(name)?.id;
        this.catalog.renameCollection(id, name, oldId);
        committed = true;
        this.broken.delete(name);
        const restored = new EmbeddedCollection(this, name, config, storage);
        this.collections.set(name, restored);
        if (old) {
          old.dropped = true;
          void old.indexer.stop();
          old.storage.dispose();
        }
        try {
          if (oldId !== undefined) await this.store.deletePrefix(`collections/${oldId}/`);
          await old?.embedders.dispose();
        } catch (err) {
          // The catalog no longer names the folder: the next open removes it.
          process.emitWarning(
            `quiver: removing the files of the replaced '${name}': ${(err as Error).message}`,
          );
        }
        return restored;
      });
    } catch (err) {
      if (!committed && target && this.collections.get(name) === target) {
        target.dropped = false;
        target.loader.restart();
        target.indexer.restart();
      }
      throw err;
    }
  }

  /** Drops the catalog row of a restore that a crash interrupted (its folder goes with the orphans). */
  private dropInterruptedRestore(id: number): void {
    try {
      this.catalog.dropCollection(id);
    } catch (err) {
      if (!(err instanceof StorageFullError)) throw err;
      process.emitWarning(`quiver: ${err.message}`);
    }
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

/**
 * The memory arenas `options` ask for.
 * @throws InvalidArgumentError for an `arenaBytes` or `memoryBudget` that is not a byte count.
 */
function arenasOf(options: OpenOptions): MemoryArenas {
  const { arenaBytes, memoryBudget } = options;
  if (arenaBytes !== undefined) {
    try {
      checkArenaBytes(arenaBytes, 'arenaBytes');
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }
  checkBudget(memoryBudget);
  return new MemoryArenas({ arenaBytes, memoryBudget, kind: options.kernels?.kind ?? defaultKernelKind() });
}

/** @throws InvalidArgumentError unless `bytes` is undefined or a positive integer. */
function checkBudget(bytes: number | undefined): void {
  if (bytes !== undefined && !(Number.isSafeInteger(bytes) && bytes > 0)) {
    throw new InvalidArgumentError(
      `memoryBudget: expected a positive integer number of bytes, got ${describe(bytes)}`,
    );
  }
}

/** A catalog row's configuration, verified: its checksum, its JSON, its shape. */
function parseConfig(row: CollectionRow, file: string): StoredCollectionConfig {
  const where = `${file} (configuration of collection ${row.id})`;
  if (!row.intact) throw new CorruptDataError(where, 'checksum mismatch');
  let config: StoredCollectionConfig;
  try {
    config = JSON.parse(row.config);
  } catch {
    throw new CorruptDataError(where, 'not valid JSON');
  }
  if (typeof config !== 'object' || config === null || !Number.isInteger(config.dimension)) {
    throw new CorruptDataError(where, 'not a collection configuration');
  }
  config.index ??= { type: 'flat' };
  return config;
}
