#!/usr/bin/env node
/**
 * Runs each build step whose output is older than its inputs, and only those: what `npm start`,
 * `npm test`, `npm run demo`, the examples, the benchmarks and `prepare` call before running
 * anything, so that an unchanged checkout starts at once instead of rebuilding (27–40 s).
 *
 * A step is stale when its stamp file is missing, or when any input file or folder (folders:
 * a file added, removed or renamed changes the folder's mtime) has a later mtime than the
 * stamp. After a step succeeds its stamp gets the time the step started (so an edit made while
 * it ran still counts as newer), also when the step wrote nothing (tsc's incremental build
 * writes nothing when no source changed); after a step fails its stamp is set to 1970, so the
 * next run retries it even though tsc emits its state along with type errors.
 *
 * Invariant: if no step runs, every output was written after the last change to its inputs.
 * `npm run build` rebuilds everything regardless (and leaves the stamps current).
 *
 * Usage: node scripts/build-if-stale.mjs [--dry-run]   (--dry-run: print the stale steps, build nothing)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each build step: the npm script that runs it, the file whose mtime says when it last ran, its inputs. */
const STEPS = [
  {
    script: 'build:wasm',
    stamp: 'build/kernels.wasm',
    inputs: ['assembly', 'package.json'],
  },
  {
    script: 'build:ts',
    // tsc's incremental state (tsconfig.json: incremental, tsBuildInfoFile), written with dist/.
    stamp: 'dist/tsconfig.tsbuildinfo',
    inputs: ['src', 'test', 'bench', 'examples', 'tsconfig.json', 'package.json', 'package-lock.json'],
  },
  {
    script: 'build:console',
    // The web console's bundle (scripts/build-console.mjs writes index.html last).
    stamp: 'dist/console/index.html',
    inputs: [
      'console',
      'src/db/explain-types.ts',
      'scripts/build-console.mjs',
      'package.json',
      'package-lock.json',
    ],
  },
];

/** The latest mtime (ms) of `path` and, for a folder, of everything under it; 0 when it does not exist. */
function latestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, latestMtime(join(path, entry)));
  return latest;
}

/** Whether `step` must run: its stamp is missing or older than one of its inputs. */
function isStale(step) {
  const stamp = join(root, step.stamp);
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return step.inputs.some((input) => latestMtime(join(root, input)) > built);
}

const dryRun = process.argv.includes('--dry-run');
for (const step of STEPS) {
  if (!isStale(step)) continue;
  if (dryRun) {
    console.log(`stale: ${step.script} (${step.stamp})`);
    continue;
  }
  const stamp = join(root, step.stamp);
  const started = new Date();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['run', '--silent', step.script], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    if (existsSync(stamp)) utimesSync(stamp, 0, 0);
    process.exit(run.status ?? 1);
  }
  utimesSync(stamp, started, started);
}
