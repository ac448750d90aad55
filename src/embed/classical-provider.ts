/**
 * What the classical image descriptors (`hog`, `color-histogram`, `orb-bovw`) share: reading
 * their JSON options with typed errors, decoding a batch of images concurrently, and the
 * provider shell of a descriptor computed from decoded pixels.
 *
 * Invariants: an option reader either returns a value inside the stated range or throws
 * `InvalidArgumentError` naming the provider, the option, what was expected and what was
 * given; unknown option names are rejected (a misspelt option never silently falls back to
 * its default). A batch decodes all its images before any is described, and when several
 * fail the error names the first failing input in batch order, so errors do not depend on
 * which decode finished first.
 */
import { InvalidArgumentError } from '../errors.js';
import { inBatches, l2Normalize } from './batch.js';
import { type DecodeOptions, decodeImage, type RawImage } from './image-input.js';
import type { EmbedderOptions, EmbeddingProvider, EmbedInput } from './provider.js';

type OptionValue = EmbedderOptions[string];

/** Throws unless every key of `options` is one of `known`. */
export function checkOptionNames(provider: string, options: EmbedderOptions, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(`${provider}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(
        `${provider}: unknown option '${key}'; expected one of ${known.join(', ')}`,
      );
    }
  }
}

/** `options[key]` as an integer in [lo, hi], or `fallback` when absent (undefined or null). */
export function integerOption(
  provider: string,
  options: EmbedderOptions,
  key: string,
  fallback: number,
  lo: number,
  hi: number,
): number {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(
      `${provider}: option '${key}' must be an integer in [${lo}, ${hi}], got ${describe(v)}`,
    );
  }
  return v;
}

/**
 * `options[key]` as `length` integers in [lo, hi]: an array of that length, or one number
 * standing for all of them; `fallback` when absent.
 */
export function integerTupleOption(
  provider: string,
  options: EmbedderOptions,
  key: string,
  fallback: readonly number[],
  lo: number,
  hi: number,
): number[] {
  const v = options[key];
  if (v === undefined || v === null) return [...fallback];
  const values = typeof v === 'number' ? fallback.map(() => v) : v;
  const ok =
    Array.isArray(values) &&
    values.length === fallback.length &&
    values.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi);
  if (!ok) {
    throw new InvalidArgumentError(
      `${provider}: option '${key}' must be an integer in [${lo}, ${hi}] or ${fallback.length} of them, got ${describe(v)}`,
    );
  }
  return values as number[];
}

/** `options[key]` as one of `choices`, or `fallback` when absent. */
export function choiceOption<T extends string>(
  provider: string,
  options: EmbedderOptions,
  key: string,
  choices: readonly T[],
  fallback: T,
): T {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new InvalidArgumentError(
      `${provider}: option '${key}' must be one of ${choices.join(', ')}, got ${describe(v)}`,
    );
  }
  return v as T;
}

/** `options[key]` as a boolean, or `fallback` when absent. */
export function booleanOption(
  provider: string,
  options: EmbedderOptions,
  key: string,
  fallback: boolean,
): boolean {
  const v = options[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') {
    throw new InvalidArgumentError(`${provider}: option '${key}' must be true or false, got ${describe(v)}`);
  }
  return v;
}

/** `options[key]` as a non-empty string, or undefined when absent. */
export function stringOption(provider: string, options: EmbedderOptions, key: string): string | undefined {
  const v = options[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0) {
    throw new InvalidArgumentError(
      `${provider}: option '${key}' must be a non-empty string, got ${describe(v)}`,
    );
  }
  return v;
}

function describe(v: OptionValue | unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map((x) => describe(x)).join(', ')}]`;
  return v === null ? 'null' : typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v;
}

/**
 * Decodes `batch` concurrently (libvips works on its own threads); `start` is the position of
 * `batch[0]` in the caller's input list, used in error messages. Throws the error of the first
 * failing input in batch order.
 */
export async function decodeBatch(
  batch: readonly EmbedInput[],
  start: number,
  options: DecodeOptions,
): Promise<RawImage[]> {
  const settled = await Promise.allSettled(batch.map((input, i) => decodeImage(input, start + i, options)));
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
}

/**
 * What a provider built on {@link pixelDescriptorProvider} computes from one decoded image;
 * `index` is the image's position in the caller's input list, for `EmbeddingInputError`s.
 */
export type PixelDescriptor = (image: RawImage, index: number) => Float32Array;

/**
 * A cosine provider that decodes each input with `decode` and returns `describeImage(image)`
 * scaled to unit L2 norm. `describeImage` returns `dimension` finite components, not all zero
 * (cosine cannot compare a zero vector): it throws `EmbeddingInputError` for an image it
 * cannot describe.
 */
export function pixelDescriptorProvider(
  name: string,
  dimension: number,
  decode: DecodeOptions,
  describeImage: PixelDescriptor,
  batchSize = 16,
): EmbeddingProvider {
  return {
    name,
    kind: 'image',
    dimension,
    metric: 'cosine',
    batchSize,
    embed: (inputs) =>
      inBatches(inputs, batchSize, async (batch, start) =>
        (await decodeBatch(batch, start, decode)).map((image, i) =>
          l2Normalize(describeImage(image, start + i)),
        ),
      ),
    dispose: async () => {},
  };
}
