/**
 * `quiver --encryption-key-file <current> rotate-key --new-key-file <file>`
 *
 * Re-encrypts the database at `--data` under the key in `--new-key-file` (64 hex characters)
 * and returns when every file and catalog row is sealed under it (db/encryption.ts); prints
 * how many it re-sealed. From then on only the new key opens the database. If the command
 * is killed, any command given `--encryption-key-file <new> --previous-encryption-key-file
 * <old>` resumes the rotation: this one (with `--new-key-file <new>`) waits for it to finish;
 * `quiver serve` finishes it in the background while serving.
 */
import type { Command } from 'commander';
import { openDatabase, readKeyFiles } from '../database.js';

export function registerRotateKey(program: Command): void {
  program
    .command('rotate-key')
    .description(
      're-encrypt an encrypted database under a new key (the current one in --encryption-key-file)',
    )
    .requiredOption('--new-key-file <file>', 'file holding the new 256-bit key as 64 hex characters')
    .action(async (options: { newKeyFile: string }, command: Command) => {
      const next = (await readKeyFiles({ encryptionKeyFile: options.newKeyFile })).encryptionKey as string;
      const current = await readKeyFiles(command.optsWithGlobals<{ encryptionKeyFile?: string }>());
      const db = await openDatabase(command, 'existing', 'on-demand');
      try {
        // A rotation resumed at open (a killed run): when it is to the same key, it is this one.
        const resumed = await db.encryptionRotation;
        const done =
          current.encryptionKey?.toString().toLowerCase() === next.toLowerCase()
            ? (resumed ?? { files: 0, rows: 0 })
            : await db.rotateEncryptionKey(next);
        process.stdout.write(
          `re-encrypted ${done.files} files and ${done.rows} catalog rows under the new key\n`,
        );
      } finally {
        await db.close();
      }
    });
}
