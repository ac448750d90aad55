/**
 * Measures one embedding provider in a process of its own (started by
 * `bench/embed-throughput.ts`, so that one provider's loaded runtime, heap and JIT state
 * cannot colour another's load time or speed). Argument: a {@link ThroughputSpec} as JSON;
 * output on stdout: a {@link ThroughputResult} as JSON; progress on stderr.
 *
 * 1. `createEmbedder`, then one call on the first input: the model loads lazily, so this
 *    first call's time is the load (plus one input);
 * 2. `runs` rounds, each of
 *    - a timed pass: `embed` (or, for a detecting provider, `detect`) over all the inputs in
 *      one call (the provider splits them into its `batchSize`), repeated until the pass has
 *      lasted MIN_PASS_SECONDS (fast text providers need several calls to time reliably);
 *    - with `ingest`, an ingest run: a fresh collection whose vector field names the provider,
 *      one untimed upsert of the first input (loads the collection's own provider), then
 *      timed upserts of every input as `{ id, <field>: input }` in calls of UPSERT_BATCH
 *      points, each acknowledged (fsynced in the WAL) before the next.
 *    Interleaving the two makes a slow spell of a shared machine hit both alike.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbedder, type EmbedderOptions } from '../../src/embed/index.js';
import { Quiver } from '../../src/index.js';
import { type InputSet, inputsOf } from './throughput-inputs.js';

/** Points per `upsert` call when ingesting. */
const UPSERT_BATCH = 100;
/** A timed pass repeats `embed` over all the inputs until it has lasted this long. */
const MIN_PASS_SECONDS = 2;

/** What to measure. */
export interface ThroughputSpec {
  /** Names the row in tables. */
  label: string;
  provider: string;
  options: EmbedderOptions;
  inputs: InputSet;
  runs: number;
  ingest: boolean;
}

export interface IngestResult {
  points: number;
  rates: number[];
  upsertBatch: number;
}

export interface ThroughputResult {
  batchSize: number;
  dimension: number;
  metric: string;
  inputCount: number;
  createSeconds: number;
  /** The first `embed`/`detect` call, on one input: the model load. */
  firstCallSeconds: number;
  /** Inputs per second of each timed pass. */
  rates: number[];
  /** A pass repeated its calls until it had lasted this long. */
  minPassSeconds: number;
  /** Detecting providers: objects found in one pass over the inputs. */
  detections?: number;
  /** Ingest: points stored per run, input rates of each run (inputs/s), points per upsert call. */
  ingest?: IngestResult;
  /** Peak resident set size of the process, MiB. */
  maxRssMiB: number;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const log = (message: string) => process.stderr.write(`[embed-throughput] ${message}\n`);

async function measure(spec: ThroughputSpec): Promise<ThroughputResult> {
  const inputs = inputsOf(spec.inputs);
  let t0 = performance.now();
  const provider = await createEmbedder(spec.provider, spec.options);
  const createSeconds = seconds(t0);
  const pass = async (batch: string[]): Promise<number | undefined> => {
    if (!provider.detect) {
      await provider.embed(batch);
      return undefined;
    }
    return (await provider.detect(batch)).reduce((sum, found) => sum + found.length, 0);
  };
  t0 = performance.now();
  await pass(inputs.slice(0, 1));
  const firstCallSeconds = seconds(t0);
  log(`${spec.label}: first call ${firstCallSeconds.toFixed(2)} s`);
  const field = provider.kind === 'text' ? 'text' : 'image';
  const dir = spec.ingest ? await mkdtemp(join(tmpdir(), 'quiver-embed-ingest-')) : undefined;
  const db = dir === undefined ? undefined : await Quiver.open(dir);
  const rates: number[] = [];
  const ingest: IngestResult = { points: 0, rates: [], upsertBatch: UPSERT_BATCH };
  let detections: number | undefined;
  try {
    for (let run = 0; run < spec.runs; run++) {
      let done = 0;
      t0 = performance.now();
      do {
        detections = await pass(inputs);
        done += inputs.length;
      } while (seconds(t0) < MIN_PASS_SECONDS);
      rates.push(done / seconds(t0));
      log(`${spec.label}: pass ${run + 1}: ${rates[run].toFixed(1)} inputs/s`);
      if (db) {
        const { rate, points } = await ingestRun(db, spec, `run${run}`, inputs, field);
        ingest.rates.push(rate);
        ingest.points = points;
        log(`${spec.label}: ingest run ${run + 1}: ${rate.toFixed(1)} inputs/s, ${points} points`);
      }
    }
  } finally {
    await db?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
  await provider.dispose();
  return {
    batchSize: provider.batchSize,
    dimension: provider.dimension,
    metric: provider.metric,
    inputCount: inputs.length,
    createSeconds,
    firstCallSeconds,
    rates,
    minPassSeconds: MIN_PASS_SECONDS,
    detections,
    ingest: db ? ingest : undefined,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

/**
 * One ingest run into a fresh collection `name` (dropped afterwards): inputs per second of the
 * timed upserts, and the points they stored.
 */
async function ingestRun(
  db: Quiver,
  spec: ThroughputSpec,
  name: string,
  inputs: readonly string[],
  field: string,
): Promise<{ rate: number; points: number }> {
  const collection = await db.createCollection(name, {
    vectors: { [field]: { provider: spec.provider, providerOptions: spec.options } },
  });
  await collection.upsert([{ id: 'warm-up', [field]: inputs[0] }]);
  const before = await collection.count();
  const t0 = performance.now();
  for (let first = 0; first < inputs.length; first += UPSERT_BATCH) {
    await collection.upsert(
      inputs
        .slice(first, first + UPSERT_BATCH)
        .map((input, i) => ({ id: `input-${first + i}`, [field]: input })),
    );
  }
  const rate = inputs.length / seconds(t0);
  const points = (await collection.count()) - before;
  await db.dropCollection(name);
  return { rate, points };
}

const spec = JSON.parse(process.argv[2] ?? 'null') as ThroughputSpec | null;
if (spec === null) throw new Error('usage: node throughput-child.js <spec as JSON>');
process.stdout.write(JSON.stringify(await measure(spec)));
