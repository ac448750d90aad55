/**
 * Exact k-NN search, one query at a time, single thread, k = 10, squared L2: Quiver (through
 * the public API, and its `FlatIndex` directly with the wasm and the JS kernels) beside
 * usearch's `exactSearch` and a plain TypeScript loop, on two data sets:
 * - 100,000 × 128 `gaussianMixture(…, 1000 clusters, seed 42)`; the queries are the rows
 *   that follow the data in the same seeded stream (same clusters, not in the data);
 * - Fashion-MNIST, 60,000 × 784 training images, queries from the 10,000 test images
 *   (Debian's `dataset-fashion-mnist`, checked before anything runs).
 *
 * Every Quiver row is an exact scan, and the run checks it: a sealed segment of a collection
 * with `index: { type: 'flat' }` (no approximate index: `info().indexedSegments` must be 0), a
 * sealed segment of a default (HNSW) collection searched with `exact: true` (its index built:
 * `indexedSegments` must be 1, and the option bypasses it), and a growing segment (always
 * exact). An HNSW walk is not measured here: see the `ann` section.
 *
 * Every engine runs ROUNDS rounds, interleaved (round r of every engine before round r+1 of
 * any, in a seeded random order per round) so that noise from a shared machine and the
 * order of runs hit all of them alike; a round lasts about ROUND_MS. The table reports the
 * median QPS over rounds and the ratio to usearch called the same way (one query per call,
 * one thread). usearch's batch mode (all queries in one call, one thread per core) is
 * reported on its own line: it is not like with like. Every engine's answers are checked
 * against the plain loop (recall@10 over RECALL_QUERIES); an exact engine scores 1.000.
 *
 * Prints Markdown on stdout (each data set's table as soon as it is measured), progress on
 * stderr.
 * Reproduce: `npm run build && node dist/bench/exact-search.js`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exactSearch, MetricKind } from 'usearch';
import { Quiver } from '../src/db/database.js';
import type { CollectionConfig, CollectionInfo, Hit } from '../src/db/types.js';
import { gaussianMixture, SeededRandom } from '../src/eval/random.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { jsKernels, kernels, wasmKernels } from '../src/kernels/load.js';
import { loadFashionMnist } from './data/fashion-mnist.js';
import { type GroundTruth, groundTruth, plainL2sq, plainTopK, recallOf } from './data/ground-truth.js';
import { missingFashionMnist } from './prerequisites.js';

const K = 10;
const ROUNDS = 7;
const ROUND_MS = 700;
/** Queries the timed loops cycle through. */
const QUERY_POOL = 1000;
/** Queries whose answers are checked against the plain loop (also usearch's batch size). */
const RECALL_QUERIES = 100;
const UPSERT_BATCH = 1000;

interface DataSet {
  name: string;
  /** Short name for the ground-truth cache file. */
  key: string;
  dim: number;
  data: Float32Array;
  /** QUERY_POOL rows. */
  queries: Float32Array;
}

/** One way of answering queries: `call(i)` answers `perCall` queries starting at pool index i. */
interface Engine {
  label: string;
  perCall: number;
  /** Whether the QPS is comparable with usearch's one-query, one-thread calls. */
  comparable: boolean;
  call(first: number): ArrayLike<number>[] | Promise<ArrayLike<number>[]>;
}

interface Measured {
  engine: Engine;
  qps: number[];
  recall: number;
}

function synthetic(): DataSet {
  const n = 100_000;
  const dim = 128;
  const all = gaussianMixture(n + QUERY_POOL, dim, 1000, 42);
  return {
    name: `Gaussian mixture, ${n.toLocaleString('en')} × ${dim} (1000 clusters, seed 42)`,
    key: 'gmm-100k-128',
    dim,
    data: all.slice(0, n * dim),
    queries: all.slice(n * dim),
  };
}

function fashion(): DataSet {
  const f = loadFashionMnist();
  return {
    name: `Fashion-MNIST, ${f.train.count.toLocaleString('en')} × ${f.dimension} (queries: test set)`,
    key: 'fashion-mnist-60k',
    dim: f.dimension,
    data: f.train.vectors,
    queries: f.test.vectors.slice(0, QUERY_POOL * f.dimension),
  };
}

/** Runs `call` until `ms` have elapsed (at least `minCalls` times); returns ms per call. */
async function msPerCall(engine: Engine, start: number, ms: number, minCalls: number): Promise<number> {
  let calls = 0;
  let next = start;
  const t0 = performance.now();
  while (calls < minCalls || performance.now() - t0 < ms) {
    await engine.call(next);
    next = (next + engine.perCall) % QUERY_POOL;
    calls++;
  }
  return (performance.now() - t0) / calls;
}

/** Times exactly `calls` calls; returns queries per second. */
async function qpsOf(engine: Engine, calls: number, start: number): Promise<number> {
  let next = start;
  const t0 = performance.now();
  for (let c = 0; c < calls; c++) {
    await engine.call(next);
    next = (next + engine.perCall) % QUERY_POOL;
  }
  return (calls * engine.perCall * 1000) / (performance.now() - t0);
}

function shuffled<T>(items: readonly T[], rng: SeededRandom): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Single-thread memory read bandwidth in GB/s (median of 5 `Buffer.compare` of two equal
 * 256 MiB buffers): the ceiling of any exact scan over f32 vectors that do not fit in cache.
 */
function readBandwidth(): number {
  const size = 256 * 1024 * 1024;
  const a = Buffer.alloc(size, 1);
  const b = Buffer.alloc(size, 1);
  const rates: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    a.compare(b);
    rates.push((2 * size) / ((performance.now() - t0) * 1e6));
  }
  return median(rates);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function recallOfEngine(engine: Engine, set: DataSet, truth: GroundTruth): Promise<number> {
  let total = 0;
  for (let q = 0; q < RECALL_QUERIES; q += engine.perCall) {
    const answers = await engine.call(q);
    answers.forEach((rows, i) => {
      const query = set.queries.subarray((q + i) * set.dim, (q + i + 1) * set.dim);
      total += recallOf(truth, q + i, rows, (row) => plainL2sq(set.data, set.dim, row, query));
    });
  }
  return total / RECALL_QUERIES;
}

function queryRow(set: DataSet, i: number): Float32Array {
  return set.queries.subarray(i * set.dim, (i + 1) * set.dim);
}

/** How a Quiver collection's points are held, as `info()` must then report them. */
interface Layout {
  index: CollectionConfig['index'];
  seal: boolean;
  /** `info().indexedSegments` once loaded: sealed segments searched through an approximate index. */
  indexedSegments: number;
}

/**
 * A collection holding every row of `set` (ids = row offsets), sealed (and its index built)
 * when `layout.seal`. Throws when `info()` disagrees with `layout`, so that a change of
 * defaults cannot turn a row labelled exact into an approximate one unnoticed.
 */
async function quiverCollection(db: Quiver, name: string, set: DataSet, layout: Layout) {
  const n = set.data.length / set.dim;
  const collection = await db.createCollection(name, {
    dimension: set.dim,
    metric: 'l2',
    segmentSize: n + 1,
    index: layout.index,
  });
  for (let first = 0; first < n; first += UPSERT_BATCH) {
    const points = [];
    for (let row = first; row < Math.min(n, first + UPSERT_BATCH); row++) {
      points.push({ id: row, vector: set.data.subarray(row * set.dim, (row + 1) * set.dim) });
    }
    await collection.upsert(points);
  }
  if (layout.seal) await collection.flush();
  const info = await collection.info();
  const expected: Partial<CollectionInfo> = layout.seal
    ? { sealedSegments: 1, growingPoints: 0, indexedSegments: layout.indexedSegments, indexingSegments: 0 }
    : { sealedSegments: 0, growingPoints: n, indexedSegments: 0, indexingSegments: 0 };
  for (const [key, value] of Object.entries(expected)) {
    if (info[key as keyof CollectionInfo] !== value) {
      throw new Error(
        `collection ${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(info)}`,
      );
    }
  }
  return collection;
}

function hitRows(hits: Hit[]): number[] {
  return hits.map((h) => h.id as number);
}

interface LoadTimes {
  flatSeconds: number;
  hnswSeconds: number;
}

async function measure(set: DataSet): Promise<{ rows: Measured[]; load: LoadTimes }> {
  const { dim, data } = set;
  const n = data.length / dim;
  const log = (msg: string) => process.stderr.write(`[exact-search] ${set.key}: ${msg}\n`);

  log(`ground truth for ${RECALL_QUERIES} queries (plain loop, cached in .bench-cache/)`);
  const truth = groundTruth(set.key, data, set.queries.subarray(0, RECALL_QUERIES * dim), dim, K);

  log('loading Quiver collections and indexes');
  const dir = await mkdtemp(join(tmpdir(), 'quiver-bench-exact-'));
  const db = await Quiver.open(dir);
  const t0 = performance.now();
  const sealedFlat = await quiverCollection(db, 'sealed-flat', set, {
    index: { type: 'flat' },
    seal: true,
    indexedSegments: 0,
  });
  const t1 = performance.now();
  const sealedHnsw = await quiverCollection(db, 'sealed-hnsw', set, {
    index: undefined,
    seal: true,
    indexedSegments: 1,
  });
  const load = { flatSeconds: (t1 - t0) / 1000, hnswSeconds: (performance.now() - t1) / 1000 };
  const growing = await quiverCollection(db, 'growing', set, {
    index: { type: 'flat' },
    seal: false,
    indexedSegments: 0,
  });

  const wasmFlat = new FlatIndex(wasmKernels(), dim, DistanceKind.L2);
  wasmFlat.add(data);
  const jsFlat = new FlatIndex(jsKernels(), dim, DistanceKind.L2);
  jsFlat.add(data);

  // usearch reads typed arrays from the start of their ArrayBuffer (it ignores byteOffset),
  // so every array handed to it must own its buffer.
  const dataset = data.byteOffset === 0 && data.buffer.byteLength === data.byteLength ? data : data.slice();
  const single = Array.from({ length: QUERY_POOL }, (_, i) => queryRow(set, i).slice());
  const batches = Array.from({ length: QUERY_POOL / RECALL_QUERIES }, (_, b) =>
    set.queries.slice(b * RECALL_QUERIES * dim, (b + 1) * RECALL_QUERIES * dim),
  );
  const keysOf = (keys: BigUint64Array, from: number, to: number) =>
    Array.from(keys.subarray(from, to), Number);

  const plainRows = new Uint32Array(K);
  const plainDist = new Float64Array(K);
  const engines: Engine[] = [
    {
      label: `Quiver \`collection.search\`, sealed segment of a \`flat\` collection (${kernels().kind})`,
      perCall: 1,
      comparable: true,
      call: async (i) => [hitRows(await sealedFlat.search(queryRow(set, i), { k: K }))],
    },
    {
      label: `Quiver \`collection.search({ exact: true })\`, sealed segment with its HNSW index (${kernels().kind})`,
      perCall: 1,
      comparable: true,
      call: async (i) => [hitRows(await sealedHnsw.search(queryRow(set, i), { k: K, exact: true }))],
    },
    {
      label: `Quiver \`collection.search\`, growing segment (${kernels().kind})`,
      perCall: 1,
      comparable: true,
      call: async (i) => [hitRows(await growing.search(queryRow(set, i), { k: K }))],
    },
    {
      label: 'Quiver `FlatIndex.search`, wasm simd128 kernels',
      perCall: 1,
      comparable: true,
      call: (i) => [wasmFlat.search(queryRow(set, i), K).offsets],
    },
    {
      label: 'Quiver `FlatIndex.search`, JS kernels',
      perCall: 1,
      comparable: true,
      call: (i) => [jsFlat.search(queryRow(set, i), K).offsets],
    },
    {
      label: 'usearch `exactSearch`, 1 query per call, 1 thread',
      perCall: 1,
      comparable: true,
      call: (i) => [keysOf(exactSearch(dataset, single[i], dim, K, MetricKind.L2sq, 1).keys, 0, K)],
    },
    {
      label: 'plain TypeScript loop (f64 sum, sorted top-k)',
      perCall: 1,
      comparable: true,
      call: (i) => {
        plainTopK(data, dim, queryRow(set, i), K, plainRows, plainDist);
        return [Array.from(plainRows)];
      },
    },
    {
      label: `usearch \`exactSearch\`, batch of ${RECALL_QUERIES} queries per call, 0 = all threads (not comparable)`,
      perCall: RECALL_QUERIES,
      comparable: false,
      call: (i) => {
        const keys = exactSearch(dataset, batches[i / RECALL_QUERIES], dim, K, MetricKind.L2sq, 0).keys;
        return Array.from({ length: RECALL_QUERIES }, (_, q) => keysOf(keys, q * K, (q + 1) * K));
      },
    },
  ];

  const results: Measured[] = [];
  for (const engine of engines) {
    log(`recall check and warm-up: ${engine.label}`);
    const recall = await recallOfEngine(engine, set, truth);
    results.push({ engine, qps: [], recall });
  }
  const callsPerRound = new Map<Engine, number>();
  for (const engine of engines) {
    const ms = await msPerCall(engine, 0, 300, 2);
    callsPerRound.set(engine, Math.max(2, Math.round(ROUND_MS / ms)));
  }
  const cursor = new Map<Engine, number>(engines.map((e) => [e, 0]));
  const order = new SeededRandom(7);
  for (let round = 0; round < ROUNDS; round++) {
    log(`round ${round + 1}/${ROUNDS}`);
    for (const result of shuffled(results, order)) {
      const engine = result.engine;
      const calls = callsPerRound.get(engine)!;
      const start = cursor.get(engine)!;
      result.qps.push(await qpsOf(engine, calls, start));
      cursor.set(engine, (start + calls * engine.perCall) % QUERY_POOL);
    }
  }

  wasmFlat.dispose();
  jsFlat.dispose();
  await db.close();
  await rm(dir, { recursive: true, force: true });
  log(`${n} rows done`);
  return { rows: results, load };
}

function table(rows: Measured[], bytesScanned: number): string {
  const reference = rows.find((r) => r.engine.label.startsWith('usearch `exactSearch`, 1 query'))!;
  const usearchQps = median(reference.qps);
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const lines = [
    '| engine | median QPS | min–max QPS | × usearch (1 query/call) | GB/s scanned | recall@10 |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const qps = median(r.qps);
    const ratio = r.engine.comparable ? `${(qps / usearchQps).toFixed(2)}×` : '—';
    const range = `${fmt(Math.min(...r.qps))}–${fmt(Math.max(...r.qps))}`;
    const gbs = ((qps * bytesScanned) / 1e9).toFixed(1);
    lines.push(`| ${r.engine.label} | ${fmt(qps)} | ${range} | ${ratio} | ${gbs} | ${r.recall.toFixed(3)} |`);
  }
  return lines.join('\n');
}

const missing = missingFashionMnist();
if (missing !== undefined) {
  process.stderr.write(`[exact-search] cannot run: ${missing}\n`);
  process.exit(1);
}

console.log(
  [
    '## Exact search (k = 10, squared L2, one query at a time, single thread)',
    '',
    `Median queries per second over ${ROUNDS} interleaved rounds of about ${ROUND_MS} ms each; ` +
      `recall@10 against the plain TypeScript loop over the first ${RECALL_QUERIES} queries ` +
      '(a result tied with the 10th true distance counts as a hit). ' +
      'GB/s scanned = QPS × the bytes of f32 vectors one query reads. ' +
      "A sealed segment is scanned on a worker thread (the kernels' search pool) while the calling thread waits " +
      '(one query in flight, so one thread computes at a time); the growing segment and `FlatIndex` on the calling thread. ' +
      'Every row is an exact scan: the Quiver collections are checked before timing (`info()`: ' +
      'the `flat` collection has no approximate index, the default one has its HNSW index built and ' +
      '`exact: true` bypasses it); approximate search is in the `ann` section. ' +
      'Target: Quiver `collection.search` ≥ 1.0× usearch `exactSearch` QPS.',
    '',
    `Single-thread memory read bandwidth on this machine (\`Buffer.compare\` of 2 × 256 MiB): ${readBandwidth().toFixed(1)} GB/s.`,
  ].join('\n'),
);
for (const make of [synthetic, fashion]) {
  const set = make();
  const { rows, load } = await measure(set);
  console.log(
    [
      '',
      `### ${set.name}`,
      '',
      table(rows, set.data.byteLength),
      '',
      `Loading each sealed collection (upserts of ${UPSERT_BATCH} + \`flush()\`) took ${load.flatSeconds.toFixed(1)} s ` +
        `for the \`flat\` one and ${load.hnswSeconds.toFixed(1)} s for the default one (\`flush()\` waits for its HNSW build).`,
    ].join('\n'),
  );
}
