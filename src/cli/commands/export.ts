/**
 * `quiver export <collection> <file> [--format npy|parquet|faiss|annoy] [--trees n]`: writes a
 * collection's points, in id order, to a file others read — NumPy `.npy` with an ids sidecar,
 * Parquet with id, vector and payload columns, a FAISS index file (`.faiss` / `.index`:
 * IndexIDMap2 over IndexFlat), or an Annoy index file (`.ann` / `.annoy`, `--trees` trees). See
 * src/cli/formats/{npy,parquet,faiss,annoy}-export.ts for each layout.
 *
 * Outputs are written under `<file>.partial` and renamed when complete; an existing output is
 * refused, never overwritten. The summary line says how many points went into which files.
 */
import { extname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Command, Option } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { withDatabase } from '../database.js';
import { exportAnnoy } from '../formats/annoy-export.js';
import { exportFaiss } from '../formats/faiss-export.js';
import { type ExportResult, exportNpy } from '../formats/npy-export.js';
import { exportParquet } from '../formats/parquet-export.js';
import { integerAtLeast, usageError } from '../options.js';
import { startProgress } from '../progress.js';

export const EXPORT_FORMATS = ['npy', 'parquet', 'faiss', 'annoy'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

const BY_EXTENSION: Record<string, ExportFormat> = {
  '.npy': 'npy',
  '.parquet': 'parquet',
  '.faiss': 'faiss',
  '.index': 'faiss',
  '.ann': 'annoy',
  '.annoy': 'annoy',
};

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a collection to a .npy (+ ids), Parquet, FAISS or Annoy index file')
    .argument('<collection>', 'collection name')
    .argument('<file>', 'output file (.npy, .parquet, .faiss, .index, .ann or .annoy)')
    .addOption(
      new Option('--format <format>', 'output format (default: from the extension)').choices(EXPORT_FORMATS),
    )
    .option('--trees <n>', 'trees of an Annoy file (default 10)', integerAtLeast(1))
    .action(async (name: string, path: string, options: ExportOptions, command: Command) => {
      const format = options.format ?? formatOf(path);
      if (options.trees !== undefined && format !== 'annoy')
        usageError(command, '--trees applies to Annoy files');
      let note = '';
      await withDatabase(command, 'existing', async (db) => {
        const collection = db.collection(name);
        const started = performance.now();
        const progress = startProgress(await collection.count(), 0, 'exporting');
        let result: ExportResult;
        try {
          const update = (points: number) => progress.update(points, 0);
          if (format === 'npy') result = await exportNpy(collection, path, update);
          else if (format === 'parquet') result = await exportParquet(collection, path, update);
          else if (format === 'faiss') result = await exportFaiss(collection, path, update);
          else {
            const annoy = await exportAnnoy(collection, path, update, options.trees);
            note = ` (load with AnnoyIndex(${collection.dimension}, '${annoy.metric}'))`;
            result = annoy;
          }
        } finally {
          progress.stop();
        }
        const seconds = (performance.now() - started) / 1000;
        process.stdout.write(
          `exported ${result.points} points of ${name} to ${result.files.join(' and ')} in ${seconds.toFixed(2)} s${note}\n`,
        );
      });
    });
}

interface ExportOptions {
  format?: ExportFormat;
  trees?: number;
}

function formatOf(path: string): ExportFormat {
  const format = BY_EXTENSION[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new InvalidArgumentError(
      `cannot tell the export format of '${path}' from its extension; use .npy, .parquet, .faiss, .index, .ann or .annoy, or pass --format`,
    );
  }
  return format;
}
