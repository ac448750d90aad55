/**
 * Filtered HNSW search: recall@10 and single-thread QPS of `HnswIndex.search` with an
 * allow-bitset of 50%, 10%, 1% and 0.1% of the points (random, fixed seed), against the
 * exact filtered top-10 (`FlatIndex` with the same bitset). Checks the guarantee that a
 * search returns k results whenever k points are allowed, and reports how the planner
 * answered (graph walk or exact scan of the allowed points) beside a forced walk.
 *
 * Data: the ann harness's cached Gaussian mixture (`--dataset gauss-1m` by default,
 * 1,000,000 × 128), its first 200 queries; the index is built with 2 threads.
 * Prints Markdown on stdout, progress on stderr.
 * Reproduce: `npm run build && node dist/bench/filtered-search.js [--dataset gauss-100k]`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { recallAtK } from '../src/eval/metrics.js';
import { SeededRandom } from '../src/eval/random.js';
import { Bitset } from '../src/index/bitset.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { buildHnsw } from '../src/index/hnsw-build.js';
import type { IndexSearchParams } from '../src/index/vector-index.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { kernels } from '../src/kernels/load.js';
import { DATASETS, materialize } from './ann/datasets.js';
import { annCacheDir } from './ann/paths.js';

const K = 10;
const QUERIES = 200;
const SELECTIVITIES = [0.5, 0.1, 0.01, 0.001];
const EFS = [64, 128];

const { values } = parseArgs({ options: { dataset: { type: 'string', default: 'gauss-1m' } } });
const name = values.dataset as string;
const log = (msg: string) => process.stderr.write(`[filtered] ${msg}\n`);

function readF32(file: string): Float32Array {
  const bytes = readFileSync(file);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

const set = materialize(DATASETS[name], annCacheDir(), QUERIES, log);
const base = readF32(set.baseFile);
const queries = readF32(set.queriesFile);
const d = set.dimension;
const n = set.baseCount;
const kern = kernels();
log(`building HNSW over ${n} x ${d} with 2 threads`);
const started = performance.now();
const index = await buildHnsw(kern, base, d, DistanceKind.L2, { M: 16, efConstruction: 200, threads: 2 });
const buildSeconds = (performance.now() - started) / 1000;
const exact = new FlatIndex(kern, d, DistanceKind.L2, index.store);
const query = (q: number) => queries.subarray(q * d, (q + 1) * d);

interface Row {
  selectivity: number;
  allowed: number;
  mode: string;
  ef: number;
  recall: number;
  minResults: number;
  qps: number;
}

function measure(
  allow: Bitset | undefined,
  truth: Uint32Array[],
  params: IndexSearchParams,
): Omit<Row, 'selectivity' | 'allowed' | 'mode' | 'ef'> {
  let recall = 0;
  let minResults = Number.POSITIVE_INFINITY;
  for (let q = 0; q < QUERIES; q++) {
    const got = index.search(query(q), K, allow, params).offsets;
    minResults = Math.min(minResults, got.length);
    recall += recallAtK(got, truth[q], K);
  }
  const timings: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    for (let q = 0; q < QUERIES; q++) index.search(query(q), K, allow, params);
    timings.push(QUERIES / ((performance.now() - t) / 1000));
  }
  timings.sort((a, b) => a - b);
  return { recall: recall / QUERIES, minResults, qps: timings[1] };
}

const rows: Row[] = [];
const unfiltered: number[] = [];
const truthAll = Array.from({ length: QUERIES }, (_, q) =>
  set.truth.rows.subarray(q * set.truth.k, q * set.truth.k + K),
);
for (const ef of EFS) unfiltered.push(measure(undefined, truthAll, { ef }).qps);
const rng = new SeededRandom(20261121);
for (const selectivity of SELECTIVITIES) {
  const allow = new Bitset(n);
  for (let i = 0; i < n; i++) if (rng.next() < selectivity) allow.set(i);
  const allowed = allow.count();
  log(`selectivity ${selectivity}: ${allowed} allowed; exact truth`);
  const truth = Array.from({ length: QUERIES }, (_, q) => exact.search(query(q), K, allow).offsets);
  for (const ef of EFS) {
    for (const mode of ['auto', 'walk'] as const) {
      log(`  ef ${ef}, ${mode}`);
      rows.push({ selectivity, allowed, mode, ef, ...measure(allow, truth, { ef, strategy: mode }) });
    }
  }
}

const pct = (x: number) => `${(x * 100).toLocaleString('en', { maximumFractionDigits: 1 })}%`;
const out = [
  '## Filtered HNSW search',
  '',
  `Command: \`npm run build && node dist/bench/filtered-search.js --dataset ${name}\``,
  '',
  `${set.title}: ${n.toLocaleString('en')} points, the first ${QUERIES} queries, k = ${K}; index M = 16, ` +
    `efConstruction = 200, built with 2 threads in ${buildSeconds.toFixed(1)} s. Each filter allows a random ` +
    'subset (seeded) of the points; recall@10 is against the exact top-10 among the allowed points. ' +
    '**auto** is what `HnswIndex.search` does by default (it scans the allowed points exactly when ' +
    'allowed² < 10 · ef · n, and otherwise walks the graph with the filter applied inside the walk); ' +
    '**walk** forces the graph walk. QPS: one query per call, one thread, median of 3 passes. ' +
    `Unfiltered QPS for reference: ${EFS.map((ef, i) => `ef ${ef}: ${Math.round(unfiltered[i]).toLocaleString('en')}`).join(', ')}.`,
  '',
  '| allowed | ef | strategy | recall@10 | fewest results | QPS | QPS / unfiltered |',
  '|---|--:|---|--:|--:|--:|--:|',
  ...rows.map(
    (r) =>
      `| ${pct(r.selectivity)} (${r.allowed.toLocaleString('en')}) | ${r.ef} | ${r.mode} | ${r.recall.toFixed(3)} | ` +
      `${r.minResults} | ${Math.round(r.qps).toLocaleString('en')} | ${(r.qps / unfiltered[EFS.indexOf(r.ef)]).toFixed(2)} |`,
  ),
];
console.log(out.join('\n'));
exact.dispose();
index.dispose();
