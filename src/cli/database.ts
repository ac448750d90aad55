/**
 * Opens the database named by the global `--data` option for the duration of one command and
 * always closes it, whether the command succeeds or throws.
 *
 * A folder holds a database when it has `catalog.sqlite`. Commands that only use what exists
 * (`info`, `search`, `recommend`, `payload-index`, `drop`) refuse a folder without one with
 * `DatabaseNotFoundError` (exit code 1), so a mistyped `--data` is reported instead of
 * silently creating an empty database. Commands that can make something (`create`, `import`
 * with `--create`, `--images` or `--text`, and `serve`) create it, and say so on stderr.
 *
 * Encryption at rest: every command opens the database with the key of the global
 * `--encryption-key-file` (or `$QUIVER_ENCRYPTION_KEY_FILE`; for `serve` also its config
 * file's `encryptionKeyFile`), so a database created with it is encrypted and opens only with it.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Database } from '../db/types.js';
import { resolveEmbedder } from '../embed/index.js';
import { InvalidArgumentError, QuiverError } from '../errors.js';
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
  keyFiles: KeyFiles = {},
): Promise<Quiver> {
  const { data, ...given } = command.optsWithGlobals<{ data: string } & KeyFiles>();
  const exists = existsSync(join(data, 'catalog.sqlite'));
  if (!exists && access === 'existing') throw new DatabaseNotFoundError(data);
  const keys = await readKeyFiles({
    encryptionKeyFile: given.encryptionKeyFile ?? keyFiles.encryptionKeyFile,
    previousEncryptionKeyFile: given.previousEncryptionKeyFile ?? keyFiles.previousEncryptionKeyFile,
  });
  const db = await Quiver.open(data, { embedders: resolveEmbedder, load, ...keys });
  if (!exists) process.stderr.write(`quiver: created a new database in ${resolve(data)}\n`);
  return db;
}

/** The key files of `--encryption-key-file` and `--previous-encryption-key-file` (or a server config's). */
export interface KeyFiles {
  encryptionKeyFile?: string;
  previousEncryptionKeyFile?: string[];
}

/**
 * The keys the files hold (64 hex characters each, surrounding white space ignored).
 * @throws InvalidArgumentError naming the file when one holds anything else.
 */
export async function readKeyFiles(
  files: KeyFiles,
): Promise<Pick<OpenOptions, 'encryptionKey' | 'previousEncryptionKeys'>> {
  const read = async (file: string, option: string) => {
    const text = (await readFile(file, 'utf8')).trim();
    if (!/^[0-9a-fA-F]{64}$/.test(text)) {
      throw new InvalidArgumentError(`${option} ${file}: expected 64 hex characters (a 256-bit key)`);
    }
    return text;
  };
  const out: Pick<OpenOptions, 'encryptionKey' | 'previousEncryptionKeys'> = {};
  if (files.encryptionKeyFile !== undefined) {
    out.encryptionKey = await read(files.encryptionKeyFile, '--encryption-key-file');
  }
  if (files.previousEncryptionKeyFile?.length) {
    out.previousEncryptionKeys = [];
    for (const f of files.previousEncryptionKeyFile) {
      out.previousEncryptionKeys.push(await read(f, '--previous-encryption-key-file'));
    }
  }
  return out;
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
