/**
 * What a dropped collection may leave behind in a database folder, read while no server
 * holds it: WAL and manifest rows in `catalog.sqlite` whose collection no longer exists,
 * and `collections/<id>/` folders (empty ones included) without a collection.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';

export interface Leftovers {
  collections: number;
  orphanWalRows: number;
  orphanManifestRows: number;
  orphanFolders: string[];
}

export function leftovers(data: string): Leftovers {
  const db = new Sqlite(join(data, 'catalog.sqlite'), { readonly: true, fileMustExist: true });
  let ids: Set<number>;
  let orphanWalRows: number;
  let orphanManifestRows: number;
  try {
    ids = new Set((db.prepare('SELECT id FROM collections').all() as { id: number }[]).map((r) => r.id));
    const orphans = (table: string) =>
      (
        db
          .prepare(
            `SELECT COUNT(*) AS n FROM ${table} WHERE collection_id NOT IN (SELECT id FROM collections)`,
          )
          .get() as { n: number }
      ).n;
    orphanWalRows = orphans('wal');
    orphanManifestRows = orphans('manifests');
  } finally {
    db.close();
  }
  const folder = join(data, 'collections');
  const orphanFolders = existsSync(folder)
    ? readdirSync(folder).filter((name) => !ids.has(Number(name)))
    : [];
  return { collections: ids.size, orphanWalRows, orphanManifestRows, orphanFolders };
}
