/**
 * k-means clustering (Lloyd's algorithm, as FAISS's `Clustering`): the coarse quantizer of
 * IVF indexes and the sub-quantizer codebooks of PQ.
 *
 * Invariants:
 * - Deterministic for a seed: the subsample, the initial centroids and every split of an
 *   empty cluster come from one seeded generator; the assignment of a point does not
 *   depend on how points are split among threads (`assembly/kmeans.ts`), and centroids
 *   are summed in point order. Same inputs and seed → bit-identical centroids, whatever
 *   the thread count.
 * - The assignment step (n·k·d multiply-adds per iteration) runs in wasm simd, split
 *   among `threads` workers of the 'build' pool when it is large; the update step
 *   (n·d adds) runs here.
 * - Initialization picks k distinct sample rows at random (FAISS's default); when the
 *   sample has fewer than k rows, rows repeat. Every cluster left empty after an
 *   assignment takes half of a large cluster (chosen with probability ∝ its size − 1): it
 *   copies that centroid and both are nudged apart by ±1/1024 relative per coordinate
 *   (FAISS's `split_clusters`). So k > distinct points is handled: the result still has
 *   k centroids, some of them (near-)duplicates.
 * - Nearest means smallest squared L2, ties to the lower centroid number.
 */
import { availableParallelism } from 'node:os';
import { SeededRandom } from '../eval/random.js';
import type { Kernels } from '../kernels/kernels.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import { requireWasm } from './index-vectors.js';

export interface KmeansOptions {
  /** Lloyd iterations (assign, then update). Default 20. */
  iterations?: number;
  /** Seed of the subsample, the initial centroids and the splits. Default 1. */
  seed?: number;
  /** Worker threads for the assignment step. Default: the machine's cores. */
  threads?: number;
  /**
   * At most this many points per centroid are used: a larger input is subsampled to
   * k · maxPointsPerCentroid rows with the seed (FAISS uses 256). Default 256.
   */
  maxPointsPerCentroid?: number;
}

export const KMEANS_DEFAULTS = { iterations: 20, seed: 1, maxPointsPerCentroid: 256 } as const;

/** The exports of `assembly/kmeans.ts`. */
interface KmeansExports {
  kmeansNorms(centroids: number, k: number, dim: number, out: number): void;
  kmeansAssign(
    data: number,
    n: number,
    dim: number,
    centroids: number,
    k: number,
    norms: number,
    outAssign: number,
    outDist: number,
  ): void;
}

/** Below this many multiply-adds (n·k·d) an assignment runs on the calling thread. */
const PARALLEL_WORK = 1 << 23;

/** Relative nudge that separates a split centroid from its copy (FAISS's EPS). */
const SPLIT_EPS = 1 / 1024;

function kmeansExports(kern: WasmKernels): KmeansExports {
  return kern.exports as unknown as KmeansExports;
}

function checkInteger(name: string, value: number, lo: number, hi = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`k-means ${name} must be an integer in [${lo}, ${hi}], got ${value}`);
  }
}

/**
 * `k` centroids (k·dimension floats, row-major) of the rows of `data` (a multiple of
 * `dimension` floats, at least one row).
 * @throws RangeError for a bad dimension, k, option or row count.
 * @throws Error when `kernels` are not the wasm kernels.
 * @example
 * const centroids = await kmeans(kernels, rows, 128, 1024, { seed: 7, iterations: 10 });
 */
export async function kmeans(
  kernels: Kernels,
  data: Float32Array,
  dimension: number,
  k: number,
  options: KmeansOptions = {},
): Promise<Float32Array> {
  const kern = requireWasm(kernels, 'k-means');
  const iterations = options.iterations ?? KMEANS_DEFAULTS.iterations;
  const seed = options.seed ?? KMEANS_DEFAULTS.seed;
  const maxPer = options.maxPointsPerCentroid ?? KMEANS_DEFAULTS.maxPointsPerCentroid;
  const threads = options.threads ?? availableParallelism();
  checkInteger('dimension', dimension, 1);
  checkInteger('k', k, 1);
  checkInteger('iterations', iterations, 0);
  checkInteger('seed', seed, 0, 0xffffffff);
  checkInteger('maxPointsPerCentroid', maxPer, 1);
  checkInteger('threads', threads, 1);
  const total = data.length / dimension;
  if (!Number.isInteger(total) || total === 0) {
    throw new RangeError(`k-means needs whole rows of ${dimension} floats, got ${data.length} floats`);
  }
  const rng = new SeededRandom(seed);
  const sample = subsample(data, dimension, Math.min(total, k * maxPer), rng);
  const n = sample.length / dimension;

  const pointsPtr = kern.alloc(sample.length * 4);
  const centroidsPtr = kern.alloc(k * dimension * 4);
  const normsPtr = kern.alloc(k * 4);
  const assignPtr = kern.alloc(n * 4);
  try {
    kern.f32(pointsPtr, sample.length).set(sample);
    const centroids = new Float32Array(k * dimension);
    const order = permutation(n, Math.min(n, k), rng);
    for (let j = 0; j < k; j++) {
      const row = order[j % order.length];
      centroids.set(sample.subarray(row * dimension, (row + 1) * dimension), j * dimension);
    }
    const table: CentroidTable = { ptr: centroidsPtr, norms: normsPtr, k, dimension };
    for (let it = 0; it < iterations; it++) {
      kern.f32(centroidsPtr, centroids.length).set(centroids);
      prepareNorms(kern, table);
      await assignInMemory(kern, table, pointsPtr, n, assignPtr, threads);
      const assign = kern.u32(assignPtr, n);
      const sizes = updateCentroids(sample, assign, dimension, centroids);
      splitEmptyClusters(centroids, sizes, dimension, rng);
    }
    return centroids;
  } finally {
    kern.free(assignPtr);
    kern.free(normsPtr);
    kern.free(centroidsPtr);
    kern.free(pointsPtr);
  }
}

/** Centroids in linear memory: `k` rows of `dimension` floats at `ptr`, their squared norms at `norms`. */
export interface CentroidTable {
  ptr: number;
  norms: number;
  k: number;
  dimension: number;
}

/** Writes the squared norms of `table`'s centroids (call after the centroids change). */
export function prepareNorms(kern: WasmKernels, table: CentroidTable): void {
  kmeansExports(kern).kmeansNorms(table.ptr, table.k, table.dimension, table.norms);
}

/**
 * Writes, for each of the `n` rows at `rows` (linear memory), the number of its nearest
 * centroid of `table` as a u32 at `out`. Large jobs are split among up to `threads`
 * workers of the 'build' pool; the memory must stay allocated until the promise settles.
 */
export async function assignInMemory(
  kern: WasmKernels,
  table: CentroidTable,
  rows: number,
  n: number,
  out: number,
  threads: number,
): Promise<void> {
  const { ptr, norms, k, dimension } = table;
  const parts = Math.min(threads, Math.ceil((n * k * dimension) / PARALLEL_WORK));
  if (parts <= 1) {
    kmeansExports(kern).kmeansAssign(rows, n, dimension, ptr, k, norms, out, 0);
    return;
  }
  const pool = KernelWorkerPool.for(kern, 'build');
  const per = Math.ceil(n / parts);
  const calls: Promise<number>[] = [];
  for (let first = 0; first < n; first += per) {
    const count = Math.min(per, n - first);
    calls.push(
      pool.run('kmeansAssign', [
        rows + first * dimension * 4,
        count,
        dimension,
        ptr,
        k,
        norms,
        out + first * 4,
        0,
      ]),
    );
  }
  await Promise.all(calls);
}

/**
 * The nearest centroid (of `centroids`, k·dimension floats) of every row of `data`.
 * A convenience over `assignInMemory` for rows held in JS.
 */
export async function assignNearest(
  kernels: Kernels,
  data: Float32Array,
  dimension: number,
  centroids: Float32Array,
  threads = availableParallelism(),
): Promise<Uint32Array> {
  const kern = requireWasm(kernels, 'k-means');
  const n = data.length / dimension;
  const k = centroids.length / dimension;
  if (!Number.isInteger(n) || !Number.isInteger(k) || k === 0) {
    throw new RangeError(`assignNearest needs whole rows of ${dimension} floats and at least one centroid`);
  }
  if (n === 0) return new Uint32Array(0);
  const block = kern.alloc((data.length + centroids.length + k + n) * 4);
  const table: CentroidTable = { ptr: block + data.length * 4, norms: 0, k, dimension };
  table.norms = table.ptr + centroids.length * 4;
  const out = table.norms + k * 4;
  try {
    kern.f32(block, data.length).set(data);
    kern.f32(table.ptr, centroids.length).set(centroids);
    prepareNorms(kern, table);
    await assignInMemory(kern, table, block, n, out, threads);
    return kern.u32(out, n).slice();
  } finally {
    kern.free(block);
  }
}

/** `count` rows of `data` drawn without replacement (kept in row order), or `data` itself when count is all. */
function subsample(data: Float32Array, dimension: number, count: number, rng: SeededRandom): Float32Array {
  const total = data.length / dimension;
  if (count >= total) return data;
  const picked = permutation(total, count, rng).sort();
  const out = new Float32Array(count * dimension);
  for (let i = 0; i < count; i++) {
    out.set(data.subarray(picked[i] * dimension, (picked[i] + 1) * dimension), i * dimension);
  }
  return out;
}

/** The first `count` entries of a seeded random permutation of 0..n-1 (partial Fisher–Yates). */
function permutation(n: number, count: number, rng: SeededRandom): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.subarray(0, count);
}

/**
 * Sets every non-empty cluster's centroid to the mean of its points (summed in f64, in
 * point order); empty clusters keep their centroid. Returns the cluster sizes.
 */
function updateCentroids(
  points: Float32Array,
  assign: Uint32Array,
  dimension: number,
  centroids: Float32Array,
): Uint32Array {
  const k = centroids.length / dimension;
  const sums = new Float64Array(centroids.length);
  const sizes = new Uint32Array(k);
  for (let i = 0; i < assign.length; i++) {
    const c = assign[i];
    sizes[c]++;
    const at = c * dimension;
    const from = i * dimension;
    for (let j = 0; j < dimension; j++) sums[at + j] += points[from + j];
  }
  for (let c = 0; c < k; c++) {
    if (sizes[c] === 0) continue;
    const inv = 1 / sizes[c];
    const at = c * dimension;
    for (let j = 0; j < dimension; j++) centroids[at + j] = sums[at + j] * inv;
  }
  return sizes;
}

/**
 * Gives every empty cluster half of a cluster picked with probability ∝ (size − 1)
 * (uniformly when no cluster has two points), as FAISS's `split_clusters`.
 */
function splitEmptyClusters(
  centroids: Float32Array,
  sizes: Uint32Array,
  dimension: number,
  rng: SeededRandom,
): void {
  const k = sizes.length;
  for (let empty = 0; empty < k; empty++) {
    if (sizes[empty] !== 0) continue;
    const donor = pickDonor(sizes, rng);
    const a = empty * dimension;
    const b = donor * dimension;
    for (let j = 0; j < dimension; j++) {
      const v = centroids[b + j];
      const up = j % 2 === 0 ? 1 + SPLIT_EPS : 1 - SPLIT_EPS;
      centroids[a + j] = v * up;
      centroids[b + j] = v * (2 - up);
    }
    sizes[empty] = sizes[donor] >>> 1;
    sizes[donor] -= sizes[empty];
  }
}

/**
 * A cluster number drawn with probability ∝ (size − 1), or uniformly among the non-empty
 * clusters when every size is ≤ 1 (there is always one: the sample is not empty).
 */
function pickDonor(sizes: Uint32Array, rng: SeededRandom): number {
  let heavy = 0;
  let nonEmpty = 0;
  for (let c = 0; c < sizes.length; c++) {
    heavy += Math.max(0, sizes[c] - 1);
    if (sizes[c] > 0) nonEmpty++;
  }
  const weight = (size: number) => (heavy > 0 ? Math.max(0, size - 1) : Math.min(size, 1));
  let r = rng.next() * (heavy > 0 ? heavy : nonEmpty);
  let last = 0;
  for (let c = 0; c < sizes.length; c++) {
    const w = weight(sizes[c]);
    if (w === 0) continue;
    last = c;
    r -= w;
    if (r < 0) return c;
  }
  return last;
}

/** `count` rows of `data` drawn without replacement with `seed` (kept in row order); all of them when fewer. */
export function sampleRows(data: Float32Array, dimension: number, count: number, seed: number): Float32Array {
  return subsample(data, dimension, count, new SeededRandom(seed));
}
