/**
 * `purge-report`: which files of a database still hold data of deleted points that no purge
 * has erased (db/purge.ts), with counts. Reading only: it changes no file.
 *
 * What is listed, per collection:
 * - sealed segments with tombstones: their rows are deleted but their bytes are still in the
 *   segment file (and its index and payload overlay files) until a compaction or purge;
 * - WAL rows not yet sealed, and how many of them are deletes: rows of the growing segment
 *   that a later delete removed are still in those rows;
 * - the collection's managed snapshots, which may hold points deleted since they were taken;
 * - whether a purge is pending (recorded, not finished: a crash interrupted it and the
 *   collection failed to load since).
 * And for the whole catalog: free pages and the bytes of `catalog.sqlite-wal`, which may hold
 * deleted rows until the next purge scrubs them.
 */
import type { SqliteCatalog } from '../storage/catalog.js';
import type { CatalogResidue } from '../storage/catalog-purge.js';
import { WalKind } from '../storage/wal-record.js';
import type { CollectionStorage } from './collection-storage.js';
import type { SnapshotInfo } from './types.js';

/** A sealed segment whose file still holds deleted rows. */
export interface TombstonedSegmentReport {
  /** The segment file. */
  file: string;
  /** Rows of the file that are deleted. */
  deletedRows: number;
  /** Rows in the file. */
  rows: number;
  /** The other files of the segment (tombstones, payload overlay, indexes). */
  alongside: string[];
}

export interface CollectionPurgeReport {
  collection: string;
  /** A purge was recorded and has not finished. */
  pendingPurge: boolean;
  segments: TombstonedSegmentReport[];
  /** WAL rows of the collection in the catalog (not yet sealed): count, body bytes, deletes among them. */
  wal: { rows: number; bytes: number; deletes: number };
  /** The collection's snapshots (they may hold points deleted after they were taken). */
  snapshots: { name: string; size: number }[];
  /** True when nothing above may hold deleted data. */
  clean: boolean;
}

export interface PurgeReport {
  collections: CollectionPurgeReport[];
  catalog: CatalogResidue;
}

/** The report of one collection. */
export function collectionPurgeReport(
  name: string,
  storage: CollectionStorage,
  snapshots: readonly SnapshotInfo[],
): CollectionPurgeReport {
  const catalog = storage.catalog;
  const segments: TombstonedSegmentReport[] = storage.set.sealed
    .filter((p) => p.deletedCount > 0)
    .map((p) => ({
      file: storage.segmentFile(p.segment.id),
      deletedRows: p.deletedCount,
      rows: p.rows,
      alongside: [p.file, p.overlay.file, ...p.indexFiles].filter((f): f is string => f !== undefined),
    }));
  const wal = catalog.purges.walRows(storage.collectionId, WalKind.DELETE);
  const pendingPurge = catalog.purges.pending().includes(storage.collectionId);
  return {
    collection: name,
    pendingPurge,
    segments,
    wal,
    snapshots: snapshots.map((s) => ({ name: s.name, size: s.size })),
    clean: !pendingPurge && segments.length === 0 && wal.deletes === 0 && snapshots.length === 0,
  };
}

/** The catalog-wide part of the report. */
export function catalogResidue(catalog: SqliteCatalog): CatalogResidue {
  return catalog.purges.residue();
}
