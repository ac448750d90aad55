/**
 * What opening a database does to its folder and catalog before `Quiver.open` returns:
 * reads every collection's configuration and manifest (not its segments, which then load in
 * the background, db/segment-loader.ts), and removes what a crash or a race with a drop can
 * leave behind — orphan catalog rows, temporary files of interrupted writes, the catalog row
 * of a restore a crash interrupted, folders of collections that no longer exist — then
 * finishes the purges a crash interrupted.
 *
 * Invariants: a collection whose catalog rows fail verification (`CorruptDataError`) does not
 * stop the others: it is registered as broken; any other error fails the open. A full disk
 * never keeps a database from opening for reads: catalog cleanups it refuses are skipped with
 * a warning and done at a later open. A folder under `collections/` is deleted only when no
 * catalog row names it.
 */
import { CorruptDataError, StorageFullError } from '../errors.js';
import type { CollectionRow, SqliteCatalog } from '../storage/catalog.js';
import { EmbeddedCollection } from './collection.js';
import type { StoredCollectionConfig } from './collection-config.js';
import type { CollectionHost } from './collection-host.js';
import type { CollectionRegistry } from './collection-registry.js';
import type { CollectionStorage } from './collection-storage.js';
import { type PurgeTarget, resumePurges } from './purge.js';
import { SegmentLoader } from './segment-loader.js';
import type { PinningObjectStore } from './snapshot-pins.js';
import { RESTORE_PREFIX } from './snapshot-restore.js';

/** What opening reads and fills. */
export interface OpenContext {
  /** The database, owner of the collections it makes. */
  readonly host: CollectionHost;
  readonly registry: CollectionRegistry;
  readonly catalog: SqliteCatalog;
  readonly store: PinningObjectStore;
  /** Removes the temporary files of snapshot writes a crash interrupted. */
  removeTemporarySnapshots(): Promise<void>;
  /** The (empty, unloaded) storage of collection `id`. */
  newStorage(id: number, config: StoredCollectionConfig): CollectionStorage;
  /** `OpenOptions.load` is `'on-demand'`: loaders start at a collection's first read or write. */
  readonly loadOnDemand: boolean;
}

/** Registers every collection of the catalog, cleans up after crashes and resumes purges. */
export async function openCollections(ctx: OpenContext): Promise<void> {
  const { host, registry, catalog, store } = ctx;
  if (catalog.integrity !== 'ok') {
    process.emitWarning(`quiver: ${catalog.file} failed SQLite's quick_check: ${catalog.integrity}`);
  }
  try {
    catalog.removeOrphanRows();
  } catch (err) {
    // A full disk must not keep a database from opening for reads: the rows go next time.
    if (!(err instanceof StorageFullError)) throw err;
    process.emitWarning(`quiver: ${err.message}`);
  }
  await store.removeTemporary();
  await ctx.removeTemporarySnapshots();
  const known = new Set<string>();
  for (const row of catalog.listCollections()) {
    if (row.name.startsWith(RESTORE_PREFIX)) {
      dropInterruptedRestore(catalog, row.id);
      continue;
    }
    known.add(`collections/${row.id}/`);
    let storage: CollectionStorage | undefined;
    try {
      const config = parseConfig(row, catalog.file);
      storage = ctx.newStorage(row.id, config);
      const loader = await SegmentLoader.open(storage, store, row.name, {
        failed: (err) => registry.loadFailed(row.name, row.id, err),
      });
      registry.add(row.name, new EmbeddedCollection(host, row.name, config, storage, loader));
    } catch (err) {
      storage?.dispose();
      if (!(err instanceof CorruptDataError)) throw err;
      registry.addBroken(row.name, row.id, new CorruptDataError(`collection '${row.name}'`, err.message));
    }
  }
  for (const folder of await store.folders('collections/')) {
    if (!known.has(folder)) await store.deletePrefix(folder);
  }
  if (!ctx.loadOnDemand) for (const c of registry.values()) c.loader.start();
  await resumePendingPurges(registry, catalog);
}

/**
 * Finishes the purges a crash interrupted (their intent rows, written with their deletes)
 * before open returns: only then does open wait for a collection to load, and only for the
 * collections with a pending purge. A collection whose load fails keeps its purge pending
 * (`quiver purge-report` lists it) until it loads or is dropped.
 */
async function resumePendingPurges(registry: CollectionRegistry, catalog: SqliteCatalog): Promise<void> {
  const pending = new Set(catalog.purges.pending());
  if (pending.size === 0) return;
  const targets: PurgeTarget[] = [];
  for (const c of registry.values()) {
    if (!pending.has(c.storage.collectionId)) continue;
    const ready = await c.loaded().then(
      () => true,
      () => false,
    );
    if (ready) targets.push(c.purgeTarget());
  }
  const ids = new Set(catalog.listCollections().map((row) => row.id));
  await resumePurges(catalog, targets, ids);
}

/** Drops the catalog row of a restore that a crash interrupted (its folder goes with the orphans). */
function dropInterruptedRestore(catalog: SqliteCatalog, id: number): void {
  try {
    catalog.dropCollection(id);
  } catch (err) {
    if (!(err instanceof StorageFullError)) throw err;
    process.emitWarning(`quiver: ${err.message}`);
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
