/** Where the harness keeps its files. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest ancestor of this file holding a `package.json` (this file runs from `dist/bench/ann/`). */
export function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json above ${start}`);
}

/** `.bench-cache/ann/` under the package root (gitignored): data files, ground truth, scratch. */
export function annCacheDir(): string {
  return join(packageRoot(), '.bench-cache', 'ann');
}

/** Quiver's own version, from the package root's `package.json`. */
export function quiverVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
}
