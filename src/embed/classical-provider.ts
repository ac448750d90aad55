/**
 * The provider shell of the classical image descriptors (`hog`, `color-histogram`): decode
 * each image, compute a descriptor from its pixels, scale it to unit length.
 */
import { inBatches, l2Normalize } from './batch.js';
import { type DecodeOptions, decodeBatch, type RawImage } from './image-input.js';
import type { EmbeddingProvider } from './provider.js';

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
