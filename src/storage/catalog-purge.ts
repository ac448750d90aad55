/**
 * The catalog's side of verified erasure (db/purge.ts): the durable intent record of a purge,
 * and scrubbing SQLite's files so that no deleted row's bytes survive in them.
 *
 * Intent. A purge is recorded as the `meta` row `purge_pending:<collection id>` in the same
 * transaction as the WAL row of its delete (`WalAppend.alongside`), so a purge is pending
 * exactly when its delete is acknowledged; the row is removed only once every file is clean.
 * The `meta` table exists in every schema version, so the record needs no schema change, and
 * a build that does not know it ignores it (docs/format.md, "Catalog").
 *
 * Scrubbing. The catalog runs with `secure_delete = ON` (SQLite overwrites the content of
 * deleted rows and freed pages with zeros), but rows deleted before that was on, or by
 * another build, may still sit in free pages or in the free space of a page; so `scrub`
 * runs `VACUUM` (every page is rewritten from the live rows) and then
 * `wal_checkpoint(TRUNCATE)`, which copies the rewritten pages into `catalog.sqlite` and
 * truncates `catalog.sqlite-wal` to zero bytes, so the old frames that still held the rows go.
 */
import type Sqlite from 'better-sqlite3';

const KEY_PREFIX = 'purge_pending:';

/** What the catalog's files may still hold of deleted rows (for `purge-report`). */
export interface CatalogResidue {
  /** Pages on SQLite's free list (they may hold rows deleted before `secure_delete`). */
  freePages: number;
  /** Bytes of `catalog.sqlite-wal` (old frames may hold deleted rows until a truncating checkpoint). */
  walFileBytes: number;
}

export class CatalogPurge {
  private readonly stmts: ReturnType<CatalogPurge['prepare']>;

  constructor(
    private readonly db: Sqlite.Database,
    private readonly file: string,
    private readonly fileSize: (path: string) => number,
  ) {
    this.stmts = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      mark: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      clear: db.prepare('DELETE FROM meta WHERE key = ?'),
      pending: db.prepare(`SELECT key FROM meta WHERE key LIKE '${KEY_PREFIX}%'`),
      walRows: db.prepare(
        'SELECT COUNT(*) AS rows, COALESCE(SUM(LENGTH(body)), 0) AS bytes, COALESCE(SUM(kind = ?), 0) AS deletes FROM wal WHERE collection_id = ?',
      ),
    };
  }

  /** Records that collection `collectionId` has a purge pending; run inside the delete's transaction. */
  mark(collectionId: number): void {
    this.stmts.mark.run(`${KEY_PREFIX}${collectionId}`, new Date().toISOString());
  }

  /** Removes the purge record of a collection, in a transaction of its own. */
  clear(collectionId: number): void {
    this.db.transaction(() => this.stmts.clear.run(`${KEY_PREFIX}${collectionId}`))();
  }

  /** Ids of the collections with a purge pending. */
  pending(): number[] {
    return (this.stmts.pending.all() as { key: string }[]).map((r) => Number(r.key.slice(KEY_PREFIX.length)));
  }

  /** WAL rows of a collection not yet covered by a seal: how many, their body bytes, how many are deletes of kind `deleteKind`. */
  walRows(collectionId: number, deleteKind: number): { rows: number; bytes: number; deletes: number } {
    return this.stmts.walRows.get(deleteKind, collectionId) as {
      rows: number;
      bytes: number;
      deletes: number;
    };
  }

  /** Rewrites the catalog without free space and truncates its `-wal` file (see the module comment). */
  scrub(): void {
    this.db.exec('VACUUM');
    this.checkpoint();
  }

  /** Copies every frame of `-wal` into the database file and truncates `-wal` to zero bytes. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** What SQLite's files may still hold of deleted rows. */
  residue(): CatalogResidue {
    return {
      freePages: this.db.pragma('freelist_count', { simple: true }) as number,
      walFileBytes: this.fileSize(`${this.file}-wal`),
    };
  }
}
