/**
 * The data of a scale case, generated once into `<dir>/` and kept: `base.f32` (count ×
 * dimension f32, row-major), `queries.f32`, `truth.bin` (the exact top-K of every query by
 * squared L2) and `meta.json` (the recipe). Sizes reach 5 GiB (10M × 128), more than one
 * typed array holds, so everything is streamed in chunks of `CHUNK_ROWS` rows.
 *
 * Resumable: the base rows of chunk c come from their own seeded stream (the mixture's
 * centres are shared), so an interrupted generation continues at its last whole chunk; the
 * ground truth records after each chunk how far it got (`truth.partial`).
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '../../src/eval/random.js';
import { DistanceKind } from '../../src/kernels/kernels.js';
import { wasmKernels } from '../../src/kernels/load.js';
import { K } from './cases.js';

const CHUNK_ROWS = 50_000;
const CLUSTERS = 1000;
const SPREAD = 0.3;
const SEED = 42;

export interface ScaleData {
  dir: string;
  count: number;
  dimension: number;
  queryCount: number;
  baseFile: string;
  queriesFile: string;
  /** `queryCount × K` row numbers, each query's ascending by distance. */
  truth: Uint32Array;
  recipe: string;
}

function centres(dimension: number): Float32Array {
  const rng = new SeededRandom(SEED);
  const out = new Float32Array(CLUSTERS * dimension);
  for (let i = 0; i < out.length; i++) out[i] = rng.gaussian();
  return out;
}

/** `rows` mixture rows drawn from the stream seeded by `seed`. */
function mixtureRows(c: Float32Array, dimension: number, rows: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(rows * dimension);
  for (let p = 0; p < rows; p++) {
    const at = rng.int(CLUSTERS) * dimension;
    for (let d = 0; d < dimension; d++) out[p * dimension + d] = c[at + d] + SPREAD * rng.gaussian();
  }
  return out;
}

const chunkSeed = (chunk: number) => (Math.imul(SEED, 1_000_003) + chunk + 1) >>> 0;

/** Reads rows `[from, from + rows)` of an f32 file of `dimension`-float rows. */
export function readRows(file: string, dimension: number, from: number, rows: number): Float32Array {
  const out = new Float32Array(rows * dimension);
  const bytes = new Uint8Array(out.buffer);
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, from * dimension * 4 + done);
      if (n === 0) throw new Error(`${file} ends before row ${from + rows}`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

function generateBase(file: string, dimension: number, count: number, log: (m: string) => void): void {
  const rowBytes = dimension * 4;
  const have = existsSync(file) ? statSync(file).size : 0;
  let chunk = Math.floor(Math.min(have, count * rowBytes) / (CHUNK_ROWS * rowBytes));
  if (have !== chunk * CHUNK_ROWS * rowBytes || !existsSync(file)) {
    if (!existsSync(file)) writeFileSync(file, '');
    truncateSync(file, chunk * CHUNK_ROWS * rowBytes);
  }
  const c = centres(dimension);
  const fd = openSync(file, 'a');
  try {
    for (; chunk * CHUNK_ROWS < count; chunk++) {
      const rows = Math.min(CHUNK_ROWS, count - chunk * CHUNK_ROWS);
      const data = mixtureRows(c, dimension, rows, chunkSeed(chunk));
      writeSync(fd, new Uint8Array(data.buffer));
      if (chunk % 20 === 0) log(`  generated ${(chunk * CHUNK_ROWS + rows).toLocaleString('en-US')} rows`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Exact top-K of every query over the base file, by the wasm kernels' fused scan per chunk,
 * merged across chunks (ties: lower row first, as FlatIndex).
 */
function groundTruth(data: Omit<ScaleData, 'truth'>, log: (m: string) => void): Uint32Array {
  const final = join(data.dir, 'truth.bin');
  const expected = data.queryCount * K * 4;
  if (existsSync(final) && statSync(final).size === expected) {
    return new Uint32Array(readFileSync(final).buffer.slice(0, expected));
  }
  const partial = join(data.dir, 'truth.partial');
  const rows = new Uint32Array(data.queryCount * K);
  const dists = new Float32Array(data.queryCount * K).fill(Number.POSITIVE_INFINITY);
  let chunk = 0;
  if (existsSync(partial)) {
    const saved = readFileSync(partial);
    chunk = saved.readUInt32LE(0);
    rows.set(
      new Uint32Array(saved.buffer.slice(saved.byteOffset + 4, saved.byteOffset + 4 + rows.byteLength)),
    );
    dists.set(
      new Float32Array(
        saved.buffer.slice(saved.byteOffset + 4 + rows.byteLength, saved.byteOffset + saved.length),
      ),
    );
  }
  const { dimension: dim, count } = data;
  const queries = readRows(data.queriesFile, dim, 0, data.queryCount);
  const kern = wasmKernels();
  const base = kern.alloc(CHUNK_ROWS * dim * 4);
  const q = kern.alloc(dim * 4);
  const outRows = kern.alloc(K * 4);
  const outDist = kern.alloc(K * 4);
  for (; chunk * CHUNK_ROWS < count; chunk++) {
    const first = chunk * CHUNK_ROWS;
    const n = Math.min(CHUNK_ROWS, count - first);
    kern.f32(base, n * dim).set(readRows(data.baseFile, dim, first, n));
    for (let i = 0; i < data.queryCount; i++) {
      kern.f32(q, dim).set(queries.subarray(i * dim, (i + 1) * dim));
      const found = kern.searchTopK(DistanceKind.L2, q, base, n, dim, K, 0, outRows, outDist);
      const r = kern.u32(outRows, found);
      const d = kern.f32(outDist, found);
      mergeTopK(rows, dists, i * K, r, d, first);
    }
    const state = Buffer.alloc(4 + rows.byteLength + dists.byteLength);
    state.writeUInt32LE(chunk + 1, 0);
    Buffer.from(rows.buffer).copy(state, 4);
    Buffer.from(dists.buffer).copy(state, 4 + rows.byteLength);
    writeFileSync(`${partial}.tmp`, state);
    renameSync(`${partial}.tmp`, partial);
    if (chunk % 20 === 0)
      log(`  ground truth: ${(first + n).toLocaleString('en-US')} of ${count.toLocaleString('en-US')} rows`);
  }
  writeFileSync(final, Buffer.from(rows.buffer));
  return rows;
}

/** Merges a chunk's ascending top-K (rows offset by `first`) into the running list at `at`. */
function mergeTopK(
  rows: Uint32Array,
  dists: Float32Array,
  at: number,
  r: Uint32Array,
  d: Float32Array,
  first: number,
): void {
  const mergedRows = new Uint32Array(K);
  const mergedDists = new Float32Array(K);
  let a = 0;
  let b = 0;
  for (let out = 0; out < K; out++) {
    const takeOld = b >= r.length || (a < K && dists[at + a] <= d[b]);
    if (takeOld) {
      mergedRows[out] = rows[at + a];
      mergedDists[out] = dists[at + a++];
    } else {
      mergedRows[out] = r[b] + first;
      mergedDists[out] = d[b++];
    }
  }
  rows.set(mergedRows, at);
  dists.set(mergedDists, at);
}

/** The exact top-K of the first `queryCount` queries, from a data folder that `scaleData` completed. */
export function readTruth(dataDir: string, queryCount: number): Uint32Array {
  const bytes = readFileSync(join(dataDir, 'truth.bin'));
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + queryCount * K * 4));
}

/** The case's data in `<root>/<count>x<dimension>/`, generated or completed as needed. */
export function scaleData(
  root: string,
  count: number,
  dimension: number,
  queryCount: number,
  log: (m: string) => void,
): ScaleData {
  const dir = join(root, `${count}x${dimension}`);
  mkdirSync(dir, { recursive: true });
  const recipe =
    `Gaussian mixture, ${CLUSTERS} clusters (centres N(0,1), seed ${SEED}), spread ${SPREAD}; rows in chunks of ` +
    `${CHUNK_ROWS} from per-chunk seeds; ${queryCount} queries from their own stream; truth: exact top-${K} by squared L2`;
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile) && JSON.parse(readFileSync(metaFile, 'utf8')).recipe !== recipe) {
    throw new Error(`${dir} holds data of another recipe: delete it to regenerate`);
  }
  writeFileSync(metaFile, JSON.stringify({ recipe, count, dimension, queryCount }));
  const baseFile = join(dir, 'base.f32');
  const queriesFile = join(dir, 'queries.f32');
  if (!existsSync(queriesFile) || statSync(queriesFile).size !== queryCount * dimension * 4) {
    const queries = mixtureRows(centres(dimension), dimension, queryCount, (SEED + 0x9e3779b9) >>> 0);
    writeFileSync(queriesFile, new Uint8Array(queries.buffer));
  }
  generateBase(baseFile, dimension, count, log);
  const data = { dir, count, dimension, queryCount, baseFile, queriesFile, recipe };
  return { ...data, truth: groundTruth(data, log) };
}
