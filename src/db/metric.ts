/**
 * What each metric means to the engine: the kernels' distance kind, the row length stored
 * per vector, the conversions between kernel distances and user-facing scores, and (for
 * binary metrics) between packed bits and what users pass and get back.
 *
 * Binary vectors (`hamming`, `jaccard`): the collection's `dimension` counts bits (a
 * multiple of 8); users give `dimension / 8` bytes (a `Uint8Array` or an array of byte
 * values, first byte = bits 0..7, least significant bit first). Rows are stored packed,
 * 32 bits per f32 slot (raw bits, padded with zero bits to whole words; padding changes
 * neither distance), and only ever copied as bytes, never read as floats.
 */
import { InvalidArgumentError } from '../errors.js';
import { formatIndexFactory, type IndexRecipe, supportsDistance } from '../index/factory.js';
import { DistanceKind } from '../kernels/kernels.js';
import type { Metric } from './types.js';

export const METRICS: readonly Metric[] = ['l2', 'ip', 'cosine', 'l1', 'hamming', 'jaccard'];

export function isBinary(metric: Metric): boolean {
  return metric === 'hamming' || metric === 'jaccard';
}

export function distanceKind(metric: Metric): DistanceKind {
  switch (metric) {
    case 'l2':
      return DistanceKind.L2;
    case 'l1':
      return DistanceKind.L1;
    case 'hamming':
      return DistanceKind.HAMMING;
    case 'jaccard':
      return DistanceKind.JACCARD;
    default:
      // cosine is inner product over vectors normalized on insert
      return DistanceKind.IP;
  }
}

/**
 * Checks that the index recipe of a float field can search by its metric (`l1` needs a
 * family that computes exact distances: Flat, HNSW, IVF with flat lists).
 */
export function checkIndexForMetric(metric: Metric, recipe: IndexRecipe | undefined, where: string): void {
  if (recipe === undefined || supportsDistance(recipe, distanceKind(metric))) return;
  throw new InvalidArgumentError(
    `${where}index: an ${metric} vector field needs an index that computes exact ${metric} distances (Flat, HNSW<M>, IVF<n>,Flat), got ${formatIndexFactory(recipe)}`,
  );
}

/** f32 slots per stored row: the dimension, or whole 32-bit words of packed bits. */
export function rowLength(dimension: number, metric: Metric): number {
  return isBinary(metric) ? Math.ceil(dimension / 32) : dimension;
}

/** Checks what a binary metric needs of the dimension. */
export function checkBinaryDimension(dimension: number, metric: Metric): void {
  if (isBinary(metric) && dimension % 8 !== 0) {
    throw new InvalidArgumentError(
      `a ${metric} collection's dimension counts bits and must be a multiple of 8, got ${dimension}`,
    );
  }
}

/** Whether the metric's user-facing score is a similarity (ip, cosine) rather than a distance. */
export function higherIsBetter(metric: Metric): boolean {
  return metric === 'ip' || metric === 'cosine';
}

/** The user-facing score of a kernel distance: l2, l1, hamming, jaccard keep it (lower is better); ip and cosine negate it. */
export function scoreOf(metric: Metric, distance: number): number {
  return higherIsBetter(metric) ? -distance : distance;
}

/** A `rangeSearch` radius, in the metric's terms, as a bound on kernel distance. */
export function maxDistanceOf(metric: Metric, radius: number): number {
  if (metric === 'cosine') return radius - 1;
  if (metric === 'ip') return -radius;
  return radius;
}

/** A stored row as users get it back: the floats, or the `dimension / 8` bytes of a binary vector. */
export function outputVector(
  metric: Metric,
  dimension: number,
  row: Float32Array,
): Float32Array | Uint8Array {
  if (!isBinary(metric)) return row;
  return new Uint8Array(row.buffer, row.byteOffset, dimension / 8).slice();
}
