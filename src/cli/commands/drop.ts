/** `quiver drop <collection> [--yes]` */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { CollectionNotFoundError } from '../../errors.js';
import { withDatabase } from '../database.js';
import { usageError } from '../options.js';

export function registerDrop(program: Command): void {
  program
    .command('drop')
    .description('delete a collection and all its points')
    .argument('<collection>', 'collection name')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .action(async (name: string, options: { yes?: boolean }, command: Command) => {
      if (!options.yes && !process.stdin.isTTY) {
        usageError(command, `refusing to drop '${name}' without --yes (stdin is not a terminal)`);
      }
      await withDatabase(command, 'existing', async (db) => {
        // Checked by name, not via db.collection(): a collection whose files are corrupt can still be dropped.
        if (!(await db.listCollections()).includes(name)) throw new CollectionNotFoundError(name);
        if (!options.yes && !(await confirm(`drop collection '${name}' and all its points? [y/N] `))) {
          process.stderr.write('not dropped\n');
          return;
        }
        await db.dropCollection(name);
        process.stdout.write(`dropped collection '${name}'\n`);
      });
    });
}

/** Asks a yes/no question on the terminal; only `y` or `yes` (any case) is a yes. */
async function confirm(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
  }
}
