/**
 * `quiver payload-index <collection> <key> <type> [--analyzer english|chinese|simple|multilingual] [--partitioned]`
 * `quiver payload-index <collection> <key> --drop`
 *
 * Indexes a payload field (a dotted key) in every segment of a collection, existing and
 * future, replacing an index of another kind; `--drop` removes it. `type` is keyword,
 * integer, float, bool, datetime or text; `--analyzer` applies to text only, `--partitioned`
 * (per-value vector copies with their own graphs) to keyword only.
 */
import { Argument, type Command, Option } from 'commander';
import { PAYLOAD_INDEX_TYPES } from '../../db/collection-config.js';
import { TEXT_ANALYZERS } from '../../text/analyzer.js';
import { withDatabase } from '../database.js';
import { payloadIndexConfig, usageError } from '../options.js';

interface PayloadIndexOptions {
  analyzer?: string;
  partitioned?: boolean;
  drop?: boolean;
}

export function registerPayloadIndex(program: Command): void {
  program
    .command('payload-index')
    .description('index a payload field (or drop its index with --drop)')
    .argument('<collection>', 'collection name')
    .argument('<key>', 'payload key, a dotted path such as meta.author')
    .addArgument(new Argument('[type]', 'kind of index').choices(PAYLOAD_INDEX_TYPES))
    .addOption(
      new Option('--analyzer <name>', 'analyzer of a text index (default english)').choices(TEXT_ANALYZERS),
    )
    .option(
      '--partitioned',
      "keyword only: search a filter on one value over that value's own copy and graph",
    )
    .option('--drop', 'drop the index of the key instead')
    .action(
      async (
        name: string,
        key: string,
        type: string | undefined,
        options: PayloadIndexOptions,
        command: Command,
      ) => {
        if (options.drop && (type !== undefined || options.analyzer !== undefined || options.partitioned)) {
          usageError(command, '--drop takes no type, --analyzer or --partitioned');
        }
        if (options.partitioned && type !== 'keyword') {
          usageError(command, '--partitioned applies to keyword indexes only');
        }
        if (!options.drop && type === undefined) usageError(command, 'give the index type, or --drop');
        if (options.analyzer !== undefined && type !== 'text') {
          usageError(command, '--analyzer applies to text indexes only');
        }
        await withDatabase(command, 'existing', async (db) => {
          const collection = db.collection(name);
          if (options.drop) {
            await collection.dropPayloadIndex(key);
            process.stdout.write(`dropped the index of '${key}' in '${name}'\n`);
            return;
          }
          const modifier = options.partitioned ? 'partitioned' : options.analyzer;
          await collection.createPayloadIndex(key, payloadIndexConfig(type!, modifier));
          const analyzer = modifier === undefined ? '' : ` (${modifier})`;
          process.stdout.write(`indexed '${key}' in '${name}' as ${type}${analyzer}\n`);
        });
      },
    );
}
