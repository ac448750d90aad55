/**
 * `quiver create <collection> --dim <n> [--metric l2|ip|cosine]
 *  [--index hnsw|flat|<factory string>] [--m <n>] [--ef-construction <n>] [--ef <n>]
 *  [--segment-size <n>]`
 *
 * `--index` takes `hnsw`, `flat` or a FAISS-style factory string (`IVF1024,PQ16`,
 * `HNSW32,SQ8`, …); `--m` only goes with `hnsw`, `--ef`/`--ef-construction` with HNSW
 * recipes.
 */
import { type Command, Option } from 'commander';
import type { IndexConfig, Metric } from '../../db/types.js';
import { withDatabase } from '../database.js';
import { integerAtLeast, METRICS, usageError } from '../options.js';

interface CreateOptions {
  dim: number;
  metric: Metric;
  index: string;
  m?: number;
  efConstruction?: number;
  ef?: number;
  segmentSize?: number;
}

export function registerCreate(program: Command): void {
  program
    .command('create')
    .description('create an empty collection')
    .argument('<collection>', 'collection name')
    .requiredOption('--dim <n>', 'vector dimension', integerAtLeast(1))
    .addOption(new Option('--metric <metric>', 'similarity metric').choices(METRICS).default('l2'))
    .option(
      '--index <type>',
      'index of sealed segments: hnsw, flat or a factory string like IVF1024,PQ16',
      'hnsw',
    )
    .option('--m <n>', 'HNSW links per node (default 16)', integerAtLeast(2))
    .option('--ef-construction <n>', 'HNSW build effort (default 200)', integerAtLeast(1))
    .option('--ef <n>', 'HNSW default search effort (default 64)', integerAtLeast(1))
    .option('--segment-size <n>', 'points per sealed segment (default 100000)', integerAtLeast(1))
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const hnswFlags = options.m ?? options.efConstruction ?? options.ef;
      const kind = options.index.toLowerCase();
      if (kind === 'flat' && hnswFlags !== undefined) {
        usageError(command, '--m, --ef-construction and --ef only apply to --index hnsw');
      }
      if (kind !== 'hnsw' && options.m !== undefined) {
        usageError(command, '--m only applies to --index hnsw (a factory string carries M, e.g. HNSW32)');
      }
      const index: IndexConfig =
        kind === 'flat'
          ? { type: 'flat' }
          : kind === 'hnsw'
            ? { type: 'hnsw', M: options.m, efConstruction: options.efConstruction, ef: options.ef }
            : {
                type: 'factory',
                factory: options.index,
                efConstruction: options.efConstruction,
                ef: options.ef,
              };
      await withDatabase(command, async (db) => {
        const collection = await db.createCollection(name, {
          dimension: options.dim,
          metric: options.metric,
          index,
          segmentSize: options.segmentSize,
        });
        process.stdout.write(
          `created collection '${collection.name}' (dimension ${collection.dimension}, metric ${collection.metric}, index ${options.index})\n`,
        );
      });
    });
}
