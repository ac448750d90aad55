/**
 * Approximate nearest-neighbour benchmark in the style of ann-benchmarks: Quiver's HNSW beside
 * hnswlib-node, usearch and FAISS, on the same data with the same graph parameters (M = 16,
 * efConstruction = 200, squared L2), k = 10.
 *
 * For every (data set, library, build thread count) one child process (a Node `worker.js`,
 * or `/usr/bin/python3 faiss_runner.py` for FAISS) loads the vectors from the cached f32
 * files, builds the index and reports build time and memory; the process with the first
 * thread count also runs the ef sweep (single-thread QPS, one query per call) and returns
 * the ids it found. Recall is computed here, against the exact top-10, with `recallAtK`.
 *
 * Prints one Markdown section on stdout (progress on stderr) and writes one SVG plot per
 * data set to `docs/ann-<dataset>.svg`.
 *
 * Reproduce: `npm run bench:ann` (= `npm run build && node dist/bench/ann/run.js`), with
 *   --datasets gauss-100k,gauss-1m,fashion-mnist   data sets (default: these three; gauss-10k for a quick try)
 *   --libs quiver,hnswlib,usearch,faiss            libraries (default: all four)
 *   --threads 1,2                                  build thread counts (the sweep runs on the first)
 *   --efs 10,16,…,512                              ef values of the sweep
 *   --queries N                                    use only the first N queries
 *   --min-seconds S --min-repeats R                timed passes per ef (default 1 s, 3 passes)
 *   --one-thread-libs faiss                        build these libraries with the first thread count only
 *   --keep DIR                                     keep each child's result in DIR, and reuse the results
 *                                                  already there (a long run can be completed or partly
 *                                                  redone: delete the files of the runs to redo)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { throughputAtRecall } from '../../src/eval/tradeoff.js';
import { readIds, runChildProcess } from './child.js';
import { exitUnlessInstalled } from './dataset-prerequisites.js';
import { DATASETS, DEFAULT_DATASETS, type MaterializedDataset, materialize } from './datasets.js';
import { LIBRARIES } from './libs/registry.js';
import { median } from './measure.js';
import { annCacheDir, packageRoot } from './paths.js';
import type { WorkerResult, WorkerTask } from './protocol.js';
import {
  type BuildOutcome,
  type LibraryOutcome,
  RECALL_TARGETS,
  type SweepRow,
  summaryTable,
  sweepTable,
} from './report.js';
import { meanRecall, tiesAtK } from './scoring.js';
import { recallQpsPlot } from './svg-plot.js';

const M = 16;
const EF_CONSTRUCTION = 200;
const K = 10;
const PYTHON = '/usr/bin/python3';
const DEFAULT_EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];
/** One colour per library, the same in every plot. */
const LIBRARY_COLOURS: Record<string, string> = {
  quiver: '#d62728',
  hnswlib: '#1f77b4',
  usearch: '#2ca02c',
  faiss: '#ff7f0e',
};

const { values: options } = parseArgs({
  options: {
    datasets: { type: 'string', default: DEFAULT_DATASETS.join(',') },
    libs: { type: 'string', default: Object.keys(LIBRARIES).join(',') },
    threads: { type: 'string', default: '1,2' },
    efs: { type: 'string', default: DEFAULT_EFS.join(',') },
    queries: { type: 'string' },
    keep: { type: 'string' },
    'one-thread-libs': { type: 'string', default: '' },
    'min-seconds': { type: 'string', default: '1' },
    'min-repeats': { type: 'string', default: '3' },
  },
  strict: true,
});

const log = (msg: string) => process.stderr.write(`[ann] ${msg}\n`);

function list(name: string, value: string, known?: readonly string[]): string[] {
  const items = value.split(',').map((s) => s.trim());
  for (const item of items) {
    if (item === '' || (known && !known.includes(item))) {
      throw new Error(`--${name}: unknown '${item}'${known ? `; expected some of ${known.join(', ')}` : ''}`);
    }
  }
  return items;
}

function positiveInts(name: string, value: string): number[] {
  return list(name, value).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected positive integers, got '${s}'`);
    return n;
  });
}

function positiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name}: expected a positive number, got '${value}'`);
  return n;
}

const datasetNames = list('datasets', options.datasets, Object.keys(DATASETS));
exitUnlessInstalled(datasetNames, 'ann');
const libNames = list('libs', options.libs, Object.keys(LIBRARIES));
const threadCounts = positiveInts('threads', options.threads);
const efs = positiveInts('efs', options.efs).sort((a, b) => a - b);
const maxQueries = options.queries === undefined ? undefined : positiveInts('queries', options.queries)[0];
const minSeconds = positiveNumber('min-seconds', options['min-seconds']);
const minRepeats = positiveInts('min-repeats', options['min-repeats'])[0];
const argv = process.argv.slice(2);
const command = `npm run bench:ann${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = annCacheDir();
const keepDir = options.keep;
const oneThreadLibs = (options['one-thread-libs'] ?? '').split(',').filter((x) => x !== '');
const scratchDir = keepDir ?? join(cacheDir, `scratch-${process.pid}`);

/** Runs one child (or reuses a kept result); resolves with its result and ids. */
async function runChild(task: WorkerTask): Promise<{ result: WorkerResult; ids: Int32Array }> {
  if (keepDir !== undefined && existsSync(task.resultFile) && existsSync(task.idsFile)) {
    log(`reusing ${task.resultFile}`);
    return readResult(task);
  }
  const json = JSON.stringify(task);
  const [cmd, args] =
    LIBRARIES[task.lib].runtime === 'python'
      ? [PYTHON, [join(packageRoot(), 'bench', 'ann', 'faiss_runner.py'), json]]
      : [process.execPath, ['--expose-gc', join(here, 'worker.js'), json]];
  await runChildProcess(cmd, args, task.lib);
  return readResult(task);
}

function readResult(task: WorkerTask): { result: WorkerResult; ids: Int32Array } {
  const result = JSON.parse(readFileSync(task.resultFile, 'utf8')) as WorkerResult;
  return { result, ids: readIds(task.idsFile) };
}

async function measureLibrary(set: MaterializedDataset, lib: string): Promise<LibraryOutcome> {
  const entry = LIBRARIES[lib];
  const outcome: LibraryOutcome = {
    lib,
    label: lib,
    builds: new Map(),
    libraryBytes: null,
    libraryBytesSource: null,
    sweep: [],
    atTarget: [],
  };
  for (const [i, threads] of threadCounts.entries()) {
    if (threads > 1 && entry.singleThreadedBuild) {
      outcome.builds.set(threads, { kind: 'unsupported', reason: entry.singleThreadedBuild });
      continue;
    }
    if (i > 0 && oneThreadLibs.includes(lib)) {
      outcome.builds.set(threads, {
        kind: 'unsupported',
        reason: 'skipped in this run to save time (--one-thread-libs)',
      });
      continue;
    }
    const name = `${set.name}-${lib}-${threads}t`;
    const task: WorkerTask = {
      lib,
      dataset: set.name,
      dimension: set.dimension,
      baseFile: set.baseFile,
      queriesFile: set.queriesFile,
      M,
      efConstruction: EF_CONSTRUCTION,
      threads,
      k: K,
      efs: i === 0 ? efs : [],
      minSeconds,
      minRepeats,
      scratchDir,
      resultFile: join(scratchDir, `${name}.json`),
      idsFile: join(scratchDir, `${name}.ids`),
    };
    let build: BuildOutcome;
    try {
      const { result, ids } = await runChild(task);
      outcome.label = result.label;
      build = {
        kind: 'measured',
        seconds: result.buildSeconds,
        rssGrowthBytes: result.rssAfterBuildBytes - result.rssBaselineBytes,
      };
      if (i === 0) {
        outcome.libraryBytes = result.libraryBytes;
        outcome.libraryBytesSource = result.libraryBytesSource;
        outcome.sweep = result.sweep.map(
          (point, e): SweepRow => ({
            ef: point.ef,
            recall: meanRecall(ids, e, set, K),
            qps: median(point.qps),
            qpsMin: Math.min(...point.qps),
            qpsMax: Math.max(...point.qps),
          }),
        );
      }
    } catch (error) {
      log(`${name} failed: ${(error as Error).message}`);
      build = { kind: 'failed', error: (error as Error).message };
    }
    outcome.builds.set(threads, build);
  }
  const curve = outcome.sweep.map((s) => ({ recall: s.recall, qps: s.qps }));
  outcome.atTarget =
    curve.length > 0 ? RECALL_TARGETS.map((target) => throughputAtRecall(curve, target)) : [];
  return outcome;
}

function writePlot(set: MaterializedDataset, outcomes: readonly LibraryOutcome[]): string | undefined {
  const series = outcomes
    .filter((o) => o.sweep.length > 0)
    .map((o) => ({
      name: o.label,
      colour: LIBRARY_COLOURS[o.lib],
      points: o.sweep.map((s) => ({ recall: s.recall, qps: s.qps, label: `ef ${s.ef}` })),
    }));
  if (series.length === 0) return undefined;
  const svg = recallQpsPlot(series, {
    title: set.title,
    xLabel: `recall@${K}`,
    yLabel: 'queries per second (1 thread, one query per call; log scale)',
    guides: [...RECALL_TARGETS],
  });
  const file = `ann-${set.name}.svg`;
  mkdirSync(join(packageRoot(), 'docs'), { recursive: true });
  writeFileSync(join(packageRoot(), 'docs', file), svg);
  return file;
}

function footnotes(outcomes: readonly LibraryOutcome[]): string[] {
  const notes: string[] = [];
  for (const o of outcomes) {
    for (const [threads, build] of o.builds) {
      if (build.kind === 'unsupported')
        notes.push(`¹ ${o.label}, ${threads} threads: not measured: ${build.reason}.`);
      if (build.kind === 'failed') notes.push(`${o.label}, ${threads} threads: **failed**: ${build.error}`);
    }
  }
  const sizes = outcomes
    .filter((o) => o.libraryBytesSource)
    .map((o) => `${o.label}: ${o.libraryBytesSource}`);
  if (sizes.length > 0) notes.push(`Index size as reported by each library — ${sizes.join('; ')}.`);
  return notes;
}

const sections: string[] = [
  '## Approximate search (HNSW: recall@10 vs single-thread QPS, build time, memory)',
  '',
  `Command: \`${command}\``,
  '',
  `Every library indexes the same base vectors with M = ${M}, efConstruction = ${EF_CONSTRUCTION}, ` +
    'squared L2, each (library, data set, build thread count) in a process of its own ' +
    '(a Node child for Quiver, hnswlib-node and usearch; `/usr/bin/python3` with Debian’s `python3-faiss` for FAISS ' +
    '— `apt-get install -y python3-faiss`). ' +
    '**Build**: wall-clock time of the build calls. ' +
    '**Memory**: growth of the resident set size from just after the vectors were loaded to just after the build, ' +
    'in the process with the first thread count (it includes the library’s own copy of the vectors); ' +
    '**index size** is the library’s own report. ' +
    `**Search**: k = ${K}, one query per call on one thread. For each ef, one untimed pass over all queries ` +
    `collects the answers; then timed passes over the whole query set repeat until ≥ ${minSeconds} s and ≥ ${minRepeats} passes, ` +
    'and QPS is the median pass (min–max in the sweep table). ' +
    `**recall@${K}** = \`recallAtK(answer, true top-${K}, ${K})\` (\`src/eval/metrics.ts\`) averaged over the queries; ` +
    'the ground truth is the exact top-100 by Quiver’s `FlatIndex`, cross-checked against a plain f64 loop on 5 queries. ' +
    `**QPS at recall ${RECALL_TARGETS.join(' / ')}**: linear interpolation between the bracketing points of the ` +
    'Pareto frontier of the sweep (`throughputAtRecall`, `src/eval/tradeoff.ts`); “≥” when the smallest ef ' +
    'already exceeds the target, “not reached” when the largest ef stays below it.',
];

mkdirSync(scratchDir, { recursive: true });
try {
  for (const name of datasetNames) {
    const set = materialize(DATASETS[name], cacheDir, maxQueries, (msg) => log(`${name}: ${msg}`));
    const outcomes: LibraryOutcome[] = [];
    for (const lib of libNames) outcomes.push(await measureLibrary(set, lib));
    const plot = writePlot(set, outcomes);
    const ties = tiesAtK(set, K);
    sections.push(
      '',
      `### ${set.title}`,
      '',
      `${set.baseCount.toLocaleString('en')} base vectors, ${set.queryCount.toLocaleString('en')} queries; ` +
        `${ties} ${ties === 1 ? 'query has' : 'queries have'} a tie between the ${K}th and ${K + 1}th true distance ` +
        '(for those, a correct answer may hold a different tied row and score below 1).',
      '',
      summaryTable(outcomes, threadCounts),
      '',
      ...footnotes(outcomes).flatMap((n) => [n, '']),
      ...(plot ? [`![recall@${K} vs QPS, ${set.title}](${plot})`, ''] : []),
      `Full sweep (recall@${K} · median QPS, min–max over the timed passes):`,
      '',
      sweepTable(outcomes),
    );
  }
} finally {
  if (keepDir === undefined && existsSync(scratchDir)) rmSync(scratchDir, { recursive: true, force: true });
}
console.log(sections.join('\n'));
