/**
 * The `audio-mfcc` provider: a fixed-length vector of a short recording (a spoken word, a
 * sound), for query by example: find the other recordings of the same word.
 *
 * Each input is a WAV file (path or bytes; `audio-input.ts` says which encodings), decoded to
 * mono at `sampleRate`, analysed into MFCC frames by meyda (`audio-features.ts`: peak-scaled,
 * Hamming-windowed frames, c0 dropped, silence trimmed), and pooled over time:
 * - `segments` (default): the clip's frames in `segments` equal stretches, each stretch's mean
 *   MFCC minus the clip's mean, then the clip's standard deviation — (segments + 1) ×
 *   coefficients values; 60 with the defaults (4 stretches, 12 coefficients);
 * - `stats`: mean and standard deviation of the MFCCs and of their deltas — 4 × coefficients.
 * On the speech example (espeak-ng words in 8 voices, docs/benchmarks.md) `segments` finds a
 * recording of the same word in another voice first more often than `stats` does; `stats` is
 * the classic clip descriptor and ignores the order of sounds.
 *
 * The vector is scaled to unit L2 norm (metric `cosine`). An input that decodes to no
 * analysable sound — shorter than one frame, or silent — is an `EmbeddingInputError`.
 */
import { InvalidArgumentError } from '../errors.js';
import { loadMeyda, type MfccParams, mfccFrames, poolSegments, poolStats } from './audio-features.js';
import { decodeAudio } from './audio-input.js';
import { inBatches, l2Normalize } from './batch.js';
import { type EmbedderOptions, EmbeddingInputError, type EmbeddingProvider } from './provider.js';
import { booleanOption, checkOptionNames, choiceOption, integerOption } from './provider-options.js';

const NAME = 'audio-mfcc';
const OPTIONS = [
  'sampleRate',
  'frameSize',
  'hopSize',
  'melBands',
  'coefficients',
  'pooling',
  'segments',
  'trimSilence',
  'maxSeconds',
];
const POOLINGS = ['segments', 'stats'] as const;

/** The settings of one `audio-mfcc` provider, defaults filled in. */
export interface AudioMfccSettings extends MfccParams {
  pooling: (typeof POOLINGS)[number];
  segments: number;
  maxSeconds: number;
}

/**
 * Options: `sampleRate` (Hz every input is resampled to; default 16000, 8000..48000),
 * `frameSize` (samples per frame, a power of two; 512 = 32 ms at 16 kHz), `hopSize` (samples
 * between frames; 160 = 10 ms), `melBands` (40), `coefficients` (MFCCs kept per frame after
 * dropping c0; 12, at most 39 and below `melBands`), `pooling` (`segments` or `stats`),
 * `segments` (stretches of `segments` pooling; 4, 1..16), `trimSilence` (true),
 * `maxSeconds` (longest input accepted; 30, 1..600). Bad values throw `InvalidArgumentError`.
 *
 * @example
 * const audio = await createEmbedder('audio-mfcc');
 * const [v] = await audio.embed(['yes.wav']); // v.length === 60
 */
export async function createAudioMfccEmbedder(options: EmbedderOptions = {}): Promise<EmbeddingProvider> {
  const settings = audioMfccSettings(options);
  const dimension = audioMfccDimension(settings);
  const batchSize = 16;
  return {
    name: NAME,
    kind: 'audio',
    dimension,
    metric: 'cosine',
    batchSize,
    embed: (inputs) =>
      inBatches(inputs, batchSize, async (batch, start) => {
        const m = await loadMeyda();
        const decoded = await Promise.all(batch.map((input, i) => decodeAudio(input, start + i, settings)));
        return decoded.map((audio, i) => {
          const frames = mfccFrames(m, audio.samples, settings);
          if (frames.length === 0) {
            const index = start + i;
            const ms = Math.round((audio.samples.length / audio.sampleRate) * 1000);
            throw new EmbeddingInputError(
              `input ${index}: no sound to describe (${ms} ms of audio, silent or shorter than one ${settings.frameSize}-sample frame)`,
              index,
            );
          }
          const v =
            settings.pooling === 'stats' ? poolStats(frames) : poolSegments(frames, settings.segments);
          return l2Normalize(v);
        });
      }),
    dispose: async () => {},
  };
}

/** The provider's settings from its JSON options (see `createAudioMfccEmbedder`). */
export function audioMfccSettings(options: EmbedderOptions): AudioMfccSettings {
  checkOptionNames(NAME, options, OPTIONS);
  const frameSize = integerOption(NAME, options, 'frameSize', 512, 64, 4096);
  if ((frameSize & (frameSize - 1)) !== 0) {
    throw new InvalidArgumentError(
      `${NAME}: option 'frameSize' must be a power of two in [64, 4096], got ${frameSize}`,
    );
  }
  const melBands = integerOption(NAME, options, 'melBands', 40, 8, 128);
  return {
    sampleRate: integerOption(NAME, options, 'sampleRate', 16000, 8000, 48000),
    frameSize,
    hopSize: integerOption(NAME, options, 'hopSize', 160, 1, frameSize),
    melBands,
    coefficients: integerOption(NAME, options, 'coefficients', 12, 1, Math.min(39, melBands - 1)),
    pooling: choiceOption(NAME, options, 'pooling', POOLINGS, 'segments'),
    segments: integerOption(NAME, options, 'segments', 4, 1, 16),
    trimSilence: booleanOption(NAME, options, 'trimSilence', true),
    maxSeconds: integerOption(NAME, options, 'maxSeconds', 30, 1, 600),
  };
}

/** Length of the vectors of a provider with `settings`. */
export function audioMfccDimension(settings: AudioMfccSettings): number {
  return settings.pooling === 'stats'
    ? 4 * settings.coefficients
    : (settings.segments + 1) * settings.coefficients;
}
