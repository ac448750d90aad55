/**
 * The `orb-bovw` provider: a bag of visual words. Each image's binary keypoint descriptors
 * (ORB by default, or AKAZE; see `orb-descriptors.ts`) are assigned to their nearest visual
 * word by Hamming distance, and the vector is the histogram of word counts (optionally
 * weighted by idf), scaled to unit L2 norm, compared by cosine. It finds the same object or
 * scene under changes of scale, rotation, crop and colour, which global descriptors miss.
 *
 * The vocabulary is a `.qvoc` file (`orb-vocabulary.ts`) given as `options.vocabulary`, made
 * with `trainOrbVocabulary` on images like the ones to be searched. Without one, a default
 * vocabulary of `k` words is trained on first use from the six sample photos that ship in
 * `@vladmandic/face-api` (deterministic for a given `seed`, kept in memory for the process;
 * about a second) — generic, so a vocabulary trained on the user's own collection retrieves
 * better. The OpenCV runtime and default vocabularies are shared by the whole process, so
 * `dispose` has nothing of its own to free.
 *
 * An image without keypoints (a flat or tiny image) has no histogram and is an
 * `EmbeddingInputError`: cosine cannot compare a zero vector.
 */
import { InvalidArgumentError } from '../errors.js';
import { inBatches, l2Normalize } from './batch.js';
import { decodeBatch } from './image-input.js';
import { codeWords, nearestCentre } from './kmeans-binary.js';
import { loadOpenCv } from './opencv-runtime.js';
import { BINARY_DETECTORS, describeGrey, keypointDecodeOptions } from './orb-descriptors.js';
import {
  defaultOrbVocabulary,
  keypointOptions,
  loadOrbVocabulary,
  type OrbVocabulary,
  type TrainOrbVocabularyOptions,
} from './orb-vocabulary.js';
import { type EmbedderOptions, EmbeddingInputError, type EmbeddingProvider } from './provider.js';
import {
  booleanOption,
  checkOptionNames,
  choiceOption,
  integerOption,
  stringOption,
} from './provider-options.js';

export {
  decodeOrbVocabulary,
  encodeOrbVocabulary,
  loadOrbVocabulary,
  type OrbVocabulary,
  saveOrbVocabulary,
  type TrainOrbVocabularyOptions,
  trainOrbVocabulary,
} from './orb-vocabulary.js';

const NAME = 'orb-bovw';
const OPTIONS = ['detector', 'maxKeypoints', 'size', 'vocabulary', 'k', 'seed', 'tfidf'];
const BATCH_SIZE = 8;

/**
 * Options: `detector` (`orb` default, or `akaze`), `maxKeypoints` (per image, default 500),
 * `size` (side of the square grey image keypoints are found on, default 512), `vocabulary`
 * (path of a `.qvoc` file; its detector must match `detector` when both are given), `k`
 * (words of the default vocabulary, default 256), `seed` (of the default vocabulary, default
 * 42), `tfidf` (weight counts by the vocabulary's idf, default false). Dimension: the number
 * of words. Throws `InvalidArgumentError` for bad options and `EmbeddingModelError` for an
 * unreadable vocabulary file.
 *
 * @example
 * const e = await createEmbedder('orb-bovw', { vocabulary: 'photos.qvoc', tfidf: true });
 * const vectors = await e.embed(['a.jpg', 'b.jpg']);
 */
export async function createOrbBovwEmbedder(options: EmbedderOptions = {}): Promise<EmbeddingProvider> {
  checkOptionNames(NAME, options, OPTIONS);
  const detector = choiceOption(NAME, options, 'detector', BINARY_DETECTORS, 'orb');
  const training: TrainOrbVocabularyOptions = {
    detector,
    maxKeypoints: integerOption(NAME, options, 'maxKeypoints', 500, 1, 100_000),
    size: integerOption(NAME, options, 'size', 512, 32, 8192),
    k: integerOption(NAME, options, 'k', 256, 2, 4096),
    seed: integerOption(NAME, options, 'seed', 42, 0, 0xffffffff),
  };
  const tfidf = booleanOption(NAME, options, 'tfidf', false);
  const path = stringOption(NAME, options, 'vocabulary');
  let given: OrbVocabulary | undefined;
  if (path !== undefined) {
    for (const key of ['k', 'seed'] as const) {
      if (options[key] !== undefined && options[key] !== null) {
        throw new InvalidArgumentError(
          `${NAME}: option '${key}' applies to the default vocabulary, not with 'vocabulary'`,
        );
      }
    }
    given = await loadOrbVocabulary(path);
    if (options.detector !== undefined && options.detector !== null && given.detector !== detector) {
      throw new InvalidArgumentError(
        `${NAME}: vocabulary '${path}' holds ${given.detector} words, not ${detector}`,
      );
    }
    training.detector = given.detector;
  }
  const keypoints = keypointOptions(training);
  const vocabulary = () => (given ? Promise.resolve(given) : defaultOrbVocabulary(training));
  return {
    name: NAME,
    kind: 'image',
    dimension: given?.k ?? (training.k as number),
    metric: 'cosine',
    batchSize: BATCH_SIZE,
    embed: async (inputs) => {
      if (inputs.length === 0) return [];
      const [runtime, vocab] = await Promise.all([loadOpenCv(), vocabulary()]);
      const centres = codeWords(vocab.words);
      return inBatches(inputs, BATCH_SIZE, async (batch, start) => {
        const images = await decodeBatch(batch, start, keypointDecodeOptions(keypoints));
        return images.map((image, i) => {
          const { data, count } = describeGrey(runtime, image, start + i, keypoints);
          if (count === 0) {
            throw new EmbeddingInputError(
              `input ${start + i}: no ${keypoints.detector} keypoints found (flat or tiny image)`,
              start + i,
            );
          }
          const codes = codeWords(data);
          const histogram = new Float32Array(vocab.k);
          for (let d = 0; d < count; d++) histogram[nearestCentre(codes, d, centres, vocab.k)]++;
          if (tfidf) for (let w = 0; w < vocab.k; w++) histogram[w] *= vocab.idf[w];
          return l2Normalize(histogram);
        });
      });
    },
    dispose: async () => {},
  };
}
