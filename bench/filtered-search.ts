/**
 * Filtered search end to end (issue 6): a Quiver collection searched through the public API
 * with a payload filter of chosen selectivity, beside hnswlib-node searching the same points
 * with its filter callback, in the same run.
 *
 * Data: the ann harness's cached set (`--dataset gauss-1m` by default, 1,000,000 × 128), its
 * first `--queries` queries; every point carries tags `s50`, `s10`, `s1`, `s01` with
 * probability 0.5, 0.1, 0.01, 0.001 (seeded, independent: `filtered/filters.ts`). Quiver: one
 * collection, one segment (`segmentSize` = n), a partitioned keyword payload index on `tags`
 * (tags holding 1,024 rows to 1/8 of the segment get a packed copy of their vectors and a
 * graph of their own, searched instead of the segment), HNSW M 16 efConstruction 200 (the
 * defaults), built by `flush()`; a query is one
 * `collection.search(vector, { k: 10, ef, filter: { must: [{ key: 'tags', match: { value } }] } })`.
 * hnswlib-node: M 16, efConstruction 200, one `searchKnn(query, 10, (label) => allowed)`.
 * recall@10 is against the exact top-10 among the allowed points (`FlatIndex` with the same
 * bitset, in a wasm memory of its own); the unfiltered case uses the harness's ground truth.
 * Each (filter, ef) point runs one untimed pass, then `--passes` timed passes per library,
 * interleaved (`filtered/sweep.ts`); QPS is the median pass. QPS at recall 0.95 is read off
 * each library's curve (`throughputAtRecall`); the ratio to its own unfiltered QPS at recall
 * 0.95 is what issue 6 targets.
 *
 * `--keep DIR` keeps the built collection (`DIR/quiver`) and hnswlib's index file, with a
 * `recipe.json` naming the data and tags they were built from; a rerun with the same recipe
 * reuses both instead of building (the 1M builds take minutes). Without it, a temporary
 * folder is used and removed.
 *
 * Prints Markdown on stdout (`run-all.ts filtered-search` writes it into docs/benchmarks.md),
 * progress on stderr.
 * Reproduce: `npm run build && node dist/bench/filtered-search.js [--dataset gauss-100k] [--keep DIR]`
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FlatIndex } from '../src/index/flat-index.js';
import { scanBeatsWalk } from '../src/index/hnsw-index.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import { DATASETS, materialize } from './ann/datasets.js';
import { packageVersion } from './ann/libs/library.js';
import { annCacheDir, quiverVersion } from './ann/paths.js';
import { readF32 } from './ann/protocol.js';
import { FILTER_CASES, TAG_RECIPE, taggedRows } from './filtered/filters.js';
import { allowedBytes, hnswlibSearcher, openHnswlibSide } from './filtered/hnswlib-side.js';
import { openQuiverSide, type PartitionReport, quiverSearcher } from './filtered/quiver-side.js';
import { type CaseResult, summaryTable, sweepTable, TARGET_RECALL } from './filtered/report.js';
import { type EnginePoint, measurePoint } from './filtered/sweep.js';

const K = 10;
const LIBS = ['quiver', 'hnswlib'];
/** A library whose untimed pass at a point takes longer than this gets one timed pass there. */
const SLOW_SECONDS = 20;

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'gauss-1m' },
    queries: { type: 'string', default: '200' },
    efs: { type: 'string', default: '10,16,24,32,48,64,96,128,256' },
    passes: { type: 'string', default: '3' },
    libs: { type: 'string', default: LIBS.join(',') },
    keep: { type: 'string' },
  },
});
const log = (msg: string) => process.stderr.write(`[filtered] ${msg}\n`);
const recipe = DATASETS[values.dataset];
if (!recipe)
  throw new Error(`unknown --dataset ${values.dataset}; expected one of ${Object.keys(DATASETS).join(', ')}`);
const queryCount = Number(values.queries);
const passes = Number(values.passes);
const efs = values.efs.split(',').map(Number);
const libs = values.libs.split(',');
if (!Number.isInteger(queryCount) || queryCount < 1) throw new Error(`--queries must be a positive integer`);
if (!Number.isInteger(passes) || passes < 1) throw new Error(`--passes must be a positive integer`);
if (efs.some((ef) => !Number.isInteger(ef) || ef < 1)) throw new Error(`--efs must be positive integers`);
if (libs.length === 0 || libs.some((l) => !LIBS.includes(l)))
  throw new Error(`--libs: some of ${LIBS.join(', ')}`);
const loadAtStart = loadavg()[0];

const set = materialize(recipe, annCacheDir(), queryCount, log);
const base = readF32(set.baseFile);
const queryRows = readF32(set.queriesFile);
const d = set.dimension;
const n = set.baseCount;
const nq = set.queryCount;
const query = (i: number) => queryRows.subarray(i * d, (i + 1) * d);
const tagged = taggedRows(n);

const keep = values.keep ?? mkdtempSync(join(tmpdir(), 'quiver-filtered-'));
const quiverDir = join(keep, 'quiver');
const hnswlibFile = join(keep, `hnswlib-${recipe.name}-M16-efc200.bin`);
const recipeFile = join(keep, 'recipe.json');
const builtFrom = JSON.stringify({ data: recipe.recipe, n, tags: TAG_RECIPE });
if (existsSync(recipeFile) && readFileSync(recipeFile, 'utf8') !== builtFrom) {
  log(`${keep} holds data built from another recipe; rebuilding it`);
  rmSync(quiverDir, { recursive: true, force: true });
  rmSync(hnswlibFile, { force: true });
}
mkdirSync(keep, { recursive: true });
writeFileSync(recipeFile, builtFrom);

log('exact filtered top-10 (FlatIndex in a wasm memory of its own)');
const exact = new FlatIndex(wasmKernels(), d, DistanceKind.L2);
exact.add(base);
const filteredTruth = tagged.map((rows) =>
  Array.from({ length: nq }, (_, i) => exact.search(query(i), K, rows).offsets),
);
exact.dispose();
const unfilteredTruth = Array.from({ length: nq }, (_, i) =>
  set.truth.rows.subarray(i * set.truth.k, i * set.truth.k + K),
);

/** A library under test: how it answers at one point (filter tag and allowed rows, ef). */
interface Engine {
  label: string;
  built: string;
  at(tag: string | undefined, allowed: Uint8Array | undefined, ef: number): EnginePoint;
  close(): Promise<void>;
}

const engines: Engine[] = [];
let partitions: PartitionReport | undefined;
if (libs.includes('quiver')) {
  const side = await openQuiverSide(
    quiverDir,
    base,
    d,
    tagged,
    FILTER_CASES.map((c) => c.tag),
    log,
  );
  partitions = side.partitions;
  const queries = Array.from({ length: nq }, (_, i) => query(i).slice());
  engines.push({
    label: `Quiver ${quiverVersion()}`,
    built:
      side.buildSeconds === undefined ? 'reused from the kept folder' : `${side.buildSeconds.toFixed(0)} s`,
    at: (tag, _allowed, ef) => ({
      async: true,
      search: quiverSearcher(side.collection, queries, K, ef, tag),
    }),
    close: () => side.db.close(),
  });
}
if (libs.includes('hnswlib')) {
  const side = openHnswlibSide(hnswlibFile, base, d, log);
  const queries = Array.from({ length: nq }, (_, i) => Array.from(query(i)));
  engines.push({
    label: `hnswlib-node ${packageVersion('hnswlib-node')}`,
    built:
      side.buildSeconds === undefined
        ? 'reloaded from the kept file'
        : `${side.buildSeconds.toFixed(0)} s, 1 thread`,
    at: (_tag, allowed, ef) => ({
      async: false,
      search: hnswlibSearcher(side.index, queries, K, ef, allowed),
    }),
    close: async () => {},
  });
}

const caseDefs = [
  { label: 'none', tag: undefined, rows: undefined, target: undefined, truth: unfilteredTruth },
  ...FILTER_CASES.map((c, j) => ({
    label: `tags = ${c.tag} (${c.label})`,
    tag: c.tag,
    rows: tagged[j],
    target: c.target,
    truth: filteredTruth[j],
  })),
];
const cases: CaseResult[] = [];
for (const def of caseDefs) {
  const allowed = def.rows?.count() ?? n;
  const bytes = def.rows ? allowedBytes(def.rows) : undefined;
  const result: CaseResult = { label: def.label, allowed, target: def.target, points: [] };
  for (const ef of efs) {
    const outcomes = await measurePoint(
      engines.map((e) => e.at(def.tag, bytes, ef)),
      def.truth,
      K,
      passes,
      SLOW_SECONDS,
    );
    const plan =
      def.rows === undefined
        ? undefined
        : def.tag !== undefined && partitions?.rowsByTag.has(def.tag)
          ? 'partition walk'
          : scanBeatsWalk(allowed, Math.max(ef, K), n)
            ? 'listed scan'
            : 'walk';
    result.points.push({ ef, plan, outcomes });
    log(
      `${def.label}, ef ${ef}: ` +
        outcomes
          .map((o, e) => `${engines[e].label} ${o.recall.toFixed(3)} @ ${Math.round(o.qps)} QPS`)
          .join('; '),
    );
  }
  cases.push(result);
}
for (const e of engines) await e.close();
if (values.keep === undefined) rmSync(keep, { recursive: true, force: true });

/** The value partitions Quiver built: which tags, how many rows, memory and build time. */
function partitionLine(report: PartitionReport | undefined): string {
  if (report === undefined) return 'Value partitions: Quiver not run.';
  const parts = [...report.rowsByTag].map(([tag, rows]) => `\`${tag}\` (${rows.toLocaleString('en')} rows)`);
  const rows = [...report.rowsByTag.values()].reduce((a, b) => a + b, 0);
  return (
    `Value partitions (Quiver): ${parts.length === 0 ? 'none' : parts.join(', ')}; ` +
    `${rows.toLocaleString('en')} rows copied (${((rows * d * 4) / 2 ** 20).toFixed(1)} MiB of vectors), ` +
    `${(report.bytes / 2 ** 20).toFixed(1)} MiB of wasm memory with their graphs and offset maps ` +
    `(the segment's own vectors: ${((n * d * 4) / 2 ** 20).toFixed(1)} MiB); built in ` +
    `${report.buildSeconds.toFixed(1)} s after the index (on open, or when the index of \`tags\` became partitioned).`
  );
}

const names = engines.map((e) => e.label);
const cpu = cpus();
const args = process.argv.slice(2).join(' ');
const out = [
  '## Filtered search: a Quiver collection vs hnswlib-node, recall@10 and QPS by filter selectivity (issue 6)',
  '',
  `Command: \`npm run build && node dist/bench/filtered-search.js${args ? ` ${args}` : ''}\` ` +
    '(through `node dist/bench/run-all.js filtered-search -- <args>` it also writes this section).',
  '',
  `Machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
    `Node.js ${process.version}; 1-minute load average ${loadAtStart.toFixed(2)} at the start, ` +
    `${loadavg()[0].toFixed(2)} at the end (the machine is shared: compare within this run).`,
  '',
  `${set.title}: ${n.toLocaleString('en')} points, the first ${nq} queries, k = ${K}. Every point carries ` +
    `the tags ${FILTER_CASES.map((c) => `\`${c.tag}\` (probability ${c.fraction})`).join(', ')}, drawn ` +
    'independently with seeded generators, as `payload.tags` (an array). ' +
    `**Quiver** (${engines.find((e) => e.label.startsWith('Quiver'))?.built ?? 'not run'}): one collection ` +
    "(`segmentSize` = n, so one segment and one graph), `payloadIndexes: { tags: { type: 'keyword', " +
    'partitioned: true } }`, the default index (HNSW, M = 16, efConstruction = 200) built by `flush()`, ' +
    'then the value partitions (a packed copy of the vectors of each tag holding 1,024 rows to 1/8 of the ' +
    'segment, with an HNSW graph of the same M and efConstruction, searched instead of the segment when the ' +
    'filter requires that tag); one query is one `collection.search(vector, ' +
    "{ k: 10, ef, filter: { must: [{ key: 'tags', match: { value: tag } }] } })`, awaited before the next " +
    '(where it runs is `SearchPlacement`’s rule: a lone call on the calling thread when small, else on a search worker). ' +
    `**hnswlib-node** (${engines.find((e) => e.label.startsWith('hnswlib'))?.built ?? 'not run'}): M = 16, ` +
    'efConstruction = 200; one query is one `searchKnn(query, 10, (label) => allowed[label] === 1)` (a ' +
    'filter callback into JS for every candidate), on the calling thread. **recall@10**: against the exact ' +
    'top-10 among the allowed points (`FlatIndex` with the same bitset). **QPS**: per (filter, ef), one untimed ' +
    `pass, then ${passes} timed passes over the ${nq} queries per library, interleaved (pass p of both ` +
    `before pass p + 1 of either), median pass (one timed pass where the untimed one took over ${SLOW_SECONDS} s). ` +
    '**QPS @ recall 0.95**: linear interpolation on the Pareto ' +
    'frontier of the ef sweep (`throughputAtRecall`); “≥” when every frontier point (those no other point ' +
    'beats on both recall and QPS) already exceeds 0.95. ' +
    '**÷ unfiltered**: that QPS over the same library’s unfiltered QPS at recall 0.95 (a “≥” ratio ' +
    'below its target counts as missed: no point of the sweep reached the target). **index plan**: what ' +
    `Quiver's planner does at that point (\`scanBeatsWalk\`: an exact scan of the allowed points when ` +
    'allowed² < 16 · max(ef, k) · n, else the graph walk with the filter inside it; `listed scan`: that scan ' +
    "over the list of the allowed rows, which the tag's keyword index lists, instead of a bitset over the " +
    'segment; `partition walk`: a walk ' +
    "of the tag's partition graph, where every node is allowed). **fewest**: the fewest " +
    'results any query got (the contract: k whenever k points are allowed).',
  '',
  `Issue 6’s targets: recall@10 ≥ ${TARGET_RECALL} at every selectivity; QPS at recall 0.95 ≥ 0.5× unfiltered ` +
    'at 50% and 10%, ≥ 1.0× at 1% and 0.1% (verdicts for Quiver).',
  '',
  summaryTable(cases, names),
  '',
  partitionLine(partitions),
  '',
  'Full sweep (recall@10 · median QPS, min–max over the timed passes · fewest results):',
  '',
  sweepTable(cases, names),
];
console.log(out.join('\n'));
