/**
 * Measures one Quiver factory index on one data set in a process of its own (started by
 * `families.ts` as `node --expose-gc families/worker.js '<FamilyTask JSON>'`): loads the
 * vectors, takes the baseline resident set size, builds the index (`quiver-factory.ts`:
 * train, then add, each timed), takes the RSS again, then runs every sweep point with
 * `runSweep` (one untimed pass collecting ids, then timed passes; one query per call on
 * this thread). A point whose parameters the index rejects is recorded with its error and
 * the sweep goes on. Writes the result and ids files described in `protocol.ts`.
 *
 * A build that throws (e.g. a family not implemented yet) ends the process with exit code 1,
 * the error as the last line of stderr and no files written, so that a later run measures
 * it again.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildFactoryIndex, QUIVER_FACTORY_LABEL } from '../libs/quiver-factory.js';
import { collectGarbage, median, runSweep } from '../measure.js';
import { type FamilyResult, type FamilyTask, readF32 } from '../protocol.js';

const task = JSON.parse(process.argv[2]) as FamilyTask;
const log = (msg: string) =>
  process.stderr.write(`[families ${task.dataset} ${task.factory} quiver] ${msg}\n`);

mkdirSync(task.scratchDir, { recursive: true });
const base = readF32(task.baseFile);
const queries = readF32(task.queriesFile);
const rows = base.length / task.dimension;
const queryCount = queries.length / task.dimension;
collectGarbage();
const rssBaselineBytes = process.memoryUsage.rss();

log(`building over ${rows} rows with ${task.threads} threads`);
const built = await buildFactoryIndex(base, task.dimension, {
  factory: task.factory,
  threads: task.threads,
  seed: task.seed,
  efConstruction: task.efConstruction,
}).catch((error: Error) => {
  // One line, last on stderr: the harness reports it (and skips families "not implemented").
  log(`build failed: ${error.message.replace(/\s*\n\s*/g, ' ')}`);
  process.exit(1);
});
collectGarbage();
const rssAfterBuildBytes = process.memoryUsage.rss();
const { index } = built;
log(
  `built ${built.indexClass}: train ${built.trainSeconds.toFixed(1)} s on ${built.trainingRows} rows, ` +
    `add ${built.addSeconds.toFixed(1)} s, ${index.bytesPerVector.toFixed(1)} B/vector, ` +
    `RSS +${((rssAfterBuildBytes - rssBaselineBytes) / 2 ** 20).toFixed(0)} MiB`,
);

const { ids, timings } = await runSweep(
  task.points,
  async (point) => built.searcher(queries, point.params, task.k),
  queryCount,
  task.k,
  { ...task, catchErrors: true },
  (point, timing) =>
    log(
      timing.qps
        ? `${point.curve} · ${point.label}: ${timing.qps.length} passes, median ${median(timing.qps).toFixed(0)} QPS`
        : `${point.curve} · ${point.label}: failed: ${timing.error}`,
    ),
);

const result: FamilyResult = {
  lib: task.lib,
  label: QUIVER_FACTORY_LABEL,
  factory: task.factory,
  indexClass: built.indexClass,
  threads: task.threads,
  trainingRows: built.trainingRows,
  trainSeconds: built.trainSeconds,
  addSeconds: built.addSeconds,
  rssBaselineBytes,
  rssAfterBuildBytes,
  bytesPerVector: index.bytesPerVector,
  indexBytes: index.memoryBytes,
  storeBytes: built.storeBytes,
  sweep: task.points.map((p, e) => ({
    curve: p.curve,
    label: p.label,
    qps: timings[e].qps ?? [],
    ...(timings[e].error === undefined ? {} : { error: timings[e].error }),
  })),
};
built.dispose();
writeFileSync(task.idsFile, new Uint8Array(ids.buffer));
writeFileSync(task.resultFile, JSON.stringify(result, null, 2));
