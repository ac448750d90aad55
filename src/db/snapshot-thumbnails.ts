/**
 * Thumbnails in snapshots: a snapshot carries every thumbnail of its collection as one
 * thumbnail pack (storage/thumbnail-pack.ts, `SnapshotDirectory.thumbnails`), read in the
 * same commit-queue task as the manifest and the WAL rows, so it holds exactly the
 * thumbnails of the points the snapshot holds. A restore writes them to the pending
 * collection in one transaction before it is loaded; if the restore fails afterwards,
 * dropping the pending collection drops them too. Snapshots without the entry (no
 * thumbnails, or written before thumbnails existed) restore without any.
 */
import { CorruptDataError, SnapshotError } from '../errors.js';
import type { SqliteCatalog } from '../storage/catalog.js';
import type { ThumbnailRow } from '../storage/catalog-thumbnails.js';
import type { SnapshotReader } from '../storage/snapshot-file.js';
import { decodeThumbnailPack, encodeThumbnailPack } from '../storage/thumbnail-pack.js';
import { fieldsOf, keepsThumbnails, type StoredCollectionConfig } from './collection-config.js';
import type { CommitQueue } from './commit-queue.js';
import type { PointThumbnails } from './point-thumbnails.js';

/** The thumbnails of a collection (in a commit-queue task, with the rest of its state). */
export function captureThumbnails(
  catalog: SqliteCatalog,
  collectionId: number,
  thumbnails: PointThumbnails,
): ThumbnailRow[] {
  return thumbnails.active ? catalog.thumbnails.all(collectionId) : [];
}

/** The pack of captured thumbnails, or undefined when there are none. */
export function thumbnailPackOf(rows: readonly ThumbnailRow[]): Uint8Array | undefined {
  return rows.length === 0 ? undefined : encodeThumbnailPack(rows);
}

/**
 * Writes the snapshot's thumbnails (if any) to the pending collection `collectionId`.
 * Throws `SnapshotError` when the pack does not verify or names a field of `config` that
 * keeps no thumbnails.
 */
export async function restoreThumbnails(
  target: { check(): void; queue: CommitQueue; catalog: SqliteCatalog },
  collectionId: number,
  reader: SnapshotReader,
  config: StoredCollectionConfig,
): Promise<void> {
  const blob = reader.directory.thumbnails;
  if (blob === undefined) return;
  let rows: ThumbnailRow[];
  try {
    rows = decodeThumbnailPack(await reader.read(blob), 'its thumbnails');
  } catch (err) {
    if (!(err instanceof CorruptDataError)) throw err;
    throw new SnapshotError(reader.label, `holds data that does not verify: ${err.message}`);
  }
  const keeping = new Set(
    fieldsOf(config)
      .filter(keepsThumbnails)
      .map((f) => f.name),
  );
  const stray = rows.find((r) => !keeping.has(r.field));
  if (stray) {
    throw new SnapshotError(reader.label, `holds thumbnails of field '${stray.field}', which keeps none`);
  }
  await target.queue.exclusive(() => {
    target.check();
    target.catalog.writeThumbnails(() => target.catalog.thumbnails.put(collectionId, rows));
  });
}
