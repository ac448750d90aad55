/**
 * `quiver search <collection> [--vector '[…]' | --vector-file q.npy [--row i]]
 *  [--text '<query>' [--text-field key]] [--using field] [--fusion rrf|weighted]
 *  [--group-by key [--group-size n]] [-k n] [--ef n] [--nprobe n] [--search-k n]
 *  [--rerank n] [--exact] [--filter '<json>'] [--with-payload] [--explain] [--json]`
 *
 * A search needs a vector, a text, or both (a hybrid search, fused by `--fusion`). With
 * `--group-by` the output is the best `k` groups, each of up to `--group-size` hits. With
 * `--explain`, each hit's explanation follows the table (or is its `explain` field in JSON).
 */
import { type Command, Option } from 'commander';
import type { SearchOptions as EngineSearchOptions, SearchQuery, VectorInput } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { withDatabase } from '../database.js';
import { explainText } from '../explain-output.js';
import { openVectorFile } from '../formats/open.js';
import {
  integerAtLeast,
  integerBetween,
  LIMITS,
  parseJsonObject,
  parseVector,
  type ResultFlags,
  resultOptions,
  usageError,
} from '../options.js';
import { groupTable, hitTable, jsonHits, printJson } from '../output.js';

interface SearchOptions extends ResultFlags {
  vector?: number[];
  vectorFile?: string;
  row: number;
  text?: string;
  textField?: string;
  using?: string;
  fusion?: 'rrf' | 'weighted';
  groupBy?: string;
  groupSize?: number;
  nprobe?: number;
  searchK?: number;
  rerank?: number;
  explain?: boolean;
  json?: boolean;
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('find the k best points for a query vector, a text, or both')
    .argument('<collection>', 'collection name')
    .addOption(
      new Option('--vector <json>', 'query vector as a JSON array')
        .argParser(parseVector)
        .conflicts('vectorFile'),
    )
    .option('--vector-file <path>', 'read the query from a .npy, .fvecs or .jsonl file')
    .option('--row <i>', 'row of --vector-file to use as the query (0-based)', integerAtLeast(0), 0)
    .option('--text <query>', 'full-text query (BM25); with a vector too, a hybrid search')
    .option('--text-field <key>', 'the payload field with a text index to search')
    .option('--using <field>', 'the vector field to search (collections with named vectors)')
    .addOption(
      new Option('--fusion <method>', 'how a hybrid search merges its lists (default rrf)').choices([
        'rrf',
        'weighted',
      ]),
    )
    .option('--group-by <key>', 'group hits by this payload key; -k then counts groups')
    .option(
      '--group-size <n>',
      'hits per group (default 3, at most 100)',
      integerBetween(1, LIMITS.groupSize),
    )
    .option('-k, --k <n>', `number of results (at most ${LIMITS.k})`, integerBetween(1, LIMITS.k), 10)
    .option('--ef <n>', "HNSW search effort (default: the collection's)", integerBetween(1, LIMITS.ef))
    .option('--nprobe <n>', 'IVF lists probed (default: the index’s)', integerBetween(1, LIMITS.nprobe))
    .option('--search-k <n>', 'Annoy nodes inspected (default trees × k)', integerBetween(1, LIMITS.searchK))
    .option(
      '--rerank <n>',
      'quantized indexes: candidates re-ranked on full vectors (0 = off)',
      integerBetween(0, LIMITS.rerank),
    )
    .option('--exact', 'exact search, ignoring the index')
    .option('--filter <json>', 'payload filter (JSON, filter language v1)', parseJsonObject)
    .option('--with-payload', 'include payloads')
    .option('--explain', 'explain how each hit was found and scored (not with --group-by)')
    .option('--json', 'print JSON instead of a table')
    .action(async (name: string, options: SearchOptions, command: Command) => {
      if (options.vector === undefined && options.vectorFile === undefined && options.text === undefined) {
        usageError(command, 'give the query with --vector <json>, --vector-file <path> or --text <query>');
      }
      if (options.textField !== undefined && options.text === undefined) {
        usageError(command, '--text-field requires --text');
      }
      if (options.groupSize !== undefined && options.groupBy === undefined) {
        usageError(command, '--group-size requires --group-by');
      }
      if (options.explain && options.groupBy !== undefined) {
        usageError(command, '--explain cannot be combined with --group-by');
      }
      const vector =
        options.vector ??
        (options.vectorFile === undefined
          ? undefined
          : await readQuery(options.vectorFile, options.row, options.using));
      const query = searchQuery(vector, options);
      const searchOptions: EngineSearchOptions = {
        ...resultOptions(options),
        nprobe: options.nprobe,
        searchK: options.searchK,
        rerank: options.rerank,
        fusion: options.fusion,
        ...(options.explain ? { explain: true } : {}),
      };
      const withPayload = options.withPayload === true;
      await withDatabase(command, 'existing', async (db) => {
        const collection = db.collection(name);
        if (options.groupBy !== undefined) {
          const grouped = { ...searchOptions, groupBy: options.groupBy, groupSize: options.groupSize };
          const groups = await collection.search(query, grouped);
          if (options.json) printJson(groups.map((g) => ({ group: g.group, hits: jsonHits(g.hits) })));
          else process.stdout.write(groupTable(groups, withPayload));
          return;
        }
        const hits = await collection.search(query, searchOptions);
        if (options.json) printJson(jsonHits(hits));
        else process.stdout.write(hitTable(hits, withPayload) + (options.explain ? explainText(hits) : ''));
      });
    });
}

/** The bare vector for a plain vector search, else a query object with the parts given. */
function searchQuery(vector: VectorInput | undefined, options: SearchOptions): VectorInput | SearchQuery {
  if (vector !== undefined && options.text === undefined && options.using === undefined) return vector;
  const query: SearchQuery = {};
  if (vector !== undefined) query.vector = vector;
  if (options.using !== undefined) query.using = options.using;
  if (options.text !== undefined) query.text = options.text;
  if (options.textField !== undefined) query.textField = options.textField;
  return query;
}

/** Row `row` of a vector file (of field `using`, for JSON Lines records with named vectors). */
async function readQuery(path: string, row: number, using: string | undefined): Promise<VectorInput> {
  const file = await openVectorFile(path);
  for await (const batch of file.batches(1, row)) {
    if (batch.named === undefined) return batch.vectors;
    const fields = batch.named[0];
    if (using === undefined || fields[using] === undefined) {
      throw new InvalidArgumentError(
        `row ${row} of ${path} has named vectors (${Object.keys(fields).join(', ')}): pick one with --using`,
      );
    }
    return fields[using];
  }
  const size = file.rows === undefined ? 'fewer records' : `${file.rows} rows`;
  throw new InvalidArgumentError(`--row ${row} is out of range: ${path} has ${size}`);
}
