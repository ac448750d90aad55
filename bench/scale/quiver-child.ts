/**
 * Quiver's side of a scale case, in its own process.
 *
 * `build`: creates the collection (HNSW M=16, efConstruction=200, segments of up to
 * `SEGMENT_ROWS` rows, which the engine splits further to fit its memory arenas), upserts
 * the base rows in batches (ids = row numbers) and flushes, which seals the rest and waits
 * for every index. Resumable: the rows already in the collection are not sent again, and
 * the state file adds up the time spent across runs.
 *
 * `measure`: in a fresh process, with the page cache dropped (`echo 3 >
 * /proc/sys/vm/drop_caches` as root, else the database's files one by one): the disk's
 * sequential read speed (`dd` of every file loading reads, one after the other, the reference
 * the load is compared with; and `dd` of the largest segment file alone, which the host of a
 * virtual disk may serve from its cache), the machine's load average, open (`Quiver.open` +
 * `listCollections` + `info`, which no longer wait for the segments), load (until
 * `info().loading` is ready: every segment, index and partition file read in the background)
 * and its speed (bytes it read ÷ its seconds), RSS, bytes on disk, and the search sweep.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, sep } from 'node:path';
import { Quiver } from '../../src/db/database.js';
import { SearchPlacement } from '../../src/db/search-placement.js';
import type { CollectionConfig } from '../../src/db/types.js';
import { KernelWorkerPool } from '../../src/kernels/worker-pool.js';
import { EF_CONSTRUCTION, K, M } from './cases.js';
import { childArgs, log, readJson, reply, settledRss } from './child-io.js';
import { readRows, readTruth } from './data.js';
import { sweep } from './sweep.js';

/**
 * The largest `segmentSize` accepted: segments are then as large as one memory arena allows
 * (the engine seals and cuts them there: ~4.7M × 128-d, ~1.04M × 768-d, ~540k × 1536-d; an
 * `onDisk` segment's file stays under 1.875 GiB), so that a search walks as few graphs as it
 * can. (The 2M × 768 in-memory case was built with 1,000,000: the same two segments.)
 */
const SEGMENT_ROWS = 10_000_000;
const BATCH = 10_000;
/**
 * Candidates per segment an `onDisk` search re-ranks with the full vectors read from the file:
 * 2·k (Qdrant's `oversampling: 2`), instead of the default max(ef, k). Checked on the 2M × 768
 * case: at ef 64 recall@10 is 0.965 with either, and QPS 391 against 358.
 */
const ON_DISK_RERANK = 2 * K;
const NAME = 'scale';

interface BuildState {
  ingested: number;
  ingestSeconds: number;
  buildSeconds: number;
  done: boolean;
}

const args = childArgs();
const dbDir = join(args.dir, 'db');
const stateFile = join(args.dir, 'build-state.json');

function config(): CollectionConfig {
  const base: CollectionConfig = {
    dimension: args.dimension,
    metric: 'l2',
    segmentSize: SEGMENT_ROWS,
    index: { type: 'hnsw', M, efConstruction: EF_CONSTRUCTION, ef: 64 },
  };
  // Vectors on disk: SQ8 codes and the graph in memory, full vectors read to re-rank.
  return args.onDisk ? { ...base, index: `HNSW${M},SQ8`, onDisk: true } : base;
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

async function build(): Promise<void> {
  const state: BuildState = existsSync(stateFile)
    ? readJson<BuildState>(stateFile)
    : { ingested: 0, ingestSeconds: 0, buildSeconds: 0, done: false };
  const save = () => writeFileSync(stateFile, JSON.stringify(state));
  const db = await Quiver.open(dbDir);
  const names = await db.listCollections();
  const col = names.includes(NAME) ? db.collection(NAME) : await db.createCollection(NAME, config());
  state.ingested = await col.count();
  const started = performance.now();
  for (let from = state.ingested; from < args.count; from += BATCH) {
    const rows = Math.min(BATCH, args.count - from);
    const data = readRows(join(args.dataDir, 'base.f32'), args.dimension, from, rows);
    const t0 = performance.now();
    await col.upsert(
      Array.from({ length: rows }, (_, i) => ({
        id: from + i,
        vector: data.subarray(i * args.dimension, (i + 1) * args.dimension),
      })),
    );
    state.ingestSeconds += (performance.now() - t0) / 1000;
    state.ingested = from + rows;
    save();
    if ((from / BATCH) % 50 === 0) {
      const rate = state.ingested / state.ingestSeconds;
      log(`  quiver: ${state.ingested.toLocaleString('en-US')} rows in, ${rate.toFixed(0)} vectors/s`);
    }
  }
  if (!state.done) {
    const t0 = performance.now();
    await col.flush();
    state.buildSeconds += (performance.now() - t0) / 1000;
    state.done = true;
    save();
  }
  await db.close();
  log(`  quiver: built (${((performance.now() - started) / 1000).toFixed(0)} s in this run)`);
  reply(state);
}

/** Bytes per second of a sequential read of `file` (not in the page cache; dd's report is on stderr). */
function diskReadSpeed(file: string): number {
  const run = spawnSync('dd', [`if=${file}`, 'of=/dev/null', 'bs=16M'], { encoding: 'utf8' });
  const m = /(\d+) bytes .* copied, ([\d.]+) s/.exec(run.stderr);
  if (run.status !== 0 || !m) throw new Error(`dd failed: ${run.stderr}`);
  return Number(m[1]) / Number(m[2]);
}

/**
 * Drops `files` from the page cache: the whole cache (`sync; echo 3 > /proc/sys/vm/drop_caches`,
 * root only), else each file (GNU dd `iflag=nocache count=0`). Returns how.
 */
function dropFromCache(files: readonly string[]): string {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return 'drop_caches';
  } catch {
    for (const file of files) spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
    return 'per-file nocache';
  }
}

/**
 * One round of the load measurement, in this process: `dd` of the largest segment file and of
 * every file loading reads (each after dropping the page cache), and the load (open, then
 * `loaded()`, the cache dropped first). `ddFirst` false times the load before the `dd`s (rounds
 * alternate, so that neither side always follows the other's reads, which this virtual disk's
 * host may cache). Leaves the database open with its collection loaded.
 */
async function loadRound(ddFirst: boolean) {
  const all = files(dbDir);
  const segmentFiles = all.filter((f) => f.endsWith('.qseg'));
  const largest = segmentFiles.reduce((a, b) => (statSync(a).size >= statSync(b).size ? a : b));
  const dd = () => {
    dropFromCache(all);
    const readSpeed = diskReadSpeed(largest);
    // dd of every file loading reads (the collection's segment, index and partition files;
    // those under 1 MiB left out), one after the other, the cache dropped before.
    dropFromCache(all);
    const loadedFiles = all.filter(
      (f) => f.includes(`${sep}collections${sep}`) && statSync(f).size >= 2 ** 20,
    );
    const readAll = { bytes: 0, seconds: 0 };
    for (const f of loadedFiles) {
      const bytes = statSync(f).size;
      readAll.bytes += bytes;
      readAll.seconds += bytes / diskReadSpeed(f);
    }
    return { readSpeed, readSpeedAll: readAll.bytes / readAll.seconds };
  };
  const before = ddFirst ? dd() : undefined;
  const cacheDrop = dropFromCache(all);
  const loadAverage = loadavg()[0];
  const rssBefore = settledRss();
  const t0 = performance.now();
  const db = await Quiver.open(dbDir);
  await db.listCollections();
  const col = db.collection(NAME);
  const info = await col.info();
  const openSeconds = (performance.now() - t0) / 1000;
  await col.loaded();
  const loadSeconds = (performance.now() - t0) / 1000;
  const loadedInfo = await col.info();
  const loading = loadedInfo.loading;
  log(
    `  quiver: open ${openSeconds.toFixed(3)} s (${info.loading?.state}), loaded in ${loadSeconds.toFixed(1)} s`,
  );
  const { readSpeed, readSpeedAll } = before ?? dd();
  const loadSpeed = (loading?.bytesLoaded ?? 0) / (loading?.seconds ?? loadSeconds);
  return {
    db,
    col,
    loadedInfo,
    rssBefore,
    round: {
      readSpeed,
      readSpeedAll,
      loadAverage,
      openSeconds,
      openState: info.loading?.state,
      countAtOpen: info.count,
      loadSeconds,
      loadedBytes: loading?.bytesLoaded,
      loadSpeed,
      cacheDrop,
    },
  };
}

/** `load`: one more load round in a fresh process (`args.ddFirst`), its numbers only. */
async function loadOnly(): Promise<void> {
  const { db, round } = await loadRound(args.ddFirst ?? true);
  await db.close();
  reply(round);
}

async function measure(): Promise<void> {
  const diskBytes = files(dbDir).reduce((sum, f) => sum + statSync(f).size, 0);
  const { db, col, loadedInfo, rssBefore, round } = await loadRound(true);
  const queries = readRows(join(args.dataDir, 'queries.f32'), args.dimension, 0, args.queryCount);
  const query = (q: number) => queries.subarray(q * args.dimension, (q + 1) * args.dimension);
  await col.search(query(0), { k: K });
  const rss = settledRss();
  const truth = readTruth(args.dataDir, args.queryCount);
  // Single-thread QPS, as hnswlib's: every segment search on the calling thread, one after the
  // other. By default a lone call whose estimated work is large (2M × 768 at ef ≥ ~160) sends
  // its segments to the search workers in parallel (src/db/search-placement.ts). The workers'
  // calls are counted to show none was made.
  SearchPlacement.mode = 'here';
  const pool = KernelWorkerPool.of('search');
  const workerCalls: Record<number, number> = {};
  const points = await sweep(
    async (q, ef) => {
      const before = pool.sent.calls;
      const hits = await col.search(query(q), {
        k: K,
        ef,
        ...(args.onDisk ? { rerank: ON_DISK_RERANK } : {}),
      });
      workerCalls[ef] = (workerCalls[ef] ?? 0) + pool.sent.calls - before;
      return hits.map((h) => Number(h.id));
    },
    args.queryCount,
    truth,
    log,
  );
  await db.close();
  reply({
    diskBytes,
    ...round,
    rssBytes: rss,
    rssDeltaBytes: rss - rssBefore,
    segments: loadedInfo.sealedSegments,
    memory: loadedInfo.memory,
    points,
    workerCalls,
  });
}

await (args.phase === 'build' ? build() : args.phase === 'load' ? loadOnly() : measure());
