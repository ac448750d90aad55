/**
 * The index families of issue 5 (Flat, IVF-Flat, IVF-SQ8, IVF-PQ, PQ, SQ8, HNSW, HNSW-SQ8,
 * LSH, Annoy) side by side with FAISS: recall@10 vs single-thread QPS, build time and memory,
 * on the same data with the same nlist / m / M and matched search effort (`families/plan.ts`
 * says exactly how each point maps to FAISS).
 *
 * Every (data set, family, library) is measured in a child process of its own
 * (`families/worker.js` for Quiver, `/usr/bin/python3 faiss_factory_runner.py` for FAISS),
 * which builds once and runs every point of the family's curves; recall is computed here
 * against the cached exact top-100 (`datasets.ts`). A family whose build throws "not
 * implemented" is skipped with a note; any other failure is noted and the run goes on.
 *
 * Prints the Markdown section on stdout (progress, the plan and its time estimate on
 * stderr) and writes recall/QPS plots (one per data set and group of families).
 *
 * Reproduce: `npm run bench:families` (= `npm run build && node dist/bench/ann/families.js`), with
 *   --datasets fashion-mnist,gauss-1m   data sets (default these two; gauss-10k to try it out)
 *   --factories ivf-flat,…,annoy        families (ids of `FAMILY_IDS`; default all but flat)
 *   --libs quiver,faiss                 libraries (default both)
 *   --threads 2                         training/adding threads, both libraries (search: 1)
 *   --queries 1000                      use the first N queries of each set
 *   --min-seconds 1 --min-repeats 3     timed passes per point…
 *   --max-seconds 30                    …but a point stops after one pass once this much time has passed
 *   --keep DIR                          keep each child's result in DIR and reuse matching ones
 *                                       (a long run can be resumed; results of changed tasks are redone;
 *                                       delete DIR/<dataset>-<family>-<lib>-* to re-measure one)
 *   --plots DIR                         where the SVG plots go (default docs/)
 *   --dry-run                           print the plan and the time estimate, measure nothing
 *   --only-kept                         measure nothing new: report the kept results (with --keep)
 *                                       among the planned ones, e.g. to join runs of subsets
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readIds, runChildProcess } from './child.js';
import { exitUnlessInstalled } from './dataset-prerequisites.js';
import { DATASETS, type MaterializedDataset, materialize } from './datasets.js';
import { formatDuration, taskSeconds } from './families/estimate.js';
import {
  DEFAULT_FAMILY_IDS,
  DEFAULT_SWEEPS,
  effortPoints,
  type FamilyPlan,
  librariesOf,
  MIN_ROWS_PER_LIST,
  needsRefine,
  type PlotGroup,
  parseFamilyIds,
  planFamilies,
} from './families/plan.js';
import {
  type CurveOutcome,
  curveOutcomes,
  FAMILY_RECALL_TARGETS,
  failureStatus,
  familyNotes,
  familySummaryTable,
  familySweepTable,
  type MeasureStatus,
  type PointOutcome,
  ratioTable,
} from './families/tables.js';
import { checkTargets, targetTable } from './families/targets.js';
import { median } from './measure.js';
import { annCacheDir, packageRoot } from './paths.js';
import type { FamilyResult, FamilyTask } from './protocol.js';
import { meanRecall, tiesAtK } from './scoring.js';
import { recallQpsPlot } from './svg-plot.js';

const K = DEFAULT_SWEEPS.k;
const EF_CONSTRUCTION = 200;
const SEED = 1;
const PYTHON = '/usr/bin/python3';
const BLAS_LINK = '/usr/lib/x86_64-linux-gnu/libblas.so.3';
const LIBS = ['quiver', 'faiss'];
/** Short library names, for plot legends and for rows of a library that did not run. */
const LIB_NAMES: Record<string, string> = { quiver: 'Quiver', faiss: 'FAISS' };
/** Dark (Quiver) and light (FAISS) shades of one hue per curve of a plot. */
const PALETTE: [string, string][] = [
  ['#1f77b4', '#9ecae9'],
  ['#d62728', '#ff9896'],
  ['#2ca02c', '#98df8a'],
  ['#9467bd', '#c5b0d5'],
  ['#8c564b', '#c49c94'],
  ['#e377c2', '#f7b6d2'],
  ['#17becf', '#9edae5'],
  ['#7f7f7f', '#c7c7c7'],
];
const GROUP_TITLES: Record<PlotGroup, string> = {
  ivf: 'inverted lists',
  scan: 'exhaustive scans (exact, quantized, LSH)',
  graph: 'graphs and trees',
};

const { values: options } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'fashion-mnist,gauss-1m' },
    factories: { type: 'string', default: DEFAULT_FAMILY_IDS.join(',') },
    libs: { type: 'string', default: LIBS.join(',') },
    threads: { type: 'string', default: '2' },
    queries: { type: 'string', default: '1000' },
    keep: { type: 'string' },
    plots: { type: 'string' },
    'min-seconds': { type: 'string', default: '1' },
    'min-repeats': { type: 'string', default: '3' },
    'max-seconds': { type: 'string', default: '30' },
    'dry-run': { type: 'boolean', default: false },
    'only-kept': { type: 'boolean', default: false },
  },
  strict: true,
});

const log = (msg: string) => process.stderr.write(`[families] ${msg}\n`);

function names(flag: string, value: string, known: readonly string[]): string[] {
  const items = value.split(',').map((s) => s.trim());
  const unknown = items.find((item) => !known.includes(item));
  if (unknown !== undefined)
    throw new Error(`--${flag}: unknown '${unknown}'; expected some of ${known.join(', ')}`);
  return items;
}

function positive(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    throw new Error(`--${flag}: expected a positive ${integer ? 'integer' : 'number'}, got '${value}'`);
  }
  return n;
}

const datasetNames = names('datasets', options.datasets, Object.keys(DATASETS));
exitUnlessInstalled(datasetNames, 'ann-families');
const familyIds = parseFamilyIds(options.factories);
const libs = names('libs', options.libs, LIBS);
const threads = positive('threads', options.threads, true);
const maxQueries = positive('queries', options.queries, true);
const timing = {
  minSeconds: positive('min-seconds', options['min-seconds'], false),
  minRepeats: positive('min-repeats', options['min-repeats'], true),
  maxSeconds: positive('max-seconds', options['max-seconds'], false),
};
const argv = process.argv.slice(2);
const command = `npm run bench:families${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
const here = dirname(fileURLToPath(import.meta.url));
const keepDir = options.keep;
const scratchDir = keepDir ?? join(annCacheDir(), `families-scratch-${process.pid}`);
const plotsDir = options.plots ?? join(packageRoot(), 'docs');
/** The BLAS Debian's FAISS trains with (chosen by update-alternatives). */
const faissBlasPath = existsSync(BLAS_LINK) ? realpathSync(BLAS_LINK) : 'unknown';
const faissBlas = /openblas|blis|mkl/i.test(faissBlasPath) ? 'optimized' : 'reference';

/** One child process to run: its task (file names filled in per run) and its estimate. */
interface PlannedTask {
  dataset: string;
  plan: FamilyPlan;
  lib: string;
  /** Named by a hash of everything that determines the measurement, so a kept file is reused only when it matches. */
  resultFile: string;
  idsFile: string;
  estimateSeconds: number;
  reusable: boolean;
}

function planTasks(): PlannedTask[] {
  const tasks: PlannedTask[] = [];
  for (const name of datasetNames) {
    const recipe = DATASETS[name];
    const queries = Math.min(maxQueries, recipe.queryCount);
    const input = {
      rows: recipe.baseCount,
      dimension: recipe.dimension,
      queries,
      threads,
      faissBlas,
      ...timing,
    } as const;
    for (const plan of planFamilies(recipe.baseCount, familyIds)) {
      for (const lib of librariesOf(plan, libs)) {
        const points = effortPoints(plan, lib);
        const key = createHash('sha256')
          .update(
            JSON.stringify([
              lib,
              recipe.recipe,
              queries,
              plan.factory,
              points,
              EF_CONSTRUCTION,
              threads,
              SEED,
              K,
              timing,
            ]),
          )
          .digest('hex')
          .slice(0, 12);
        const files = taskFiles(name, plan, lib, key);
        const reusable = keepDir !== undefined && existsSync(files.resultFile) && existsSync(files.idsFile);
        tasks.push({
          dataset: name,
          plan,
          lib,
          ...files,
          estimateSeconds: taskSeconds(plan, lib, points, input),
          reusable,
        });
      }
    }
  }
  return tasks;
}

/** Result and ids files of a measurement; `key` identifies everything that determines it. */
function taskFiles(dataset: string, plan: FamilyPlan, lib: string, key: string) {
  const base = join(scratchDir, `${dataset}-${plan.id}-${lib}-${key}`);
  return { resultFile: `${base}.json`, idsFile: `${base}.ids` };
}

function printPlan(tasks: readonly PlannedTask[]): number {
  let remaining = 0;
  for (const t of tasks) {
    const note = t.reusable ? 'kept result' : `≈ ${formatDuration(t.estimateSeconds)}`;
    log(`  ${t.dataset} ${t.plan.factory} ${t.lib}: ${effortPoints(t.plan, t.lib).length} points, ${note}`);
    if (!t.reusable) remaining += t.estimateSeconds;
  }
  log(
    `${tasks.length} measurements (${tasks.filter((t) => t.reusable).length} kept); ` +
      `estimated run time ≈ ${formatDuration(remaining)} (a rough model, within about 2×), plus ground truth if not cached`,
  );
  if (faissBlas === 'reference' && tasks.some((t) => t.lib === 'faiss' && !t.reusable)) {
    log(
      `FAISS trains on the reference BLAS (${faissBlasPath}): its k-means runs ~20× slower than with OpenBLAS ` +
        '(`apt-get install -y libopenblas0-pthread` switches it), which dominates its IVF/PQ build times on 1M rows',
    );
  }
  return remaining;
}

type Measured = { result: FamilyResult; ids: Int32Array } | { status: MeasureStatus };

async function measure(t: PlannedTask, set: MaterializedDataset): Promise<Measured> {
  const files = { resultFile: t.resultFile, idsFile: t.idsFile };
  if (t.reusable) {
    log(`reusing ${files.resultFile}`);
    return { result: JSON.parse(readFileSync(files.resultFile, 'utf8')), ids: readIds(files.idsFile) };
  }
  const task: FamilyTask = {
    lib: t.lib,
    dataset: set.name,
    dimension: set.dimension,
    baseFile: set.baseFile,
    queriesFile: set.queriesFile,
    factory: t.plan.factory,
    refine: needsRefine(t.plan),
    efConstruction: EF_CONSTRUCTION,
    threads,
    seed: SEED,
    k: K,
    points: effortPoints(t.plan, t.lib),
    ...timing,
    scratchDir,
    ...files,
  };
  const json = JSON.stringify(task);
  const [cmd, args] =
    t.lib === 'faiss'
      ? [PYTHON, [join(packageRoot(), 'bench', 'ann', 'faiss_factory_runner.py'), json]]
      : [process.execPath, ['--expose-gc', join(here, 'families', 'worker.js'), json]];
  try {
    await runChildProcess(cmd, args, `${t.lib} ${t.plan.factory}`);
  } catch (error) {
    const message = (error as Error).message;
    log(`${t.dataset} ${t.plan.factory} ${t.lib}: ${message}`);
    return { status: failureStatus(message) };
  }
  return { result: JSON.parse(readFileSync(files.resultFile, 'utf8')), ids: readIds(files.idsFile) };
}

function outcomesOf(t: PlannedTask, set: MaterializedDataset, m: Measured): CurveOutcome[] {
  if ('status' in m) return curveOutcomes(t.plan, t.lib, LIB_NAMES[t.lib], m.status, []);
  const r = m.result;
  const points = r.sweep.map((p, e): PointOutcome & { curve: string } =>
    p.error !== undefined
      ? { curve: p.curve, label: p.label, recall: 0, qps: 0, qpsMin: 0, qpsMax: 0, error: p.error }
      : {
          curve: p.curve,
          label: p.label,
          recall: meanRecall(m.ids, e, set, K),
          qps: median(p.qps),
          qpsMin: Math.min(...p.qps),
          qpsMax: Math.max(...p.qps),
        },
  );
  const status: MeasureStatus = {
    kind: 'measured',
    build: {
      indexClass: r.indexClass,
      trainingRows: r.trainingRows,
      trainSeconds: r.trainSeconds,
      addSeconds: r.addSeconds,
      bytesPerVector: r.bytesPerVector,
      indexBytes: r.indexBytes,
      storeBytes: r.storeBytes,
      rssGrowthBytes: r.rssAfterBuildBytes - r.rssBaselineBytes,
      environment: r.environment,
    },
  };
  return curveOutcomes(t.plan, t.lib, r.label, status, points);
}

function writePlots(set: MaterializedDataset, outcomes: readonly CurveOutcome[]): string[] {
  const links: string[] = [];
  for (const group of Object.keys(GROUP_TITLES) as PlotGroup[]) {
    const curves = [
      ...new Set(outcomes.filter((o) => o.group === group).map((o) => `${o.factory} (${o.curve})`)),
    ];
    const series = outcomes
      .filter((o) => o.group === group && o.points.some((p) => p.error === undefined))
      .map((o) => ({
        name: `${LIB_NAMES[o.lib]} ${o.factory} (${o.curve})`,
        colour:
          PALETTE[curves.indexOf(`${o.factory} (${o.curve})`) % PALETTE.length][o.lib === 'quiver' ? 0 : 1],
        points: o.points
          .filter((p) => p.error === undefined)
          .map((p) => ({ recall: p.recall, qps: p.qps, label: p.label })),
      }));
    if (series.length === 0) continue;
    const svg = recallQpsPlot(series, {
      title: `${set.title}: ${GROUP_TITLES[group]}`,
      xLabel: `recall@${K}`,
      yLabel: 'queries per second (1 thread, one query per call; log scale)',
      guides: [...FAMILY_RECALL_TARGETS],
    });
    mkdirSync(plotsDir, { recursive: true });
    const file = join(plotsDir, `ann-families-${set.name}-${group}.svg`);
    writeFileSync(file, svg);
    links.push(
      `![recall@${K} vs QPS, ${set.title}, ${GROUP_TITLES[group]}](${relative(join(packageRoot(), 'docs'), file)})`,
    );
  }
  return links;
}

function methodText(): string[] {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return [
    '## Index families (issue 5): recall@10 vs single-thread QPS, build time and memory, beside FAISS',
    '',
    `Command: \`${command}\` — ${cpu}, ${cpus().length} cores, Node ${process.version}.`,
    '',
    'Each (data set, index, library) is built once in a process of its own (a Node child for Quiver; ' +
      '`/usr/bin/python3` with Debian’s `python3-faiss` for FAISS) and then searched at every point of its curves. ' +
      `**Same structure**: the same factory string on both sides (FAISS \`index_factory\`; \`LSH<bits>\` as ` +
      '`IndexLSH(d, bits, rotate_data=True, train_thresholds=True)`; PQ codings with FAISS’s `np` suffix, which ' +
      'skips polysemous training and searches the same index), squared L2, HNSW efConstruction ' +
      `${EF_CONSTRUCTION}. **nlist**: the issue’s (IVF1024,Flat, IVF4096,SQ8, IVF1024,PQ16) capped at the largest ` +
      `power of two ≤ rows / ${MIN_ROWS_PER_LIST} (Fashion-MNIST’s 60,000 rows: 256). ` +
      `**Build**: Quiver appends the rows to a \`VectorStore\` (the float32 vectors it re-ranks on, as a sealed ` +
      'segment’s) and runs `createIndex` → `train(trainingSample(store, maxTrainingRows))` → `addStored()` ' +
      `(plain HNSW: \`buildIndex\`); FAISS runs \`train\` on every row (subsampling as it does by default) and \`add\`; ` +
      `both with ${threads} thread${threads === 1 ? '' : 's'} for training and adding. ` +
      '**Re-ranking**: Quiver’s `rerank = R` re-ranks R candidates on the float32 vectors; FAISS gets the same with ' +
      '`IndexRefineFlat` over the same trained index and `k_factor = R / k` (the refine wrapper keeps its own float32 ' +
      'copy, counted in its RSS growth); a point without re-ranking (`rerank 0`, “codes only”) is compared with the ' +
      'FAISS base index searched alone. `HNSW32,SQ8` “rerank = ef” re-ranks all ef candidates (FAISS: ' +
      '`k_factor = ef / k`, so its base returns ef candidates). Annoy has no FAISS counterpart (and no Annoy binding ' +
      'is installable offline), so it is Quiver only. ' +
      `**Search**: k = ${K}, one query per call on one thread (FAISS \`omp_set_num_threads(1)\`); per point, one ` +
      `untimed pass collects the answers, then timed passes over the whole query set repeat until ≥ ${timing.minSeconds} s ` +
      `and ≥ ${timing.minRepeats} passes (or one pass and ≥ ${timing.maxSeconds} s, for the slowest points); ` +
      `QPS is the median pass. **recall@${K}**: \`recallAtK\` against the exact ` +
      `top-${K} by Quiver’s \`FlatIndex\` (the ANN harness’s cached ground truth), averaged over the queries. ` +
      `**QPS @ r**: interpolated on the Pareto frontier of the curve (\`throughputAtRecall\`); “≥” when the cheapest point ` +
      'already exceeds r. **Memory**: “B/vector (encoding)” is Quiver’s `bytesPerVector` (codes plus per-vector ids/links, ' +
      'without shared tables and the borrowed float32 store) and FAISS’s `serialize_index` length of the base index / rows ' +
      '(which includes its ids, links and amortized tables); “index” is Quiver’s `memoryBytes` (without the borrowed ' +
      'store) and the serialized length of the FAISS index searched (with the refine copy when there is one); ' +
      '“RSS growth” runs from after loading the vectors to after the build, and includes Quiver’s float32 store and ' +
      'FAISS’s refine copy. ' +
      `FAISS’s training runs on the BLAS behind \`libblas.so.3\`: \`${faissBlasPath}\`` +
      (faissBlas === 'reference'
        ? ' (Debian’s reference BLAS, far slower than OpenBLAS: FAISS’s IVF and PQ training times are mostly BLAS).'
        : '.'),
  ];
}

const planned = options['only-kept'] ? planTasks().filter((t) => t.reusable) : planTasks();
log(`plan (${planned.length} measurements; datasets ${datasetNames.join(', ')}):`);
let remainingSeconds = printPlan(planned);
if (options['dry-run']) process.exit(0);

const sections = methodText();
const allTargets: { dataset: string; table: string }[] = [];
mkdirSync(scratchDir, { recursive: true });
const started = Date.now();
try {
  for (const name of datasetNames) {
    const set = materialize(DATASETS[name], annCacheDir(), maxQueries, (msg) => log(`${name}: ${msg}`));
    const outcomes: CurveOutcome[] = [];
    for (const t of planned.filter((p) => p.dataset === name)) {
      log(
        `${name} ${t.plan.factory} ${t.lib} (elapsed ${formatDuration((Date.now() - started) / 1000)}, ≈ ${formatDuration(remainingSeconds)} left)`,
      );
      const t0 = Date.now();
      outcomes.push(...outcomesOf(t, set, await measure(t, set)));
      if (!t.reusable) {
        remainingSeconds -= t.estimateSeconds;
        log(
          `${name} ${t.plan.factory} ${t.lib} took ${formatDuration((Date.now() - t0) / 1000)} ` +
            `(estimated ${formatDuration(t.estimateSeconds)})`,
        );
      }
    }
    const libLabels = libs.map((lib) => ({
      lib,
      label: outcomes.find((o) => o.lib === lib && o.status.kind === 'measured')?.label ?? LIB_NAMES[lib],
    }));
    const ties = tiesAtK(set, K);
    const notes = familyNotes(outcomes);
    sections.push(
      '',
      `### ${set.title}`,
      '',
      `${set.baseCount.toLocaleString('en')} base vectors, ${set.queryCount.toLocaleString('en')} queries; ` +
        `${ties} ${ties === 1 ? 'query has' : 'queries have'} a tie between the ${K}th and ${K + 1}th true distance.`,
      '',
      familySummaryTable(outcomes),
      '',
      ...writePlots(set, outcomes).flatMap((link) => [link, '']),
      'Quiver ÷ FAISS, single-thread QPS at equal recall@10 (“≥” / “≤” where one curve gives only a bound):',
      '',
      ratioTable(outcomes),
      '',
      ...(notes.length > 0 ? ['Notes:', '', ...notes.map((n) => `- ${n}`), ''] : []),
      `Full sweep (recall@${K} · median QPS, min–max over the timed passes):`,
      '',
      familySweepTable(outcomes, libLabels),
    );
    allTargets.push({ dataset: set.title, table: targetTable(checkTargets(name, set.dimension, outcomes)) });
  }
} finally {
  if (keepDir === undefined && existsSync(scratchDir)) rmSync(scratchDir, { recursive: true, force: true });
}
sections.push('', '### Issue 5 targets', '');
for (const t of allTargets) sections.push(`${t.dataset}:`, '', t.table, '');
log(`done in ${formatDuration((Date.now() - started) / 1000)}`);
console.log(sections.join('\n').trimEnd());
