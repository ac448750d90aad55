/**
 * `quiver restore <file> [--collection <name>] [--checksum <sha256>] [--json]`
 *
 * Creates a collection from a snapshot file (`quiver snapshot`, or one downloaded from a
 * Quiver server's `/collections/{name}/snapshots`), replacing a collection of that name if
 * there is one; by default the name it had when the snapshot was taken. The file is verified
 * whole first: a foreign, truncated or damaged file is refused (exit code 1) and the database
 * is left as it was. Creates the database folder if there is none.
 */
import type { Command } from 'commander';
import { Quiver } from '../../db/database.js';
import type { Database, SnapshotDatabase } from '../../db/types.js';
import { SnapshotReader } from '../../storage/snapshot-file.js';
import { withDatabase } from '../database.js';
import { printJson } from '../output.js';

/** The snapshot side of the database the CLI opened (always the embedded engine). */
export function snapshotsOf(db: Database): SnapshotDatabase {
  if (!(db instanceof Quiver)) throw new TypeError('the CLI opens embedded databases only');
  return db;
}

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('create or replace a collection from a snapshot file')
    .argument('<file>', 'snapshot file')
    .option('--collection <name>', 'name of the restored collection (default: the name in the snapshot)')
    .option('--checksum <sha256>', 'refuse the file unless its SHA-256 is this (hex)')
    .option('--json', 'print JSON')
    .action(
      async (
        file: string,
        options: { collection?: string; checksum?: string; json?: boolean },
        command: Command,
      ) => {
        // Read (and verify) the file's directory for its collection name before opening the database.
        let name = options.collection;
        if (name === undefined) {
          const reader = await SnapshotReader.open(file, file, options.checksum);
          name = reader.directory.collection;
          await reader.close();
        }
        const target = name;
        await withDatabase(command, 'create', async (db) => {
          const collection = await snapshotsOf(db).recoverSnapshot(target, file, {
            ...(options.checksum === undefined ? {} : { checksum: options.checksum }),
          });
          const points = await collection.count();
          if (options.json) printJson({ collection: target, points, file });
          else process.stdout.write(`restored collection '${target}' (${points} points) from ${file}\n`);
        });
      },
    );
}
