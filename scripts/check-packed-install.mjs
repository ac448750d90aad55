#!/usr/bin/env node
/**
 * Installs quiverdb the way a user's project does and checks that it works there: `npm pack`
 * this checkout, `npm install <tarball>` into an empty project (fetching only from the npm
 * registry: no `.npmrc` of this repo applies there, and no install script may download from
 * elsewhere), then
 *   - `npx quiver --help` exits 0 and prints the CLI's usage;
 *   - the embedded API opens a database, upserts and finds a point;
 *   - `@huggingface/transformers` (an optional peer) was not installed, and creating an `onnx:`
 *     provider is a `MissingPeerDependencyError` naming it.
 * Prints the install's time and warnings; exits 1 on the first failed check. Run by .ci/run
 * as `npm run check:packed-install`, not by `npm test`: the install compiles better-sqlite3
 * from source where no prebuilt binary is reachable (measured 224–380 s on the CI machine).
 *
 * Usage: node scripts/check-packed-install.mjs [--keep]   (--keep: leave the project folder)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'quiver-packed-'));
const project = join(work, 'project');

/** The environment without npm's per-run variables, so the project sees no setting of this repo's npm run. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD'),
);

function fail(message) {
  console.error(`check-packed-install: ${message}\n(project kept in ${project})`);
  process.exit(1);
}

/** Runs `command args` in `cwd`; returns its output, or fails with it when the exit status is not 0. */
function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    fail(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root).stdout);
const tarball = join(work, packed[0].filename);
console.log(
  `packed ${packed[0].filename}: ${packed[0].entryCount} files, ${(packed[0].size / 1e6).toFixed(1)} MB`,
);

mkdirSync(project);
writeFileSync(
  join(project, 'package.json'),
  `${JSON.stringify({ name: 'quiver-user', private: true, type: 'module' }, null, 2)}\n`,
);
const started = performance.now();
const install = run('npm', ['install', '--no-audit', '--no-fund', tarball], project);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const warnings = `${install.stdout}\n${install.stderr}`.split('\n').filter((line) => /warn/i.test(line));
console.log(`npm install <tarball>: ${seconds} s, ${warnings.length} warning line(s)`);
for (const line of warnings) console.log(`  ${line}`);

const help = run('npx', ['--no', '--', 'quiver', '--help'], project);
if (!/Usage: quiver/.test(help.stdout)) fail(`npx quiver --help printed no usage:\n${help.stdout}`);
console.log('npx quiver --help: ok');

for (const absent of ['@huggingface/transformers', 'onnxruntime-node']) {
  if (existsSync(join(project, 'node_modules', absent))) fail(`${absent} was installed; it must be optional`);
}

const smoke = `
import { Quiver } from 'quiverdb';
import { createEmbedder, EmbeddingModelError } from 'quiverdb/embed';
import { IndexFlatL2 } from 'quiverdb/faiss';
const flat = new IndexFlatL2(3);
flat.add([[1, 0, 0], [0, 1, 0]]);
const { labels } = await flat.search([[0.9, 0.1, 0]], 1);
if (labels[0] !== 0n) throw new Error('quiverdb/faiss search found ' + labels[0]);
flat.dispose();
const db = await Quiver.open('./data');
const c = await db.createCollection('c', { dimension: 3, metric: 'l2' });
await c.upsert([{ id: 1, vector: [1, 0, 0] }, { id: 2, vector: [0, 1, 0] }]);
const [hit] = await c.search([0.9, 0.1, 0], { k: 1 });
if (hit.id !== 1) throw new Error('search found ' + JSON.stringify(hit));
await db.close();
try {
  await createEmbedder('onnx:./model');
  throw new Error('onnx: without @huggingface/transformers did not fail');
} catch (e) {
  if (!(e instanceof EmbeddingModelError) || e.name !== 'MissingPeerDependencyError' ||
      e.packageName !== '@huggingface/transformers') throw e;
  console.log('onnx: without its runtime: ' + e.message);
}
`;
writeFileSync(join(project, 'smoke.mjs'), smoke);
console.log(run('node', ['smoke.mjs'], project).stdout.trim());
console.log('embedded API: ok');

const bundle = join(project, 'node_modules', 'quiverdb', 'dist', 'console');
if (!existsSync(join(bundle, 'index.html'))) fail('the package has no dist/console/index.html (web console)');
const assets = readFileSync(join(bundle, 'index.html'), 'utf8').match(/assets\/[^"]+/g) ?? [];
if (assets.length < 2) fail(`dist/console/index.html names ${assets.length} assets`);
for (const asset of assets) if (!existsSync(join(bundle, asset))) fail(`the console's ${asset} is missing`);
console.log(`web console bundle: ok (${assets.join(', ')})`);

if (process.argv.includes('--keep')) console.log(`project kept in ${project}`);
else rmSync(work, { recursive: true, force: true });
