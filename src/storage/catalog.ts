/**
 * The embedded catalog: one SQLite database (`catalog.sqlite`) holding the collections,
 * the head manifest of each, and the write-ahead log of acknowledged writes.
 *
 * Durability argument. SQLite runs in WAL journal mode with `synchronous = FULL`, so a
 * transaction is on disk (fsync of SQLite's own log) when `commit` returns; a write is
 * acknowledged to the caller only after the transaction holding its WAL row commits.
 * Sealing writes segment files first (fsynced, renamed into place) and only then commits,
 * in one transaction, the new manifest together with the removal of the WAL rows it
 * covers. A crash before that commit leaves the old manifest and the WAL rows, which are
 * replayed on open (the new files are orphans and are removed); a crash after it leaves
 * the new manifest, whose files are all durable. Either way no acknowledged write is lost
 * and none is applied twice, because replay starts after `walCheckpoint`.
 *
 * Manifest commits are compare-and-set on the head version (the shape a PostgreSQL
 * catalog will keep in cluster mode). The connection holds SQLite's exclusive lock for
 * its lifetime, so a second process cannot open the same folder; the OS drops the lock if
 * the process dies, so `kill -9` never leaves a stale lock.
 *
 * Integrity. SQLite detects damage to its own structures (`PRAGMA quick_check`, run at
 * open and reported by `integrity`) and discards torn frames of its `-wal` file — and,
 * silently, every frame after one (which `sqlite-wal-check.ts` refuses before SQLite opens
 * the file) — but not changed bytes inside a row; so every row carries a checksum (`catalog-rows.ts`) verified
 * when it is read, and a mismatch is a `CorruptDataError` for that collection alone.
 *
 * A full disk (`SQLITE_FULL`) fails the transaction, which SQLite rolls back whole, and
 * surfaces as `StorageFullError`; the connection stays usable, so the next write succeeds
 * once space is freed.
 *
 * Encryption at rest (`catalog-encryption.ts`): in an encrypted database, WAL and thumbnail
 * bodies are sealed before they are stored and opened when read; checksums cover them as stored.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { CorruptDataError, QuiverError, StorageFullError } from '../errors.js';
import { CatalogEncryption } from './catalog-encryption.js';
import { CatalogPurge } from './catalog-purge.js';
import { collectionCrc, manifestCrc, verifyCrc, walCrc } from './catalog-rows.js';
import { migrateCatalog } from './catalog-schema.js';
import { CatalogThumbnails, thumbnailCrc } from './catalog-thumbnails.js';
import { checkSqliteWal } from './sqlite-wal-check.js';

export { CATALOG_SCHEMA_VERSION } from './catalog-schema.js';

/** Another process holds the database folder open. */
export class DatabaseLockedError extends QuiverError {
  constructor(file: string) {
    super('DATABASE_LOCKED', `${file} is in use by another process`);
  }
}

/** A manifest commit lost a race: the head is no longer the version it was based on. */
export class ManifestConflictError extends QuiverError {
  constructor(collectionId: number, expected: number, actual: number) {
    super(
      'MANIFEST_CONFLICT',
      `collection ${collectionId}: expected manifest head ${expected}, found ${actual}`,
    );
  }
}

export interface CollectionRow {
  id: number;
  name: string;
  config: string;
  /** Whether the row's checksum verifies (a row that fails is listed, so it can be dropped). */
  intact: boolean;
}

export interface WalRow {
  seq: number;
  kind: number;
  body: Buffer;
}

interface StoredWalRow extends WalRow {
  crc: number | null;
}

export interface WalAppend {
  collectionId: number;
  kind: number;
  body: Uint8Array;
  /**
   * Further catalog statements of the same write (its thumbnails, `catalog-thumbnails.ts`),
   * run inside the transaction that appends the row, so they commit or roll back with it.
   */
  alongside?(): void;
}

export class SqliteCatalog {
  private readonly db: Sqlite.Database;
  private readonly stmts: ReturnType<SqliteCatalog['prepare']>;
  /** The next step of giving free pages back (`releaseFreePages`), when one is scheduled. */
  private releasing: NodeJS.Immediate | undefined;
  /** The thumbnails of points (statements to run inside this catalog's transactions). */
  readonly thumbnails: CatalogThumbnails;
  /** Purge intents and scrubbing of deleted rows (verified erasure, `catalog-purge.ts`). */
  readonly purges: CatalogPurge;
  /** `PRAGMA quick_check`'s verdict at open: 'ok', or the problems SQLite found. */
  readonly integrity: string;
  /** The encryption record and the sealing of WAL and thumbnail bodies (`catalog-encryption.ts`). */
  readonly encryption: CatalogEncryption;

  private constructor(readonly file: string) {
    checkSqliteWal(`${file}-wal`);
    this.db = new Sqlite(file, { timeout: 100 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      // A new catalog gives the pages of WAL rows dropped by a seal back to the filesystem
      // (`commitManifest`). SQLite fixes the mode when the file is first written, so this
      // comes before `journal_mode`, and only for a new (empty) file: on an existing one the
      // pragma would change nothing but still write a frame. An existing catalog keeps its
      // mode (an earlier version's: none; its free pages are reused as before).
      if (this.db.pragma('page_count', { simple: true }) === 0) this.db.pragma('auto_vacuum = INCREMENTAL');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // Deleted rows are overwritten with zeros, so purged points leave no bytes in free space.
      this.db.pragma('secure_delete = ON');
      // After a checkpoint, `catalog.sqlite-wal` is cut back to 64 MiB (it grew to the largest
      // write between checkpoints: a seal of gigabytes of rows).
      this.db.pragma(`journal_size_limit = ${WAL_FILE_LIMIT}`);
      migrateCatalog(this.db, file);
      const problems = (this.db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
      this.integrity = problems.join('; ');
    } catch (err) {
      this.db.close();
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_BUSY') throw new DatabaseLockedError(file);
      if (code === 'SQLITE_FULL') throw new StorageFullError(dirname(file), 'opening the catalog');
      if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
        throw new CorruptDataError(file, `SQLite cannot read it (${(err as Error).message})`);
      }
      throw err;
    }
    this.stmts = this.prepare();
    this.encryption = new CatalogEncryption(this.db, file, { wal: walCrc, thumbnail: thumbnailCrc });
    this.thumbnails = new CatalogThumbnails(this.db, file, this.encryption);
    this.purges = new CatalogPurge(this.db, file, fileSize);
  }

  static open(file: string): SqliteCatalog {
    return new SqliteCatalog(file);
  }

  private prepare() {
    const db = this.db;
    return {
      listCollections: db.prepare('SELECT id, name, config, crc FROM collections ORDER BY name'),
      insertCollection: db.prepare('INSERT INTO collections (name, config, crc) VALUES (?, ?, ?)'),
      deleteCollection: db.prepare('DELETE FROM collections WHERE id = ?'),
      nameOf: db.prepare('SELECT name FROM collections WHERE id = ?'),
      updateConfig: db.prepare('UPDATE collections SET config = ?, crc = ? WHERE id = ?'),
      configOf: db.prepare('SELECT config FROM collections WHERE id = ?'),
      rename: db.prepare('UPDATE collections SET name = ?, crc = ? WHERE id = ?'),
      deleteManifests: db.prepare('DELETE FROM manifests WHERE collection_id = ?'),
      deleteWal: db.prepare('DELETE FROM wal WHERE collection_id = ?'),
      head: db.prepare(
        'SELECT version, body, crc FROM manifests WHERE collection_id = ? ORDER BY version DESC LIMIT 1',
      ),
      insertManifest: db.prepare(
        'INSERT INTO manifests (collection_id, version, body, crc) VALUES (?, ?, ?, ?)',
      ),
      pruneManifests: db.prepare('DELETE FROM manifests WHERE collection_id = ? AND version < ?'),
      appendWal: db.prepare('INSERT INTO wal (collection_id, kind, body, crc) VALUES (?, ?, ?, ?)'),
      walAfter: db.prepare(
        'SELECT seq, kind, body, crc FROM wal WHERE collection_id = ? AND seq > ? ORDER BY seq',
      ),
      orphanWal: db.prepare('DELETE FROM wal WHERE collection_id NOT IN (SELECT id FROM collections)'),
      orphanManifests: db.prepare(
        'DELETE FROM manifests WHERE collection_id NOT IN (SELECT id FROM collections)',
      ),
      hasOrphans: db.prepare(
        `SELECT EXISTS (SELECT 1 FROM wal WHERE collection_id NOT IN (SELECT id FROM collections))
             OR EXISTS (SELECT 1 FROM manifests WHERE collection_id NOT IN (SELECT id FROM collections))
             OR EXISTS (SELECT 1 FROM thumbnails WHERE collection_id NOT IN (SELECT id FROM collections)) AS found`,
      ),
      truncateWal: db.prepare('DELETE FROM wal WHERE collection_id = ? AND seq <= ?'),
    };
  }

  /** Every collection, by name; rows whose checksum fails are listed with `intact: false`. */
  listCollections(): CollectionRow[] {
    const rows = this.stmts.listCollections.all() as (Omit<CollectionRow, 'intact'> & {
      crc: number | null;
    })[];
    return rows.map(({ crc, ...row }) => ({ ...row, intact: crc === collectionCrc(row.name, row.config) }));
  }

  /** Registers a collection with its first manifest, atomically. */
  createCollection(name: string, config: string, manifest: (id: number) => string): CollectionRow {
    return this.write('creating a collection', () => {
      const id = Number(
        this.stmts.insertCollection.run(name, config, collectionCrc(name, config)).lastInsertRowid,
      );
      const body = manifest(id);
      this.stmts.insertManifest.run(id, 1, body, manifestCrc(id, 1, body));
      return { id, name, config, intact: true };
    });
  }

  /** Replaces a collection's stored configuration (e.g. after a payload index is created). */
  updateCollectionConfig(id: number, config: string): void {
    this.write('saving a collection configuration', () => {
      const row = this.stmts.nameOf.get(id) as { name: string } | undefined;
      if (row) this.stmts.updateConfig.run(config, collectionCrc(row.name, config), id);
    });
  }

  /**
   * Renames a collection and drops the collection `replacing` (if given) in one transaction:
   * the last step of restoring a snapshot under a pending name (db/snapshot-restore.ts).
   */
  renameCollection(id: number, name: string, replacing?: number): void {
    this.write('renaming a collection', () => {
      if (replacing !== undefined) {
        this.thumbnails.deleteCollection(replacing);
        this.stmts.deleteWal.run(replacing);
        this.stmts.deleteManifests.run(replacing);
        this.stmts.deleteCollection.run(replacing);
      }
      const row = this.stmts.configOf.get(id) as { config: string } | undefined;
      if (!row) throw new QuiverError('COLLECTION_NOT_FOUND', `collection ${id} does not exist`);
      this.stmts.rename.run(name, collectionCrc(name, row.config), id);
    });
  }

  /** Removes a collection, its manifests, its WAL rows and its thumbnails, atomically. */
  dropCollection(id: number): void {
    this.write('dropping a collection', () => {
      this.thumbnails.deleteCollection(id);
      this.stmts.deleteWal.run(id);
      this.stmts.deleteManifests.run(id);
      this.stmts.deleteCollection.run(id);
    });
  }

  /**
   * Deletes WAL rows and manifests of collections that no longer exist (left by versions
   * that acknowledged writes racing a drop); returns how many rows went.
   */
  removeOrphanRows(): number {
    // Read first: opening writes nothing (no fsync, no space needed) when there is nothing to remove.
    if ((this.stmts.hasOrphans.get() as { found: number }).found === 0) return 0;
    return this.write(
      'removing orphan rows',
      () =>
        this.stmts.orphanWal.run().changes +
        this.stmts.orphanManifests.run().changes +
        this.thumbnails.deleteOrphans(),
    );
  }

  /** The head manifest of a collection, its checksum verified. */
  headManifest(collectionId: number): { version: number; body: string } | undefined {
    const head = this.stmts.head.get(collectionId) as
      | { version: number; body: string; crc: number | null }
      | undefined;
    if (!head) return undefined;
    verifyCrc(
      head.crc,
      manifestCrc(collectionId, head.version, head.body),
      `${this.file} (manifest version ${head.version} of collection ${collectionId})`,
    );
    return { version: head.version, body: head.body };
  }

  /**
   * Appends WAL rows in one durable transaction, each with the statements of its
   * `alongside`; returns their sequence numbers, in order.
   */
  appendWal(rows: WalAppend[]): number[] {
    return this.write('appending to the write-ahead log', () =>
      rows.map((r) => {
        const body = this.encryption.sealWal(r.collectionId, r.kind, r.body);
        const seq = Number(
          this.stmts.appendWal.run(r.collectionId, r.kind, body, walCrc(r.collectionId, r.kind, body))
            .lastInsertRowid,
        );
        r.alongside?.();
        return seq;
      }),
    );
  }

  /** Runs `work` (statements of `thumbnails`) in one durable transaction of its own. */
  writeThumbnails(work: () => void): void {
    this.write('writing thumbnails', work);
  }

  /** The WAL rows of a collection after `seq`, in order, each checksum verified. */
  walAfter(collectionId: number, seq: number): WalRow[] {
    const rows = this.stmts.walAfter.all(collectionId, seq) as StoredWalRow[];
    return rows.map(({ crc, ...row }) => {
      const where = `${this.file} (WAL row ${row.seq} of collection ${collectionId})`;
      verifyCrc(crc, walCrc(collectionId, row.kind, row.body), where);
      return { ...row, body: this.encryption.openWal(collectionId, row.kind, row.body, where) };
    });
  }

  /**
   * Compare-and-set of the manifest head: commits `body` as version `expectedVersion + 1`
   * and drops the WAL rows up to `walCheckpoint`, in one transaction.
   */
  commitManifest(collectionId: number, expectedVersion: number, body: string, walCheckpoint: number): void {
    // The WAL rows a manifest drops were sealed into segment files, not deleted: zeroing them
    // (`secure_delete`) would write their gigabytes once more for nothing. A purge scrubs free
    // pages itself (`CatalogPurge.scrub`: VACUUM), so rows deleted here leave nothing it misses.
    // An encrypted catalog still zeroes them: a key rotation promises that no body sealed under
    // the old key survives in the file.
    const zeroDropped = this.encryption.sealing;
    if (!zeroDropped) this.db.pragma('secure_delete = OFF');
    try {
      this.write('committing a manifest', () => {
        const head = this.stmts.head.get(collectionId) as { version: number } | undefined;
        if (!head || head.version !== expectedVersion) {
          throw new ManifestConflictError(collectionId, expectedVersion, head?.version ?? 0);
        }
        const version = expectedVersion + 1;
        this.stmts.insertManifest.run(collectionId, version, body, manifestCrc(collectionId, version, body));
        this.stmts.pruneManifests.run(collectionId, version);
        this.stmts.truncateWal.run(collectionId, walCheckpoint);
      });
    } finally {
      if (!zeroDropped) this.db.pragma('secure_delete = ON');
    }
    this.releaseFreePages();
  }

  /**
   * Gives the catalog's free pages back to the filesystem when there are many (a seal dropped
   * its WAL rows) and the catalog was created with `auto_vacuum = INCREMENTAL`; a catalog of
   * an earlier version keeps them for reuse. Best effort: a failure (a full disk) leaves the
   * pages free, which is what an earlier version did.
   *
   * In steps of {@link RELEASE_STEP_BYTES}, one per turn of the event loop: one
   * `incremental_vacuum` of every page a large seal freed blocked the event loop for
   * seconds (1.25 s for the 307 MB of WAL rows of 100k × 768). `close` finishes what is left.
   */
  private releaseFreePages(): void {
    try {
      if (this.releasing !== undefined || this.db.pragma('auto_vacuum', { simple: true }) !== 2) return;
      const free = this.db.pragma('freelist_count', { simple: true }) as number;
      const pageSize = this.db.pragma('page_size', { simple: true }) as number;
      if (free * pageSize >= FREE_BYTES_TO_RELEASE)
        this.releaseStep(Math.ceil(RELEASE_STEP_BYTES / pageSize));
    } catch {
      // The pages stay free and are reused by later rows.
    }
  }

  /** Releases up to `pages` free pages, and schedules the next step while some are left. */
  private releaseStep(pages: number): void {
    this.releasing = undefined;
    try {
      this.db.pragma(`incremental_vacuum(${pages})`);
      if ((this.db.pragma('freelist_count', { simple: true }) as number) > 0) {
        this.releasing = setImmediate(() => this.releaseStep(pages));
      }
    } catch {
      // The pages stay free and are reused by later rows.
    }
  }

  /** Runs `work` in one transaction; a full disk becomes `StorageFullError` (nothing was written). */
  private write<T>(operation: string, work: () => T): T {
    try {
      return this.db.transaction(work)();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_FULL') {
        throw new StorageFullError(dirname(this.file), operation);
      }
      throw err;
    }
  }

  close(): void {
    if (this.releasing !== undefined) {
      clearImmediate(this.releasing);
      this.releasing = undefined;
      try {
        this.db.pragma('incremental_vacuum');
      } catch {
        // The pages stay free and are reused by later rows.
      }
    }
    this.db.close();
  }
}

/** Bytes `catalog.sqlite-wal` is cut back to after a checkpoint. */
const WAL_FILE_LIMIT = 64 * 2 ** 20;
/** Free pages are given back to the filesystem once they hold this many bytes. */
const FREE_BYTES_TO_RELEASE = 16 * 2 ** 20;
/** Bytes of free pages given back per turn of the event loop (tens of ms). */
const RELEASE_STEP_BYTES = 16 * 2 ** 20;

/** Bytes of the file at `path` (0 when it does not exist). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
