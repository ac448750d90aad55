/**
 * Dropping a collection, and replacing one by a restored collection (the last step of a
 * snapshot restore): the two ways a live collection goes away.
 *
 * The protocol, the same for both: the collection is marked `dropped` as soon as it is asked
 * for, so it refuses every later call; its segment loading and index builds stop (nothing
 * may read or write its folder while it is deleted); then one exclusive task of the commit
 * queue commits the catalog change, forgets the collection, frees its memory and deletes its
 * folder. Every queued task of the collection (a write group's `check`, a seal, a
 * compaction) checks the mark inside the queue, so an operation not committed when the drop
 * was asked for fails with `CollectionNotFoundError` and writes nothing. If the drop fails
 * before the catalog commits, the collection comes back as it was (unmarked, its loading and
 * index builds restarted); once the catalog has committed, the drop stands whatever fails
 * after.
 */
import { CollectionNotFoundError } from '../errors.js';
import type { SqliteCatalog } from '../storage/catalog.js';
import type { ObjectStore } from '../storage/object-store.js';
import { EmbeddedCollection } from './collection.js';
import type { StoredCollectionConfig } from './collection-config.js';
import type { CollectionHost } from './collection-host.js';
import type { CollectionRegistry } from './collection-registry.js';
import type { CollectionStorage } from './collection-storage.js';

/** What drops and replacements change: the database's registry, catalog and files. */
export interface DropContext {
  /** The database, owner of the collections it makes. */
  readonly host: CollectionHost;
  readonly registry: CollectionRegistry;
  readonly catalog: Pick<SqliteCatalog, 'dropCollection' | 'renameCollection'>;
  readonly store: Pick<ObjectStore, 'deletePrefix'>;
  /** Throws when the database is closed. */
  check(): void;
}

/** Deletes collection `name` (live or broken) and all its data (see `Database.dropCollection`). */
export async function dropCollection(ctx: DropContext, name: string): Promise<void> {
  const { host, registry, catalog, store } = ctx;
  await retiring(registry, name, (committed) =>
    host.queue.exclusive(async () => {
      const collection = registry.find(name);
      const id = registry.idOf(name);
      if (id === undefined) throw new CollectionNotFoundError(String(name));
      catalog.dropCollection(id);
      committed();
      registry.forget(name);
      if (collection) {
        collection.dropped = true;
        // Stopped above, unless this is a collection of the same name created meanwhile.
        void collection.indexer.stop();
        collection.storage.dispose();
      }
      await store.deletePrefix(`collections/${id}/`);
      await collection?.embedders.dispose();
    }),
  );
}

/**
 * The last step of a restore (db/snapshot-restore.ts): renames the pending row `id` to
 * `name`, dropping a collection of that name in the same transaction, and makes `storage`
 * (loaded) that collection. The replaced collection goes as in `dropCollection`. Throws
 * only when nothing was committed.
 */
export async function installCollection(
  ctx: DropContext,
  name: string,
  id: number,
  config: StoredCollectionConfig,
  storage: CollectionStorage,
): Promise<EmbeddedCollection> {
  const { host, registry, catalog, store } = ctx;
  ctx.check();
  return retiring(registry, name, (committed) =>
    host.queue.exclusive(async () => {
      ctx.check();
      const old = registry.find(name);
      const oldId = registry.idOf(name);
      catalog.renameCollection(id, name, oldId);
      committed();
      const restored = new EmbeddedCollection(host, name, config, storage);
      registry.add(name, restored);
      if (old) {
        old.dropped = true;
        void old.indexer.stop();
        old.storage.dispose();
      }
      try {
        if (oldId !== undefined) await store.deletePrefix(`collections/${oldId}/`);
        await old?.embedders.dispose();
      } catch (err) {
        // The catalog no longer names the folder: the next open removes it.
        process.emitWarning(
          `quiver: removing the files of the replaced '${name}': ${(err as Error).message}`,
        );
      }
      return restored;
    }),
  );
}

/**
 * Runs `commit` (which calls `committed()` once the catalog change is durable) with the live
 * collection `name`, if any, marked dropped and its loading and index builds stopped; when
 * `commit` fails before `committed()`, puts that collection back as it was, unless another
 * has taken its name meanwhile.
 */
async function retiring<T>(
  registry: CollectionRegistry,
  name: string,
  commit: (committed: () => void) => Promise<T>,
): Promise<T> {
  const target = registry.find(name);
  if (target) target.dropped = true;
  let committed = false;
  try {
    // No index build may write into the folder while it is deleted, nor loading read it.
    await target?.loader.stop(new CollectionNotFoundError(name));
    await target?.indexer.stop();
    return await commit(() => {
      committed = true;
    });
  } catch (err) {
    if (target && !committed && registry.find(name) === target) {
      target.dropped = false;
      target.loader.restart();
      target.indexer.restart();
    }
    throw err;
  }
}
