/**
 * hnswlib-node's side of a scale case (the peer), in its own process.
 *
 * `build`: one `HierarchicalNSW('l2')` with M=16, efConstruction=200, rows added one by one
 * on one thread (the binding has no multi-threaded add; see bench/ann/libs/hnswlib.ts).
 * Resumable: the index is written with `writeIndexSync` at each quarter of the rows, and a
 * run continues from the last written one (`readIndexSync`), adding up the build time.
 *
 * `measure`: in a fresh process, load the index file, RSS, and the search sweep.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { EF_CONSTRUCTION, K, M } from './cases.js';
import { childArgs, log, readJson, reply, settledRss } from './child-io.js';
import { readRows, readTruth } from './data.js';
import { sweep } from './sweep.js';

const BATCH = 10_000;

interface BuildState {
  added: number;
  buildSeconds: number;
}

const args = childArgs();
const indexFile = join(args.dir, 'hnswlib.index');
const stateFile = join(args.dir, 'build-state.json');

function build(): void {
  const state: BuildState = existsSync(stateFile)
    ? readJson<BuildState>(stateFile)
    : { added: 0, buildSeconds: 0 };
  const index = new hnswlib.HierarchicalNSW('l2', args.dimension);
  if (state.added > 0) index.readIndexSync(indexFile, false);
  else index.initIndex(args.count, M, EF_CONSTRUCTION);
  const checkpoint = Math.max(BATCH, Math.ceil(args.count / 4 / BATCH) * BATCH);
  let t0 = performance.now();
  for (let from = state.added; from < args.count; from += BATCH) {
    const rows = Math.min(BATCH, args.count - from);
    const data = readRows(join(args.dataDir, 'base.f32'), args.dimension, from, rows);
    for (let i = 0; i < rows; i++) {
      index.addPoint(Array.from(data.subarray(i * args.dimension, (i + 1) * args.dimension)), from + i);
    }
    state.added = from + rows;
    if (state.added % checkpoint === 0 || state.added === args.count) {
      state.buildSeconds += (performance.now() - t0) / 1000;
      index.writeIndexSync(`${indexFile}.tmp`);
      renameSync(`${indexFile}.tmp`, indexFile);
      writeFileSync(stateFile, JSON.stringify(state));
      log(`  hnswlib: ${state.added.toLocaleString('en-US')} rows added, ${state.buildSeconds.toFixed(0)} s`);
      t0 = performance.now();
    }
  }
  reply(state);
}

async function measure(): Promise<void> {
  const rssBefore = settledRss();
  const index = new hnswlib.HierarchicalNSW('l2', args.dimension);
  const t0 = performance.now();
  index.readIndexSync(indexFile, false);
  const loadSeconds = (performance.now() - t0) / 1000;
  const rss = settledRss();
  const all = readRows(join(args.dataDir, 'queries.f32'), args.dimension, 0, args.queryCount);
  const queries = Array.from({ length: args.queryCount }, (_, q) =>
    Array.from(all.subarray(q * args.dimension, (q + 1) * args.dimension)),
  );
  let currentEf = -1;
  const points = await sweep(
    (q, ef) => {
      if (ef !== currentEf) index.setEf((currentEf = ef));
      return index.searchKnn(queries[q], K).neighbors;
    },
    args.queryCount,
    readTruth(args.dataDir, args.queryCount),
    log,
  );
  reply({ loadSeconds, rssBytes: rss, rssDeltaBytes: rss - rssBefore, points });
}

await (args.phase === 'build' ? Promise.resolve(build()) : measure());
