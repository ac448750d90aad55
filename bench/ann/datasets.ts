/**
 * The harness's data sets, all offline, materialized once into raw f32 files under
 * `.bench-cache/ann/<name>/` (gitignored) that every library's process reads — the Node
 * workers and the FAISS runner alike — so that a 1M-row set is generated once, not per run
 * or per library. A `meta.json` beside the files records the recipe that made them; a
 * changed recipe (or a missing or truncated file) regenerates them.
 *
 * Ground truth: the exact top-100 of every query by squared L2, from Quiver's `FlatIndex`
 * (`flatGroundTruth`, cached by content hash and cross-checked against a plain loop).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaussianMixture } from '../../src/eval/random.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { flatGroundTruth, type GroundTruth } from '../data/ground-truth.js';
import { readF32 } from './protocol.js';

/** The data sets of a full run (`--datasets` default). */
export const DEFAULT_DATASETS = ['gauss-100k', 'gauss-1m', 'fashion-mnist'];

/** Neighbours kept per query in the ground truth (recall@10 needs 10; the rest is for ties and later k). */
export const GROUND_TRUTH_K = 100;

interface DatasetRecipe {
  name: string;
  /** Heading for tables and plots. */
  title: string;
  dimension: number;
  baseCount: number;
  queryCount: number;
  /** Everything that determines the vectors; part of the cache key. */
  recipe: string;
  generate(): { base: Float32Array; queries: Float32Array };
}

/** Rows after the base rows in the same seeded stream: the same clusters, never in the base. */
function mixture(name: string, title: string, count: number): DatasetRecipe {
  const queryCount = 1000;
  const dimension = 128;
  return {
    name,
    title,
    dimension,
    baseCount: count,
    queryCount,
    recipe: `gaussianMixture(${count} + ${queryCount}, ${dimension}, 1000 clusters, seed 42, spread 0.3); queries = last ${queryCount} rows`,
    generate() {
      const all = gaussianMixture(count + queryCount, dimension, 1000, 42);
      return { base: all.subarray(0, count * dimension), queries: all.subarray(count * dimension) };
    },
  };
}

export const DATASETS: Record<string, DatasetRecipe> = {
  /** For trying the harness out in seconds; not in the default run. */
  'gauss-10k': mixture(
    'gauss-10k',
    'Gaussian mixture, 10,000 × 128 (1,000 clusters, seed 42; 1,000 queries)',
    10_000,
  ),
  'gauss-100k': mixture(
    'gauss-100k',
    'Gaussian mixture, 100,000 × 128 (1,000 clusters, seed 42; 1,000 queries)',
    100_000,
  ),
  'gauss-1m': mixture(
    'gauss-1m',
    'Gaussian mixture, 1,000,000 × 128 (1,000 clusters, seed 42; 1,000 queries)',
    1_000_000,
  ),
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST, 60,000 × 784 (queries: the 10,000 test images)',
    dimension: 784,
    baseCount: 60_000,
    queryCount: 10_000,
    recipe: 'Debian dataset-fashion-mnist: train images as base, t10k images as queries, raw pixels 0–255',
    generate() {
      const f = loadFashionMnist();
      return { base: f.train.vectors, queries: f.test.vectors };
    },
  },
};

export interface MaterializedDataset {
  name: string;
  title: string;
  dimension: number;
  baseCount: number;
  /** Queries used in this run (the first `queryCount` of the set's queries). */
  queryCount: number;
  baseFile: string;
  queriesFile: string;
  /** Top-`GROUND_TRUTH_K` of the queries used. */
  truth: GroundTruth;
}

/**
 * The set's files (generating them if needed) and the ground truth of its first
 * `maxQueries` queries (all when undefined).
 */
export function materialize(
  recipe: DatasetRecipe,
  cacheDir: string,
  maxQueries?: number,
  log: (msg: string) => void = () => {},
): MaterializedDataset {
  const dir = join(cacheDir, recipe.name);
  const baseFile = join(dir, 'base.f32');
  const allQueriesFile = join(dir, 'queries.f32');
  const metaFile = join(dir, 'meta.json');
  const meta = {
    recipe: recipe.recipe,
    dimension: recipe.dimension,
    baseCount: recipe.baseCount,
    queryCount: recipe.queryCount,
  };
  const fresh =
    existsSync(metaFile) &&
    readFileSync(metaFile, 'utf8') === JSON.stringify(meta) &&
    sizeOf(baseFile) === recipe.baseCount * recipe.dimension * 4 &&
    sizeOf(allQueriesFile) === recipe.queryCount * recipe.dimension * 4;
  if (!fresh) {
    log(`generating ${recipe.name} into ${dir}`);
    mkdirSync(dir, { recursive: true });
    const { base, queries } = recipe.generate();
    writeAtomically(baseFile, base);
    writeAtomically(allQueriesFile, queries);
    writeFileSync(metaFile, JSON.stringify(meta));
  }

  const queryCount = Math.min(maxQueries ?? recipe.queryCount, recipe.queryCount);
  const base = readF32(baseFile);
  let queries = readF32(allQueriesFile);
  let queriesFile = allQueriesFile;
  if (queryCount < recipe.queryCount) {
    queries = queries.slice(0, queryCount * recipe.dimension);
    queriesFile = join(dir, `queries-first-${queryCount}.f32`);
    if (sizeOf(queriesFile) !== queries.byteLength) writeAtomically(queriesFile, queries);
  }
  log(`ground truth (top-${GROUND_TRUTH_K} of ${queryCount} queries by FlatIndex; cached)`);
  const truth = flatGroundTruth(`ann-${recipe.name}`, base, queries, recipe.dimension, GROUND_TRUTH_K);
  return {
    name: recipe.name,
    title: recipe.title,
    dimension: recipe.dimension,
    baseCount: recipe.baseCount,
    queryCount,
    baseFile,
    queriesFile,
    truth,
  };
}

function sizeOf(file: string): number {
  return existsSync(file) ? statSync(file).size : -1;
}

function writeAtomically(file: string, rows: Float32Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
  renameSync(tmp, file);
}
