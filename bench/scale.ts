/**
 * `npm run bench:scale`: Quiver at the data sizes users bring (issue 15) — 10M × 128,
 * 2M × 768 in memory and with vectors on disk, 1M × 1536 — beside hnswlib-node where the
 * issue names it, and prints the section's Markdown on stdout (progress on stderr).
 *
 * Usage: `node dist/bench/scale.js [--cases a,b] [--keep DIR] [--queries N] [--scale F]`
 * - `--keep DIR` (default `.bench-cache/scale`): data, databases, index files and each
 *   side's results live there; a rerun reuses what is complete and resumes what is not
 *   (generation, ingest, hnswlib's build), so a run of hours can be interrupted.
 * - `--scale F` multiplies every count (e.g. 0.001 to try the harness in a minute).
 * - `--remeasure` measures again with the kept databases and indexes.
 * - `--load-rounds N` (default 5): Quiver's load is timed this many times, each in a fresh
 *   process beside its own `dd`s (rounds alternate which goes first); the table shows the
 *   median round.
 * - `--sides quiver,hnswlib` (default both): run only these sides (e.g. build the peer's
 *   index ahead of time); the table shows what the kept results hold.
 *
 * Each side runs in its own process per phase (build, then measure in a fresh process with
 * the files dropped from the page cache), one after the other, so RSS is one side's own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from './ann/paths.js';
import { SCALE_CASES, type ScaleCase, scaled } from './scale/cases.js';
import type { ChildArgs } from './scale/child-io.js';
import { scaleData } from './scale/data.js';
import { type CaseResult, renderScale } from './scale/report.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string' },
    keep: { type: 'string' },
    queries: { type: 'string', default: '500' },
    scale: { type: 'string', default: '1' },
    remeasure: { type: 'boolean', default: false },
    'load-rounds': { type: 'string', default: '5' },
    sides: { type: 'string', default: 'quiver,hnswlib' },
  },
});
const factor = Number(values.scale);
const queryCount = Number(values.queries);
const keep = values.keep ?? join(packageRoot(), '.bench-cache', 'scale');
const wanted = values.cases?.split(',') ?? SCALE_CASES.map((c) => c.name);
for (const name of wanted) {
  if (!SCALE_CASES.some((c) => c.name === name)) throw new Error(`unknown case '${name}'`);
}
const sides = values.sides.split(',');
const log = (m: string) => process.stderr.write(`${m}\n`);

function runChild(script: string, args: ChildArgs): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', join(packageRoot(), 'dist', 'bench', 'scale', script), JSON.stringify(args)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1) ?? 'null'));
      else reject(new Error(`${script} ${args.phase} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** Runs (or reuses) one side's build and measure phases; the error of a failed phase is its result. */
async function side(c: ScaleCase, script: string, dataDir: string): Promise<Record<string, unknown>> {
  const dir = join(keep, 'cases', c.name, script.replace('-child.js', ''));
  mkdirSync(dir, { recursive: true });
  const resultFile = join(dir, 'result.json');
  if (existsSync(resultFile) && !values.remeasure) return JSON.parse(readFileSync(resultFile, 'utf8'));
  if (!sides.includes(script.replace('-child.js', ''))) return { error: 'not run (--sides)' };
  const args = { dir, dataDir, count: c.count, dimension: c.dimension, queryCount, onDisk: c.onDisk };
  const started = new Date().toISOString();
  try {
    log(`${c.name}: ${script} build`);
    const build = (await runChild(script, { ...args, phase: 'build' })) as Record<string, unknown>;
    log(`${c.name}: ${script} measure`);
    const measured = (await runChild(script, { ...args, phase: 'measure' })) as Record<string, unknown>;
    const rounds = script === 'quiver-child.js' ? await loadRounds(script, args, measured) : {};
    const result = { ...build, ...measured, ...rounds, started, finished: new Date().toISOString() };
    writeFileSync(resultFile, JSON.stringify(result));
    return result;
  } catch (error) {
    return { error: (error as Error).message, started };
  }
}

/**
 * The load timed `--load-rounds` times (the measure phase's round first, then fresh processes,
 * alternating whether the `dd`s go before or after the load): every round, and the median
 * round by load speed ÷ `dd` of every file, whose numbers the table shows.
 */
async function loadRounds(
  script: string,
  args: Omit<ChildArgs, 'phase'>,
  measured: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const keys = [
    'readSpeed',
    'readSpeedAll',
    'loadAverage',
    'openSeconds',
    'loadSeconds',
    'loadSpeed',
  ] as const;
  const rounds = [Object.fromEntries(keys.map((k) => [k, measured[k]]))];
  for (let r = 1; r < Number(values['load-rounds']); r++) {
    log(`  load round ${r + 1}`);
    rounds.push(
      (await runChild(script, { ...args, phase: 'load', ddFirst: r % 2 === 0 })) as Record<string, unknown>,
    );
  }
  const share = (round: Record<string, unknown>) => Number(round.loadSpeed) / Number(round.readSpeedAll);
  const median = [...rounds].sort((a, b) => share(a) - share(b))[Math.floor((rounds.length - 1) / 2)];
  return { ...median, loadRounds: rounds };
}

const results: CaseResult[] = [];
for (const base of SCALE_CASES.filter((c) => wanted.includes(c.name))) {
  const c = scaled(base, factor);
  log(`${c.name}: data`);
  const data = scaleData(join(keep, 'data'), c.count, c.dimension, queryCount, log);
  const quiver = await side(c, 'quiver-child.js', data.dir);
  const peer = c.peer ? await side(c, 'hnswlib-child.js', data.dir) : undefined;
  results.push({ spec: c, recipe: data.recipe, quiver, peer });
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`;
const command = `npm run bench:scale -- ${process.argv.slice(2).join(' ')}`.trim();
const notShown = SCALE_CASES.filter((c) => !wanted.includes(c.name)).map((c) => c.title);
process.stdout.write(`${renderScale(results, { machine, command, queryCount, notShown })}\n`);
