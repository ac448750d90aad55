/**
 * Microbenchmark of the kernels: ns per 128-d squared L2 distance (one call from JS, and
 * per row inside a scan) and exact top-10 queries per second over 100,000 × 128
 * `gaussianMixture` vectors (seed 42) and, when Debian's dataset-fashion-mnist is
 * installed, over Fashion-MNIST (60,000 × 784, queries from the test set); wasm simd128
 * vs the JS fallback, single thread. usearch's `exactSearch` (one thread, one query per
 * call) is timed on the same data as a peer reference.
 *
 * Reproduce: `npm run build && node dist/bench/kernels.js`
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { exactSearch, MetricKind } from 'usearch';
import { gaussianMixture } from '../src/eval/random.js';
import { DistanceKind, type Kernels } from '../src/kernels/kernels.js';
import { jsKernels, wasmKernels } from '../src/kernels/load.js';
import { FASHION_MNIST_DIR, loadFashionMnist } from './data/fashion-mnist.js';

const N = 100_000;
const DIM = 128;
const K = 10;
const QUERIES = 200;
const CLUSTERS = 100;
const SEED = 42;
const ROUNDS = 7;

interface Row {
  measure: string;
  wasm: string;
  js: string;
  usearch: string;
}

/**
 * ms per call of `fn`: the best of `ROUNDS` rounds of at least `roundMs` each, after one
 * warm-up call. Best-of, because the machine is shared and slow rounds measure the others.
 */
function msPerCall(fn: () => void, roundMs: number): number {
  fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < roundMs) {
      fn();
      calls++;
      elapsed = performance.now() - start;
    }
    best = Math.min(best, elapsed / calls);
  }
  return best;
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
function nsPerL2Call({ kernels, base, queries }: Loaded): number {
  const reps = 10_000;
  let sink = 0;
  const ms = msPerCall(() => {
    for (let i = 0; i < reps; i++) sink += kernels.l2sq(queries, base + (i & 63) * DIM * 4, DIM);
  }, 100);
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return (ms * 1e6) / reps;
}

function nsPerScanRow({ kernels, base, queries, out }: Loaded): number {
  return (msPerCall(() => kernels.scan(DistanceKind.L2, queries, base, N, DIM, out), 200) * 1e6) / N;
}

function topKQps({ kernels, n, dim, base, queries, rows, dists }: Loaded, count: number): number {
  let next = 0;
  const ms = msPerCall(() => {
    const q = queries + (next++ % count) * dim * 4;
    kernels.searchTopK(DistanceKind.L2, q, base, n, dim, K, 0, rows, dists);
  }, 300);
  return 1000 / ms;
}

/** usearch, one query per call (as Quiver is called); `data` must own its whole buffer. */
function usearchQps(data: Float32Array, queries: Float32Array, dim: number): number {
  const single = Array.from({ length: QUERIES }, (_, i) => queries.slice(i * dim, (i + 1) * dim));
  let next = 0;
  const ms = msPerCall(() => {
    exactSearch(data, single[next++ % QUERIES], dim, K, MetricKind.L2sq, 1);
  }, 300);
  return 1000 / ms;
}

const all = gaussianMixture(N + QUERIES, DIM, CLUSTERS, SEED);
const data = all.slice(0, N * DIM);
const queries = all.subarray(N * DIM);

const wasm = load(wasmKernels(), data, queries, DIM);
const js = load(jsKernels(), data, queries, DIM);

const fmt = (x: number, digits = 1) => x.toFixed(digits);
const rows: Row[] = [
  {
    measure: 'ns per 128-d l2sq call',
    wasm: fmt(nsPerL2Call(wasm)),
    js: fmt(nsPerL2Call(js)),
    usearch: '',
  },
  {
    measure: 'ns per 128-d L2 row in scan (100k rows)',
    wasm: fmt(nsPerScanRow(wasm)),
    js: fmt(nsPerScanRow(js)),
    usearch: '',
  },
  {
    measure: `exact top-${K} QPS, ${N} x ${DIM}`,
    wasm: fmt(topKQps(wasm, QUERIES), 0),
    js: fmt(topKQps(js, QUERIES), 0),
    usearch: fmt(usearchQps(data, queries, DIM), 0),
  },
];

if (existsSync(FASHION_MNIST_DIR)) {
  const fashion = loadFashionMnist();
  const dim = fashion.dimension;
  const fashionQueries = fashion.test.vectors.subarray(0, QUERIES * dim);
  rows.push({
    measure: `exact top-${K} QPS, Fashion-MNIST ${fashion.train.count} x ${dim}`,
    wasm: fmt(topKQps(load(wasmKernels(), fashion.train.vectors, fashionQueries, dim), QUERIES), 0),
    js: fmt(topKQps(load(jsKernels(), fashion.train.vectors, fashionQueries, dim), QUERIES), 0),
    usearch: fmt(usearchQps(fashion.train.vectors, fashionQueries, dim), 0),
  });
}

console.log(
  `# kernels benchmark — ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}, 1 thread, best of ${ROUNDS} rounds`,
);
console.log('# command: npm run build && node dist/bench/kernels.js\n');
console.table(rows);
