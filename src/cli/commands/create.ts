/**
 * `quiver create <collection> (--dim <n> [--metric m] | --vectors name:dim[:metric],…)
 *  [--payload-index key:type[:analyzer]]… [--index hnsw|flat|<factory string>] [--m <n>]
 *  [--ef-construction <n>] [--ef <n>] [--segment-size <n>]`
 *
 * `--vectors` declares named vector fields (`image:1280:cosine,text:100:cosine`) instead of
 * one vector per point; every field gets the collection's index. `--payload-index` (repeat
 * it) indexes payload fields: `label:keyword`, `body:text:english`. `--index` takes `hnsw`,
 * `flat` or a FAISS-style factory string (`IVF1024,PQ16`, `HNSW32,SQ8`, …); `--m` only goes
 * with `hnsw`, `--ef`/`--ef-construction` with HNSW recipes.
 */
import { type Command, Option } from 'commander';
import type {
  CollectionConfig,
  IndexConfig,
  Metric,
  PayloadIndexConfig,
  VectorFieldConfig,
} from '../../db/types.js';
import { withDatabase } from '../database.js';
import {
  collectPayloadIndex,
  integerBetween,
  LIMITS,
  METRICS,
  parseVectorFields,
  usageError,
} from '../options.js';

interface CreateOptions {
  dim?: number;
  metric: Metric;
  vectors?: Record<string, VectorFieldConfig>;
  payloadIndex?: Record<string, PayloadIndexConfig>;
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
    .addOption(
      new Option('--dim <n>', 'vector dimension')
        .argParser(integerBetween(1, LIMITS.dimension))
        .conflicts('vectors'),
    )
    .addOption(
      new Option('--metric <metric>', 'similarity metric')
        .choices(METRICS)
        .default('l2')
        .conflicts('vectors'),
    )
    .option(
      '--vectors <fields>',
      'named vector fields instead of --dim: name:dimension[:metric],… e.g. image:1280:cosine,text:100',
      parseVectorFields,
    )
    .option(
      '--payload-index <spec>',
      'index a payload field, key:type[:analyzer] (repeatable), e.g. label:keyword or body:text:english',
      collectPayloadIndex,
    )
    .option(
      '--index <type>',
      'index of sealed segments: hnsw, flat or a factory string like IVF1024,PQ16',
      'hnsw',
    )
    .option('--m <n>', 'HNSW links per node (default 16)', integerBetween(2, LIMITS.M))
    .option(
      '--ef-construction <n>',
      'HNSW build effort (default 200)',
      integerBetween(1, LIMITS.efConstruction),
    )
    .option('--ef <n>', 'HNSW default search effort (default 64)', integerBetween(1, LIMITS.ef))
    .option(
      '--segment-size <n>',
      'most points per sealed segment (default 100000)',
      integerBetween(1, LIMITS.segmentSize),
    )
    .action(async (name: string, options: CreateOptions, command: Command) => {
      if (options.dim === undefined && options.vectors === undefined) {
        usageError(
          command,
          'give the vector dimension with --dim <n>, or named vectors with --vectors <fields>',
        );
      }
      const config: CollectionConfig = {
        index: indexConfig(options, command),
        segmentSize: options.segmentSize,
        payloadIndexes: options.payloadIndex,
      };
      if (options.vectors !== undefined) config.vectors = options.vectors;
      else Object.assign(config, { dimension: options.dim, metric: options.metric });
      await withDatabase(command, 'create', async (db) => {
        const collection = await db.createCollection(name, config);
        const shape =
          options.vectors === undefined
            ? `dimension ${collection.dimension}, metric ${collection.metric}`
            : `vectors ${describeFields(options.vectors)}`;
        process.stdout.write(`created collection '${collection.name}' (${shape}, index ${options.index})\n`);
      });
    });
}

/** The index config from `--index` and the HNSW flags, refusing flags that do not apply. */
function indexConfig(options: CreateOptions, command: Command): IndexConfig {
  const hnswFlags = options.m ?? options.efConstruction ?? options.ef;
  const kind = options.index.toLowerCase();
  if (kind === 'flat' && hnswFlags !== undefined) {
    usageError(command, '--m, --ef-construction and --ef only apply to --index hnsw');
  }
  if (kind !== 'hnsw' && options.m !== undefined) {
    usageError(command, '--m only applies to --index hnsw (a factory string carries M, e.g. HNSW32)');
  }
  if (kind === 'flat') return { type: 'flat' };
  if (kind === 'hnsw')
    return { type: 'hnsw', M: options.m, efConstruction: options.efConstruction, ef: options.ef };
  return { type: 'factory', factory: options.index, efConstruction: options.efConstruction, ef: options.ef };
}

/** `image 1280 cosine, text 100 l2` */
function describeFields(fields: Record<string, VectorFieldConfig>): string {
  return Object.entries(fields)
    .map(([field, f]) => `${field} ${f.dimension} ${f.metric ?? 'l2'}`)
    .join(', ');
}
