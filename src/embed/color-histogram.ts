/**
 * The `color-histogram` provider: a joint HSV colour histogram of the whole image, for
 * retrieval by colour distribution (invariant to flips, rotations and rescaling, blind to
 * shape).
 *
 * Each input is decoded to sRGB and stretched to `size` × `size` pixels (default 128; the
 * histogram hardly depends on it, a small size only makes it fast). Every pixel falls in one
 * of `bins = [hue, saturation, value]` cells (default [8, 4, 8], 256 components) of the
 * HSV cone: hue bins are centred on red (0°), so red pixels on both sides of 0°/360° share a
 * bin; saturation and value are split evenly over [0, 1]. Pixels in the lowest saturation
 * bin count as grey and go to hue bin 0 whatever their hue, which JPEG noise makes random
 * there. Components are ordered hue-major: index `(h · S + s) · V + v`. The default keeps 8
 * value levels because brightness is all that tells grey and sepia photos apart: on the nine
 * @stdlib photos re-encoded at JPEG quality 40, [8, 4, 8] ranks every copy first with a cosine
 * margin of 0.10 over the next photo, where [8, 4, 4] leaves a margin of 0.0003.
 *
 * Normalization (`normalize`): `hellinger` (default) divides by the pixel count and takes
 * square roots, so the vector has unit L2 norm and the cosine of two vectors is the
 * Bhattacharyya coefficient of the two colour distributions (robust to a few dominant bins);
 * `l2` scales the counts to unit L2 norm.
 */
import { pixelDescriptorProvider } from './classical-provider.js';
import type { EmbedderOptions, EmbeddingProvider } from './provider.js';
import { checkOptionNames, choiceOption, integerOption, integerTupleOption } from './provider-options.js';

const NAME = 'color-histogram';
const OPTIONS = ['bins', 'size', 'normalize'];

/**
 * The fraction of the pixels of `rgb` (3 bytes per pixel, row-major) in each HSV cell, binned
 * as the module comment describes: `bins[0] · bins[1] · bins[2]` components summing to 1.
 */
export function hsvHistogram(rgb: Uint8Array, bins: readonly [number, number, number]): Float32Array {
  const [hBins, sBins, vBins] = bins;
  const counts = new Float64Array(hBins * sBins * vBins);
  const pixels = Math.floor(rgb.length / 3);
  const hueWidth = 360 / hBins;
  for (let p = 0; p < pixels; p++) {
    const r = rgb[3 * p];
    const g = rgb[3 * p + 1];
    const b = rgb[3 * p + 2];
    const max = Math.max(r, g, b);
    const d = max - Math.min(r, g, b);
    let hue = 0;
    if (d > 0) {
      if (max === r) hue = 60 * (((g - b) / d + 6) % 6);
      else if (max === g) hue = 60 * ((b - r) / d + 2);
      else hue = 60 * ((r - g) / d + 4);
    }
    const s = max === 0 ? 0 : Math.min(Math.floor((d / max) * sBins), sBins - 1);
    const h = s === 0 ? 0 : Math.floor((hue + hueWidth / 2) / hueWidth) % hBins;
    const v = Math.min(Math.floor((max / 255) * vBins), vBins - 1);
    counts[(h * sBins + s) * vBins + v]++;
  }
  const out = new Float32Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] / pixels;
  return out;
}

/**
 * Options: `bins` ([hue, saturation, value] counts, each 1..64, or one number for all; default
 * [8, 4, 8]), `size` (decoded side in pixels, 8..1024, default 128), `normalize` (`hellinger`
 * or `l2`, default `hellinger`). Dimension: the product of the bins.
 *
 * @example
 * const e = await createEmbedder('color-histogram', { bins: [16, 4, 4] });
 * const [v] = await e.embed(['photo.jpg']); // v.length === 256
 */
export async function createColorHistogramEmbedder(
  options: EmbedderOptions = {},
): Promise<EmbeddingProvider> {
  checkOptionNames(NAME, options, OPTIONS);
  const [h, s, v] = integerTupleOption(NAME, options, 'bins', [8, 4, 8], 1, 64);
  const size = integerOption(NAME, options, 'size', 128, 8, 1024);
  const normalize = choiceOption(NAME, options, 'normalize', ['hellinger', 'l2'] as const, 'hellinger');
  const bins: [number, number, number] = [h, s, v];
  return pixelDescriptorProvider(
    NAME,
    h * s * v,
    { width: size, height: size, fit: 'fill', color: 'rgb' },
    (image) => {
      const hist = hsvHistogram(image.data, bins);
      if (normalize === 'hellinger') for (let i = 0; i < hist.length; i++) hist[i] = Math.sqrt(hist[i]);
      return hist;
    },
  );
}
