/**
 * `quiver purge-report [collection] [--json]`
 *
 * Lists the files that still hold data of deleted points that no purge has erased (see
 * db/purge-report.ts): sealed segments with tombstones (with their deleted and total rows),
 * WAL rows not yet sealed and the deletes among them, the collection's snapshots, and the
 * catalog's free pages and `-wal` bytes. Opening the database finishes a purge that a crash
 * interrupted, so a pending purge is listed only for a collection that failed to load.
 * Exit code 0 whether or not something is listed: the report is information, not a check.
 */
import type { Command } from 'commander';
import type { CollectionPurgeReport, PurgeReport } from '../../db/purge-report.js';
import { QuiverError } from '../../errors.js';
import { Quiver } from '../../index.js';
import { withDatabase } from '../database.js';
import { formatTable, printJson } from '../output.js';

export function registerPurgeReport(program: Command): void {
  program
    .command('purge-report')
    .description('list which files still hold data of deleted points (segments, WAL rows, snapshots)')
    .argument('[collection]', 'collection to report on (default: all)')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, options: { json?: boolean }, command: Command) => {
      await withDatabase(command, 'existing', async (db) => {
        if (!(db instanceof Quiver))
          throw new QuiverError('UNSUPPORTED', 'purge-report needs a local database');
        const report = await db.purgeReport(name);
        if (options.json === true) printJson(report);
        else process.stdout.write(formatReport(report));
      });
    });
}

/** The report as text: one table of files per collection, then the catalog's residue. */
export function formatReport(report: PurgeReport): string {
  const parts = report.collections.map(formatCollection);
  const { freePages, walFileBytes } = report.catalog;
  parts.push(`catalog: ${freePages} free pages, ${walFileBytes} bytes in catalog.sqlite-wal\n`);
  return parts.join('\n');
}

function formatCollection(c: CollectionPurgeReport): string {
  const rows: string[][] = [];
  for (const s of c.segments) {
    rows.push(['segment', s.file, `${s.deletedRows} of ${s.rows} rows deleted`]);
    for (const file of s.alongside) rows.push(['segment file', file, `(same rows)`]);
  }
  if (c.wal.rows > 0) {
    rows.push([
      'WAL',
      'catalog.sqlite',
      `${c.wal.rows} rows (${c.wal.bytes} bytes), ${c.wal.deletes} deletes`,
    ]);
  }
  for (const s of c.snapshots) rows.push(['snapshot', s.name, `${s.size} bytes`]);
  const state = c.pendingPurge ? 'purge pending' : c.clean ? 'clean' : 'holds deleted data';
  const head = `collection '${c.collection}': ${state}\n`;
  if (rows.length === 0) return head;
  return head + formatTable([{ header: 'kind' }, { header: 'file' }, { header: 'holds' }], rows);
}
