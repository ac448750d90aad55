/**
 * Qdrant's distance names and score conventions over Quiver's metrics.
 *
 * | Qdrant      | Quiver   | score at the REST API                 | better |
 * |-------------|----------|---------------------------------------|--------|
 * | `Cosine`    | `cosine` | cosine similarity                     | higher |
 * | `Dot`       | `ip`     | inner product                         | higher |
 * | `Euclid`    | `l2`     | Euclidean distance (√ of Quiver's)    | lower  |
 * | `Manhattan` | `l1`     | sum of absolute differences           | lower  |
 * | `Hamming`   | `hamming`| differing bits (Quiver extension)     | lower  |
 * | `Jaccard`   | `jaccard`| 1 − |a∧b|/|a∨b| (Quiver extension)     | lower  |
 *
 * The engine's `l2` score is the squared distance (FAISS's and hnswlib's convention);
 * Qdrant's `Euclid` score is the distance itself, so the REST API takes the square root of
 * every l2 vector score it returns and squares a `score_threshold` it is given (an upper
 * bound on the distance for the lower-is-better metrics, a lower bound on the score for the
 * others, as in Qdrant). Fused, BM25 and recommend `best_score`/`sum_scores` scores are not
 * distances and pass unchanged.
 */
import type { Collection, Metric } from '../db/types.js';
import { InvalidArgumentError } from '../errors.js';

export const DISTANCES = ['Cosine', 'Euclid', 'Dot', 'Manhattan', 'Hamming', 'Jaccard'] as const;
export type Distance = (typeof DISTANCES)[number];

const TO_METRIC: Record<Distance, Metric> = {
  Cosine: 'cosine',
  Euclid: 'l2',
  Dot: 'ip',
  Manhattan: 'l1' as Metric,
  Hamming: 'hamming',
  Jaccard: 'jaccard',
};

export function metricOf(distance: Distance): Metric {
  return TO_METRIC[distance];
}

export function distanceOf(metric: Metric): Distance {
  for (const [distance, m] of Object.entries(TO_METRIC)) if (m === metric) return distance as Distance;
  throw new InvalidArgumentError(`metric ${metric} has no distance name`);
}

/** Whether a lower score is better under `metric`. */
export function lowerIsBetter(metric: Metric): boolean {
  return metric !== 'ip' && metric !== 'cosine';
}

/** A vector score of the engine, as the REST API reports it. */
export function restScore(metric: Metric, score: number): number {
  return metric === 'l2' ? Math.sqrt(score) : score;
}

/**
 * A `score_threshold` given to the REST API, in the engine's terms. For l2 a negative bound
 * admits nothing, so it stays negative (squaring it would admit points).
 */
export function engineThreshold(metric: Metric, threshold: number): number {
  return metric === 'l2' && threshold >= 0 ? threshold * threshold : threshold;
}

/** Whether `score` (the REST API's) passes `threshold`. */
export function passes(metric: Metric, score: number, threshold: number | undefined): boolean {
  if (threshold === undefined) return true;
  return lowerIsBetter(metric) ? score <= threshold : score >= threshold;
}

/** The metric of the vector field `using` (or of the collection's one vector, or its first field). */
export async function fieldMetric(collection: Collection, using: string | undefined): Promise<Metric> {
  if (using === undefined) return collection.metric;
  const { vectors, metric } = await collection.info();
  return vectors?.[using]?.metric ?? metric;
}
