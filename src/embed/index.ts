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
 * | `onnx:<folder>` | text | the model's hidden size | cosine |
 * | `openai:<url>` | text | the endpoint's | cosine |
 *
 * Each implementation lives in its own module, imported only when asked for, so that the
 * database core never loads TensorFlow, ONNX Runtime or OpenCV unless a provider needs them.
 */
import { InvalidArgumentError } from '../errors.js';
import type { OrbVocabulary, TrainOrbVocabularyOptions } from './orb-vocabulary.js';
import type { EmbedderOptions, EmbeddingProvider, ImageInput } from './provider.js';

export type {
  Box,
  Detection,
  EmbedderOptions,
  EmbeddingProvider,
  EmbedInput,
  ImageInput,
} from './provider.js';
export { EmbeddingInputError, EmbeddingModelError } from './provider.js';

/** Names `createEmbedder` accepts besides the `onnx:` and `openai:` prefixes. */
export const EMBEDDER_NAMES = [
  'mobilenet-v2',
  'face',
  'glove-100',
  'hog',
  'color-histogram',
  'orb-bovw',
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
    default:
      throw new InvalidArgumentError(
        `provider: unknown embedder '${name}'; expected one of ${EMBEDDER_NAMES.join(', ')}, onnx:<folder> or openai:<url>`,
      );
  }
}

/**
 * `createEmbedder` in the shape the database takes (`Quiver.open(path, { embedders })`);
 * options come from a stored collection schema, so they are JSON already.
 */
export function resolveEmbedder(name: string, options: Record<string, unknown>): Promise<EmbeddingProvider> {
  return createEmbedder(name, options as EmbedderOptions);
}

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
