/** `quiver create <collection> --dim <n> [--metric l2|ip|cosine]` */
import { type Command, Option } from 'commander';
import type { Metric } from '../../db/types.js';
import { withDatabase } from '../database.js';
import { integerAtLeast, METRICS } from '../options.js';

interface CreateOptions {
  dim: number;
  metric: Metric;
}

export function registerCreate(program: Command): void {
  program
    .command('create')
    .description('create an empty collection')
    .argument('<collection>', 'collection name')
    .requiredOption('--dim <n>', 'vector dimension', integerAtLeast(1))
    .addOption(new Option('--metric <metric>', 'similarity metric').choices(METRICS).default('l2'))
    .action(async (name: string, options: CreateOptions, command: Command) => {
      await withDatabase(command, async (db) => {
        const collection = await db.createCollection(name, {
          dimension: options.dim,
          metric: options.metric,
        });
        process.stdout.write(
          `created collection '${collection.name}' (dimension ${collection.dimension}, metric ${collection.metric})\n`,
        );
      });
    });
}
