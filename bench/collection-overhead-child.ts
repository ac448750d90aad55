/**
 * One run of the collection-overhead benchmark, in a process of its own (started by
 * `collection-overhead.ts`): opens the kept collection of one data set, takes the HNSW index
 * of its one sealed segment (the very graph `collection.search` walks), and times, at each ef,
 * four ways of answering the same queries (k = 10):
 * - `raw`: `HnswIndex.search` of that index, one query after another on this thread;
 * - `one`: `collection.search`, one caller awaiting each result;
 * - `c32`: `collection.search`, 32 concurrent callers, each awaiting its own results;
 * - `batch`: `collection.searchBatch` of every query at once.
 *
 * Passes are interleaved: pass p times every (ef, way) once before pass p + 1 starts, the
 * order of the ways rotating from pass to pass, so that the machine's slow and fast moments
 * fall on all of them alike. The parent starts every run's process at once and has them take
 * turns, step by step (the warm-up, then pass after pass), over IPC, so that a slow stretch of
 * the machine falls on every run alike too and no two runs ever time at once. A pass answers the query set `reps` times (`reps` chosen per
 * ef from an untimed warm-up pass of `raw`, so that a pass lasts about `--pass-seconds`).
 * Recall@10 of each way is taken from its warm-up answers against the exact top-10.
 *
 * Prints one JSON line (`ChildResult`) on stdout once told to finish.
 *
 * Usage: node --expose-gc dist/bench/collection-overhead-child.js DIR DATASET PASSES PASS_SECONDS QUERIES EFS
 */
import type { EmbeddedCollection } from '../src/db/collection.js';
import { Quiver } from '../src/db/database.js';
import type { HnswIndex } from '../src/index/hnsw-index.js';
import { loadOverheadDataset } from './collection-overhead-data.js';

export const WAYS = ['raw', 'one', 'c32', 'batch'] as const;
export type Way = (typeof WAYS)[number];

export interface ChildResult {
  dataset: string;
  efs: number[];
  /** qps[way][ef index] = one QPS per pass. */
  qps: Record<Way, number[][]>;
  /** recall[way][ef index] = recall@10 of the warm-up answers. */
  recall: Record<Way, number[]>;
}

const K = 10;
const CONCURRENCY = 32;

const [dir, datasetName, passesArg, passSecondsArg, queriesArg, efsArg] = process.argv.slice(2);
const passes = Number(passesArg);
const passSeconds = Number(passSecondsArg);
const efs = efsArg.split(',').map(Number);
const log = (msg: string) => process.stderr.write(`[overhead ${datasetName}] ${msg}\n`);

const data = await loadOverheadDataset(datasetName, Number(queriesArg));
const d = data.dimension;
const queryCount = data.queries.length / d;
const queries = Array.from({ length: queryCount }, (_, q) => data.queries.subarray(q * d, (q + 1) * d));

const db = await Quiver.open(dir);
const collection = db.collection('bench') as EmbeddedCollection;
await collection.flush();
const sealed = collection.storage.set.sealed;
if (sealed.length !== 1) throw new Error(`expected one sealed segment in ${dir}, found ${sealed.length}`);
const index = sealed[0].fieldIndex(0) as HnswIndex;
if (index.type !== 'hnsw') throw new Error(`expected an hnsw index, found ${index.type}`);

/** Ids of each query's hits, as numbers (row numbers: the ids are the rows' numbers). */
type Answer = ArrayLike<number>[];

async function answer(way: Way, ef: number): Promise<Answer> {
  const out: Answer = new Array(queryCount);
  const options = { k: K, ef };
  switch (way) {
    case 'raw':
      for (let q = 0; q < queryCount; q++) out[q] = index.search(queries[q], K, undefined, { ef }).offsets;
      return out;
    case 'one':
      for (let q = 0; q < queryCount; q++) out[q] = (await collection.search(queries[q], options)).map(idOf);
      return out;
    case 'c32': {
      let next = 0;
      const caller = async () => {
        for (let q = next++; q < queryCount; q = next++) {
          out[q] = (await collection.search(queries[q], options)).map(idOf);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, caller));
      return out;
    }
    case 'batch':
      return (await collection.searchBatch(queries, options)).map((hits) => hits.map(idOf));
  }
}

function idOf(hit: { id: string | number }): number {
  return hit.id as number;
}

function recallOf(found: Answer): number {
  let hits = 0;
  for (let q = 0; q < queryCount; q++) {
    const truth = new Set(data.truth.rows.subarray(q * data.truth.k, q * data.truth.k + K));
    for (let j = 0; j < Math.min(K, found[q].length); j++) if (truth.has(found[q][j])) hits++;
  }
  return hits / (queryCount * K);
}

const result: ChildResult = {
  dataset: datasetName,
  efs,
  qps: { raw: [], one: [], c32: [], batch: [] },
  recall: { raw: [], one: [], c32: [], batch: [] },
};
const reps: number[] = [];

/** Warm-up of every ef: recall of each way, and the query sets per pass (from `raw`'s time). */
async function warmUp(): Promise<void> {
  for (const [e, ef] of efs.entries()) {
    const t0 = performance.now();
    for (const way of WAYS) {
      result.recall[way][e] = recallOf(await answer(way, ef));
      result.qps[way][e] = [];
    }
    const t1 = performance.now();
    await answer('raw', ef);
    const rawSeconds = (performance.now() - t1) / 1000;
    reps[e] = Math.max(1, Math.round(passSeconds / rawSeconds));
    log(`ef ${ef}: warm-up ${((t1 - t0) / 1000).toFixed(1)} s, ${reps[e]} query sets per pass`);
  }
}

/** Pass p: every (ef, way) once, the ways' order rotating with p. */
async function pass(p: number): Promise<void> {
  for (const [e, ef] of efs.entries()) {
    for (let w = 0; w < WAYS.length; w++) {
      const way = WAYS[(w + p) % WAYS.length];
      const t0 = performance.now();
      for (let r = 0; r < reps[e]; r++) await answer(way, ef);
      result.qps[way][e].push((reps[e] * queryCount * 1000) / (performance.now() - t0));
    }
  }
  log(
    `pass ${p + 1}/${passes}: ` +
      efs
        .map((ef, e) => `ef ${ef} ${WAYS.map((w) => `${w} ${result.qps[w][e][p].toFixed(0)}`).join(' ')}`)
        .join(' | '),
  );
}

// The parent tells this run when to warm up and when to time each pass (`{ step }` over IPC,
// answered with `{ done }`), so that the runs take turns and never time at the same moment.
const parent = process as NodeJS.Process & { send(message: unknown): boolean };
process.on('message', (message: { step: 'warm-up' | number | 'finish' }) => {
  const step = message.step;
  const work = step === 'warm-up' ? warmUp() : step === 'finish' ? finish() : pass(step);
  work.then(
    () => {
      parent.send({ done: step });
      if (step === 'finish') process.disconnect();
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
});

async function finish(): Promise<void> {
  await db.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
