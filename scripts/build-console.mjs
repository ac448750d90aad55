#!/usr/bin/env node
/**
 * Bundles the web console (console/) with esbuild into dist/console/, which `quiver serve`
 * serves at /console (src/server/console-route.ts):
 *   - assets/map-worker-<hash>.js   the map's projection worker (UMAP / PCA), built first so
 *                                   the app can name it;
 *   - assets/app-<hash>.js, .css    the app (Preact TSX) with its styles and uPlot's;
 *   - index.html                    names the hashed files; served no-cache, the assets
 *                                   immutable (a new build has new names).
 * Everything is bundled: the console loads nothing from elsewhere (no CDN, no web fonts).
 * Type checking is `tsc -p console/tsconfig.json` (the `build:console` script runs it first).
 *
 * Usage: node scripts/build-console.mjs
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'console');
const assets = join(out, 'assets');

const common = {
  bundle: true,
  minify: true,
  sourcemap: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
};

/** The output file of entry `name` (ext: .js or .css) in an esbuild metafile. */
function outputOf(metafile, name, ext) {
  const file = Object.keys(metafile.outputs).find(
    (path) => basename(path).startsWith(`${name}-`) && path.endsWith(ext),
  );
  if (file === undefined) throw new Error(`build-console: no ${name}*${ext} in the build output`);
  return basename(file);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const worker = await build({
  ...common,
  entryPoints: { 'map-worker': join(root, 'console/src/workers/map-worker.ts') },
  format: 'iife',
});
const workerFile = outputOf(worker.metafile, 'map-worker', '.js');

const app = await build({
  ...common,
  entryPoints: { app: join(root, 'console/src/main.tsx') },
  format: 'esm',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { __MAP_WORKER__: JSON.stringify(`assets/${workerFile}`) },
});
const script = outputOf(app.metafile, 'app', '.js');
const style = outputOf(app.metafile, 'app', '.css');

const html = readFileSync(join(root, 'console/index.html'), 'utf8')
  .replace('%STYLE%', `assets/${style}`)
  .replace('%SCRIPT%', `assets/${script}`);
writeFileSync(join(out, 'index.html'), html);
console.log(`console: dist/console/index.html, assets/${script}, assets/${style}, assets/${workerFile}`);
