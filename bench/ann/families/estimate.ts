/**
 * A rough model of how long each (data set, family, library) measurement takes on this
 * kind of machine (2 cores), so the benchmark can say up front how long a run will be and
 * how much is left. It counts bytes scanned, table lookups, re-ranked candidates and
 * k-means multiply-adds at rates measured here (gauss-10k/100k runs of this benchmark and
 * the HNSW section of docs/benchmarks.md, on a busy machine); it aims to be right within a
 * factor of about two.
 */
import type { FamilyId, FamilyPlan } from './plan.js';

export interface EstimateInput {
  rows: number;
  dimension: number;
  queries: number;
  threads: number;
  minSeconds: number;
  minRepeats: number;
  maxSeconds: number;
  /** FAISS trains through BLAS: Debian's reference BLAS is ~20× slower than OpenBLAS. */
  faissBlas: 'reference' | 'optimized';
}

type Lib = 'quiver' | 'faiss';

/** Single-thread rate of each family's main search loop, in its unit (bytes or lookups) per second. */
const SEARCH_RATE: Record<FamilyId, Record<Lib, number>> = {
  flat: { quiver: 25e9, faiss: 3e9 },
  'ivf-flat': { quiver: 12e9, faiss: 2.4e9 },
  'ivf-sq8': { quiver: 2e9, faiss: 0.35e9 },
  'ivf-pq': { quiver: 3.5e9, faiss: 3.5e9 },
  pq: { quiver: 3.5e9, faiss: 3.5e9 },
  sq8: { quiver: 10e9, faiss: 0.9e9 },
  lsh: { quiver: 10e9, faiss: 3.6e9 },
  hnsw: { quiver: 8e9, faiss: 2.5e9 },
  'hnsw-sq8': { quiver: 8e9, faiss: 2.5e9 },
  annoy: { quiver: 2e9, faiss: 2e9 },
};

/** Seconds per re-ranked candidate (a random float32 row, its distance and a heap step). */
const RERANK_SECONDS = 1e-6;
/** Per-call overhead of one search (Python loop and binding, or Node call and result arrays). */
const CALL_SECONDS: Record<Lib, number> = { faiss: 12e-6, quiver: 4e-6 };
/** k-means / encoding multiply-adds per second and thread. */
const MAC_RATE = { quiver: 2.5e9, faissReference: 0.45e9, faissOptimized: 10e9 };

function lib(name: string): Lib {
  return name === 'faiss' ? 'faiss' : 'quiver';
}

function nlistOf(plan: FamilyPlan): number {
  return Number(plan.factory.match(/^IVF(\d+)/)?.[1] ?? 1);
}

/** Seconds of one query at the effort `params` (single thread). */
export function querySeconds(
  plan: FamilyPlan,
  libName: string,
  params: Record<string, number>,
  input: EstimateInput,
): number {
  const { rows: n, dimension: d } = input;
  const l = lib(libName);
  const rate = SEARCH_RATE[plan.id][l];
  const reranked = params.rerank ?? (params.k_factor ?? 0) * 10;
  const probed = ((params.nprobe ?? 1) / nlistOf(plan)) * n;
  const ef = params.ef ?? params.efSearch ?? 64;
  const units: Record<FamilyId, number> = {
    flat: n * d * 4,
    'ivf-flat': probed * d * 4,
    'ivf-sq8': probed * d,
    'ivf-pq': probed * 16,
    pq: n * 16,
    sq8: n * d,
    lsh: n * 32,
    hnsw: ef * 32 * d * 4,
    'hnsw-sq8': ef * 32 * d,
    annoy: Math.min(params.searchK ?? 500, n) * d * 4,
  };
  const centroids = plan.id.startsWith('ivf') ? (nlistOf(plan) * d * 4) / 25e9 : 0;
  return CALL_SECONDS[l] + centroids + units[plan.id] / rate + reranked * RERANK_SECONDS;
}

/** Seconds of training and adding every row with `input.threads` threads. */
export function buildSeconds(plan: FamilyPlan, libName: string, input: EstimateInput): number {
  const { rows: n, dimension: d, threads } = input;
  const l = lib(libName);
  const macRate =
    threads *
    (l === 'quiver'
      ? MAC_RATE.quiver
      : input.faissBlas === 'optimized'
        ? MAC_RATE.faissOptimized
        : MAC_RATE.faissReference);
  const nlist = nlistOf(plan);
  // Coarse k-means: 10 iterations on ≤ 256 rows per centroid, then one assignment of every row.
  const ivf = (10 * Math.min(n, 256 * nlist) * nlist * d + n * nlist * d) / macRate;
  // PQ codebooks: 256 centroids per sub-quantizer, ~25 iterations on ≤ 65,536 rows, then encoding.
  const pq = (1.8 * 25 * Math.min(n, 65_536) * 256 * d + n * 256 * d) / macRate;
  // HNSW: 1M × 128, M = 16, efConstruction 200 took ~400 s of one core in Quiver, ~730 s in FAISS; M = 32 ~1.6×.
  const hnsw = (1.6 * (l === 'faiss' ? 730 : 400) * (n / 1e6) * (d / 128) ** 0.5) / threads;
  const seconds: Record<FamilyId, number> = {
    flat: (n * d * 4) / 5e9,
    'ivf-flat': ivf,
    'ivf-sq8': ivf,
    'ivf-pq': ivf + pq,
    pq,
    sq8: (n * d) / 1e9,
    lsh: (n * 256 * d) / (1e9 * threads),
    hnsw,
    'hnsw-sq8': hnsw,
    annoy: (50 * n * Math.log2(Math.max(2, n)) * d * 4) / (4e9 * threads),
  };
  return seconds[plan.id];
}

/** Seconds of a whole measurement: loading, build, and every sweep point's passes. */
export function taskSeconds(
  plan: FamilyPlan,
  libName: string,
  points: readonly { params: Record<string, number> }[],
  input: EstimateInput,
): number {
  const load = (input.rows * input.dimension * 4) / 0.5e9 + 1;
  let sweep = 0;
  for (const p of points) {
    const pass = input.queries * querySeconds(plan, libName, p.params, input);
    let timed = 0;
    for (let passes = 0; passes < input.minRepeats || timed < input.minSeconds; passes++) {
      if (passes > 0 && timed >= input.maxSeconds) break;
      timed += pass;
    }
    sweep += pass + timed;
  }
  return load + buildSeconds(plan, libName, input) + sweep;
}

/** "1 h 05 min", "12 min", "40 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
