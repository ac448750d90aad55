/**
 * Quiver against hnswlib-node and usearch in one process, timed interleaved (issue 17,
 * item 1): every library builds its index of the same base vectors on one thread (M 16,
 * efConstruction 200), then, for every ef, each library answers the query set once
 * untimed (its recall@10) and then in `--passes` timed passes, the libraries' order
 * rotating from pass to pass, so that the machine's slow and fast moments fall on all of
 * them alike. A pass answers the query set `reps` times (chosen from the warm-up so that a
 * pass of hnswlib-node lasts about `--pass-seconds`). QPS is the median of the passes; the
 * ratio to hnswlib-node is the median over the passes of each pass's QPS over hnswlib-node's
 * QPS in the same pass. QPS at recall 0.95 / 0.99 are read off each library's curve of
 * (recall, median QPS) as the ann section does (`throughputAtRecall`).
 *
 * Libraries: `quiver` = `HnswIndex.search` of an index built by `buildHnsw` with one
 * thread; `collection` = `collection.search` of a collection of one segment (upserts and
 * `flush()`, whose build uses every core: its build time is not a one-thread figure);
 * `quiver-sq8` / `collection-sq8`: the same with the factory `HNSW16,SQ8` (the graph walked
 * on SQ8 codes, the candidates re-ranked on the f32 vectors);
 * `collection-ondisk`: a collection with `onDisk: true` (Qdrant's `on_disk` vectors: graph and
 * SQ8 codes in memory, the f32 rows read from the segment file to re-rank), searched with
 * `rerank: 2k` (Qdrant's oversampling 2);
 * `hnswlib` = hnswlib-node (`addPoint` one row at a time, as the ann section's adapter);
 * `usearch` = usearch's `Index` (`add` with one thread; ef is fixed at construction, so
 * every ef loads the saved index into a new `Index`).
 *
 * Usage: node --expose-gc dist/bench/ann/interleaved.js --dataset gauss-100k
 *   [--libs quiver,collection,hnswlib,usearch] [--efs 10,16,24,32,48,64,96,128]
 *   [--passes 5] [--pass-seconds 0.3] [--queries 1000] [--fresh-peers]
 * hnswlib-node's and usearch's indexes and build times are kept under the data cache
 * (`keptPeer`) and reused by later runs; `--fresh-peers` builds them again.
 * Data sets: gauss-100k, gauss-1m, fashion-mnist (l2, from `datasets.ts`) and wink-100k
 * (cosine, from `collection-overhead-data.ts`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import hnswlib from 'hnswlib-node';
import { Index, MetricKind, ScalarKind } from 'usearch';
import type { EmbeddedCollection } from '../../src/db/collection.js';
import { Quiver } from '../../src/db/database.js';
import { throughputAtRecall } from '../../src/eval/tradeoff.js';
import { buildIndex } from '../../src/index/factory.js';
import { buildHnsw } from '../../src/index/hnsw-build.js';
import { normalizedRows } from '../../src/index/hnsw-index.js';
import type { VectorIndexRead } from '../../src/index/vector-index.js';
import { VectorStore } from '../../src/index/vector-store.js';
import { DistanceKind } from '../../src/kernels/kernels.js';
import { kernels } from '../../src/kernels/load.js';
import { loadOverheadDataset } from '../collection-overhead-data.js';
import { DATASETS, materialize } from './datasets.js';
import { median } from './measure.js';
import { annCacheDir } from './paths.js';
import { readF32 } from './protocol.js';

const K = 10;
const M = 16;
const EF_CONSTRUCTION = 200;

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'gauss-100k' },
    libs: { type: 'string', default: 'quiver,hnswlib,usearch' },
    efs: { type: 'string', default: '10,16,24,32,48,64,96,128' },
    passes: { type: 'string', default: '5' },
    'pass-seconds': { type: 'string', default: '0.3' },
    queries: { type: 'string', default: '1000' },
    'fresh-peers': { type: 'boolean', default: false },
  },
});
const libs = (values.libs as string).split(',');
const efs = (values.efs as string).split(',').map(Number);
const passes = Number(values.passes);
const passSeconds = Number(values['pass-seconds']);
const log = (msg: string) => process.stderr.write(`[interleaved] ${msg}\n`);

interface Data {
  metric: 'l2' | 'cosine';
  dimension: number;
  base: Float32Array;
  queries: Float32Array;
  /** Row-major exact neighbours, `truthK` per query. */
  truth: Uint32Array | Int32Array;
  truthK: number;
}

async function loadData(name: string, maxQueries: number): Promise<Data> {
  if (name === 'wink-100k') {
    const d = await loadOverheadDataset(name, maxQueries);
    return { ...d, truth: d.truth.rows, truthK: d.truth.k };
  }
  const recipe = DATASETS[name];
  if (!recipe) throw new Error(`unknown data set ${name}`);
  const m = materialize(recipe, annCacheDir(), maxQueries, log);
  return {
    metric: 'l2',
    dimension: m.dimension,
    base: readF32(m.baseFile),
    queries: readF32(m.queriesFile),
    truth: m.truth.rows,
    truthK: m.truth.k,
  };
}

/** Answers query i with up to K row numbers; `prepare(ef)` readies the library for one ef. */
interface Contender {
  name: string;
  buildSeconds: number;
  prepare(ef: number): Promise<(i: number) => ArrayLike<number | bigint> | Promise<ArrayLike<number>>>;
  dispose(): Promise<void>;
}

const data = await loadData(values.dataset as string, Number(values.queries));
const d = data.dimension;
const n = data.base.length / d;
const queryCount = data.queries.length / d;
const f32Queries = Array.from({ length: queryCount }, (_, i) => data.queries.subarray(i * d, (i + 1) * d));
const scratch = mkdtempSync(join(tmpdir(), 'quiver-interleaved-'));
log(`${values.dataset}: ${n} × ${d} (${data.metric}), ${queryCount} queries`);

async function timed<T>(make: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await make();
  return [value, (performance.now() - t0) / 1000];
}

async function quiver(): Promise<Contender> {
  const kind = data.metric === 'cosine' ? DistanceKind.COSINE : DistanceKind.L2;
  const [index, seconds] = await timed(() =>
    buildHnsw(kernels(), data.base, d, kind, { M, efConstruction: EF_CONSTRUCTION, threads: 1 }),
  );
  return rawIndex('quiver', index, seconds);
}

/** A contender searching `index` directly on the calling thread; `dispose` frees it and `owned`. */
function rawIndex(
  name: string,
  index: VectorIndexRead,
  buildSeconds: number,
  owned?: { dispose(): void },
): Contender {
  return {
    name,
    buildSeconds,
    async prepare(ef) {
      const effort = { ef };
      return (i) => index.search(f32Queries[i], K, undefined, effort).offsets;
    },
    async dispose() {
      index.dispose();
      owned?.dispose();
    },
  };
}

/** `HNSW16,SQ8` (`HnswSq8Index`: the same graph, walked on SQ8 codes, re-ranked exactly), one build thread. */
async function quiverSq8(): Promise<Contender> {
  const kind = data.metric === 'cosine' ? DistanceKind.COSINE : DistanceKind.L2;
  const store = new VectorStore(kernels(), d);
  store.append(data.metric === 'cosine' ? normalizedRows(data.base, d) : data.base);
  const [index, seconds] = await timed(() =>
    buildIndex(kernels(), `HNSW${M},SQ8`, store, kind, { efConstruction: EF_CONSTRUCTION, threads: 1 }),
  );
  if (!index) throw new Error('HNSW,SQ8: too few rows to train');
  return rawIndex('quiver-sq8', index, seconds, store);
}

/**
 * A collection of one segment: the default index, `factory` when given, or kept on disk
 * (`onDisk`, searched with `rerank` = 2k).
 */
async function collection(name: string, factory?: string, onDisk = false): Promise<Contender> {
  const db = await Quiver.open(join(scratch, `db-${name}`));
  const [c, seconds] = await timed(async () => {
    const c = (await db.createCollection('bench', {
      dimension: d,
      metric: data.metric,
      segmentSize: n,
      ...(factory ? { index: factory } : {}),
      ...(onDisk ? { onDisk } : {}),
    })) as EmbeddedCollection;
    for (let first = 0; first < n; first += 5000) {
      const points = [];
      for (let i = first; i < Math.min(n, first + 5000); i++)
        points.push({ id: i, vector: data.base.subarray(i * d, (i + 1) * d) });
      await c.upsert(points);
    }
    await c.flush();
    return c;
  });
  return {
    name,
    buildSeconds: seconds,
    async prepare(ef) {
      const options = onDisk ? { k: K, ef, rerank: 2 * K } : { k: K, ef };
      return async (i) => (await c.search(f32Queries[i], options)).map((h) => h.id as number);
    },
    async dispose() {
      await db.close();
    },
  };
}

/**
 * The peers' builds, kept between runs (the benchmark is resumable): a peer's index depends
 * only on the data set and M / efConstruction, never on Quiver's code, so a kept index and
 * the build time measured when it was made stand for a new build. `--fresh-peers` rebuilds.
 */
function keptPeer(lib: string): { file: string; seconds: number | undefined; keep(seconds: number): void } {
  const dir = join(annCacheDir(), 'interleaved');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${values.dataset}-${lib}-M${M}-efc${EF_CONSTRUCTION}.index`);
  const record = `${file}.json`;
  const kept = !values['fresh-peers'] && existsSync(file) && existsSync(record);
  return {
    file,
    seconds: kept
      ? (JSON.parse(readFileSync(record, 'utf8')) as { buildSeconds: number }).buildSeconds
      : undefined,
    keep(seconds) {
      writeFileSync(record, JSON.stringify({ buildSeconds: seconds, builtAt: new Date().toISOString() }));
    },
  };
}

async function hnswlibNode(): Promise<Contender> {
  const index = new hnswlib.HierarchicalNSW(data.metric === 'cosine' ? 'cosine' : 'l2', d);
  const kept = keptPeer('hnswlib');
  let seconds = kept.seconds;
  if (seconds !== undefined) {
    index.readIndexSync(kept.file);
    log(`hnswlib: index and build time kept from an earlier run (${kept.file})`);
  } else {
    [, seconds] = await timed(() => {
      index.initIndex(n, M, EF_CONSTRUCTION);
      for (let i = 0; i < n; i++) index.addPoint(Array.from(data.base.subarray(i * d, (i + 1) * d)), i);
    });
    index.writeIndexSync(kept.file);
    kept.keep(seconds);
  }
  const queries = f32Queries.map((q) => Array.from(q));
  return {
    name: 'hnswlib',
    buildSeconds: seconds,
    async prepare(ef) {
      index.setEf(ef);
      return (i) => index.searchKnn(queries[i], K).neighbors;
    },
    async dispose() {},
  };
}

async function usearch(): Promise<Contender> {
  const config = (ef: number) => ({
    dimensions: d,
    metric: data.metric === 'cosine' ? MetricKind.Cos : MetricKind.L2sq,
    quantization: ScalarKind.F32,
    connectivity: M,
    expansion_add: EF_CONSTRUCTION,
    expansion_search: ef,
    multi: false,
  });
  const kept = keptPeer('usearch');
  const file = kept.file;
  let seconds = kept.seconds;
  if (seconds !== undefined) log(`usearch: index and build time kept from an earlier run (${file})`);
  else {
    const rows = data.base.slice();
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = BigInt(i);
    const built = new Index(config(64));
    [, seconds] = await timed(() => built.add(keys, rows, 1));
    built.save(file);
    kept.keep(seconds);
  }
  log(`usearch index file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`);
  const queries = f32Queries.map((q) => q.slice());
  return {
    name: 'usearch',
    buildSeconds: seconds,
    async prepare(ef) {
      const index = new Index(config(ef));
      index.load(file);
      return (i) => index.search(queries[i], K, 1).keys;
    },
    async dispose() {},
  };
}

const makers: Record<string, () => Promise<Contender>> = {
  quiver,
  'quiver-sq8': quiverSq8,
  collection: () => collection('collection'),
  'collection-sq8': () => collection('collection-sq8', `HNSW${M},SQ8`),
  'collection-ondisk': () => collection('collection-ondisk', undefined, true),
  hnswlib: hnswlibNode,
  usearch,
};
const contenders: Contender[] = [];
for (const name of libs) {
  const make = makers[name];
  if (!make) throw new Error(`unknown library ${name}; expected one of ${Object.keys(makers).join(', ')}`);
  const c = await make();
  log(`${name}: built in ${c.buildSeconds.toFixed(1)} s`);
  contenders.push(c);
}

function recallOf(found: ArrayLike<number | bigint>[]): number {
  let hits = 0;
  for (let q = 0; q < queryCount; q++) {
    const truth = new Set(Array.from(data.truth.subarray(q * data.truthK, q * data.truthK + K)));
    for (let j = 0; j < Math.min(K, found[q].length); j++) if (truth.has(Number(found[q][j]))) hits++;
  }
  return hits / (queryCount * K);
}

type Search = Awaited<ReturnType<Contender['prepare']>>;

async function answerAll(search: Search): Promise<ArrayLike<number | bigint>[]> {
  const out: ArrayLike<number | bigint>[] = new Array(queryCount);
  for (let q = 0; q < queryCount; q++) out[q] = await search(q);
  return out;
}

/** rows[lib][ef index] */
const recall: number[][] = contenders.map(() => []);
const qps: number[][][] = contenders.map(() => []);
const reference = libs.indexOf('hnswlib');
for (const [e, ef] of efs.entries()) {
  const searches: Search[] = [];
  for (const [c, lib] of contenders.entries()) {
    searches[c] = await lib.prepare(ef);
    recall[c][e] = recallOf(await answerAll(searches[c]));
    qps[c][e] = [];
  }
  const [, warm] = await timed(() => answerAll(searches[Math.max(0, reference)]));
  const reps = Math.max(1, Math.round(passSeconds / warm));
  for (let p = 0; p < passes; p++) {
    for (let j = 0; j < contenders.length; j++) {
      const c = (j + p) % contenders.length;
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) await answerAll(searches[c]);
      qps[c][e].push((reps * queryCount * 1000) / (performance.now() - t0));
    }
  }
  log(
    `ef ${ef}: ${contenders
      .map((lib, c) => `${lib.name} ${recall[c][e].toFixed(4)} · ${median(qps[c][e]).toFixed(0)}`)
      .join(' | ')}`,
  );
}

const ratioTo = (c: number, e: number): string => {
  if (reference < 0) return '';
  const ratios = qps[c][e].map((v, p) => v / qps[reference][e][p]);
  return ` (${median(ratios).toFixed(2)}×)`;
};
const lines = [
  `${values.dataset}, k ${K}, M ${M}, efConstruction ${EF_CONSTRUCTION}, ${passes} interleaved passes; ` +
    `QPS median (× hnswlib-node, median per-pass ratio)`,
  '',
  `| ef | ${contenders.map((c) => `${c.name}: recall · QPS`).join(' | ')} |`,
  `|---:|${contenders.map(() => '---:').join('|')}|`,
  ...efs.map(
    (ef, e) =>
      `| ${ef} | ${contenders
        .map((_, c) => `${recall[c][e].toFixed(4)} · ${median(qps[c][e]).toFixed(0)}${ratioTo(c, e)}`)
        .join(' | ')} |`,
  ),
  '',
  '| library | build 1T (s) | QPS @ 0.95 | QPS @ 0.99 |',
  '|---|---:|---:|---:|',
  ...contenders.map((lib, c) => {
    const curve = efs.map((_, e) => ({ recall: recall[c][e], qps: median(qps[c][e]) }));
    const at = (target: number) => {
      const r = throughputAtRecall(curve, target);
      return r.kind === 'not-reached'
        ? 'not reached'
        : `${r.kind === 'at-least' ? '≥ ' : ''}${r.qps.toFixed(0)}`;
    };
    return `| ${lib.name} | ${lib.buildSeconds.toFixed(1)} | ${at(0.95)} | ${at(0.99)} |`;
  }),
];
process.stdout.write(`${lines.join('\n')}\n`);
for (const c of contenders) await c.dispose();
rmSync(scratch, { recursive: true, force: true });
