/**
 * `quiver create <collection> --dim <n> [--metric l2|ip|cosine] [--index hnsw|flat]
 *  [--m <n>] [--ef-construction <n>] [--ef <n>] [--segment-size <n>]`
 */
import { type Command, Option } from 'commander';
import type { Metric } from '../../db/types.js';
import { withDatabase } from '../database.js';
import { integerAtLeast, METRICS, usageError } from '../options.js';

interface CreateOptions {
  dim: number;
  metric: Metric;
  index: 'hnsw' | 'flat';
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
    .addOption(
      new Option('--index <type>', 'index of sealed segments').choices(['hnsw', 'flat']).default('hnsw'),
    )
    .option('--m <n>', 'HNSW links per node (default 16)', integerAtLeast(2))
    .option('--ef-construction <n>', 'HNSW build effort (default 200)', integerAtLeast(1))
    .option('--ef <n>', 'HNSW default search effort (default 64)', integerAtLeast(1))
    .option('--segment-size <n>', 'points per sealed segment (default 100000)', integerAtLeast(1))
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const hnswFlags = options.m ?? options.efConstruction ?? options.ef;
      if (options.index === 'flat' && hnswFlags !== undefined) {
        usageError(command, '--m, --ef-construction and --ef only apply to --index hnsw');
      }
      const index =
        options.index === 'flat'
          ? ({ type: 'flat' } as const)
          : ({ type: 'hnsw', M: options.m, efConstruction: options.efConstruction, ef: options.ef } as const);
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
