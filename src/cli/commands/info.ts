/**
 * `quiver info [collection] [--json]`
 *
 * Answers at once whatever the data size: opening reads only the catalog and the manifests,
 * and info never waits for the segments, which load in the background (the `loading` line
 * says how far they got before the command ended).
 *
 * The list shows every collection, including one whose files fail verification: its row has
 * no dimension, metric or count, its error is reported on stderr and the exit code is 1, so
 * the healthy collections stay visible while the problem is not missed.
 */
import type { Command } from 'commander';
import type { CollectionInfo, CollectionMemoryInfo, Database, LoadingInfo } from '../../db/types.js';
import { QuiverError } from '../../errors.js';
import { withDatabase } from '../database.js';
import { formatKeyValues, formatTable, printJson } from '../output.js';

/** A listed collection: its info, or the error that kept it from opening. */
type Listed = { name: string; info: CollectionInfo } | { name: string; error: QuiverError };

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('list the collections, or describe one')
    .argument('[collection]', 'collection to describe (default: list all)')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, options: { json?: boolean }, command: Command) => {
      await withDatabase(command, 'existing', (db) =>
        name === undefined ? printList(db, options.json === true) : printOne(db, name, options.json === true),
      );
    });
}

async function printOne(db: Database, name: string, json: boolean): Promise<void> {
  const info = await db.collection(name).info();
  if (json) printJson(info);
  else
    process.stdout.write(
      formatKeyValues(
        Object.entries(info).map(([key, value]) => [
          key,
          key === 'memory' && info.memory
            ? formatMemory(info.memory)
            : key === 'loading' && info.loading
              ? formatLoading(info.loading)
              : key === 'disk' && info.disk
                ? formatBytes(info.disk.bytes)
                : typeof value === 'object'
                  ? JSON.stringify(value)
                  : String(value),
        ]),
      ),
    );
}

async function printList(db: Database, json: boolean): Promise<void> {
  const listed = await listCollections(db);
  if (json) printJson(listed.map((l) => ('info' in l ? l.info : { name: l.name, error: l.error.message })));
  else if (listed.length === 0) process.stdout.write('no collections\n');
  else process.stdout.write(listTable(listed));
  for (const l of listed) {
    if (!('error' in l)) continue;
    process.stderr.write(`error: collection '${l.name}': ${l.error.message}\n`);
    process.exitCode = 1;
  }
}

async function listCollections(db: Database): Promise<Listed[]> {
  const listed: Listed[] = [];
  for (const name of await db.listCollections()) {
    try {
      listed.push({ name, info: await db.collection(name).info() });
    } catch (error) {
      if (!(error instanceof QuiverError)) throw error;
      listed.push({ name, error });
    }
  }
  return listed;
}

function listTable(listed: Listed[]): string {
  return formatTable(
    [
      { header: 'collection' },
      { header: 'dimension', alignRight: true },
      { header: 'metric' },
      { header: 'count', alignRight: true },
      { header: 'memory', alignRight: true },
      { header: 'disk', alignRight: true },
    ],
    listed.map((l) =>
      'info' in l
        ? [
            l.name,
            String(l.info.dimension),
            l.info.metric,
            String(l.info.count),
            formatBytes(l.info.memory?.bytes),
            formatBytes(l.info.disk?.bytes),
          ]
        : [l.name, '-', '-', `unavailable (${l.error.code})`, '-', '-'],
    ),
  );
}

/**
 * "loading: 3 of 100 segments, 1.20 GiB of 40.0 GiB, 2.1 s" or "ready: 100 segments,
 * 40.0 GiB in 61.0 s" (the segments load in the background after open; info never waits).
 */
function formatLoading(l: LoadingInfo): string {
  const seconds = `${l.seconds.toFixed(1)} s`;
  if (l.state === 'ready')
    return `ready: ${l.segmentsTotal} segments, ${formatBytes(l.bytesTotal)} in ${seconds}`;
  const progress = `${l.segmentsLoaded} of ${l.segmentsTotal} segments, ${formatBytes(l.bytesLoaded)} of ${formatBytes(l.bytesTotal)}, ${seconds}`;
  return l.state === 'failed'
    ? `failed after ${progress}: ${l.error}`
    : `loading: ${progress}${l.countExact ? '' : ' (count not exact yet)'}`;
}

/** "1.50 GiB (vectors …, index …, payload …; 3 arenas)". */
function formatMemory(m: CollectionMemoryInfo): string {
  const parts = `vectors ${formatBytes(m.vectors)}, index ${formatBytes(m.index)}, payload ${formatBytes(m.payload)}`;
  return `${formatBytes(m.bytes)} (${parts}; ${m.arenas} ${m.arenas === 1 ? 'arena' : 'arenas'})`;
}

/** Bytes in binary units with three significant digits ("1.50 GiB"), '-' when unknown. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toPrecision(3)} ${units[unit]}`;
}
