/**
 * Opens the database named by the global `--data` option for the duration of one command and
 * always closes it, whether the command succeeds or throws.
 */

import type { Command } from 'commander';
import type { Database } from '../db/types.js';
import { resolveEmbedder } from '../embed/index.js';
import { Quiver } from '../index.js';

/** Runs `run` with the database at `--data` (default `$QUIVER_DATA` or `./quiver-data`), then closes it. */
export async function withDatabase<T>(command: Command, run: (db: Database) => Promise<T>): Promise<T> {
  const { data } = command.optsWithGlobals<{ data: string }>();
  const db = await Quiver.open(data, { embedders: resolveEmbedder });
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}
