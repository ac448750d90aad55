/**
 * The catalog's SQLite schema and its migrations (docs/format.md, "Catalog").
 *
 * Version 2 added a `crc` column to `collections`, `manifests` and `wal` (see
 * `catalog-rows.ts`). A version-1 catalog is migrated in place when opened, in one
 * exclusive transaction: the columns are added and the checksums of the rows it already
 * holds are computed then (they are trusted as they are at that moment, which is all a
 * version-1 catalog could offer). A crash during the migration rolls it back whole.
 *
 * Version 3 added the `thumbnails` table (`catalog-thumbnails.ts`); a version-2 catalog
 * gets the empty table in the same kind of transaction (version 1 goes through 2).
 */
import type Sqlite from 'better-sqlite3';
import { QuiverError } from '../errors.js';
import { collectionCrc, manifestCrc, walCrc } from './catalog-rows.js';
import { CREATE_THUMBNAILS } from './catalog-thumbnails.js';

export const CATALOG_SCHEMA_VERSION = 3;

const CREATE_V2 = `
  CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    config TEXT NOT NULL,
    crc INTEGER
  );
  CREATE TABLE IF NOT EXISTS manifests (
    collection_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    crc INTEGER,
    PRIMARY KEY (collection_id, version)
  );
  CREATE TABLE IF NOT EXISTS wal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    body BLOB NOT NULL,
    crc INTEGER
  );
  CREATE INDEX IF NOT EXISTS wal_by_collection ON wal (collection_id, seq);
`;

/** Creates or migrates the schema of `db` to `CATALOG_SCHEMA_VERSION`; `file` names it in errors. */
export function migrateCatalog(db: Sqlite.Database, file: string): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as
      | { value: string }
      | undefined;
    const version = row === undefined ? undefined : Number(row.value);
    if (version === undefined) {
      db.exec(CREATE_V2);
      db.exec(CREATE_THUMBNAILS);
      db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`).run(
        String(CATALOG_SCHEMA_VERSION),
      );
      return;
    }
    if (version === CATALOG_SCHEMA_VERSION) return;
    if (version !== 1 && version !== 2) {
      throw new QuiverError(
        'UNSUPPORTED_VERSION',
        `${file}: catalog schema version ${row?.value} is not supported (this build reads 1 to ${CATALOG_SCHEMA_VERSION})`,
      );
    }
    if (version === 1) migrateV1(db);
    db.exec(CREATE_THUMBNAILS);
    db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(CATALOG_SCHEMA_VERSION));
  }).exclusive();
}

/** Version 1 → 2: adds the checksum columns and fills them for the rows already there. */
function migrateV1(db: Sqlite.Database): void {
  for (const table of ['collections', 'manifests', 'wal'])
    db.exec(`ALTER TABLE ${table} ADD COLUMN crc INTEGER`);
  const collections = db.prepare('SELECT id, name, config FROM collections').all() as {
    id: number;
    name: string;
    config: string;
  }[];
  const setCollection = db.prepare('UPDATE collections SET crc = ? WHERE id = ?');
  for (const c of collections) setCollection.run(collectionCrc(c.name, c.config), c.id);
  const manifests = db.prepare('SELECT collection_id, version, body FROM manifests').all() as {
    collection_id: number;
    version: number;
    body: string;
  }[];
  const setManifest = db.prepare('UPDATE manifests SET crc = ? WHERE collection_id = ? AND version = ?');
  for (const m of manifests) {
    setManifest.run(manifestCrc(m.collection_id, m.version, m.body), m.collection_id, m.version);
  }
  const setWal = db.prepare('UPDATE wal SET crc = ? WHERE seq = ?');
  const wal = db.prepare('SELECT seq, collection_id, kind, body FROM wal').all() as {
    seq: number;
    collection_id: number;
    kind: number;
    body: Buffer;
  }[];
  for (const w of wal) {
    setWal.run(walCrc(w.collection_id, w.kind, w.body), w.seq);
  }
}
