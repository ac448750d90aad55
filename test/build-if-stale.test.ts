/**
 * scripts/build-if-stale.mjs, run on a stand-in project (a copy of the script beside a
 * package.json whose `build:wasm`, `build:ts` and `build:console` write their stamp files and
 * log their runs):
 * a step runs when its stamp is missing or older than an input file or folder, not otherwise;
 * a failed step is retried on the next run; `--dry-run` names stale steps and builds nothing.
 * Input and stamp times are set explicitly in the past, so nothing depends on the clock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from './support/reference.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'build-if-stale.mjs');
const INPUTS = [
  'assembly',
  'console',
  'scripts/build-console.mjs',
  'src',
  'test',
  'bench',
  'examples',
  'tsconfig.json',
  'package.json',
  'package-lock.json',
];
const STAMPS = ['build/kernels.wasm', 'dist/tsconfig.tsbuildinfo', 'dist/console/index.html'];

/**
 * A build step of the stand-in: logs its name and writes its stamp, then fails when FAIL_STEP
 * names it (as tsc writes its build info along with type errors).
 */
const FAKE_STEP = `
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
const [step, stamp] = process.argv.slice(2);
appendFileSync('steps.log', step + '\\n');
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, step);
if (process.env.FAIL_STEP === step) process.exit(3);
`;

describe('build-if-stale', () => {
  const dir = tempDir('quiver-build-if-stale-');
  const root = dir.path;
  /** Runs the script in the stand-in; returns its exit status, output and the steps it ran. */
  const run = (args: string[] = [], env: Record<string, string> = {}) => {
    writeFileSync(join(root, 'steps.log'), '');
    const result = spawnSync('node', [join(root, 'scripts', 'build-if-stale.mjs'), ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    const steps = readFileSync(join(root, 'steps.log'), 'utf8').split('\n').filter(Boolean);
    return { status: result.status, stdout: result.stdout, steps };
  };
  /**
   * Puts every input at 2020-01-01T00:00:00Z and both stamps 100 s later (all in the past, so
   * a stamp a build writes now is later than any of them), then dates each of `changed` 5 s
   * after the stamps.
   */
  const settle = (...changed: string[]) => {
    const t0 = Date.UTC(2020, 0, 1) / 1000;
    const walk = (path: string) => {
      utimesSync(path, t0, t0);
      if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    };
    for (const input of INPUTS) walk(join(root, input));
    for (const stamp of STAMPS) utimesSync(join(root, stamp), t0 + 100, t0 + 100);
    for (const path of changed) utimesSync(join(root, path), t0 + 105, t0 + 105);
  };

  before(() => {
    mkdirSync(join(root, 'scripts'));
    copyFileSync(SCRIPT, join(root, 'scripts', 'build-if-stale.mjs'));
    writeFileSync(join(root, 'fake-step.mjs'), FAKE_STEP);
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({
        name: 'stand-in',
        private: true,
        type: 'module',
        scripts: {
          'build:wasm': 'node fake-step.mjs wasm build/kernels.wasm',
          'build:ts': 'node fake-step.mjs ts dist/tsconfig.tsbuildinfo',
          'build:console': 'node fake-step.mjs console dist/console/index.html',
        },
      }),
    );
    for (const folder of ['assembly', 'console', 'src', 'test', 'bench', 'examples'])
      mkdirSync(join(root, folder));
    writeFileSync(join(root, 'assembly', 'kernels.ts'), '');
    writeFileSync(join(root, 'console', 'main.tsx'), '');
    writeFileSync(join(root, 'scripts', 'build-console.mjs'), '');
    writeFileSync(join(root, 'src', 'index.ts'), '');
    writeFileSync(join(root, 'tsconfig.json'), '{}');
    writeFileSync(join(root, 'package-lock.json'), '{}');
  });
  after(() => dir.cleanup());

  test('a fresh checkout builds every step; an unchanged one builds nothing', () => {
    assert.deepEqual(run(), { status: 0, stdout: '', steps: ['wasm', 'ts', 'console'] });
    assert.ok(existsSync(join(root, 'build', 'kernels.wasm')));
    assert.ok(existsSync(join(root, 'dist', 'tsconfig.tsbuildinfo')));
    assert.ok(existsSync(join(root, 'dist', 'console', 'index.html')));
    assert.deepEqual(run().steps, []);
    settle();
    assert.deepEqual(run().steps, []);
  });

  test('a changed AssemblyScript file rebuilds only the wasm; a changed TypeScript file only tsc', () => {
    settle('assembly/kernels.ts');
    assert.deepEqual(run().steps, ['wasm']);
    assert.deepEqual(run().steps, []);
    settle('src/index.ts');
    assert.deepEqual(run().steps, ['ts']);
    assert.deepEqual(run().steps, []);
  });

  test('a changed console source or console build script rebuilds only the console bundle', () => {
    settle('console/main.tsx');
    assert.deepEqual(run().steps, ['console']);
    assert.deepEqual(run().steps, []);
    settle('scripts/build-console.mjs');
    assert.deepEqual(run().steps, ['console']);
  });

  test('a file added to a folder (only the folder mtime changes) rebuilds', () => {
    writeFileSync(join(root, 'test', 'new.test.ts'), '');
    settle('test');
    assert.deepEqual(run().steps, ['ts']);
  });

  test('a failed step fails the run and is retried next time, though it wrote its stamp', () => {
    settle('tsconfig.json');
    const failed = run([], { FAIL_STEP: 'ts' });
    assert.equal(failed.status, 3);
    assert.deepEqual(failed.steps, ['ts']);
    assert.deepEqual(run().steps, ['ts']);
    assert.deepEqual(run().steps, []);
  });

  test('--dry-run names the stale steps and runs none', () => {
    settle('package.json');
    const dry = run(['--dry-run']);
    assert.deepEqual(dry.steps, []);
    assert.equal(
      dry.stdout,
      'stale: build:wasm (build/kernels.wasm)\nstale: build:ts (dist/tsconfig.tsbuildinfo)\n' +
        'stale: build:console (dist/console/index.html)\n',
    );
    assert.deepEqual(run().steps, ['wasm', 'ts', 'console']);
  });
});
