/**
 * Label precision@k of a feature space: for each query image, the fraction of its k nearest
 * training images (exact search) that carry the query's class label, averaged over queries.
 * It measures how well distances in the space follow the classes, with no training at all.
 *
 * The search is exact: `flatGroundTruth` (Quiver's `FlatIndex`, wasm simd128 kernels, a fused
 * scan and top-k per query, cross-checked against a plain f64 loop on a few queries, and
 * cached in `.bench-cache/` keyed by a hash of the vectors). It ranks by squared L2; for
 * cosine, rows and queries are L2-normalized first, since for unit vectors
 * ‖a − b‖² = 2 − 2·cos(a, b) ranks exactly as cosine distance does. Ties keep the lower
 * training row first.
 */
import { l2Normalize } from '../../src/embed/batch.js';
import { precisionAtK } from '../../src/eval/metrics.js';
import { flatGroundTruth } from '../data/ground-truth.js';

/** Feature vectors of labelled images: `labels.length × dimension` floats. */
export interface LabelledFeatures {
  vectors: Float32Array;
  labels: Uint8Array;
}

export interface LabelPrecision {
  /** Mean precision@k over the queries. */
  precision: number;
  /** Seconds the exact search took in this run (≈ 0 when its answer was cached). */
  searchSeconds: number;
}

/**
 * Mean label precision@k of `queries` against `train` under `metric`.
 * @param cacheName names the search's cache file (with a hash of the vectors), e.g. `embed-hog-full`
 */
export function labelPrecisionAtK(
  train: LabelledFeatures,
  queries: LabelledFeatures,
  dimension: number,
  metric: 'l2' | 'cosine',
  k: number,
  cacheName: string,
): LabelPrecision {
  const base = metric === 'cosine' ? normalizedRows(train.vectors, dimension) : train.vectors;
  const asked = metric === 'cosine' ? normalizedRows(queries.vectors, dimension) : queries.vectors;
  const t0 = performance.now();
  const truth = flatGroundTruth(cacheName, base, asked, dimension, k);
  const searchSeconds = (performance.now() - t0) / 1000;
  const rowsOfClass = new Map<number, Set<number>>();
  train.labels.forEach((label, row) => {
    let rows = rowsOfClass.get(label);
    if (!rows) rowsOfClass.set(label, (rows = new Set()));
    rows.add(row);
  });
  let sum = 0;
  for (let q = 0; q < truth.count; q++) {
    const found = truth.rows.subarray(q * k, (q + 1) * k);
    sum += precisionAtK(found, rowsOfClass.get(queries.labels[q]) ?? new Set<number>(), k);
  }
  return { precision: sum / truth.count, searchSeconds };
}

/** A copy of `vectors` with every `dimension`-float row scaled to unit L2 norm. */
function normalizedRows(vectors: Float32Array, dimension: number): Float32Array {
  const out = vectors.slice();
  for (let start = 0; start < out.length; start += dimension)
    l2Normalize(out.subarray(start, start + dimension));
  return out;
}
