/**
 * Microbenchmark of the kernels: ns per 128-d squared L2 distance (one call from JS, and
 * per row inside a scan) and exact top-10 queries per second over 100,000 × 128
 * `gaussianMixture` vectors (seed 42) and, when Debian's dataset-fashion-mnist is
 * installed, over Fashion-MNIST (60,000 × 784, queries from the test set; the table says
 * when it was skipped); wasm simd128 vs the JS fallback, single thread. usearch's
 * `exactSearch` (one thread, one query per call) is timed on the same data as a peer
 * reference. Each figure is the median of ROUNDS rounds, with the range over rounds.
 *
 * Prints Markdown on stdout.
 * Reproduce: `npm run build && node dist/bench/kernels.js`
 */
import { exactSearch, MetricKind } from 'usearch';
import { gaussianMixture } from '../src/eval/random.js';
import { DistanceKind, type Kernels } from '../src/kernels/kernels.js';
import { jsKernels, wasmKernels } from '../src/kernels/load.js';
import { loadFashionMnist } from './data/fashion-mnist.js';
import { missingFashionMnist } from './prerequisites.js';

const N = 100_000;
const DIM = 128;
const K = 10;
const QUERIES = 200;
const CLUSTERS = 100;
const SEED = 42;
const ROUNDS = 7;

interface Row {
  measure: string;
  wasm: Timing;
  js: Timing;
  usearch?: Timing;
}

/** A figure per round (ms per call, ns per row or QPS, as the row says). */
type Timing = number[];

/**
 * ms per call of `fn` in each of `ROUNDS` rounds of at least `roundMs`, after one warm-up
 * call. The machine is shared: the median over rounds is reported, with the range.
 */
function msPerCall(fn: () => void, roundMs: number): Timing {
  fn();
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < roundMs) {
      fn();
      calls++;
      elapsed = performance.now() - start;
    }
    rounds.push(elapsed / calls);
  }
  return rounds;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Loaded {
  kernels: Kernels;
  n: number;
  dim: number;
  base: number;
  queries: number;
  out: number;
  rows: number;
  dists: number;
}

function load(kernels: Kernels, data: Float32Array, queries: Float32Array, dim: number): Loaded {
  const n = data.length / dim;
  const base = kernels.alloc(data.byteLength);
  const q = kernels.alloc(queries.byteLength);
  const out = kernels.alloc(n * 4);
  const rows = kernels.alloc(K * 4);
  const dists = kernels.alloc(K * 4);
  kernels.f32(base, data.length).set(data);
  kernels.f32(q, queries.length).set(queries);
  return { kernels, n, dim, base, queries: q, out, rows, dists };
}

/** ns per `l2sq` call on two 128-d vectors already in cache (includes the JS→kernel call). */
function nsPerL2Call({ kernels, base, queries }: Loaded): Timing {
  const reps = 10_000;
  let sink = 0;
  const ms = msPerCall(() => {
    for (let i = 0; i < reps; i++) sink += kernels.l2sq(queries, base + (i & 63) * DIM * 4, DIM);
  }, 100);
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return ms.map((m) => (m * 1e6) / reps);
}

function nsPerScanRow({ kernels, base, queries, out }: Loaded): Timing {
  return msPerCall(() => kernels.scan(DistanceKind.L2, queries, base, N, DIM, out), 200).map(
    (m) => (m * 1e6) / N,
  );
}

function topKQps({ kernels, n, dim, base, queries, rows, dists }: Loaded, count: number): Timing {
  let next = 0;
  const ms = msPerCall(() => {
    const q = queries + (next++ % count) * dim * 4;
    kernels.searchTopK(DistanceKind.L2, q, base, n, dim, K, 0, rows, dists);
  }, 300);
  return ms.map((m) => 1000 / m);
}

/** usearch, one query per call (as Quiver is called); `data` must own its whole buffer. */
function usearchQps(data: Float32Array, queries: Float32Array, dim: number): Timing {
  const single = Array.from({ length: QUERIES }, (_, i) => queries.slice(i * dim, (i + 1) * dim));
  let next = 0;
  const ms = msPerCall(() => {
    exactSearch(data, single[next++ % QUERIES], dim, K, MetricKind.L2sq, 1);
  }, 300);
  return ms.map((m) => 1000 / m);
}

const all = gaussianMixture(N + QUERIES, DIM, CLUSTERS, SEED);
const data = all.slice(0, N * DIM);
const queries = all.subarray(N * DIM);

const wasm = load(wasmKernels(), data, queries, DIM);
const js = load(jsKernels(), data, queries, DIM);

const rows: Row[] = [
  { measure: 'ns per 128-d `l2sq` call (from JS)', wasm: nsPerL2Call(wasm), js: nsPerL2Call(js) },
  {
    measure: `ns per 128-d L2 row in \`scan\` (${N.toLocaleString('en')} rows)`,
    wasm: nsPerScanRow(wasm),
    js: nsPerScanRow(js),
  },
  {
    measure: `exact top-${K} QPS, ${N.toLocaleString('en')} × ${DIM} (\`searchTopK\`)`,
    wasm: topKQps(wasm, QUERIES),
    js: topKQps(js, QUERIES),
    usearch: usearchQps(data, queries, DIM),
  },
];

const missing = missingFashionMnist();
if (missing === undefined) {
  const fashion = loadFashionMnist();
  const dim = fashion.dimension;
  const fashionQueries = fashion.test.vectors.slice(0, QUERIES * dim);
  rows.push({
    measure: `exact top-${K} QPS, Fashion-MNIST ${fashion.train.count.toLocaleString('en')} × ${dim} (\`searchTopK\`)`,
    wasm: topKQps(load(wasmKernels(), fashion.train.vectors, fashionQueries, dim), QUERIES),
    js: topKQps(load(jsKernels(), fashion.train.vectors, fashionQueries, dim), QUERIES),
    usearch: usearchQps(fashion.train.vectors, fashionQueries, dim),
  });
}

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1));
const cell = (t: Timing | undefined) =>
  t === undefined ? '—' : `${fmt(median(t))} (${fmt(Math.min(...t))}–${fmt(Math.max(...t))})`;
console.log(
  [
    '## Kernels (single thread): distance calls, scans and exact top-10',
    '',
    `The wasm simd128 kernels beside their JS fallback (\`src/kernels/\`), called directly on data already in ` +
      `kernel memory: \`gaussianMixture(${N.toLocaleString('en')} + ${QUERIES}, ${DIM}, ${CLUSTERS} clusters, seed ${SEED})\`, ` +
      `the last ${QUERIES} rows as queries. usearch \`exactSearch\` (1 thread, 1 query per call) is the peer on the same data. ` +
      `Each cell: median over ${ROUNDS} rounds (min–max); the machine is shared, so rounds vary.`,
    '',
    '| measure | wasm simd128 | JS | usearch `exactSearch` |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.measure} | ${cell(r.wasm)} | ${cell(r.js)} | ${cell(r.usearch)} |`),
    ...(missing === undefined ? [] : ['', `Fashion-MNIST row skipped: ${missing}.`]),
  ].join('\n'),
);
