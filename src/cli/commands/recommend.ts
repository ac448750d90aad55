/**
 * `quiver recommend <collection> --positive <ids> [--negative <ids>] [--using field]
 *  [--strategy average|best_score] [-k n] [--ef n] [--exact] [--filter '<json>']
 *  [--with-payload] [--json]`
 *
 * Points like the positive examples and unlike the negative ones, given as comma-separated
 * point ids (decimal digits are integer ids: `7,doc-3` is `[7, 'doc-3']`); the examples
 * themselves are left out of the results.
 */
import { type Command, Option } from 'commander';
import type { PointId, RecommendQuery } from '../../db/types.js';
import { withDatabase } from '../database.js';
import {
  integerBetween,
  LIMITS,
  parseIds,
  parseJsonObject,
  type ResultFlags,
  resultOptions,
} from '../options.js';
import { hitTable, jsonHits, printJson } from '../output.js';

interface RecommendOptions extends ResultFlags {
  positive: PointId[];
  negative?: PointId[];
  using?: string;
  strategy?: 'average' | 'best_score';
  json?: boolean;
}

export function registerRecommend(program: Command): void {
  program
    .command('recommend')
    .description('find points like the positive examples and unlike the negative ones')
    .argument('<collection>', 'collection name')
    .requiredOption('--positive <ids>', 'ids of points to look like, comma-separated', parseIds)
    .option('--negative <ids>', 'ids of points to look unlike, comma-separated', parseIds)
    .option('--using <field>', 'the vector field to compare (collections with named vectors)')
    .addOption(
      new Option('--strategy <strategy>', 'average (default) or best_score').choices([
        'average',
        'best_score',
      ]),
    )
    .option('-k, --k <n>', `number of results (at most ${LIMITS.k})`, integerBetween(1, LIMITS.k), 10)
    .option('--ef <n>', "HNSW search effort (default: the collection's)", integerBetween(1, LIMITS.ef))
    .option('--exact', 'exact search, ignoring the index')
    .option('--filter <json>', 'payload filter (JSON, filter language v1)', parseJsonObject)
    .option('--with-payload', 'include payloads')
    .option('--json', 'print JSON instead of a table')
    .action(async (name: string, options: RecommendOptions, command: Command) => {
      const query: RecommendQuery = { positive: options.positive };
      if (options.negative !== undefined) query.negative = options.negative;
      await withDatabase(command, 'existing', async (db) => {
        const hits = await db.collection(name).recommend(query, {
          ...resultOptions(options),
          using: options.using,
          strategy: options.strategy,
        });
        if (options.json) printJson(jsonHits(hits));
        else process.stdout.write(hitTable(hits, options.withPayload === true));
      });
    });
}
