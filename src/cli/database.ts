/**
 * Opens the database named by the global `--data` option for the duration of one command and
 * always closes it, whether the command succeeds or throws.
 *
 * A folder holds a database when it has `catalog.sqlite`. Commands that only use what exists
 * (`info`, `search`, `recommend`, `payload-index`, `drop`) refuse a folder without one with
 * `DatabaseNotFoundError` (exit code 1), so a mistyped `--data` is reported instead of
 * silently creating an empty database. Commands that can make something (`create`, `import`
 * with `--create`, `--images` or `--text`, and `serve`) create it, and say so on stderr.
 */

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Database } from '../db/types.js';
import { resolveEmbedder } from '../embed/index.js';
import { QuiverError } from '../errors.js';
import { type OpenOptions, Quiver } from '../index.js';

/** `--data` names a folder that holds no Quiver database (no `catalog.sqlite`). */
export class DatabaseNotFoundError extends QuiverError {
  constructor(readonly folder: string) {
    super(
      'DATABASE_NOT_FOUND',
      `no Quiver database in ${resolve(folder)} (no catalog.sqlite there): check --data or $QUIVER_DATA, ` +
        'or create one with quiver create (or quiver import --create)',
    );
  }
}

/** Whether the command may create a database where there is none. */
export type DatabaseAccess = 'existing' | 'create';

/**
 * Opens the database at the `--data` folder (default `$QUIVER_DATA` or `./quiver-data`). A
 * command loads a collection's segments only when it reads or writes it (`load: 'on-demand'`),
 * so `quiver info` and `quiver drop` never read a segment file; `quiver serve` loads them all
 * in the background (`'background'`).
 * @throws DatabaseNotFoundError when the folder holds no database and `access` is `existing`.
 */
export async function openDatabase(
  command: Command,
  access: DatabaseAccess,
  load: OpenOptions['load'] = 'on-demand',
): Promise<Database> {
  const { data } = command.optsWithGlobals<{ data: string }>();
  const exists = existsSync(join(data, 'catalog.sqlite'));
  if (!exists && access === 'existing') throw new DatabaseNotFoundError(data);
  const db = await Quiver.open(data, { embedders: resolveEmbedder, load });
  if (!exists) process.stderr.write(`quiver: created a new database in ${resolve(data)}\n`);
  return db;
}

/** Runs `run` with the database at `--data` (see `openDatabase`), then closes it. */
export async function withDatabase<T>(
  command: Command,
  access: DatabaseAccess,
  run: (db: Database) => Promise<T>,
): Promise<T> {
  const db = await openDatabase(command, access);
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}
