/**
 * `quiver import <collection> <file> [--format f] [--vector-column c] [--id-column c] [--batch n]
 *  [--id-start n] [--create [--metric m]]` for .npy, .npz, .fvecs, .bvecs, .ivecs, .jsonl, HDF5
 *  (ann-benchmarks' `train`), Arrow IPC, Parquet, FAISS, hnswlib and Annoy files (`--dim d --metric m`: Annoy files
 *  record neither) (see src/cli/formats/), and for raw inputs vectorized by a provider (see import-raw.ts)
 * `quiver import --images DIR [--provider p] --collection c` /
 * `quiver import --text FILE.jsonl --field body [--provider p] --collection c`.
 *
 * Streams the file in batches and upserts each batch before reading the next, so memory holds
 * one batch at a time whatever the file size. Ids are the 0-based row numbers plus `--id-start`,
 * except where the file carries ids: JSON Lines records, and the id column of an Arrow / Parquet
 * file (`--id-column`, default `id` when present). With `--create`, a missing collection is
 * created from the file's dimension (its header, or the first record) and `--metric` (default:
 * the file's own metric — a FAISS index's, an HDF5 file's `distance` — else l2). JSON Lines records with named vectors (`"vectors": { field:
 * […] }`) go into a collection declared with those fields (`quiver create --vectors`), which
 * `--create` cannot infer. The collection is flushed once at the end, so the summary's
 * rate includes making the import durable. A failure part way keeps the batches before it
 * (each upsert is acknowledged, hence durable) and the error says how many points that is and
 * the `--skip <n>` that resumes after them; re-running the whole import is safe too (upserts
 * replace points with the same id).
 */
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { type Command, Option } from 'commander';
import type { Collection, Database, Metric, PointInput } from '../../db/types.js';
import {
  CollectionNotFoundError,
  DimensionMismatchError,
  InvalidArgumentError,
  QuiverError,
} from '../../errors.js';
import type { AnnoyMetric } from '../../faiss/index.js';
import { withDatabase } from '../database.js';
import { COLUMN_FORMATS, formatFromPath, openVectorFile, VECTOR_FORMATS } from '../formats/open.js';
import {
  FileFormatError,
  type VectorBatch,
  type VectorFile,
  type VectorFormat,
} from '../formats/vector-file.js';
import { integerAtLeast, METRICS, usageError } from '../options.js';
import { startProgress } from '../progress.js';
import { importImages, importTexts } from './import-raw.js';

interface ImportOptions {
  format?: VectorFormat;
  batch: number;
  idStart?: number;
  skip: number;
  create?: boolean;
  /** A Quiver metric, or (Annoy files) an Annoy metric name, which the action takes out. */
  metric?: Metric;
  dim?: number;
  images?: string;
  text?: string;
  field?: string;
  provider?: string;
  vectorField?: string;
  vectorColumn?: string;
  idColumn?: string;
  collection?: string;
}

/** Inputs per upsert when importing raw inputs and `--batch` is not given (each is decoded and embedded). */
const RAW_BATCH = 32;

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'upsert the vectors of a .npy, .npz, .fvecs, .bvecs, .ivecs, .jsonl, HDF5 (ann-benchmarks), Arrow IPC, Parquet, FAISS, hnswlib or Annoy file into a collection, or images / texts vectorized by a provider',
    )
    .argument('[collection]', 'collection name (or --collection)')
    .argument('[file]', 'vector file to import')
    .option('--collection <name>', 'collection name')
    .option('--images <dir>', 'import every image file under this folder (ids: relative paths)')
    .option('--text <file>', 'import the texts of a JSON Lines file (with --field)')
    .option('--field <key>', 'property of each --text record holding the text')
    .option('--provider <name>', 'embedding provider of a collection created by --images/--text')
    .option('--vector-field <name>', 'vector field receiving the inputs (default: image, or the --field key)')
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices(VECTOR_FORMATS),
    )
    .option('--vector-column <name>', 'Arrow/Parquet column or .npz member holding the vectors')
    .option('--id-column <name>', 'Arrow/Parquet column holding the ids (default: id, when present)')
    .option('--batch <n>', 'points per upsert', integerAtLeast(1), 1000)
    .option('--id-start <n>', 'id of row 0 when ids are row numbers', integerAtLeast(0))
    .option(
      '--skip <n>',
      'start after the first n rows (records for jsonl), to resume an import',
      integerAtLeast(0),
      0,
    )
    .option('--create', "create the collection from the file's dimension if it does not exist")
    .addOption(
      new Option(
        '--metric <metric>',
        "metric of a collection made by --create (default: the file's, else l2); an hnswlib file's space; an Annoy file's metric (angular, euclidean, manhattan, dot, hamming)",
      ).choices([...METRICS, ...ANNOY_ONLY_METRICS]),
    )
    .option('--dim <n>', "an Annoy file's dimension (Annoy files do not record it)", integerAtLeast(1))
    .action(
      async (
        nameArg: string | undefined,
        path: string | undefined,
        options: ImportOptions,
        command: Command,
      ) => {
        const name = nameArg ?? options.collection;
        if (name === undefined) usageError(command, 'name the collection (argument or --collection)');
        if (nameArg !== undefined && options.collection !== undefined && nameArg !== options.collection) {
          usageError(command, 'the collection is named twice, differently');
        }
        if (options.images !== undefined || options.text !== undefined) {
          return importRaw(command, name, path, options);
        }
        for (const flag of ['field', 'provider', 'vectorField'] as const) {
          if (options[flag] !== undefined)
            usageError(
              command,
              `--${flag === 'vectorField' ? 'vector-field' : flag} needs --images or --text`,
            );
        }
        if (path === undefined) usageError(command, 'give the file to import (or --images / --text)');
        const format = options.format ?? formatFromPath(path);
        if (options.metric !== undefined && !options.create && format !== 'hnswlib' && format !== 'annoy')
          usageError(
            command,
            '--metric requires --create (or an hnswlib or Annoy file, whose space it names)',
          );
        if (format === 'annoy' && options.dim === undefined)
          usageError(command, 'Annoy files do not record their dimension: pass --dim');
        if (format !== 'annoy' && options.dim !== undefined)
          usageError(command, '--dim applies to Annoy files');
        if (format !== 'annoy' && (ANNOY_ONLY_METRICS as readonly string[]).includes(options.metric ?? ''))
          usageError(command, `--metric ${options.metric} names an Annoy metric; it applies to Annoy files`);
        // An Annoy file's metric names the file's layout; the collection's follows from it.
        const annoyMetric = format === 'annoy' ? options.metric : undefined;
        if (format === 'annoy') options.metric = undefined;
        if (options.vectorColumn !== undefined && !COLUMN_FORMATS.includes(format))
          usageError(command, '--vector-column applies to npz, arrow and parquet files');
        if (options.idColumn !== undefined && format !== 'arrow' && format !== 'parquet')
          usageError(command, '--id-column applies to arrow and parquet files');
        const file = await openVectorFile(path, format, {
          vectorColumn: options.vectorColumn,
          idColumn: options.idColumn,
          metric: options.metric,
          dim: options.dim,
          annoyMetric,
        });
        if (options.idStart !== undefined && file.format === 'jsonl') {
          usageError(
            command,
            '--id-start applies to npy and fvecs files and others whose ids are row numbers; JSON Lines records carry their own ids',
          );
        }
        await withDatabase(command, options.create ? 'create' : 'existing', (db) =>
          importFile(db, name, file, options),
        );
      },
    );
}

/** `--images` / `--text`: checks the combination, then imports raw inputs. */
async function importRaw(
  command: Command,
  name: string,
  path: string | undefined,
  options: ImportOptions,
): Promise<void> {
  if (path !== undefined) usageError(command, 'give a vector file or --images/--text, not both');
  if (options.images !== undefined && options.text !== undefined)
    usageError(command, 'give --images or --text, not both');
  const flags = {
    format: 'format',
    idStart: 'id-start',
    create: 'create',
    metric: 'metric',
    vectorColumn: 'vector-column',
    idColumn: 'id-column',
    dim: 'dim',
  } as const;
  for (const [flag, name] of Object.entries(flags) as [keyof typeof flags, string][]) {
    if (options[flag] !== undefined) usageError(command, `--${name} applies to vector files`);
  }
  if (options.skip !== 0)
    usageError(command, '--skip applies to vector files (--images/--text skip stored ids)');
  if (options.text !== undefined && options.field === undefined) usageError(command, '--text needs --field');
  if (options.images !== undefined && options.field !== undefined)
    usageError(command, '--field applies to --text');
  // Before the database is opened, so a missing file or folder creates nothing.
  await stat((options.images ?? options.text)!);
  const raw = {
    collection: name,
    provider: options.provider,
    vectorField: options.vectorField,
    batch: command.getOptionValueSource('batch') === 'default' ? RAW_BATCH : options.batch,
  };
  await withDatabase(command, 'create', (db) =>
    options.images !== undefined
      ? importImages(db, options.images, raw)
      : importTexts(db, options.text!, options.field!, raw),
  );
}

/** Annoy's metric names that are not Quiver's (`hamming` is both). */
const ANNOY_ONLY_METRICS: readonly AnnoyMetric[] = ['angular', 'euclidean', 'manhattan', 'dot'];

async function importFile(
  db: Database,
  name: string,
  file: VectorFile,
  options: ImportOptions,
): Promise<void> {
  const started = performance.now();
  const create = (dimension: number) =>
    db.createCollection(name, { dimension, metric: options.metric ?? file.metric });
  let collection: Collection | undefined;
  if ((await db.listCollections()).includes(name)) collection = existingCollection(db, name, options.metric);
  else if (!options.create) throw new CollectionNotFoundError(name);
  else if (file.dimension !== undefined) collection = await create(file.dimension);
  const progress = startProgress(
    file.rows === undefined ? undefined : Math.max(0, file.rows - options.skip),
    file.bytes,
  );
  let imported = 0;
  try {
    for await (const batch of file.batches(options.batch, options.skip)) {
      if (batch.named !== undefined && collection === undefined) {
        throw new InvalidArgumentError(
          `${file.path} has named vectors: create collection '${name}' with quiver create --vectors first`,
        );
      }
      collection ??= await create(batch.dimension);
      if (batch.named === undefined && batch.dimension !== collection.dimension) {
        throw new DimensionMismatchError(
          collection.dimension,
          batch.dimension,
          `${file.path} (collection '${name}')`,
        );
      }
      await collection.upsert(toPoints(batch, options.idStart ?? 0));
      imported += batch.rows;
      progress.update(imported, batch.bytesRead);
    }
    if (collection === undefined) {
      throw new FileFormatError(file.path, `no records, so no dimension to create collection '${name}' with`);
    }
    await collection.flush();
  } catch (error) {
    if (imported > 0 && error instanceof QuiverError)
      throw new ImportStoppedError(error, imported, options.skip, file);
    throw error;
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `imported ${imported} points into ${name} in ${seconds.toFixed(2)} s (${Math.round(imported / seconds)} points/s)\n`,
  );
}

/**
 * A vector-file import that failed after some batches were stored: the cause's message and
 * code, plus how many points are stored and the `--skip` that resumes after them.
 */
export class ImportStoppedError extends QuiverError {
  constructor(
    readonly reason: QuiverError,
    readonly imported: number,
    skipped: number,
    file: VectorFile,
  ) {
    const unit = file.format === 'jsonl' ? 'records' : 'rows';
    const resume = skipped + imported;
    super(
      reason.code,
      `${reason.message}\n` +
        `${imported} points (${unit} ${skipped + 1}–${resume} of ${file.path}) were imported before the error and are stored. ` +
        `Fix the file, then resume with --skip ${resume} (or re-run the whole import: upserts replace points with the same id).`,
    );
  }
}

/** An existing collection, refused if `--metric` was given and differs from its metric. */
function existingCollection(db: Database, name: string, metric: Metric | undefined): Collection {
  const collection = db.collection(name);
  if (metric !== undefined && metric !== collection.metric) {
    throw new InvalidArgumentError(
      `collection '${name}' exists with metric ${collection.metric}, but --metric ${metric} was given`,
    );
  }
  return collection;
}

/** The batch's rows as points; vectors are views into the batch's own (unshared) array, or its named vectors. */
function toPoints(batch: VectorBatch, idStart: number): PointInput[] {
  const points: PointInput[] = new Array(batch.rows);
  for (let r = 0; r < batch.rows; r++) {
    const point: PointInput = { id: batch.ids?.[r] ?? idStart + batch.start + r };
    if (batch.named !== undefined) point.vectors = batch.named[r];
    else point.vector = batch.vectors.subarray(r * batch.dimension, (r + 1) * batch.dimension);
    const payload = batch.payloads?.[r];
    if (payload !== undefined) point.payload = payload;
    points[r] = point;
  }
  return points;
}
