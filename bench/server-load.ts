/**
 * Load on the HTTP server: `quiver serve` runs as its own process on a 100,000 × 128
 * collection (`gaussianMixture(…, 1000 clusters, seed 42)`, the default HNSW index, one
 * sealed segment), and autocannon drives it from this process over loopback at 1, 8 and 32
 * connections (one request in flight each):
 * - search: k = 10, queries are the 1,000 rows that follow the data in the same seeded
 *   stream, sent as base64 float32 (what `quiverdb/client` sends);
 * - upsert: batches of 10 new points (base64 vectors), each acknowledged once durable.
 * For the ratio the issue asks for, the same collection is searched in-process first
 * (`collection.search` from 1, 8 and 32 concurrent callers; the engine runs searches on its
 * worker threads, so both cores are used) before the server starts.
 *
 * QPS counts 2xx responses per second of wall time; latencies are per request, from
 * autocannon's `response` events (in-process: around each awaited call). The load generator
 * shares the machine's 2 cores with the server, as a client on the same host would.
 *
 * Then searches while the server embeds (`bench/server/embed-load.ts`): search p50/p99 over
 * HTTP, idle and while an upsert of 100 photos into a `mobilenet-v2` field of another
 * collection is embedded, with the model on a worker thread (the default) and on the event
 * loop (as before), each on a fresh copy of the database.
 *
 * The built database folder is cached in `.bench-cache/` (building the index takes about
 * 40 s) and copied to a temp folder for each run, since the upserts change it.
 *
 * Prints Markdown on stdout, progress on stderr.
 * Reproduce: `npm run build && node dist/bench/server-load.js` (or `npm run bench:server`)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeVector } from '../src/client/wire.js';
import { Quiver } from '../src/db/database.js';
import type { Collection } from '../src/db/types.js';
import { gaussianMixture } from '../src/eval/random.js';
import {
  EMBED_PHOTOS,
  type EmbedRun,
  embedLoad,
  embedReport,
  IDLE_SECONDS,
  photoInputs,
} from './server/embed-load.js';
import { commit, load, type Measured, machine, packageRoot, summarize } from './server/http-load.js';

const N = 100_000;
const DIM = 128;
const K = 10;
const QUERY_POOL = 1000;
const UPSERT_BATCH = 10;
const CONCURRENCY = [1, 8, 32];
const SEARCH_SECONDS = 6;
const UPSERT_SECONDS = 4;
const IN_PROCESS_SECONDS = 4;
const RECALL_QUERIES = 100;
/** Names the cached folder: change it when the data or the collection config change. */
const CACHE_KEY = 'server-load-gmm-100k-128-seed42-hnsw-default';

const log = (message: string) => process.stderr.write(`[server-load] ${message}\n`);

/** Whether `dir` holds the finished collection (and opens with this version of the engine). */
async function isBuilt(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return false;
  try {
    const db = await Quiver.open(dir);
    try {
      const info = await db.collection('bench').info();
      return info.count === N && info.growingPoints === 0 && info.indexedSegments === 1;
    } finally {
      await db.close();
    }
  } catch {
    return false;
  }
}

/** A temp copy of the built database folder, building (and caching) it when needed. */
async function databaseFolder(data: Float32Array): Promise<string> {
  const cache = join(packageRoot(), '.bench-cache', CACHE_KEY);
  if (!(await isBuilt(cache))) {
    log(`building ${N} × ${DIM} with an HNSW index into ${cache} (about a minute, once)`);
    await rm(cache, { recursive: true, force: true });
    const partial = `${cache}.partial`;
    await rm(partial, { recursive: true, force: true });
    const db = await Quiver.open(partial);
    const collection = await db.createCollection('bench', {
      dimension: DIM,
      metric: 'l2',
      segmentSize: 1_000_000,
    });
    for (let first = 0; first < N; first += 1000) {
      const points = [];
      for (let row = first; row < first + 1000; row++) {
        points.push({ id: row, vector: data.subarray(row * DIM, (row + 1) * DIM) });
      }
      await collection.upsert(points);
    }
    await collection.flush();
    await db.close();
    await rename(partial, cache);
  }
  const dir = await mkdtemp(join(tmpdir(), 'quiver-bench-server-'));
  await cp(cache, dir, { recursive: true });
  return dir;
}

async function recallAt10(collection: Collection, queries: Float32Array[]): Promise<number> {
  let found = 0;
  for (const q of queries.slice(0, RECALL_QUERIES)) {
    const exact = new Set((await collection.search(q, { k: K, exact: true })).map((h) => h.id));
    for (const hit of await collection.search(q, { k: K })) if (exact.has(hit.id)) found++;
  }
  return found / (RECALL_QUERIES * K);
}

async function inProcess(
  collection: Collection,
  queries: Float32Array[],
  concurrency: number,
): Promise<Measured> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const end = t0 + IN_PROCESS_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const query = queries[next++ % queries.length];
        const started = performance.now();
        await collection.search(query, { k: K });
        latencies.push(performance.now() - started);
      }
    }),
  );
  return summarize(latencies, (performance.now() - t0) / 1000, 0);
}

/** Starts `quiver serve` on the folder; resolves with the process and its URL. */
function startServer(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const bin = join(packageRoot(), 'bin', 'quiver.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--data', dir, 'serve', '--port', '0'], {
      env: { ...process.env, QUIVER_API_KEY: undefined, QUIVER_READ_ONLY_API_KEYS: undefined },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /at (http:\/\/\S+) /.exec(stdout);
      if (match) resolve({ child, url: match[1] });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`quiver serve exited (${code}) before listening`)));
  });
}

function row(label: string, concurrency: number, m: Measured): string {
  const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
  return `| ${label} | ${concurrency} | ${m.qps.toFixed(0)} | ${ms(m.p50)} | ${ms(m.p95)} | ${ms(m.p99)} | ${m.errors} |`;
}

const all = gaussianMixture(N + QUERY_POOL, DIM, 1000, 42);
const data = all.subarray(0, N * DIM);
const queries = Array.from({ length: QUERY_POOL }, (_, i) => all.slice((N + i) * DIM, (N + i + 1) * DIM));
const dir = await databaseFolder(data);

log('in-process searches');
const db = await Quiver.open(dir);
const collection = db.collection('bench');
const recall = await recallAt10(collection, queries);
const local = new Map<number, Measured>();
await inProcess(collection, queries, 8); // warm-up
for (const c of CONCURRENCY) local.set(c, await inProcess(collection, queries, c));
const info = await collection.info();
await db.close();

log('starting quiver serve');
const { child, url } = await startServer(dir);
const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
const searchBodies = queries.map((q) => JSON.stringify({ vector: encodeVector(q), limit: K }));
const encodedRows = Array.from({ length: QUERY_POOL }, (_, r) =>
  encodeVector(data.subarray(r * DIM, (r + 1) * DIM)),
);
let nextId = 1_000_000;
const upsertBody = () =>
  JSON.stringify({
    points: Array.from({ length: UPSERT_BATCH }, () => {
      const id = nextId++;
      return { id, vector: encodedRows[id % encodedRows.length] };
    }),
  });

const searchPath = '/collections/bench/points/search';
await load(url, 'POST', searchPath, searchBodies, 8, 1); // warm-up
const remote = new Map<string, Measured>();
for (const c of CONCURRENCY) {
  log(`search, ${c} connections`);
  remote.set(`search ${c}`, await load(url, 'POST', searchPath, searchBodies, c, SEARCH_SECONDS));
}
for (const c of CONCURRENCY) {
  log(`upsert, ${c} connections`);
  remote.set(
    `upsert ${c}`,
    await load(url, 'PUT', '/collections/bench/points', upsertBody, c, UPSERT_SECONDS),
  );
}
child.kill('SIGTERM');
const code = await exited;
await rm(dir, { recursive: true, force: true });
if (code !== 0) throw new Error(`quiver serve exited with ${code} after SIGTERM`);

const photos = await photoInputs();
const embedRuns: EmbedRun[] = [];
for (const mode of ['workers', 'in-process'] as const) {
  const embedDir = await databaseFolder(data);
  try {
    embedRuns.push(...(await embedLoad(embedDir, mode, searchBodies, photos)));
  } finally {
    await rm(embedDir, { recursive: true, force: true });
  }
}

const server32 = remote.get('search 32')!.qps;
const local32 = local.get(32)!.qps;
const ratio = (100 * server32) / local32;
const lines = [
  `## Server load (HTTP on loopback, ${N.toLocaleString('en')} × ${DIM}, k = ${K})`,
  '',
  `\`quiver serve\` in its own process; autocannon in a second process at 1, 8 and 32 connections ` +
    `(one request in flight each), ${SEARCH_SECONDS} s per search run and ${UPSERT_SECONDS} s per upsert run. ` +
    `Data: \`gaussianMixture(${N + QUERY_POOL}, ${DIM}, 1000 clusters, seed 42)\`, one sealed segment with the ` +
    `default HNSW index (${JSON.stringify(info.index)}); recall@10 of the default search against exact search: ` +
    `${recall.toFixed(3)} over ${RECALL_QUERIES} queries. Search bodies carry a base64 float32 query; upserts carry ` +
    `${UPSERT_BATCH} new points each (base64 vectors), acknowledged once durable. QPS = 2xx responses per second; ` +
    'latencies in ms. The load generator shares the 2 cores with the server.',
  '',
  '| operation | concurrency | QPS | p50 | p95 | p99 | errors |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...CONCURRENCY.map((c) => row('search over HTTP', c, remote.get(`search ${c}`)!)),
  ...CONCURRENCY.map((c) => row('`collection.search` in-process', c, local.get(c)!)),
  ...CONCURRENCY.map((c) => row(`upsert of ${UPSERT_BATCH} over HTTP`, c, remote.get(`upsert ${c}`)!)),
  '',
  `Server search QPS at 32 connections is ${ratio.toFixed(0)}% of in-process QPS at 32 concurrent callers ` +
    `(${server32.toFixed(0)} vs ${local32.toFixed(0)}; target ≥ 70%).`,
  '',
  `### Searches while the server embeds an upsert of ${EMBED_PHOTOS} photos (\`mobilenet-v2\`)`,
  '',
  `Search latency over HTTP on the collection above (the same bodies, k = ${K}), first alone for ${IDLE_SECONDS} s, then ` +
    `from the moment an upsert of ${EMBED_PHOTOS} photos (the nine @stdlib JPEGs resized to 480–592 px, base64, ` +
    `${(photos.reduce((n, p) => n + p.length, 0) / 1e6).toFixed(1)} MB) into another collection's \`mobilenet-v2\` field ` +
    'is sent until it is acknowledged: in one request, as in the issue, and (model on workers) in 10 consecutive ' +
    'requests of 10. The model was loaded beforehand (one untimed upsert). Each mode runs a fresh server ' +
    "(`bench/server/embed-server.ts`: `quiver serve`'s `QuiverServer` with `providerResolver()`, the default, or " +
    '`providerResolver({ inProcess: true })`, as before) on a fresh copy of the database. Latencies are measured by ' +
    "autocannon in this process, so they include its own waits for a core; the server's own event-loop delay " +
    '(`monitorEventLoopDelay`, 1 ms resolution) over the same windows says how long the server held its loop.',
  '',
  ...embedReport(embedRuns),
  '',
  `Produced from commit ${commit()} on ${machine()}.`,
  '',
  'Reproduce: `npm run build && node dist/bench/server-load.js`',
];
console.log(lines.join('\n'));
