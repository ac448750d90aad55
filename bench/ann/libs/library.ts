/**
 * The surface every Node library adapter of the ANN harness implements: build an index from
 * row-major f32 vectors with the shared parameters, then answer single queries at a chosen ef.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface BuildParams {
  M: number;
  efConstruction: number;
  /** Build threads (1 for a library whose registry entry says it cannot use more). */
  threads: number;
  /** A folder the adapter may write files into (e.g. to save and reload its index). */
  scratchDir: string;
}

export interface AnnLibrary {
  /** Short name used on the command line, e.g. `usearch`. */
  readonly name: string;
  /** Name and version for tables, e.g. `usearch 2.26.2`. */
  readonly label: string;
  build(rows: Float32Array, dimension: number, params: BuildParams): Promise<AnnIndex>;
}

/** Answers query `i` of the prepared query set with at most k ids, nearest first. */
export type Searcher = (i: number) => ArrayLike<number | bigint>;

/** The version in the installed `package.json` of `name` (found beside its resolved entry). */
export function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || readPackage(dir).name !== name) {
    if (dirname(dir) === dir) throw new Error(`no package.json of ${name} above ${require.resolve(name)}`);
    dir = dirname(dir);
  }
  return readPackage(dir).version;
}

function readPackage(dir: string): { name?: string; version: string } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

export interface AnnIndex {
  /** The index size as the library reports it, or undefined when it has no such report. */
  sizeReport(): { bytes: number; source: string } | undefined;
  /** Converts the queries once into the form the library takes, outside any timing. */
  setQueries(queries: Float32Array): void;
  /** A searcher with search effort `ef` over the queries given to `setQueries`. */
  searcher(ef: number, k: number): Promise<Searcher>;
  dispose(): void;
}
