/**
 * Restoring a collection from a verified snapshot file, so that nothing changes unless the
 * whole restore succeeds.
 *
 * Protocol:
 * 1. The snapshot's configuration is validated (as `createCollection` would) and a catalog
 *    row is created under a pending name, `.restore-<uuid>` (a dot is not allowed in
 *    collection names, so no user collection can have it), with an empty manifest. Nothing
 *    loads it: it is invisible.
 * 2. The snapshot's files are written (each durable when `put` resolves) into the pending
 *    row's folder, `collections/<id>/`.
 * 3. A manifest naming them (keys rebased onto that folder, `walCheckpoint` 0) is committed,
 *    then the snapshot's WAL rows are appended to the pending collection in their order (in
 *    batches, each one transaction), then its thumbnails (one transaction).
 * 4. The collection is loaded like any other (segment, tombstone and index files verified,
 *    WAL replayed) and its live point count compared with the snapshot's.
 * 5. In one catalog transaction the pending row is renamed to the target name and a
 *    collection of that name, if any, is dropped; memory is swapped inside the commit queue.
 *
 * A failure in steps 1–5 drops the pending row and deletes its folder: the target is as it
 * was. A crash in steps 1–4 leaves a pending row, which the next open drops (with its
 * folder); a crash after step 5's commit leaves the restored collection in place.
 */
import { randomUUID } from 'node:crypto';
import { CorruptDataError, QuiverError, SnapshotError } from '../errors.js';
import type { SqliteCatalog, WalAppend } from '../storage/catalog.js';
import { emptyManifest } from '../storage/manifest.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { SnapshotReader } from '../storage/snapshot-file.js';
import type { EmbeddedCollection } from './collection.js';
import { checkConfig, type StoredCollectionConfig } from './collection-config.js';
import type { CollectionStorage } from './collection-storage.js';
import type { CommitQueue } from './commit-queue.js';
import { restoreThumbnails } from './snapshot-thumbnails.js';
import type { CollectionConfig } from './types.js';

/** Catalog names of collections being restored start with this. */
export const RESTORE_PREFIX = '.restore-';
/** WAL rows are appended in transactions of about this many bytes. */
const WAL_BATCH_BYTES = 64 << 20;

export interface RestoreTarget {
  /** Throws `ClosedError` once the database is closing (checked in each queue task). */
  check(): void;
  queue: CommitQueue;
  catalog: SqliteCatalog;
  store: ObjectStore;
  /** A collection's storage, not loaded yet. */
  newStorage(id: number, config: StoredCollectionConfig): CollectionStorage;
  /**
   * Step 5: renames pending row `id` to `name` (dropping a collection of that name) and
   * makes `storage` that collection. Throws only if nothing was committed.
   */
  install(
    name: string,
    id: number,
    config: StoredCollectionConfig,
    storage: CollectionStorage,
  ): Promise<EmbeddedCollection>;
}

/** Restores the snapshot `reader` (already verified whole) as the collection `name`. */
export async function restoreSnapshot(
  target: RestoreTarget,
  name: string,
  reader: SnapshotReader,
  acceptConfig?: (config: CollectionConfig) => void,
): Promise<EmbeddedCollection> {
  const dir = reader.directory;
  const { stored: config, given } = checkSnapshotConfig(dir.config, reader.label);
  acceptConfig?.(given);
  const row = await target.queue.exclusive(() => {
    target.check();
    return target.catalog.createCollection(`${RESTORE_PREFIX}${randomUUID()}`, JSON.stringify(config), () =>
      JSON.stringify(emptyManifest()),
    );
  });
  const prefix = `collections/${row.id}/`;
  let storage: CollectionStorage | undefined;
  try {
    for (const file of dir.files) await target.store.put(prefix + file.key, await reader.read(file));
    const keys = new Set(dir.files.map((f) => f.key));
    const manifest = { ...(rebased(dir.manifest, keys, prefix) as object), walCheckpoint: 0 };
    await target.queue.exclusive(() => {
      target.check();
      target.catalog.commitManifest(row.id, 1, JSON.stringify(manifest), 0);
    });
    // In batches of at most WAL_BATCH_BYTES, so that memory stays bounded (the row is pending:
    // nothing reads its WAL until it is loaded below).
    let batch: WalAppend[] = [];
    let bytes = 0;
    const append = async () => {
      const rows = batch;
      batch = [];
      bytes = 0;
      await target.queue.exclusive(() => {
        target.check();
        target.catalog.appendWal(rows);
      });
    };
    for (const w of dir.wal) {
      batch.push({ collectionId: row.id, kind: w.kind, body: await reader.read(w) });
      bytes += w.length;
      if (bytes >= WAL_BATCH_BYTES) await append();
    }
    if (batch.length > 0) await append();
    await restoreThumbnails(target, row.id, reader, config);
    storage = target.newStorage(row.id, config);
    try {
      await storage.load();
    } catch (err) {
      if (err instanceof CorruptDataError) {
        // Named by the snapshot's own keys: the message may reach an HTTP client, server paths may not.
        const where = err.file.startsWith(prefix)
          ? err.file.slice(prefix.length)
          : 'its manifest or WAL rows';
        const reason = err.message.startsWith(`${err.file}: `)
          ? err.message.slice(err.file.length + 2)
          : 'invalid';
        throw new SnapshotError(reader.label, `holds data that does not verify: ${where}: ${reason}`);
      }
      throw err;
    }
    if (storage.set.count !== dir.points) {
      throw new SnapshotError(
        reader.label,
        `restores ${storage.set.count} points, its directory says ${dir.points}`,
      );
    }
  } catch (err) {
    storage?.dispose();
    await discard(target, row.id, prefix);
    throw err;
  }
  try {
    return await target.install(name, row.id, config, storage);
  } catch (err) {
    storage.dispose();
    await discard(target, row.id, prefix);
    throw err;
  }
}

/** Drops a pending row and its folder (a failure here leaves them to the next open). */
async function discard(target: RestoreTarget, id: number, prefix: string): Promise<void> {
  try {
    await target.queue.exclusive(() => {
      target.check();
      target.catalog.dropCollection(id);
    });
    await target.store.deletePrefix(prefix);
  } catch (err) {
    process.emitWarning(`quiver: cleaning up a failed restore: ${(err as Error).message}`);
  }
}

/**
 * The snapshot's stored configuration, validated as `createCollection` validates a user's
 * (converted back to that form), and returned as it was stored, so keys that this build
 * does not check are kept as they were.
 */
function checkSnapshotConfig(
  raw: Record<string, unknown>,
  label: string,
): { stored: StoredCollectionConfig; given: CollectionConfig } {
  const stored = raw as unknown as StoredCollectionConfig;
  let given: CollectionConfig;
  try {
    const common = { segmentSize: stored.segmentSize, payloadIndexes: stored.payloadIndexes };
    if (stored.vectors === undefined) {
      given = {
        ...common,
        dimension: stored.dimension,
        metric: stored.metric,
        index: stored.index ?? 'Flat',
      };
    } else {
      if (!Array.isArray(stored.vectors)) throw new SnapshotError(label, 'vectors is not a list');
      const names = new Set(stored.vectors.map((f) => f.name));
      if (names.size !== stored.vectors.length)
        throw new SnapshotError(label, 'two vector fields have one name');
      const vectors = Object.fromEntries(
        stored.vectors.map((f) => [
          f.name,
          {
            dimension: f.dimension,
            metric: f.metric,
            index: f.index,
            ...(f.provider
              ? {
                  provider: f.provider.name,
                  providerOptions: f.provider.options,
                  storeInput: f.provider.storeInput,
                }
              : {}),
          },
        ]),
      );
      given = { ...common, vectors };
    }
    checkConfig(given);
  } catch (err) {
    if (err instanceof SnapshotError) throw err;
    const reason = err instanceof QuiverError ? err.message : 'malformed';
    throw new SnapshotError(label, `its collection configuration is not valid: ${reason}`);
  }
  const config = structuredClone(stored);
  config.index ??= { type: 'flat' };
  return { stored: config, given };
}

/** `value` with every string that is one of `keys` prefixed by `prefix`. */
function rebased(value: unknown, keys: ReadonlySet<string>, prefix: string): unknown {
  if (typeof value === 'string') return keys.has(value) ? prefix + value : value;
  if (Array.isArray(value)) return value.map((v) => rebased(v, keys, prefix));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rebased(v, keys, prefix)]));
  }
  return value;
}
