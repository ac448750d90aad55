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
 */
import Sqlite from 'better-sqlite3';
import { QuiverError } from '../errors.js';

export const CATALOG_SCHEMA_VERSION = 1;

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
}

export interface WalRow {
  seq: number;
  kind: number;
  body: Buffer;
}

export interface WalAppend {
  collectionId: number;
  kind: number;
  body: Uint8Array;
}

export class SqliteCatalog {
  private readonly db: Sqlite.Database;
  private readonly stmts: ReturnType<SqliteCatalog['prepare']>;

  private constructor(readonly file: string) {
    this.db = new Sqlite(file, { timeout: 100 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.migrate();
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DatabaseLockedError(file);
      throw err;
    }
    this.stmts = this.prepare();
  }

  static open(file: string): SqliteCatalog {
    return new SqliteCatalog(file);
  }

  private migrate(): void {
    this.db.exec(`
      BEGIN EXCLUSIVE;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS collections (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS manifests (
        collection_id INTEGER NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (collection_id, version)
      );
      CREATE TABLE IF NOT EXISTS wal (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        collection_id INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        body BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS wal_by_collection ON wal (collection_id, seq);
      INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '${CATALOG_SCHEMA_VERSION}');
      COMMIT;
    `);
    const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as {
      value: string;
    };
    if (Number(row.value) !== CATALOG_SCHEMA_VERSION) {
      throw new QuiverError(
        'UNSUPPORTED_VERSION',
        `${this.file}: catalog schema version ${row.value} is not supported (this build reads ${CATALOG_SCHEMA_VERSION})`,
      );
    }
  }

  private prepare() {
    const db = this.db;
    return {
      listCollections: db.prepare('SELECT id, name, config FROM collections ORDER BY name'),
      insertCollection: db.prepare('INSERT INTO collections (name, config) VALUES (?, ?)'),
      deleteCollection: db.prepare('DELETE FROM collections WHERE id = ?'),
      updateConfig: db.prepare('UPDATE collections SET config = ? WHERE id = ?'),
      deleteManifests: db.prepare('DELETE FROM manifests WHERE collection_id = ?'),
      deleteWal: db.prepare('DELETE FROM wal WHERE collection_id = ?'),
      head: db.prepare(
        'SELECT version, body FROM manifests WHERE collection_id = ? ORDER BY version DESC LIMIT 1',
      ),
      insertManifest: db.prepare('INSERT INTO manifests (collection_id, version, body) VALUES (?, ?, ?)'),
      pruneManifests: db.prepare('DELETE FROM manifests WHERE collection_id = ? AND version < ?'),
      appendWal: db.prepare('INSERT INTO wal (collection_id, kind, body) VALUES (?, ?, ?)'),
      walAfter: db.prepare(
        'SELECT seq, kind, body FROM wal WHERE collection_id = ? AND seq > ? ORDER BY seq',
      ),
      truncateWal: db.prepare('DELETE FROM wal WHERE collection_id = ? AND seq <= ?'),
    };
  }

  listCollections(): CollectionRow[] {
    return this.stmts.listCollections.all() as CollectionRow[];
  }

  /** Registers a collection with its first manifest, atomically. */
  createCollection(name: string, config: string, manifest: (id: number) => string): CollectionRow {
    return this.db.transaction(() => {
      const id = Number(this.stmts.insertCollection.run(name, config).lastInsertRowid);
      this.stmts.insertManifest.run(id, 1, manifest(id));
      return { id, name, config };
    })();
  }

  /** Replaces a collection's stored configuration (e.g. after a payload index is created). */
  updateCollectionConfig(id: number, config: string): void {
    this.stmts.updateConfig.run(config, id);
  }

  /** Removes a collection, its manifests and its WAL rows, atomically. */
  dropCollection(id: number): void {
    this.db.transaction(() => {
      this.stmts.deleteWal.run(id);
      this.stmts.deleteManifests.run(id);
      this.stmts.deleteCollection.run(id);
    })();
  }

  headManifest(collectionId: number): { version: number; body: string } | undefined {
    return this.stmts.head.get(collectionId) as { version: number; body: string } | undefined;
  }

  /** Appends WAL rows in one durable transaction; returns their sequence numbers, in order. */
  appendWal(rows: WalAppend[]): number[] {
    return this.db.transaction(() =>
      rows.map((r) => Number(this.stmts.appendWal.run(r.collectionId, r.kind, r.body).lastInsertRowid)),
    )();
  }

  walAfter(collectionId: number, seq: number): WalRow[] {
    return this.stmts.walAfter.all(collectionId, seq) as WalRow[];
  }

  /**
   * Compare-and-set of the manifest head: commits `body` as version `expectedVersion + 1`
   * and drops the WAL rows up to `walCheckpoint`, in one transaction.
   */
  commitManifest(collectionId: number, expectedVersion: number, body: string, walCheckpoint: number): void {
    this.db.transaction(() => {
      const head = this.headManifest(collectionId);
      if (!head || head.version !== expectedVersion) {
        throw new ManifestConflictError(collectionId, expectedVersion, head?.version ?? 0);
      }
      this.stmts.insertManifest.run(collectionId, expectedVersion + 1, body);
      this.stmts.pruneManifests.run(collectionId, expectedVersion + 1);
      this.stmts.truncateWal.run(collectionId, walCheckpoint);
    })();
  }

  close(): void {
    this.db.close();
  }
}
