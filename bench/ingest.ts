/**
 * Durable ingest into a fresh collection in a temporary folder (every upsert is
 * acknowledged only once its WAL row is fsynced in SQLite):
 * 1. batches of BATCH × 128-d `gaussianMixture` vectors with a payload `{ label, year }`,
 *    TOTAL vectors in all, awaited one after another; the default segment size (100,000)
 *    makes the collection seal along the way, and a seal delays the batch queued behind it,
 *    so the overall rate includes the seals; the final `flush()` is timed on its own. Into
 *    two collections: one with the default index (HNSW, built in the background on worker
 *    threads after each seal, competing with the upserts for the cores; `flush()` waits for
 *    every build) and one with `index: { type: 'flat' }` (a seal writes the segment and no
 *    index); `info()` is checked after the flush, so the labels cannot drift from the config;
 * 2. single-point upserts from CALLERS concurrent async loops (UPSERTS_PER_CALLER each),
 *    which the commit queue groups into shared fsyncs (group commit), beside the same
 *    upserts from one caller for comparison.
 *
 * Prints Markdown on stdout, progress on stderr.
 * Reproduce: `npm run build && node dist/bench/ingest.js`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedCollection } from '../src/db/collection.js';
import { DEFAULT_SEGMENT_SIZE, Quiver } from '../src/db/database.js';
import type { CollectionConfig, PointInput } from '../src/db/types.js';
import { gaussianMixture } from '../src/eval/random.js';

const DIM = 128;
const BATCH = 1000;
const TOTAL = 200_000;
const CALLERS = 16;
const UPSERTS_PER_CALLER = 500;
const SINGLE_CALLER_UPSERTS = 1000;
const LABELS = ['cat', 'dog', 'bird', 'fish', 'horse', 'frog', 'ship', 'truck', 'plane', 'car'];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function point(vectors: Float32Array, row: number, id: number): PointInput {
  return {
    id,
    vector: vectors.subarray(row * DIM, (row + 1) * DIM),
    payload: { label: LABELS[row % LABELS.length], year: 1990 + (row % 35) },
  };
}

const fmt = (x: number) => Math.round(x).toLocaleString('en');

/** What one batch ingest measured. */
interface BatchIngest {
  upsertSeconds: number;
  /** Seconds of each awaited batch upsert. */
  batchSeconds: number[];
  sealedDuringUpserts: number;
  growingAtFlush: number;
  flushSeconds: number;
}

async function batchIngest(
  collection: EmbeddedCollection,
  vectors: Float32Array,
  indexedSegments: number,
): Promise<BatchIngest> {
  const batchSeconds: number[] = [];
  const t0 = performance.now();
  for (let first = 0; first < TOTAL; first += BATCH) {
    const points: PointInput[] = [];
    for (let row = first; row < first + BATCH; row++) points.push(point(vectors, row, row));
    const start = performance.now();
    await collection.upsert(points);
    batchSeconds.push((performance.now() - start) / 1000);
  }
  const upsertSeconds = (performance.now() - t0) / 1000;
  const beforeFlush = await collection.info();
  const f0 = performance.now();
  await collection.flush();
  const flushSeconds = (performance.now() - f0) / 1000;
  const after = await collection.info();
  if (after.count !== TOTAL) throw new Error(`expected ${TOTAL} points after ingest, found ${after.count}`);
  if (after.indexedSegments !== indexedSegments || after.indexingSegments !== 0) {
    throw new Error(`expected ${indexedSegments} indexed segments after flush, got ${JSON.stringify(after)}`);
  }
  return {
    upsertSeconds,
    batchSeconds,
    sealedDuringUpserts: beforeFlush.sealedSegments,
    growingAtFlush: beforeFlush.growingPoints,
    flushSeconds,
  };
}

function batchTable(hnsw: BatchIngest, flat: BatchIngest): string[] {
  const ms = (s: number) => (s * 1000).toFixed(1);
  const rows: [string, (b: BatchIngest) => string][] = [
    [
      `overall vectors/s (${TOTAL.toLocaleString('en')} / time of all awaited upserts, seals included)`,
      (b) => fmt(TOTAL / b.upsertSeconds),
    ],
    ['median vectors/s per batch', (b) => fmt(median(b.batchSeconds.map((s) => BATCH / s)))],
    [
      'batch latency p50 / p90 / max (ms; the slowest waits for a seal)',
      (b) => {
        const sorted = [...b.batchSeconds].sort((x, y) => x - y);
        return `${ms(median(sorted))} / ${ms(sorted[Math.floor(sorted.length * 0.9)])} / ${ms(sorted[sorted.length - 1])}`;
      },
    ],
    ['segments sealed during the upserts', (b) => String(b.sealedDuringUpserts)],
    ['points still growing at the final `flush()`', (b) => b.growingAtFlush.toLocaleString('en')],
    [
      'final `flush()` (ms): seals the growing points and waits for every index build',
      (b) => fmt(b.flushSeconds * 1000),
    ],
    [
      'total including the final flush (vectors/s; every point then searchable through its index)',
      (b) => fmt(TOTAL / (b.upsertSeconds + b.flushSeconds)),
    ],
  ];
  return [
    `### Batches of ${BATCH.toLocaleString('en')} × ${DIM}-d vectors with payload \`{ label, year }\`, ` +
      `${TOTAL.toLocaleString('en')} in all (segment size ${DEFAULT_SEGMENT_SIZE.toLocaleString('en')})`,
    '',
    'Default index: HNSW (M 16, efConstruction 200), built on worker threads after each seal while the upserts ' +
      'continue; `flat`: sealed segments without an approximate index (searched exactly). ' +
      'The two run one after the other, not interleaved, so a change of load on a shared machine between them ' +
      'moves one and not the other (see the load averages below): the ratio of their upsert rates is noisy; the final ' +
      '`flush()` (index builds) is the difference that holds.',
    '',
    "| measure | default index (HNSW) | `index: { type: 'flat' }` |",
    '|---|---:|---:|',
    ...rows.map(([label, value]) => `| ${label} | ${value(hnsw)} | ${value(flat)} |`),
  ];
}

/** `callers` async loops each awaiting `perCaller` single-point upserts; returns upserts/s. */
async function concurrentUpserts(
  collection: EmbeddedCollection,
  vectors: Float32Array,
  callers: number,
  perCaller: number,
  firstId: number,
): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let i = 0; i < perCaller; i++) {
        const row = caller * perCaller + i;
        await collection.upsert([point(vectors, row % TOTAL, firstId + row)]);
      }
    }),
  );
  return (callers * perCaller * 1000) / (performance.now() - t0);
}

const log = (msg: string) => process.stderr.write(`[ingest] ${msg}\n`);
const vectors = gaussianMixture(TOTAL, DIM, 1000, 42);
const dir = await mkdtemp(join(tmpdir(), 'quiver-bench-ingest-'));
try {
  const db = await Quiver.open(dir);
  const bulk = async (name: string, index: CollectionConfig['index'], indexedSegments: number) => {
    log(`batch ingest of ${TOTAL} vectors into ${dir}, collection '${name}'`);
    const collection = await db.createCollection(name, { dimension: DIM, metric: 'l2', index });
    return batchIngest(collection, vectors, indexedSegments);
  };
  const hnsw = await bulk('bulk-hnsw', undefined, TOTAL / DEFAULT_SEGMENT_SIZE);
  const flat = await bulk('bulk-flat', { type: 'flat' }, 0);
  const lines = ['## Durable ingest', '', ...batchTable(hnsw, flat)];

  log(`single-point upserts: 1 caller, then ${CALLERS} callers`);
  const single = await db.createCollection('single', { dimension: DIM, metric: 'l2' });
  const one = await concurrentUpserts(single, vectors, 1, SINGLE_CALLER_UPSERTS, 0);
  const many = await concurrentUpserts(single, vectors, CALLERS, UPSERTS_PER_CALLER, SINGLE_CALLER_UPSERTS);
  lines.push(
    '',
    '### Single-point upserts into a fresh collection (group commit)',
    '',
    '| callers | upserts | upserts/s |',
    '|---:|---:|---:|',
    `| 1 (sequential) | ${SINGLE_CALLER_UPSERTS.toLocaleString('en')} | ${fmt(one)} |`,
    `| ${CALLERS} concurrent async loops | ${(CALLERS * UPSERTS_PER_CALLER).toLocaleString('en')} | ${fmt(many)} |`,
    '',
    `Group commit speed-up (${CALLERS} callers vs 1): ${(many / one).toFixed(1)}×.`,
  );
  await db.close();
  console.log(lines.join('\n'));
} finally {
  await rm(dir, { recursive: true, force: true });
}
