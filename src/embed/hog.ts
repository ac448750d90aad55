/**
 * The `hog` provider: Histogram of Oriented Gradients of the whole image, as scikit-image
 * computes it (see `hog-features.ts`), for retrieval by shape and layout rather than colour.
 *
 * Each input is decoded to grey (BT.601 luminance) and stretched to `width` × `height`
 * (aspect ratio not kept, so a photo and its rescaled copy give the same grid of cells). The
 * defaults, 128 × 128 pixels in 16 × 16-pixel cells, 2 × 2-cell blocks, 9 orientations and
 * `L2-Hys`, give an 8 × 8 grid of cells and 7 × 7 × 2 × 2 × 9 = 1764 components: the cell
 * grid Dalal and Triggs used on a 64 × 128 window, at a dimension that suits an index (8-pixel
 * cells at 128 × 128 would give 8100). The returned vector is the skimage descriptor scaled to
 * unit L2 norm (metric `cosine`); an image without any gradient (a flat colour) has no
 * descriptor and is an `EmbeddingInputError`.
 */
import { pixelDescriptorProvider } from './classical-provider.js';
import { HOG_BLOCK_NORMS, type HogParams, hogDescriptor, hogDimension } from './hog-features.js';
import { type EmbedderOptions, EmbeddingInputError, type EmbeddingProvider } from './provider.js';
import {
  booleanOption,
  checkOptionNames,
  choiceOption,
  integerOption,
  integerTupleOption,
} from './provider-options.js';

const NAME = 'hog';
const OPTIONS = [
  'width',
  'height',
  'pixelsPerCell',
  'cellsPerBlock',
  'orientations',
  'blockNorm',
  'transformSqrt',
];

/**
 * Options: `width`, `height` (default 128 each, 8..4096), `pixelsPerCell` (16, or [rows,
 * cols]), `cellsPerBlock` (2, or [rows, cols]), `orientations` (9), `blockNorm` (`L2-Hys`,
 * `L2`, `L1`, `L1-sqrt`), `transformSqrt` (false). Dimension: see `hogDimension`.
 *
 * @example
 * const hog = await createEmbedder('hog', { width: 64, height: 64, pixelsPerCell: 8 });
 * const [v] = await hog.embed(['photo.jpg']); // v.length === 1764
 */
export async function createHogEmbedder(options: EmbedderOptions = {}): Promise<EmbeddingProvider> {
  checkOptionNames(NAME, options, OPTIONS);
  const width = integerOption(NAME, options, 'width', 128, 8, 4096);
  const height = integerOption(NAME, options, 'height', 128, 8, 4096);
  const [cellRows, cellCols] = integerTupleOption(NAME, options, 'pixelsPerCell', [16, 16], 1, 4096);
  const [blockRows, blockCols] = integerTupleOption(NAME, options, 'cellsPerBlock', [2, 2], 1, 4096);
  const params: HogParams = {
    orientations: integerOption(NAME, options, 'orientations', 9, 1, 360),
    pixelsPerCell: [cellRows, cellCols],
    cellsPerBlock: [blockRows, blockCols],
    blockNorm: choiceOption(NAME, options, 'blockNorm', HOG_BLOCK_NORMS, 'L2-Hys'),
    transformSqrt: booleanOption(NAME, options, 'transformSqrt', false),
  };
  const dimension = hogDimension(width, height, params);
  return pixelDescriptorProvider(
    NAME,
    dimension,
    { width, height, fit: 'fill', color: 'gray' },
    (image, index) => {
      const v = hogDescriptor(image.data, image.width, image.height, params);
      if (!v.some((x) => x !== 0)) {
        throw new EmbeddingInputError(
          `input ${index}: the image is flat (no gradient), HOG is all zeros`,
          index,
        );
      }
      return v;
    },
  );
}
