/**
 * `quiver bench <file.hdf5> [--collection c] [--index spec] [--ef list | --nprobe list]
 *  [--queries n] [--k n]`: the ann-benchmarks protocol on one of its HDF5 files.
 *
 * Loads `train` (ids: row numbers) into a temporary collection with the file's metric
 * (`euclidean` → l2, `angular` → cosine, `dot` → ip) and `--index` (default hnsw), sealed into
 * one segment whose index is built before timing; or uses an existing collection
 * (`--collection`, whose ids must be `train`'s row numbers, as `quiver import` gives them).
 * Then, for each value of the sweep, it searches every `test` query one at a time, `--runs`
 * times (default 3), and prints recall@k against `neighbors` (the fraction of the true k
 * nearest found, without ann-benchmarks' distance tolerance for ties) and the best run's
 * queries per second (as ann-benchmarks does; the first run also warms up).
 * The sweep is `--ef` for HNSW indexes, `--nprobe` for IVF ones; a flat index has one exact
 * row. The temporary collection is dropped at the end, whatever happens.
 */
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import type { Collection, Database, IndexConfig, SearchOptions } from '../../db/types.js';
import { DimensionMismatchError, InvalidArgumentError } from '../../errors.js';
import { recallAtK } from '../../eval/metrics.js';
import { withDatabase } from '../database.js';
import { ANN_METRICS, type Hdf5Dataset, openHdf5, openHdf5Vectors } from '../formats/hdf5.js';
import { integerBetween, LIMITS, usageError } from '../options.js';
import { startProgress } from '../progress.js';

interface BenchOptions {
  collection?: string;
  index: string;
  ef?: number[];
  nprobe?: number[];
  queries?: number;
  k: number;
  batch: number;
  runs: number;
}

const DEFAULT_EF = [10, 20, 40, 80, 160, 320];
const DEFAULT_NPROBE = [1, 2, 4, 8, 16, 32, 64];

/** A parser for comma-separated lists of integers within `[min, max]`. */
function integerList(min: number, max: number): (value: string) => number[] {
  const one = integerBetween(min, max);
  return (value) => value.split(',').map((item) => one(item));
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description("recall@k vs queries/s of a collection's index on an ann-benchmarks HDF5 file")
    .argument('<file>', 'ann-benchmarks HDF5 file (train, test, neighbors)')
    .option(
      '--collection <name>',
      'use this existing collection (ids: train row numbers) instead of a temporary one',
    )
    .option('--index <spec>', 'index of the temporary collection: hnsw, flat or a factory string', 'hnsw')
    .option('--ef <list>', `HNSW ef sweep (default ${DEFAULT_EF.join(',')})`, integerList(1, LIMITS.ef))
    .option(
      '--nprobe <list>',
      `IVF nprobe sweep (default ${DEFAULT_NPROBE.join(',')})`,
      integerList(1, LIMITS.nprobe),
    )
    .option('--queries <n>', 'search only the first n test queries', integerBetween(1, 10_000_000))
    .option('--k <n>', 'neighbours per query', integerBetween(1, 100), 10)
    .option('--batch <n>', 'points per upsert while loading train', integerBetween(1, 100_000), 1000)
    .option(
      '--runs <n>',
      'timed passes over the queries per sweep value (the best is reported)',
      integerBetween(1, 100),
      3,
    )
    .action(async (path: string, options: BenchOptions, command: Command) => {
      if (options.ef !== undefined && options.nprobe !== undefined)
        usageError(command, 'give --ef or --nprobe, not both');
      if (options.collection !== undefined && command.getOptionValueSource('index') !== 'default')
        usageError(command, '--index applies to the temporary collection, not to --collection');
      const file = await openHdf5(path);
      try {
        await withDatabase(command, options.collection === undefined ? 'create' : 'existing', (db) =>
          bench(db, file, options),
        );
      } finally {
        file.close();
      }
    });
}

async function bench(db: Database, file: Hdf5Dataset, options: BenchOptions): Promise<void> {
  const test = file.matrix('test');
  const neighbors = file.matrix('neighbors');
  const train = file.matrix('train');
  if (test.columns !== train.columns)
    throw new DimensionMismatchError(train.columns, test.columns, `${file.path} test`);
  if (neighbors.columns < options.k) {
    throw new InvalidArgumentError(
      `${file.path}: neighbors has ${neighbors.columns} columns, fewer than --k ${options.k}`,
    );
  }
  const queryCount = Math.min(options.queries ?? test.rows, test.rows, neighbors.rows);
  const queries = test.read(0, queryCount);
  const truth = neighbors.readInts(0, queryCount);
  let collection: Collection;
  let temporary: string | undefined;
  if (options.collection !== undefined) {
    collection = db.collection(options.collection);
    if (collection.dimension !== train.columns) {
      throw new DimensionMismatchError(
        collection.dimension,
        train.columns,
        `collection '${collection.name}'`,
      );
    }
  } else {
    const metric = ANN_METRICS[file.distance ?? 'euclidean'];
    if (metric === undefined) {
      throw new InvalidArgumentError(
        `${file.path}: distance '${file.distance}' is not one of ${Object.keys(ANN_METRICS).join(', ')}`,
      );
    }
    temporary = `bench-${process.pid}-${Date.now()}`;
    collection = await db.createCollection(temporary, {
      dimension: train.columns,
      metric,
      index: indexConfig(options.index),
      segmentSize: Math.min(LIMITS.segmentSize, Math.max(1, train.rows)),
    });
  }
  try {
    if (temporary !== undefined) await load(collection, file.path, options.batch);
    const info = await collection.info();
    const sweep = sweepOf(info.index, options);
    process.stdout.write(
      `${file.path}: ${train.rows} train points, ${queryCount} queries, dimension ${train.columns}, ` +
        `metric ${collection.metric}, index ${describe(info.index)}\n`,
    );
    process.stdout.write(`${sweep.name.padStart(8)}  recall@${options.k}        QPS\n`);
    for (const value of sweep.values) {
      const searchOptions: SearchOptions = { k: options.k };
      if (sweep.name === 'ef') searchOptions.ef = value;
      if (sweep.name === 'nprobe') searchOptions.nprobe = value;
      let best = { recall: 0, qps: 0 };
      for (let run = 0; run < options.runs; run++) {
        const result = await measure(
          collection,
          queries,
          truth,
          queryCount,
          neighbors.columns,
          searchOptions,
        );
        if (result.qps > best.qps) best = result;
      }
      const { recall, qps } = best;
      const label = sweep.name === 'exact' ? '-' : String(value);
      process.stdout.write(
        `${label.padStart(8)}  ${recall.toFixed(4).padStart(9)}  ${qps.toFixed(0).padStart(9)}\n`,
      );
    }
  } finally {
    if (temporary !== undefined) await db.dropCollection(temporary);
  }
}

/** Upserts `train` (ids: row numbers) and flushes, which seals it and builds its index. */
async function load(collection: Collection, path: string, batchSize: number): Promise<void> {
  const started = performance.now();
  const file = await openHdf5Vectors(path);
  const progress = startProgress(file.rows, file.bytes, 'loading');
  try {
    let loaded = 0;
    for await (const batch of file.batches(batchSize)) {
      await collection.upsert(
        Array.from({ length: batch.rows }, (_, r) => ({
          id: batch.start + r,
          vector: batch.vectors.subarray(r * batch.dimension, (r + 1) * batch.dimension),
        })),
      );
      loaded += batch.rows;
      progress.update(loaded, batch.bytesRead);
    }
  } finally {
    progress.stop();
  }
  await collection.flush();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`loaded and indexed ${file.rows} points in ${seconds.toFixed(2)} s\n`);
}

/** Searches every query once, one at a time; recall@k against the first k true neighbours. */
async function measure(
  collection: Collection,
  queries: Float32Array,
  truth: Int32Array,
  count: number,
  truthColumns: number,
  options: SearchOptions,
): Promise<{ recall: number; qps: number }> {
  const k = options.k as number;
  const d = collection.dimension;
  const answers: (string | number)[][] = [];
  const started = performance.now();
  for (let q = 0; q < count; q++) {
    const hits = await collection.search(queries.subarray(q * d, (q + 1) * d), options);
    answers.push(hits.map((hit) => hit.id));
  }
  const seconds = (performance.now() - started) / 1000;
  let recall = 0;
  for (let q = 0; q < count; q++) {
    const relevant = Array.from(truth.subarray(q * truthColumns, q * truthColumns + k));
    recall += recallAtK(answers[q] as number[], relevant, k);
  }
  return { recall: recall / count, qps: count / seconds };
}

function indexConfig(spec: string): IndexConfig {
  const kind = spec.toLowerCase();
  if (kind === 'hnsw') return { type: 'hnsw' };
  if (kind === 'flat') return { type: 'flat' };
  return { type: 'factory', factory: spec };
}

function describe(index: IndexConfig): string {
  if (typeof index === 'string') return index;
  if (index.type === 'factory') return index.factory;
  if (index.type === 'hnsw') return `hnsw (M ${index.M}, efConstruction ${index.efConstruction})`;
  return 'flat';
}

/** The search parameter to sweep for the collection's index. */
function sweepOf(
  index: IndexConfig,
  options: BenchOptions,
): { name: 'ef' | 'nprobe' | 'exact'; values: number[] } {
  const factory = typeof index === 'string' ? index : index.type === 'factory' ? index.factory : undefined;
  const isIvf = factory !== undefined && /(^|,)IVF/i.test(factory);
  const isHnsw =
    (typeof index !== 'string' && index.type === 'hnsw') || (factory !== undefined && /HNSW/i.test(factory));
  if (options.nprobe !== undefined && !isIvf)
    throw new InvalidArgumentError(`--nprobe needs an IVF index, not ${describe(index)}`);
  if (options.ef !== undefined && !isHnsw)
    throw new InvalidArgumentError(`--ef needs an HNSW index, not ${describe(index)}`);
  if (isIvf) return { name: 'nprobe', values: options.nprobe ?? DEFAULT_NPROBE };
  if (isHnsw) return { name: 'ef', values: options.ef ?? DEFAULT_EF };
  return { name: 'exact', values: [0] };
}
