/**
 * Microbenchmark of the kernels: ns per 128-d squared L2 distance (one call from JS, and
 * per row inside a scan) and exact top-10 queries per second over 100,000 × 128
 * `gaussianMixture` vectors (seed 42), wasm simd128 vs the JS fallback, single thread.
 * usearch's `exactSearch` (one thread) is timed on the same data as a peer reference.
 *
 * Reproduce: `npm run build && node dist/bench/kernels.js`
 */
import { cpus } from 'node:os';
import { exactSearch, MetricKind } from 'usearch';
import { gaussianMixture } from '../src/eval/random.js';
import { DistanceKind, type Kernels } from '../src/kernels/kernels.js';
import { jsKernels, wasmKernels } from '../src/kernels/load.js';

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
  base: number;
  queries: number;
  out: number;
  rows: number;
  dists: number;
}

function load(kernels: Kernels, data: Float32Array, queries: Float32Array): Loaded {
  const base = kernels.alloc(data.byteLength);
  const q = kernels.alloc(queries.byteLength);
  const out = kernels.alloc(N * 4);
  const rows = kernels.alloc(K * 4);
  const dists = kernels.alloc(K * 4);
  kernels.f32(base, data.length).set(data);
  kernels.f32(q, queries.length).set(queries);
  return { kernels, base, queries: q, out, rows, dists };
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

function topKQps({ kernels, base, queries, rows, dists }: Loaded, count: number): number {
  let next = 0;
  const ms = msPerCall(() => {
    const q = queries + (next++ % count) * DIM * 4;
    kernels.searchTopK(DistanceKind.L2, q, base, N, DIM, K, 0, rows, dists);
  }, 300);
  return 1000 / ms;
}

function usearchQps(data: Float32Array, queries: Float32Array): number {
  const batch = 20;
  const ms = msPerCall(() => {
    exactSearch(data, queries.subarray(0, batch * DIM), DIM, K, MetricKind.L2sq, 1);
  }, 300);
  return (1000 * batch) / ms;
}

const all = gaussianMixture(N + QUERIES, DIM, CLUSTERS, SEED);
const data = all.subarray(0, N * DIM);
const queries = all.subarray(N * DIM);

const wasm = load(wasmKernels(), data, queries);
const js = load(jsKernels(), data, queries);

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
    usearch: fmt(usearchQps(data, queries), 0),
  },
];

console.log(
  `# kernels benchmark — ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}, 1 thread, best of ${ROUNDS} rounds`,
);
console.log('# command: npm run build && node dist/bench/kernels.js\n');
console.table(rows);
