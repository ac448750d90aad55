/**
 * The catalog's `thumbnails` table (schema version 3, docs/format.md "Catalog"): the small
 * WebP images that vector fields with `storeInput: 'thumbnail'` keep of each image input,
 * one row per (collection, point, field).
 *
 * Why the catalog: a thumbnail is part of its point, so it must appear, change and vanish
 * exactly when the point does. The statements here run inside the same SQLite transaction
 * as the WAL row of the write that makes them true (`WalAppend.alongside`), so after any
 * crash the table and the acknowledged writes agree: a thumbnail exists iff the last
 * acknowledged upsert of its point carried that field's image and no delete came after.
 * Nothing here is replayed or sealed; segments (and so searches) never hold thumbnails.
 *
 * Point ids are stored as given, in a column without type affinity: an integer id as a
 * number, a string id as text, so `7` and `'7'` are two points, as everywhere else.
 *
 * Every row carries a CRC-32 over its collection, point, field and bytes (as the other
 * catalog rows, `catalog-rows.ts`), verified when it is read: a mismatch is a
 * `CorruptDataError` naming the row. In an encrypted database the bytes are sealed
 * (`catalog-encryption.ts`) and the checksum covers them as stored.
 */
import type Sqlite from 'better-sqlite3';
import { CorruptDataError } from '../errors.js';
import { crc32, utf8 } from './binary.js';
import type { CatalogEncryption } from './catalog-encryption.js';
import { verifyCrc } from './catalog-rows.js';

/** An integer or string point id (as `segment-view.ts`'s `PointId`). */
export type ThumbnailPointId = number | string;

export interface ThumbnailRow {
  point: ThumbnailPointId;
  field: string;
  /** The WebP file's bytes. */
  body: Uint8Array;
}

/** Creates the table (schema version 3); used by `catalog-schema.ts`. */
export const CREATE_THUMBNAILS = `
  CREATE TABLE IF NOT EXISTS thumbnails (
    collection_id INTEGER NOT NULL,
    point NOT NULL,
    field TEXT NOT NULL,
    body BLOB NOT NULL,
    crc INTEGER NOT NULL,
    PRIMARY KEY (collection_id, point, field)
  );
`;

/** The checksum of a thumbnail row. */
export function thumbnailCrc(
  collectionId: number,
  point: ThumbnailPointId,
  field: string,
  body: Uint8Array,
): number {
  const id = typeof point === 'number' ? `i${point}` : `s${point}`;
  return crc32(body, crc32(utf8(`thumbnail\0${collectionId}\0${id}\0${field}\0`)));
}

/**
 * Statements over the table. None opens a transaction of its own: writers call them inside
 * the catalog's (the WAL append of the write they belong to, or `SqliteCatalog.writeThumbnails`).
 */
export class CatalogThumbnails {
  private readonly stmts: ReturnType<CatalogThumbnails['prepare']>;

  constructor(
    private readonly db: Sqlite.Database,
    private readonly file: string,
    /** Seals bodies in an encrypted database (checksums cover them as stored). */
    private readonly encryption?: CatalogEncryption,
  ) {
    this.stmts = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      put: db.prepare(
        'INSERT OR REPLACE INTO thumbnails (collection_id, point, field, body, crc) VALUES (?, ?, ?, ?, ?)',
      ),
      deletePoint: db.prepare('DELETE FROM thumbnails WHERE collection_id = ? AND point = ?'),
      deleteCollection: db.prepare('DELETE FROM thumbnails WHERE collection_id = ?'),
      deleteOrphans: db.prepare(
        'DELETE FROM thumbnails WHERE collection_id NOT IN (SELECT id FROM collections)',
      ),
      get: db.prepare('SELECT body, crc FROM thumbnails WHERE collection_id = ? AND point = ? AND field = ?'),
      all: db.prepare(
        'SELECT point, field, body, crc FROM thumbnails WHERE collection_id = ? ORDER BY point, field',
      ),
    };
  }

  /** Inserts or replaces rows (inside a transaction of the caller's). */
  put(collectionId: number, rows: readonly ThumbnailRow[]): void {
    for (const r of rows) {
      const body = this.encryption ? this.encryption.sealThumbnail(collectionId, r.field, r.body) : r.body;
      this.stmts.put.run(
        collectionId,
        r.point,
        r.field,
        body,
        thumbnailCrc(collectionId, r.point, r.field, body),
      );
    }
  }

  /** Deletes every thumbnail (of any field) of these points (inside a transaction of the caller's). */
  deletePoints(collectionId: number, points: readonly ThumbnailPointId[]): void {
    for (const p of points) this.stmts.deletePoint.run(collectionId, p);
  }

  /** Deletes every thumbnail of a collection (inside a transaction of the caller's). */
  deleteCollection(collectionId: number): void {
    this.stmts.deleteCollection.run(collectionId);
  }

  /** Deletes thumbnails of collections that no longer exist; returns how many (inside a transaction of the caller's). */
  deleteOrphans(): number {
    return this.stmts.deleteOrphans.run().changes;
  }

  /** One thumbnail, its checksum verified; undefined when there is none. */
  get(collectionId: number, point: ThumbnailPointId, field: string): Buffer | undefined {
    const row = this.stmts.get.get(collectionId, point, field) as { body: Buffer; crc: number } | undefined;
    if (!row) return undefined;
    return this.bodyOf(collectionId, point, field, row);
  }

  /** Every thumbnail of a collection, checksums verified, ordered by point then field. */
  all(collectionId: number): ThumbnailRow[] {
    const rows = this.stmts.all.all(collectionId) as (ThumbnailRow & { body: Buffer; crc: number })[];
    return rows.map((r) => ({
      point: r.point,
      field: r.field,
      body: this.bodyOf(collectionId, r.point, r.field, r),
    }));
  }

  /** The body of a stored row: its checksum verified, then opened when the database is encrypted. */
  private bodyOf(
    collectionId: number,
    point: ThumbnailPointId,
    field: string,
    row: { body: Buffer; crc: number },
  ): Buffer {
    if (typeof point !== 'number' && typeof point !== 'string') {
      throw new CorruptDataError(
        this.file,
        `a thumbnail of collection ${collectionId} has a point id of another type`,
      );
    }
    const where = `${this.file} (thumbnail ${JSON.stringify(point)}/${field} of collection ${collectionId})`;
    verifyCrc(row.crc, thumbnailCrc(collectionId, point, field, row.body), where);
    return this.encryption ? this.encryption.openThumbnail(collectionId, field, row.body, where) : row.body;
  }
}
