/**
 * `quiverdb/embed`: feature extractors created by name.
 *
 * | name | input | dimension | metric |
 * |---|---|---|---|
 * | `mobilenet-v2` | image | 1280 | cosine |
 * | `face` | image (one vector per face) | 128 | l2 |
 * | `glove-100` | text | 100 | cosine |
 * | `hog` | image | from its options | cosine |
 * | `color-histogram` | image | from its options | cosine |
 * | `orb-bovw` | image | vocabulary size | cosine |
 * | `audio-mfcc` | WAV audio | from its options (60) | cosine |
 * | `onnx:<folder>` | text | the model's hidden size | cosine |
 * | `openai:<url>` | text | the endpoint's | cosine |
 *
 * Each implementation lives in its own module, imported only when asked for, so that the
 * database core never loads TensorFlow, ONNX Runtime or OpenCV unless a provider needs them.
 *
 * `createEmbedder` runs a provider on the calling thread. A database's provider fields run
 * theirs on worker threads instead (`WorkerEmbedder`, through `providerResolver()`), so an
 * upsert of photos never holds the event loop that answers searches; `openai:` stays on the
 * calling thread (it only waits on the network).
 */
import { InvalidArgumentError } from '../errors.js';
import type { OrbVocabulary, TrainOrbVocabularyOptions } from './orb-vocabulary.js';
import type { EmbedderOptions, EmbeddingProvider, ImageInput } from './provider.js';
import { WorkerEmbedder, type WorkerPoolOptions } from './worker-embedder.js';

export type { AudioInput } from './audio-input.js';
export { MissingPeerDependencyError } from './onnx-runtime.js';
export type {
  Box,
  Detection,
  EmbedderOptions,
  EmbeddingProvider,
  EmbedInput,
  ImageInput,
} from './provider.js';
export { EmbeddingInputError, EmbeddingModelError } from './provider.js';
export {
  DEFAULT_QUEUE_LIMIT,
  defaultEmbedWorkers,
  WorkerEmbedder,
  type WorkerPoolOptions,
} from './worker-embedder.js';

/** Names `createEmbedder` accepts besides the `onnx:` and `openai:` prefixes. */
export const EMBEDDER_NAMES = [
  'mobilenet-v2',
  'face',
  'glove-100',
  'hog',
  'color-histogram',
  'orb-bovw',
  'audio-mfcc',
] as const;

/**
 * Creates the provider `name` names (see the table above). Cheap: models load on first use,
 * except that `onnx:` reads the folder's config and `openai:` asks the endpoint once for the
 * dimension unless `options.dimension` gives it. Unknown names and bad options throw
 * `InvalidArgumentError`.
 */
export async function createEmbedder(
  name: string,
  options: EmbedderOptions = {},
): Promise<EmbeddingProvider> {
  if (typeof name !== 'string')
    throw new InvalidArgumentError(`provider: expected a name, got ${typeof name}`);
  if (name.startsWith('onnx:')) return (await import('./onnx.js')).createOnnxEmbedder(name, options);
  if (name.startsWith('openai:')) return (await import('./openai.js')).createOpenAiEmbedder(name, options);
  switch (name) {
    case 'mobilenet-v2':
      return (await import('./mobilenet.js')).createMobileNetEmbedder(options);
    case 'face':
      return (await import('./face.js')).createFaceEmbedder(options);
    case 'glove-100':
      return (await import('./glove.js')).createGloveEmbedder(options);
    case 'hog':
      return (await import('./hog.js')).createHogEmbedder(options);
    case 'color-histogram':
      return (await import('./color-histogram.js')).createColorHistogramEmbedder(options);
    case 'orb-bovw':
      return (await import('./orb-bovw.js')).createOrbBovwEmbedder(options);
    case 'audio-mfcc':
      return (await import('./audio-mfcc.js')).createAudioMfccEmbedder(options);
    default:
      throw new InvalidArgumentError(
        `provider: unknown embedder '${name}'; expected one of ${EMBEDDER_NAMES.join(', ')}, onnx:<folder> or openai:<url>`,
      );
  }
}

/** How the providers of a database's vector fields run (`providerResolver`). */
export interface ProviderResolverOptions extends WorkerPoolOptions {
  /**
   * Run providers on the calling thread, as `createEmbedder` does (default false: on worker
   * threads). For embedded uses with no latency-sensitive work beside the embedding, such as
   * a batch import script; it saves a worker's start-up and its copy of the model.
   */
  inProcess?: boolean;
}

/**
 * Providers in the shape the database takes (`Quiver.open(path, { embedders })`): each
 * provider a field names runs on its own worker threads (`WorkerEmbedder`, with `options`'
 * pool settings), except `openai:` providers, which only wait on the network and run on the
 * calling thread; with `inProcess: true` every provider runs on the calling thread.
 * Provider options come from a stored collection schema, so they are JSON already.
 * @example
 * const db = await Quiver.open('./data', { embedders: providerResolver({ workers: 2, queueLimit: 16 }) });
 */
export function providerResolver(
  options: ProviderResolverOptions = {},
): (name: string, providerOptions: Record<string, unknown>) => Promise<EmbeddingProvider> {
  const { inProcess = false, ...pool } = options;
  return (name, providerOptions) => {
    const json = providerOptions as EmbedderOptions;
    const worker =
      !inProcess &&
      typeof name === 'string' &&
      (name.startsWith('onnx:') || (EMBEDDER_NAMES as readonly string[]).includes(name));
    // Unknown names fail on this thread, with createEmbedder's error, without starting a worker.
    return worker ? WorkerEmbedder.create(name, json, pool) : createEmbedder(name, json);
  };
}

/** The database's default: `providerResolver()` (providers on worker threads). */
export const resolveEmbedder = providerResolver();

export { type HogParams, hogDescriptor, hogDimension } from './hog-features.js';
export type { OrbVocabulary, TrainOrbVocabularyOptions } from './orb-vocabulary.js';

/**
 * A bag-of-visual-words vocabulary for `orb-bovw` (k-majority over binary ORB/AKAZE
 * descriptors of `images`); save it with `saveOrbVocabulary` and name the file in the
 * provider's `vocabulary` option.
 */
export async function trainOrbVocabulary(
  images: readonly ImageInput[],
  options?: TrainOrbVocabularyOptions,
): Promise<OrbVocabulary> {
  return (await import('./orb-vocabulary.js')).trainOrbVocabulary(images, options);
}

/** Writes a vocabulary file (format in docs/format.md). */
export async function saveOrbVocabulary(vocabulary: OrbVocabulary, path: string): Promise<void> {
  return (await import('./orb-vocabulary.js')).saveOrbVocabulary(vocabulary, path);
}

/** Reads a vocabulary file; `EmbeddingModelError` when it is missing or corrupt. */
export async function loadOrbVocabulary(path: string): Promise<OrbVocabulary> {
  return (await import('./orb-vocabulary.js')).loadOrbVocabulary(path);
}
