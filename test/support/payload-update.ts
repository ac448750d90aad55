/**
 * Shared setup of the payload-update tests: a database per test, a small filled collection,
 * and readers of what is on disk (files, WAL rows) once the database is closed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { EmbeddedCollection } from '../../src/db/collection.js';
import { Quiver, SeededRandom } from '../../src/index.js';
import { tempDir } from './reference.js';

export const DIM = 16;

export type Database = Awaited<ReturnType<typeof Quiver.open>>;

export function vectorOf(rng: SeededRandom): number[] {
  return Array.from({ length: DIM }, () => rng.gaussian());
}

export async function withDb<T>(
  work: (db: Database, dir: string) => Promise<T>,
  dir?: { path: string; cleanup: () => void },
): Promise<T> {
  // A folder made here is this call's alone: removed once the database is closed.
  const folder = dir ?? tempDir();
  const db = await Quiver.open(folder.path);
  try {
    return await work(db, folder.path);
  } finally {
    await db.close();
    if (dir === undefined) folder.cleanup();
  }
}

/** A collection of `n` points with ids 0..n-1 and payloads `{ i, tag, meta: { n } }`. */
export async function filled(
  db: Database,
  n: number,
  options: { seal?: boolean; segmentSize?: number } = {},
) {
  const rng = new SeededRandom(3);
  const col = await db.createCollection('p', {
    dimension: DIM,
    segmentSize: options.segmentSize ?? 1000,
    index: { type: 'flat' },
  });
  await col.upsert(
    Array.from({ length: n }, (_, i) => ({
      id: i,
      vector: vectorOf(rng),
      payload: { i, tag: i % 2 === 0 ? 'even' : 'odd', meta: { n: i } },
    })),
  );
  if (options.seal) await col.flush();
  return col;
}

export async function payloadOf(col: EmbeddedCollection, id: number | string): Promise<unknown> {
  const [p] = await col.get([id]);
  return p?.payload;
}

export function filesOf(dir: string): string[] {
  const collections = join(dir, 'collections');
  return readdirSync(collections).flatMap((c) =>
    readdirSync(join(collections, c)).map((f) => join(collections, c, f)),
  );
}

export function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function walRows(dir: string): { kind: number; bytes: number }[] {
  const db = new Sqlite(join(dir, 'catalog.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT kind, length(body) AS bytes FROM wal ORDER BY seq').all() as {
      kind: number;
      bytes: number;
    }[];
  } finally {
    db.close();
  }
}
