/**
 * Recommendation from examples: turning positive and negative examples (vectors of one
 * field) into one query vector (`average`), or re-scoring candidates by their best
 * similarity to any example (`best_score`) or by the sum of their similarities
 * (`sum_scores`).
 *
 * Similarity is "higher is better": the negated kernel distance (the dot product for `ip`
 * and `cosine`, minus the squared distance for `l2`).
 */
import { InvalidArgumentError } from '../errors.js';

/** avg(positive) + (avg(positive) − avg(negative)), or avg(positive) without negatives. */
export function averageQuery(
  positive: readonly Float32Array[],
  negative: readonly Float32Array[],
): Float32Array {
  const pos = mean(positive);
  if (negative.length === 0) return pos;
  const neg = mean(negative);
  const out = new Float32Array(pos.length);
  for (let i = 0; i < out.length; i++) out[i] = 2 * pos[i] - neg[i];
  if (!out.every(Number.isFinite))
    throw new InvalidArgumentError('recommend: the examples give a non-finite query');
  return out;
}

function mean(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0].length);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i] += v[i];
  for (let i = 0; i < out.length; i++) out[i] /= vectors.length;
  return out;
}

/**
 * `best_score` (Qdrant's rule): s⁺ = the best similarity to a positive example, s⁻ = the
 * best to a negative one; the score is σ(s⁺) when no negative example is as similar
 * (s⁻ < s⁺), else −σ(s⁻), with σ the logistic function. So every candidate nearer a
 * negative example ranks below every other, the nearer the lower.
 */
export function bestScore(positive: readonly number[], negative: readonly number[]): number {
  const best = Math.max(...positive);
  const worst = negative.length === 0 ? Number.NEGATIVE_INFINITY : Math.max(...negative);
  return worst < best ? sigmoid(best) : -sigmoid(worst);
}

/** `sum_scores` (Qdrant's rule): Σ similarity to positive examples − Σ similarity to negative ones. */
export function sumScores(positive: readonly number[], negative: readonly number[]): number {
  let sum = 0;
  for (const s of positive) sum += s;
  for (const s of negative) sum -= s;
  return sum;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
