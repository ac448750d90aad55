/**
 * Making the thumbnails that fields with `storeInput: 'thumbnail'` keep: a WebP of at most
 * {@link THUMBNAIL_MAX_SIDE} px on its longer side (aspect ratio kept, never enlarged),
 * quality {@link THUMBNAIL_QUALITY}, EXIF orientation applied, metadata dropped.
 *
 * sharp decodes and encodes on libuv's thread pool, so the event loop only schedules the
 * work; at most {@link THUMBNAIL_CONCURRENCY} images of one call are in flight at once, so
 * a large batch of big photos does not hold all of them decoded in memory. Decoding follows
 * the providers' rules (`embed/image-input.ts`: errors on corrupt data, at most 100
 * megapixels), so an input the field's provider accepted decodes here too.
 */
import sharp from 'sharp';
import { InvalidArgumentError } from '../errors.js';

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_MAX_SIDE = 256;
/** WebP quality (0–100). */
export const THUMBNAIL_QUALITY = 75;
/** Images of one call decoded at once. */
export const THUMBNAIL_CONCURRENCY = 4;
/** As `MAX_PIXELS` of `embed/image-input.ts`. */
const MAX_PIXELS = 100_000_000;

/** One image input (a file path or the file's bytes) and where it was given, for errors. */
export interface ThumbnailInput {
  input: string | Uint8Array;
  /** E.g. `points[3].image`. */
  where: string;
}

/**
 * The thumbnails of `inputs`, in order. Throws `InvalidArgumentError` naming the first
 * input (in order) that cannot be decoded, after every started conversion has settled.
 */
export async function makeThumbnails(inputs: readonly ThumbnailInput[]): Promise<Buffer[]> {
  const out: Buffer[] = new Array(inputs.length);
  const failures: { at: number; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const at = next++;
      try {
        out[at] = await makeThumbnail(inputs[at]);
      } catch (error) {
        failures.push({ at, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(THUMBNAIL_CONCURRENCY, inputs.length) }, worker));
  if (failures.length > 0) throw failures.sort((a, b) => a.at - b.at)[0].error;
  return out;
}

/** The thumbnail of one image. */
export async function makeThumbnail({ input, where }: ThumbnailInput): Promise<Buffer> {
  try {
    return await sharp(input, { failOn: 'error', limitInputPixels: MAX_PIXELS })
      .rotate()
      .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: THUMBNAIL_QUALITY })
      .toBuffer();
  } catch (e) {
    const what = typeof input === 'string' ? `'${input}'` : `${input.length}-byte buffer`;
    throw new InvalidArgumentError(`${where}: cannot make a thumbnail of ${what}: ${(e as Error).message}`);
  }
}
