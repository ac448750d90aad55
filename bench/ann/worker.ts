/**
 * Measures one Node library on one data set in a process of its own, so that its memory is
 * not mixed with another library's: loads the vectors, takes the baseline resident set
 * size, builds the index (timed), takes the RSS again, and, when the task lists ef values,
 * runs the sweep. Started by `run.ts` as `node --expose-gc worker.js '<task JSON>'`; writes
 * the files described in `protocol.ts`.
 *
 * Sweep, per ef: one untimed pass over every query collects the ids (and warms up), then
 * timed passes over the whole query set, one query per call, repeat until `minSeconds` have
 * passed and at least `minRepeats` passes were made; each pass gives one QPS (`runSweep`,
 * `measure.ts`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { LIBRARIES } from './libs/registry.js';
import { collectGarbage, runSweep } from './measure.js';
import { readF32, type SweepPoint, type WorkerResult, type WorkerTask } from './protocol.js';

const task = JSON.parse(process.argv[2]) as WorkerTask;
const log = (msg: string) =>
  process.stderr.write(`[ann ${task.dataset} ${task.lib} ${task.threads}T] ${msg}\n`);

const entry = LIBRARIES[task.lib];
if (!entry?.load) throw new Error(`unknown Node library '${task.lib}'`);
if (entry.singleThreadedBuild && task.threads !== 1) throw new Error(entry.singleThreadedBuild);
const library = await entry.load();
mkdirSync(task.scratchDir, { recursive: true });

const base = readF32(task.baseFile);
const queries = readF32(task.queriesFile);
const queryCount = queries.length / task.dimension;
collectGarbage();
const rssBaselineBytes = process.memoryUsage.rss();

log(`building ${base.length / task.dimension} rows`);
const t0 = performance.now();
const index = await library.build(base, task.dimension, {
  M: task.M,
  efConstruction: task.efConstruction,
  threads: task.threads,
  scratchDir: task.scratchDir,
});
const buildSeconds = (performance.now() - t0) / 1000;
collectGarbage();
const rssAfterBuildBytes = process.memoryUsage.rss();
log(
  `built in ${buildSeconds.toFixed(1)} s, RSS +${((rssAfterBuildBytes - rssBaselineBytes) / 2 ** 20).toFixed(0)} MiB`,
);
const size = index.sizeReport();

if (task.efs.length > 0) index.setQueries(queries);
const { ids, timings } = await runSweep(
  task.efs,
  (ef) => index.searcher(ef, task.k),
  queryCount,
  task.k,
  task,
  (ef, timing) => {
    const qps = timing.qps ?? [];
    log(
      `ef ${ef}: ${qps.length} passes, median ${[...qps].sort((a, b) => a - b)[qps.length >> 1].toFixed(0)} QPS`,
    );
  },
);
const sweep: SweepPoint[] = task.efs.map((ef, e) => ({ ef, qps: timings[e].qps ?? [] }));
index.dispose();

const result: WorkerResult = {
  lib: task.lib,
  label: library.label,
  threads: task.threads,
  buildSeconds,
  rssBaselineBytes,
  rssAfterBuildBytes,
  libraryBytes: size?.bytes ?? null,
  libraryBytesSource: size?.source ?? null,
  sweep,
};
writeFileSync(task.idsFile, new Uint8Array(ids.buffer));
writeFileSync(task.resultFile, JSON.stringify(result, null, 2));
