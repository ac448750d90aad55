/**
 * Exact nearest neighbours by squared L2, computed by a plain TypeScript loop (no kernels,
 * no SIMD, f64 accumulation) so that it is an independent reference for every engine the
 * benchmarks measure; or, for the larger ANN sets, by Quiver's `FlatIndex`, cross-checked
 * against the plain loop on a few queries. Results are cached in `<package root>/.bench-cache/` (gitignored),
 * keyed by a SHA-256 of the data, the queries and k, so a changed data set never reuses a
 * stale answer.
 *
 * Cache file: "QGT1", u32 query count, u32 k (little-endian), then count × k u32 rows and
 * count × k f64 distances, each query's list ascending by distance.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlatIndex } from '../../src/index/flat-index.js';
import { DistanceKind } from '../../src/kernels/kernels.js';
import { kernels } from '../../src/kernels/load.js';

export interface GroundTruth {
  k: number;
  /** Number of queries. */
  count: number;
  /** `count × k` row offsets, each query's ascending by distance (ties: lower row first). */
  rows: Uint32Array;
  /** `count × k` squared L2 distances, matching `rows`. */
  distances: Float64Array;
}

/** Squared L2 distance between row `row` of `data` and `query`, accumulated in f64. */
export function plainL2sq(data: Float32Array, dim: number, row: number, query: Float32Array): number {
  let sum = 0;
  const base = row * dim;
  for (let d = 0; d < dim; d++) {
    const diff = data[base + d] - query[d];
    sum += diff * diff;
  }
  return sum;
}

/**
 * The `k` nearest rows of `data` to `query`: nested loops over the rows and dimensions,
 * keeping a sorted top-k list by insertion. Writes ascending (row, distance) pairs into
 * `outRows`/`outDist` (length ≥ k); returns how many were written (min(k, rows)).
 */
export function plainTopK(
  data: Float32Array,
  dim: number,
  query: Float32Array,
  k: number,
  outRows: Uint32Array,
  outDist: Float64Array,
): number {
  const n = data.length / dim;
  let found = 0;
  for (let row = 0; row < n; row++) {
    const dist = plainL2sq(data, dim, row, query);
    if (found === k && dist >= outDist[k - 1]) continue;
    let at = found < k ? found++ : k - 1;
    while (at > 0 && outDist[at - 1] > dist) {
      outDist[at] = outDist[at - 1];
      outRows[at] = outRows[at - 1];
      at--;
    }
    outDist[at] = dist;
    outRows[at] = row;
  }
  return found;
}

/**
 * Exact top-k of every query (rows of `queries`), from the cache when present.
 * @param name a label for the cache file, e.g. `fashion-mnist`
 */
export function groundTruth(
  name: string,
  data: Float32Array,
  queries: Float32Array,
  dim: number,
  k: number,
): GroundTruth {
  return cachedTruth(`gt-${name}`, data, queries, dim, k, (count) => {
    const rows = new Uint32Array(count * k);
    const distances = new Float64Array(count * k);
    for (let q = 0; q < count; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      plainTopK(
        data,
        dim,
        query,
        k,
        rows.subarray(q * k, (q + 1) * k),
        distances.subarray(q * k, (q + 1) * k),
      );
    }
    return { k, count, rows, distances };
  });
}

/**
 * Exact top-k of every query by Quiver's `FlatIndex` (wasm simd128 kernels, f32 distances),
 * from the cache when present: fast enough for 1M rows × 1,000 queries or Fashion-MNIST's
 * 10,000 queries at k = 100, where the plain loop of `groundTruth` would take many minutes.
 * When computed, the first CROSS_CHECK queries are also answered by the plain f64 loop and
 * must agree (a row may differ only where its distance ties the k-th, within f32 rounding),
 * so the flat index is checked against an independent reference on the data it serves.
 * @param name a label for the cache file, e.g. `ann-gauss-1m`
 * @throws Error when the cross-check fails
 */
export function flatGroundTruth(
  name: string,
  data: Float32Array,
  queries: Float32Array,
  dim: number,
  k: number,
): GroundTruth {
  return cachedTruth(`gtflat-${name}`, data, queries, dim, k, (count) => {
    const index = new FlatIndex(kernels(), dim, DistanceKind.L2);
    const rows = new Uint32Array(count * k);
    const distances = new Float64Array(count * k);
    try {
      index.add(data);
      for (let q = 0; q < count; q++) {
        const found = index.search(queries.subarray(q * dim, (q + 1) * dim), k);
        rows.set(found.offsets, q * k);
        distances.set(found.distances, q * k);
      }
    } finally {
      index.dispose();
    }
    const truth = { k, count, rows, distances };
    crossCheck(truth, data, queries, dim);
    return truth;
  });
}

/** The ground truth cached under `prefix` and the content's hash, or `compute(count)` written there. */
function cachedTruth(
  prefix: string,
  data: Float32Array,
  queries: Float32Array,
  dim: number,
  k: number,
  compute: (count: number) => GroundTruth,
): GroundTruth {
  const count = queries.length / dim;
  if (data.length / dim < k)
    throw new RangeError(`ground truth: ${data.length / dim} rows cannot give top-${k}`);
  const file = join(cacheDir(), `${prefix}-k${k}-${contentHash(data, queries, dim, k)}.bin`);
  const cached = existsSync(file) ? readCache(file, count, k) : undefined;
  if (cached) return cached;
  const truth = compute(count);
  writeCache(file, truth);
  return truth;
}

const CROSS_CHECK = 5;

function crossCheck(truth: GroundTruth, data: Float32Array, queries: Float32Array, dim: number): void {
  const { k } = truth;
  const plainRows = new Uint32Array(k);
  const plainDist = new Float64Array(k);
  for (let q = 0; q < Math.min(CROSS_CHECK, truth.count); q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    plainTopK(data, dim, query, k, plainRows, plainDist);
    const kth = plainDist[k - 1];
    const tolerance = 1e-5 * Math.max(1, kth);
    for (let i = 0; i < k; i++) {
      const row = truth.rows[q * k + i];
      const exact = plainL2sq(data, dim, row, query);
      if (Math.abs(exact - plainDist[i]) > tolerance) {
        throw new Error(
          `flat ground truth: query ${q} rank ${i} is row ${row} at distance ${exact}, ` +
            `the plain loop has row ${plainRows[i]} at ${plainDist[i]}`,
        );
      }
    }
  }
}

function contentHash(data: Float32Array, queries: Float32Array, dim: number, k: number): string {
  const hash = createHash('sha256');
  hash.update(`${dim}:${k}:`);
  hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  hash.update(new Uint8Array(queries.buffer, queries.byteOffset, queries.byteLength));
  return hash.digest('hex').slice(0, 16);
}

/**
 * recall@k of one query's answer: the fraction of the k true neighbours found, where a
 * returned row whose true distance equals the k-th true distance also counts (a tie that
 * an engine may legitimately break another way).
 */
export function recallOf(
  truth: GroundTruth,
  queryIndex: number,
  found: ArrayLike<number>,
  trueDistance: (row: number) => number,
): number {
  const k = truth.k;
  const expected = new Set(truth.rows.subarray(queryIndex * k, (queryIndex + 1) * k));
  const kth = truth.distances[(queryIndex + 1) * k - 1];
  let hits = 0;
  for (let i = 0; i < Math.min(found.length, k); i++) {
    if (expected.has(found[i]) || trueDistance(found[i]) <= kth) hits++;
  }
  return hits / k;
}

function cacheDir(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, '.bench-cache');
  }
  return join(process.cwd(), '.bench-cache');
}

function readCache(file: string, count: number, k: number): GroundTruth | undefined {
  const bytes = readFileSync(file);
  const head = 12;
  if (bytes.byteLength !== head + count * k * 12 || bytes.toString('latin1', 0, 4) !== 'QGT1')
    return undefined;
  if (bytes.readUInt32LE(4) !== count || bytes.readUInt32LE(8) !== k) return undefined;
  const copy = new Uint8Array(bytes.byteLength - head);
  copy.set(bytes.subarray(head));
  const rows = new Uint32Array(copy.buffer, 0, count * k);
  const distances = new Float64Array(copy.buffer.slice(count * k * 4));
  return { k, count, rows, distances };
}

function writeCache(file: string, truth: GroundTruth): void {
  mkdirSync(dirname(file), { recursive: true });
  const head = Buffer.alloc(12);
  head.write('QGT1', 0, 'latin1');
  head.writeUInt32LE(truth.count, 4);
  head.writeUInt32LE(truth.k, 8);
  const body = Buffer.concat([
    head,
    Buffer.from(truth.rows.buffer, truth.rows.byteOffset, truth.rows.byteLength),
    Buffer.from(truth.distances.buffer, truth.distances.byteOffset, truth.distances.byteLength),
  ]);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, body);
  renameSync(tmp, file);
}
