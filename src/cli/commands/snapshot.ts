/**
 * `quiver snapshot <collection> [--out <file>] [--json]`
 *
 * Writes a snapshot of the collection (one checksummed file, docs/format.md "Snapshot file")
 * into the database's snapshot folder, or moves it to `--out` (which must not exist), and
 * prints where it is, its size and its SHA-256. `quiver restore` reads it back.
 */
import { constants, existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { withDatabase } from '../database.js';
import { printJson } from '../output.js';
import { snapshotsOf } from './restore.js';

export function registerSnapshot(program: Command): void {
  program
    .command('snapshot')
    .description('write a snapshot of a collection (one file that `quiver restore` restores exactly)')
    .argument('<collection>', 'collection name')
    .option(
      '--out <file>',
      'write the snapshot to this file (default: the database folder, snapshots/<collection>/)',
    )
    .option('--json', 'print JSON')
    .action(async (name: string, options: { out?: string; json?: boolean }, command: Command) => {
      const out = options.out === undefined ? undefined : resolve(options.out);
      if (out !== undefined && existsSync(out)) {
        throw new InvalidArgumentError(`--out: ${out} exists; give a new file name`);
      }
      await withDatabase(command, 'existing', async (db) => {
        const snapshots = snapshotsOf(db);
        const info = await snapshots.createSnapshot(name);
        let path = await snapshots.snapshotPath(name, info.name);
        if (out !== undefined) {
          // Copy, then delete: --out may be on another filesystem; COPYFILE_EXCL keeps an existing file.
          await copyFile(path, out, constants.COPYFILE_EXCL);
          await snapshots.deleteSnapshot(name, info.name);
          path = out;
        }
        if (options.json) printJson({ ...info, path });
        else
          process.stdout.write(
            `snapshot of '${name}': ${path} (${info.size} bytes, sha256 ${info.checksum})\n`,
          );
      });
    });
}
