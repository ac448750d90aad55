/**
 * The cost of encryption at rest (AES-256-GCM, 64 KiB chunks; db/encryption.ts): the same
 * work on a database without a key and on one with a key, interleaved (plain, encrypted,
 * plain, … ROUNDS times each, a fresh temporary folder per run) so that drift of a shared
 * machine falls on both alike; medians reported. Per run:
 * 1. ingest: N × 128-d `gaussianMixture` vectors with a payload `{ label, year }` in batches of
 *    BATCH into an HNSW collection (segments of SEGMENT rows), every upsert durable; vectors/s
 *    of the upserts, then the `flush()` (seal and index builds) timed on its own; DISK rows
 *    into a collection with `onDisk: true`, flushed too;
 * 2. open + load: close, `Quiver.open`, and wait until every collection is loaded (segments,
 *    indexes, tombstones read, decrypted and verified); the files are in the page cache
 *    (just written), so this is the CPU cost of decoding, plus decryption;
 * 3. search: QUERIES sequential k = 10 searches (ef 64) on each collection, in QPS; the
 *    onDisk collection re-ranks rows read from the segment file (decrypting the chunks
 *    they lie in, kept in the 64 MiB cache of decrypted chunks, which holds this collection's
 *    10 MiB of vectors once warm), then again with that cache off (the worst case: a chunk
 *    decrypted per re-ranked row; without a key the same search runs again, on the page cache).
 *
 * Prints Markdown on stdout, progress on stderr.
 * Reproduce: `npm run build && node dist/bench/encryption.js`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Quiver } from '../src/db/database.js';
import type { PointInput } from '../src/db/types.js';
import { gaussianMixture } from '../src/eval/random.js';
import { decryptedChunks } from '../src/storage/encrypt-chunk-cache.js';

const DIM = 128;
const N = 60_000;
const SEGMENT = 30_000;
const DISK = 20_000;
const BATCH = 1_000;
const QUERIES = 1_000;
const ROUNDS = 3;
const KEY = '5e'.repeat(32);
const LABELS = ['cat', 'dog', 'bird', 'fish', 'horse', 'frog', 'ship', 'truck', 'plane', 'car'];
const INDEX = { type: 'hnsw', M: 16, efConstruction: 100 } as const;
/** The default budget of the cache of decrypted chunks (encrypt-chunk-cache.ts). */
const CACHE_BYTES = 64 * 2 ** 20;

const log = (msg: string) => process.stderr.write(`[encryption] ${msg}\n`);
const data = gaussianMixture(N + DISK + QUERIES, DIM, 500, 2121);
const row = (i: number) => data.subarray(i * DIM, (i + 1) * DIM);
const point = (i: number): PointInput => ({
  id: i,
  vector: row(i),
  payload: { label: LABELS[i % LABELS.length], year: 1990 + (i % 35) },
});

interface Run {
  ingestPerSecond: number;
  flushSeconds: number;
  openSeconds: number;
  memoryQps: number;
  diskQps: number;
  /** The onDisk search again with the cache of decrypted chunks off (every re-ranked row decrypts its chunk). */
  diskQpsUncached: number;
}

async function qps(db: Quiver, name: string): Promise<number> {
  const c = db.collection(name);
  const t0 = performance.now();
  for (let q = 0; q < QUERIES; q++) await c.search(row(N + DISK + q), { k: 10, ef: 64 });
  return (QUERIES * 1000) / (performance.now() - t0);
}

async function run(encrypted: boolean): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'quiver-bench-encryption-'));
  const options = encrypted ? { encryptionKey: KEY } : {};
  try {
    let db = await Quiver.open(dir, options);
    const mem = await db.createCollection('mem', {
      dimension: DIM,
      metric: 'l2',
      segmentSize: SEGMENT,
      index: INDEX,
    });
    const t0 = performance.now();
    for (let first = 0; first < N; first += BATCH) {
      await mem.upsert(Array.from({ length: BATCH }, (_, k) => point(first + k)));
    }
    const ingestPerSecond = (N * 1000) / (performance.now() - t0);
    const f0 = performance.now();
    await mem.flush();
    const flushSeconds = (performance.now() - f0) / 1000;
    const disk = await db.createCollection('disk', {
      dimension: DIM,
      metric: 'l2',
      segmentSize: DISK,
      index: INDEX,
      onDisk: true,
    });
    for (let first = 0; first < DISK; first += BATCH) {
      await disk.upsert(Array.from({ length: BATCH }, (_, k) => point(N + first + k)));
    }
    await disk.flush();
    await db.close();
    const o0 = performance.now();
    db = await Quiver.open(dir, options);
    await db.collection('mem').loaded();
    await db.collection('disk').loaded();
    const openSeconds = (performance.now() - o0) / 1000;
    const memoryQps = await qps(db, 'mem');
    const diskQps = await qps(db, 'disk');
    decryptedChunks.setBudget(0);
    const diskQpsUncached = await qps(db, 'disk');
    decryptedChunks.setBudget(CACHE_BYTES);
    await db.close();
    return { ingestPerSecond, flushSeconds, openSeconds, memoryQps, diskQps, diskQpsUncached };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const runs: Record<'plain' | 'encrypted', Run[]> = { plain: [], encrypted: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const mode of ['plain', 'encrypted'] as const) {
    log(`round ${r + 1} of ${ROUNDS}: ${mode}`);
    runs[mode].push(await run(mode === 'encrypted'));
  }
}

const rows: { label: string; of: (r: Run) => number; digits: number }[] = [
  {
    label: `ingest (${N.toLocaleString('en')} × ${DIM}-d, batches of ${BATCH}), vectors/s`,
    of: (r) => r.ingestPerSecond,
    digits: 0,
  },
  { label: 'flush: seal + HNSW build, s', of: (r) => r.flushSeconds, digits: 2 },
  {
    label: `open + load (${N.toLocaleString('en')} + ${DISK.toLocaleString('en')} rows, page cache warm), s`,
    of: (r) => r.openSeconds,
    digits: 2,
  },
  { label: 'search, in-memory HNSW, k = 10, QPS', of: (r) => r.memoryQps, digits: 0 },
  {
    label: 'search, onDisk HNSW (rows re-read from the file), k = 10, QPS',
    of: (r) => r.diskQps,
    digits: 0,
  },
  {
    label: 'the same, cache of decrypted chunks off, QPS',
    of: (r) => r.diskQpsUncached,
    digits: 0,
  },
];
const fmt = (x: number, digits: number) =>
  x.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const lines = [
  '## Encryption at rest',
  '',
  `The same work without and with \`encryptionKey\` (AES-256-GCM in 64 KiB chunks, Node's \`crypto\`), interleaved, ${ROUNDS} runs each, medians; ${cpus().length} cores.`,
  '',
  '| measure | without key | with key | with / without |',
  '|---|---:|---:|---:|',
];
for (const r of rows) {
  const plain = median(runs.plain.map(r.of));
  const sealed = median(runs.encrypted.map(r.of));
  lines.push(
    `| ${r.label} | ${fmt(plain, r.digits)} | ${fmt(sealed, r.digits)} | ${(sealed / plain).toFixed(2)}× |`,
  );
}
lines.push(
  '',
  'Every run: ' +
    (['plain', 'encrypted'] as const)
      .map(
        (m) =>
          `${m} — ${runs[m].map((r) => `${fmt(r.ingestPerSecond, 0)} v/s, open ${fmt(r.openSeconds, 2)} s, ${fmt(r.memoryQps, 0)} / ${fmt(r.diskQps, 0)} / ${fmt(r.diskQpsUncached, 0)} QPS`).join('; ')}`,
      )
      .join('. ') +
    '.',
);
console.log(lines.join('\n'));
