/**
 * Verified erasure: `collection.delete(selector, { purge: true })` resolves only once no file
 * of the database holds the deleted points' vectors or payloads.
 *
 * Where a deleted point's bytes can live, and what the purge does about each:
 * - the catalog's WAL rows (`catalog.sqlite` and its `-wal` file): the purge seals the
 *   growing segment (the seal's manifest commit removes every WAL row of the collection),
 *   then `CatalogPurge.scrub` vacuums the catalog and truncates `-wal`; the catalog runs with
 *   `secure_delete = ON`, so deleted rows are zeroed too;
 * - the thumbnails table: the delete removes the points' rows in its own transaction;
 * - sealed segment files, their tombstone, payload overlay (`.qpay`) and index files: the
 *   purge compacts (`CollectionStorage.compact`), which rewrites every segment with deleted
 *   rows without them and deletes the old files once the new manifest is committed; then it
 *   waits for the index builds in flight, so that an index of a rewritten segment that was
 *   being built is written and removed before the purge returns;
 * - managed snapshots (`<db>/snapshots/<collection>/`): a snapshot taken before the purge may
 *   hold the points, and rewriting one would change what it restores, so the purge deletes
 *   the collection's snapshots and says which in `PurgeResult.snapshotsDeleted`.
 * Deletes made earlier without purge are erased by the same steps (they act on every deleted
 * row, and on every old version of an overwritten point).
 *
 * Crash safety: the delete's WAL row and the purge intent (`CatalogPurge.mark`) commit in one
 * transaction, so a purge is pending exactly when its delete is acknowledged. Every step is
 * the ordinary crash-safe seal or compaction (new files first, manifest commit, then removal
 * of old files; orphans are removed at open), or a SQLite transaction, or file removal; the
 * intent is cleared last. When the database opens with an intent left, `resumePurges` runs
 * the steps again (they are idempotent) before `Quiver.open` resolves; until then
 * `purge-report` lists the collection as pending.
 */
import { InvalidArgumentError } from '../errors.js';
import type { SqliteCatalog } from '../storage/catalog.js';
import type { CollectionStorage } from './collection-storage.js';
import type { CommitQueue } from './commit-queue.js';
import type { SegmentIndexer } from './segment-indexer.js';
import type { DeleteOptions, PurgeResult } from './types.js';
import { describe } from './validate.js';

export type { PurgeResult } from './types.js';

/** What a purge works on: one collection's storage and the database's queue and snapshots. */
export interface PurgeTarget {
  readonly name: string;
  /** Throws when the collection or the database is gone (a purge stops there: a drop removed the files). */
  check(): void;
  readonly storage: CollectionStorage;
  readonly queue: CommitQueue;
  readonly indexer: SegmentIndexer;
  readonly segmentSize: number;
  /** Deletes every managed snapshot of the collection; resolves with their names. */
  dropSnapshots(): Promise<string[]>;
}

/** Whether `options` of `delete` ask for a purge; throws `InvalidArgumentError` for a bad shape. */
export function purgeRequested(options: DeleteOptions | undefined): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(`delete options: expected an object, got ${describe(options)}`);
  }
  const purge = options.purge;
  if (purge !== undefined && typeof purge !== 'boolean') {
    throw new InvalidArgumentError(`purge: expected a boolean, got ${describe(purge)}`);
  }
  return purge === true;
}

/**
 * Erases the collection's deleted rows from every file (see the module comment) and clears
 * its purge intent. Idempotent; safe to run with no intent recorded.
 */
export async function erase(target: PurgeTarget): Promise<Omit<PurgeResult, 'deleted'>> {
  const { storage, queue } = target;
  const catalog = storage.catalog;
  const segmentsRewritten = await queue.exclusive(async () => {
    target.check();
    const before = storage.set.sealed.filter((p) => p.deletedCount > 0).length;
    await storage.compact(target.segmentSize);
    return before;
  });
  target.indexer.scheduleMissing();
  // A failed index build is the indexer's to report; the purge only needs builds to settle.
  await target.indexer.idle().catch(() => undefined);
  await queue.exclusive(() => {
    target.check();
    catalog.purges.scrub();
  });
  const snapshotsDeleted = await target.dropSnapshots();
  await queue.exclusive(() => {
    target.check();
    catalog.purges.clear(storage.collectionId);
    catalog.purges.checkpoint();
  });
  return { segmentsRewritten, snapshotsDeleted };
}

/**
 * Finishes the purges a crash interrupted (run at open, once collections are loaded): each
 * collection with an intent is erased again; an intent of a collection that no longer exists
 * (dropped, so its files are gone) is cleared; one of a collection that failed to load
 * (`existing` but not among `targets`) stays pending and listed by `purge-report`.
 */
export async function resumePurges(
  catalog: SqliteCatalog,
  targets: Iterable<PurgeTarget>,
  existing: ReadonlySet<number>,
): Promise<void> {
  const pending = catalog.purges.pending();
  if (pending.length === 0) return;
  const byId = new Map<number, PurgeTarget>();
  for (const t of targets) byId.set(t.storage.collectionId, t);
  for (const id of pending) {
    const target = byId.get(id);
    if (target) await erase(target);
    else if (!existing.has(id)) catalog.purges.clear(id);
  }
}
