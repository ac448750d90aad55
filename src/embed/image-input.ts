/**
 * Decoding of image inputs with `sharp` (libvips): a file path or the file's bytes become raw
 * pixels of a requested size, one at a time or a batch concurrently. A batch decodes all its
 * images before any is used, and when several fail the error names the first failing input
 * in batch order, so errors do not depend on which decode finished first. Every provider that reads images goes through here, so they all
 * accept the same formats and fail the same way: a missing file, or bytes that are not an
 * image, is an `EmbeddingInputError` naming the input's position and path.
 *
 * EXIF orientation is applied, alpha is flattened onto black and colour is converted to sRGB,
 * so a photo decodes to the same pixels whatever its container.
 */
import sharp from 'sharp';
import { EmbeddingInputError, type EmbedInput, type ImageInput } from './provider.js';

/** Raw pixels, row-major, `channels` bytes per pixel (3: RGB, 1: luminance). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** How an image is brought to a requested size. */
export interface DecodeOptions {
  /** Output width and height; omitted: the image's own size. */
  width?: number;
  height?: number;
  /** `fill` (default) stretches to exactly width × height; `cover` crops the centre to keep the aspect ratio. */
  fit?: 'fill' | 'cover';
  /** `rgb` (default) or `gray` (ITU-R BT.601 luminance, as libvips computes it). */
  color?: 'rgb' | 'gray';
}

/**
 * Largest image decoded, in pixels (100 megapixels: any camera photo; a small crafted file
 * claiming more would otherwise expand to gigabytes).
 */
export const MAX_PIXELS = 100_000_000;

/** Describes an input for error messages without printing a whole buffer. */
export function describeImage(input: ImageInput): string {
  return typeof input === 'string' ? `'${input}'` : `${input.length}-byte buffer`;
}

/** Checks that `input` is a path or bytes at all (not a number, not an empty string). */
export function checkImageInput(input: unknown, index: number): ImageInput {
  if (typeof input === 'string' && input.length > 0) return input;
  if (input instanceof Uint8Array && input.length > 0) return input;
  throw new EmbeddingInputError(
    `input ${index}: expected an image file path or non-empty bytes, got ${input === null ? 'null' : typeof input}`,
    index,
  );
}

/** Decodes one image to raw pixels (see `DecodeOptions`). */
export async function decodeImage(
  input: ImageInput,
  index: number,
  options: DecodeOptions = {},
): Promise<RawImage> {
  const checked = checkImageInput(input, index);
  const gray = options.color === 'gray';
  try {
    let img = sharp(checked, { failOn: 'error', limitInputPixels: MAX_PIXELS })
      .rotate()
      .flatten({ background: '#000000' });
    if (options.width !== undefined || options.height !== undefined) {
      img = img.resize(options.width, options.height, { fit: options.fit === 'cover' ? 'cover' : 'fill' });
    }
    img = gray ? img.grayscale() : img.toColourspace('srgb');
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    const channels = gray ? 1 : 3;
    if (info.channels !== channels) {
      throw new Error(`decoded to ${info.channels} channels instead of ${channels}`);
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      channels,
    };
  } catch (e) {
    throw new EmbeddingInputError(
      `input ${index}: cannot decode image ${describeImage(checked)}: ${(e as Error).message}`,
      index,
    );
  }
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
