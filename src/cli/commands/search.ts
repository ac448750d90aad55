/**
 * `quiver search <collection> (--vector '[…]' | --vector-file q.npy [--row i]) [-k n]
 *  [--ef n] [--nprobe n] [--search-k n] [--rerank n] [--exact] [--filter '<json>']
 *  [--with-payload] [--json]`
 */
import { type Command, Option } from 'commander';
import type { Hit, VectorInput } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Filter } from '../../payload/filter.js';
import { withDatabase } from '../database.js';
import { openVectorFile } from '../formats/open.js';
import { integerAtLeast, parseJsonObject, parseVector, usageError } from '../options.js';
import { type Column, formatScore, formatTable, printJson } from '../output.js';

interface SearchOptions {
  vector?: number[];
  vectorFile?: string;
  row: number;
  k: number;
  ef?: number;
  nprobe?: number;
  searchK?: number;
  rerank?: number;
  exact?: boolean;
  filter?: Record<string, unknown>;
  withPayload?: boolean;
  json?: boolean;
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('find the k nearest points to a query vector')
    .argument('<collection>', 'collection name')
    .addOption(
      new Option('--vector <json>', 'query vector as a JSON array')
        .argParser(parseVector)
        .conflicts('vectorFile'),
    )
    .option('--vector-file <path>', 'read the query from a .npy, .fvecs or .jsonl file')
    .option('--row <i>', 'row of --vector-file to use as the query (0-based)', integerAtLeast(0), 0)
    .option('-k, --k <n>', 'number of results', integerAtLeast(1), 10)
    .option('--ef <n>', "HNSW search effort (default: the collection's)", integerAtLeast(1))
    .option('--nprobe <n>', 'IVF lists probed (default: the index’s)', integerAtLeast(1))
    .option('--search-k <n>', 'Annoy nodes inspected (default trees × k)', integerAtLeast(1))
    .option(
      '--rerank <n>',
      'quantized indexes: candidates re-ranked on full vectors (0 = off)',
      integerAtLeast(0),
    )
    .option('--exact', 'exact search, ignoring the index')
    .option('--filter <json>', 'payload filter (JSON, filter language v1)', parseJsonObject)
    .option('--with-payload', 'include payloads')
    .option('--json', 'print JSON instead of a table')
    .action(async (name: string, options: SearchOptions, command: Command) => {
      if (options.vector === undefined && options.vectorFile === undefined) {
        usageError(command, 'give the query with --vector <json> or --vector-file <path>');
      }
      const query = options.vector ?? (await readQuery(options.vectorFile!, options.row));
      await withDatabase(command, async (db) => {
        const hits = await db.collection(name).search(query, {
          k: options.k,
          ef: options.ef,
          nprobe: options.nprobe,
          searchK: options.searchK,
          rerank: options.rerank,
          exact: options.exact === true,
          filter: options.filter as Filter | undefined,
          withPayload: options.withPayload === true,
        });
        if (options.json) printJson(hits.map(({ id, score, payload }) => ({ id, score, payload })));
        else process.stdout.write(hitTable(hits, options.withPayload === true));
      });
    });
}

/** Row `row` of a vector file. */
async function readQuery(path: string, row: number): Promise<VectorInput> {
  const file = await openVectorFile(path);
  for await (const batch of file.batches(1, row)) return batch.vectors;
  const size = file.rows === undefined ? 'fewer records' : `${file.rows} rows`;
  throw new InvalidArgumentError(`--row ${row} is out of range: ${path} has ${size}`);
}

function hitTable(hits: Hit[], withPayload: boolean): string {
  const columns: Column[] = [
    { header: 'rank', alignRight: true },
    { header: 'id' },
    { header: 'score', alignRight: true },
  ];
  if (withPayload) columns.push({ header: 'payload' });
  const rows = hits.map((hit, i) => {
    const row = [String(i + 1), String(hit.id), formatScore(hit.score)];
    if (withPayload) row.push(hit.payload === undefined ? '' : JSON.stringify(hit.payload));
    return row;
  });
  return formatTable(columns, rows);
}
