/**
 * Histogram of Oriented Gradients (Dalal & Triggs, 2005) computed exactly as scikit-image's
 * `skimage.feature.hog(image, orientations, pixels_per_cell, cells_per_block, block_norm,
 * transform_sqrt, feature_vector=True)` computes it for a 2-D grey image (checked against
 * scikit-image 0.19 by test/embed-hog.test.ts):
 *
 * 1. optionally `sqrt` of every pixel (`transformSqrt`);
 * 2. gradients by central differences `[-1, 0, 1]` along rows and columns, in pixel units
 *    (0..255 for bytes, no rescaling); the first and last row have a zero row gradient and
 *    the first and last column a zero column gradient, as in skimage;
 * 3. per pixel, magnitude `hypot(g_col, g_row)` (as `sqrt(g_col² + g_row²)`, exact for
 *    integer pixels and within an ulp otherwise) and unsigned orientation
 *    `rad2deg(atan2(g_row, g_col)) mod 180`; the pixel votes its magnitude into bin `i` when
 *    `180/n · i <= angle < 180/n · (i + 1)` (hard binning, no interpolation);
 * 4. cells of `pixelsPerCell` pixels from the top-left corner (pixels beyond the last whole
 *    cell are ignored); each cell histogram is the sum of its votes divided by the cell's
 *    pixel count, accumulated in float32 as skimage's Cython loop does;
 * 5. every `cellsPerBlock` window of cells at stride one cell is normalized (`L1`, `L1-sqrt`,
 *    `L2`, or `L2-Hys`: L2, clip at 0.2, L2 again; eps = 1e-5);
 * 6. output order (block row, block column, cell row in block, cell column in block,
 *    orientation), flattened.
 *
 * Pairs are (rows, columns), as skimage's tuples. Nothing here decodes images: callers pass
 * grey pixels, so a benchmark can run it on raw 28×28 Fashion-MNIST arrays.
 */
import { InvalidArgumentError } from '../errors.js';

/** Block normalizations of skimage's `block_norm`. */
export const HOG_BLOCK_NORMS = ['L1', 'L1-sqrt', 'L2', 'L2-Hys'] as const;
export type HogBlockNorm = (typeof HOG_BLOCK_NORMS)[number];

/** Parameters of {@link hogDescriptor}; the defaults are skimage's except `cellsPerBlock` (2 × 2, as Dalal–Triggs). */
export interface HogParams {
  /** Orientation bins over 0–180°: default 9. */
  orientations?: number;
  /** Cell size in pixels, (rows, columns) or one number for both: default 8. */
  pixelsPerCell?: number | readonly [number, number];
  /** Block size in cells, (rows, columns) or one number for both: default 2. */
  cellsPerBlock?: number | readonly [number, number];
  /** Block normalization: default `L2-Hys`. */
  blockNorm?: HogBlockNorm;
  /** Square root of each pixel before the gradients (gamma compression): default false. */
  transformSqrt?: boolean;
}

/** {@link HogParams} with every default applied and every value checked. */
export interface ResolvedHogParams {
  orientations: number;
  cellRows: number;
  cellCols: number;
  blockRows: number;
  blockCols: number;
  blockNorm: HogBlockNorm;
  transformSqrt: boolean;
}

/** skimage's epsilon in `_hog_normalize_block`. */
const EPS = 1e-5;
/** L2-Hys clipping threshold. */
const HYS_CLIP = 0.2;
/** numpy's `rad2deg` multiplies by this constant. */
const RAD_TO_DEG = 180 / Math.PI;

function pair(
  what: string,
  v: number | readonly [number, number] | undefined,
  fallback: number,
): [number, number] {
  const p: readonly number[] = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new InvalidArgumentError(
      `hog: ${what} must be a positive integer or two of them, got ${JSON.stringify(v)}`,
    );
  }
  return [p[0], p[1]];
}

/** Applies defaults and checks every parameter. @throws InvalidArgumentError */
export function resolveHogParams(params: HogParams = {}): ResolvedHogParams {
  const orientations = params.orientations ?? 9;
  if (!Number.isInteger(orientations) || orientations < 1 || orientations > 360) {
    throw new InvalidArgumentError(`hog: orientations must be an integer in [1, 360], got ${orientations}`);
  }
  const blockNorm = params.blockNorm ?? 'L2-Hys';
  if (!HOG_BLOCK_NORMS.includes(blockNorm)) {
    throw new InvalidArgumentError(
      `hog: blockNorm must be one of ${HOG_BLOCK_NORMS.join(', ')}, got ${blockNorm}`,
    );
  }
  const [cellRows, cellCols] = pair('pixelsPerCell', params.pixelsPerCell, 8);
  const [blockRows, blockCols] = pair('cellsPerBlock', params.cellsPerBlock, 2);
  return {
    orientations,
    cellRows,
    cellCols,
    blockRows,
    blockCols,
    blockNorm,
    transformSqrt: !!params.transformSqrt,
  };
}

/** The grid of cells and blocks that a `width` × `height` image gives. */
interface HogGrid {
  cellsDown: number;
  cellsAcross: number;
  blocksDown: number;
  blocksAcross: number;
}

function hogGrid(width: number, height: number, p: ResolvedHogParams): HogGrid {
  const cellsDown = Math.floor(height / p.cellRows);
  const cellsAcross = Math.floor(width / p.cellCols);
  const blocksDown = cellsDown - p.blockRows + 1;
  const blocksAcross = cellsAcross - p.blockCols + 1;
  if (blocksDown < 1 || blocksAcross < 1) {
    throw new InvalidArgumentError(
      `hog: a ${width}×${height} image has ${cellsAcross}×${cellsDown} cells of ${p.cellCols}×${p.cellRows} pixels, ` +
        `fewer than one block of ${p.blockCols}×${p.blockRows} cells`,
    );
  }
  return { cellsDown, cellsAcross, blocksDown, blocksAcross };
}

/** Length of the descriptor of a `width` × `height` image. @throws InvalidArgumentError when no block fits. */
export function hogDimension(width: number, height: number, params: HogParams = {}): number {
  const p = resolveHogParams(params);
  const g = hogGrid(width, height, p);
  return g.blocksDown * g.blocksAcross * p.blockRows * p.blockCols * p.orientations;
}

/**
 * Per-cell orientation histograms, `cellsDown × cellsAcross × orientations`, as skimage's
 * `hog_histograms` (float32 sums in row-major order within each cell, divided by the cell area).
 */
function cellHistograms(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  p: ResolvedHogParams,
  g: HogGrid,
): Float32Array {
  const n = p.orientations;
  const hist = new Float32Array(g.cellsDown * g.cellsAcross * n);
  const step = 180 / n;
  const bounds = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) bounds[i] = step * i;
  const px = new Float64Array(pixels.length);
  for (let i = 0; i < px.length; i++) px[i] = p.transformSqrt ? Math.sqrt(pixels[i]) : pixels[i];
  const usedRows = g.cellsDown * p.cellRows;
  const usedCols = g.cellsAcross * p.cellCols;
  const cellOfColumn = Int32Array.from({ length: usedCols }, (_, x) => Math.floor(x / p.cellCols));
  for (let y = 0; y < usedRows; y++) {
    const rowBase = Math.floor(y / p.cellRows) * g.cellsAcross;
    const edgeRow = y === 0 || y === height - 1;
    for (let x = 0; x < usedCols; x++) {
      const at = y * width + x;
      const gRow = edgeRow ? 0 : px[at + width] - px[at - width];
      const gCol = x === 0 || x === width - 1 ? 0 : px[at + 1] - px[at - 1];
      // numpy's `% 180` of a value in [-180, 180]: itself, +180 when negative, -180 from 180.
      let angle = Math.atan2(gRow, gCol) * RAD_TO_DEG;
      if (angle < 0) angle += 180;
      else if (angle >= 180) angle -= 180;
      // Bin i holds bounds[i] <= angle < bounds[i + 1], exactly skimage's comparisons; an
      // angle that rounds to 180 falls in no bin there and here.
      let bin = Math.min(Math.floor(angle / step), n - 1);
      if (angle < bounds[bin]) bin--;
      else if (angle >= bounds[bin + 1]) bin++;
      if (bin < 0 || bin >= n) continue;
      // Storing into a Float32Array rounds the sum to float32, as skimage's `float total`.
      hist[(rowBase + cellOfColumn[x]) * n + bin] += Math.sqrt(gCol * gCol + gRow * gRow);
    }
  }
  const area = p.cellRows * p.cellCols;
  for (let i = 0; i < hist.length; i++) hist[i] /= area;
  return hist;
}

/** Normalizes `block` (float64) in place with skimage's `_hog_normalize_block`. */
function normalizeBlock(block: Float64Array, norm: HogBlockNorm): void {
  let sumAbs = 0;
  let sumSq = 0;
  for (const v of block) {
    sumAbs += Math.abs(v);
    sumSq += v * v;
  }
  if (norm === 'L1' || norm === 'L1-sqrt') {
    const inv = 1 / (sumAbs + EPS);
    for (let i = 0; i < block.length; i++)
      block[i] = norm === 'L1' ? block[i] * inv : Math.sqrt(block[i] * inv);
    return;
  }
  const scale = Math.sqrt(sumSq + EPS * EPS);
  for (let i = 0; i < block.length; i++) block[i] /= scale;
  if (norm === 'L2') return;
  let clippedSq = 0;
  for (let i = 0; i < block.length; i++) {
    block[i] = Math.min(block[i], HYS_CLIP);
    clippedSq += block[i] * block[i];
  }
  const rescale = Math.sqrt(clippedSq + EPS * EPS);
  for (let i = 0; i < block.length; i++) block[i] /= rescale;
}

/**
 * The HOG descriptor of a grey image of `width` × `height` pixels, row-major (`Uint8Array`
 * 0..255, or floats in any range), as skimage's `hog(..., feature_vector=True)`: length
 * {@link hogDimension}. A flat image gives all zeros. @throws InvalidArgumentError for bad
 * parameters, a pixel array of the wrong length, or an image smaller than one block.
 */
export function hogDescriptor(
  pixels: Uint8Array | Uint8ClampedArray | Float32Array | Float64Array,
  width: number,
  height: number,
  params: HogParams = {},
): Float32Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidArgumentError(`hog: width and height must be positive integers, got ${width}×${height}`);
  }
  if (pixels.length !== width * height) {
    throw new InvalidArgumentError(
      `hog: expected ${width}×${height} = ${width * height} pixels, got ${pixels.length}`,
    );
  }
  const p = resolveHogParams(params);
  const g = hogGrid(width, height, p);
  const hist = cellHistograms(pixels, width, height, p, g);
  const n = p.orientations;
  const blockLength = p.blockRows * p.blockCols * n;
  const out = new Float32Array(g.blocksDown * g.blocksAcross * blockLength);
  const block = new Float64Array(blockLength);
  let o = 0;
  for (let br = 0; br < g.blocksDown; br++) {
    for (let bc = 0; bc < g.blocksAcross; bc++) {
      let b = 0;
      for (let r = br; r < br + p.blockRows; r++) {
        for (let c = bc; c < bc + p.blockCols; c++) {
          const base = (r * g.cellsAcross + c) * n;
          for (let i = 0; i < n; i++) block[b++] = hist[base + i];
        }
      }
      normalizeBlock(block, p.blockNorm);
      out.set(block, o);
      o += blockLength;
    }
  }
  return out;
}
